export async function runRequirements(): Promise<number> {
  process.stdout.write('1..0 # the requirement suite is being written\n');
  return 0;
}
