import { constants } from 'node:os';
import type { Logger } from './logger.ts';

const INTERRUPTS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * For the CLI only: while `work` runs, SIGTERM, SIGINT and SIGHUP (containerd's timeout, Ctrl-C,
 * a closed terminal) abort the AbortSignal it was given, which makes the library undo what it
 * made, and then the process exits with 128+signal as a killed runc would. The handlers are the
 * CLI's and go away when `work` settles: the runtime library itself never installs any, so a
 * long-lived process that uses it (the shim) keeps its own signal handling.
 */
export async function interruptible<T>(logger: Logger, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    controller.abort(new Error(`interrupted by ${sig}`));
    logger.error(`${what}: interrupted by ${sig}; cleaned up`);
    process.exit(128 + (constants.signals[sig] ?? 0));
  };
  for (const sig of INTERRUPTS) process.on(sig, onSignal);
  try {
    return await work(controller.signal);
  } finally {
    for (const sig of INTERRUPTS) process.off(sig, onSignal);
  }
}
