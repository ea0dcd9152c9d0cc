// TEMPORARY entry point, only until the lead wires unpack, unmount and rm-bundle into the real
// tsimg CLI (imgtool/cli/, owned by the registry/store work). Tests and the benchmark run the
// commands through this file; delete it at the merge.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { rmBundleCommand } from './rm-bundle.ts';
import { unmountCommand } from './unmount.ts';
import { unpackCommand } from './unpack.ts';

await yargs(hideBin(process.argv))
  .scriptName('tsimg')
  .command(unpackCommand)
  .command(unmountCommand)
  .command(rmBundleCommand)
  .demandCommand(1)
  .strict()
  .fail((msg, err) => {
    process.stderr.write(`tsimg: ${err ? err.message : msg}\n`);
    process.exit(1);
  })
  .parseAsync();
