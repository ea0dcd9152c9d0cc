/** skopeo, run without blocking the event loop (the token server the registry calls lives in the test process). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function skopeo(args: string[]): Promise<string> {
  const { stdout } = await run('skopeo', args, { maxBuffer: 64 << 20 });
  return stdout;
}

export async function skopeoInspect(image: string, raw = false): Promise<Record<string, unknown>> {
  return JSON.parse(await skopeo(['inspect', ...(raw ? ['--raw'] : []), image])) as Record<string, unknown>;
}
