/**
 * containerd-shim-tsrun-v2: containerd's runtime v2 shim for tsrun. `start` and `delete` are short
 * calls from containerd; without an action the process is the daemon that `start` forked. Each
 * path loads only its own modules.
 */
import { parseShimFlags } from './shim-flags.ts';

async function main(): Promise<number> {
  let flags;
  try {
    flags = parseShimFlags(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`containerd-shim-tsrun-v2: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    switch (flags.action) {
      case 'start': return await (await import('./start-command.ts')).startShim(flags);
      case 'delete': return (await import('./delete-command.ts')).deleteAfterDeadShim(flags);
      case '':
        if (!flags.socket) throw new Error('no action given (start or delete)');
        // The launcher moved NODE_EXTRA_CA_CERTS aside to spare Node's start-up; the daemon's
        // children (binary:// loggers) get it back. start passes it on aside to the daemon it forks.
        if (process.env.TSRUN_DEFERRED_CA_CERTS !== undefined) process.env.NODE_EXTRA_CA_CERTS = process.env.TSRUN_DEFERRED_CA_CERTS;
        await (await import('./shim-daemon.ts')).runShimDaemon(flags);
        return -1;
      default: throw new Error(`unknown action "${flags.action}" (start or delete)`);
    }
  } catch (err) {
    process.stderr.write(`containerd-shim-tsrun-v2 ${flags.action}: ${(err as Error).message}\n`);
    return 1;
  }
}

void main().then((code) => { if (code >= 0) process.exitCode = code; });
