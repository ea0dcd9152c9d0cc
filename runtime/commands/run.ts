import type { CommandFn } from '../cli/command-context.ts';
import { interruptible } from '../cli/interrupt-signals.ts';
import { createContainer } from '../container/create-container.ts';
import { deleteContainer } from '../container/delete-container.ts';
import { startContainer } from '../container/start-container.ts';
import { createOptionsFrom } from './create-options.ts';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

/**
 * run = create + start. In the foreground tsrun forwards the signals it gets to the container,
 * waits for it, removes it (unless --keep) and exits with its status (128+signal when killed).
 */
const run: CommandFn = async (ctx, { values, positionals }) => {
  const id = positionals[0]!;
  const detach = values.detach === true;
  const store = ctx.store();
  const options = createOptionsFrom(ctx, values, id);
  const { record, init, console: tty } = await interruptible(ctx.logger, `create ${id}`,
    (signal) => createContainer({ ...options, foreground: !detach, ownConsole: !detach && !options.consoleSocket, signal }));
  try {
    tty?.attach();
    startContainer(store, id);
  } catch (err) {
    tty?.abandon();
    deleteContainer(store, id, true);
    throw err;
  }
  const t = (what: string) => ctx.logger.debug(`run ${id}: ${what} at ${(process.uptime() * 1000).toFixed(1)} ms`); // not performance.now(): its first use loads perf_hooks (~2 ms)
  t('started');
  if (detach) return 0;
  const forward = (sig: NodeJS.Signals) => {
    try {
      process.kill(record.pid, sig);
    } catch {
      /* the container is gone already */
    }
  };
  init.helper.ref(); // stage 0 reports the container's exit: stay until it does
  for (const sig of FORWARDED) process.on(sig, forward);
  const status = await init.exited;
  await tty?.finish();
  t('exited');
  for (const sig of FORWARDED) process.off(sig, forward);
  if (values.keep !== true) deleteContainer(store, id, true, (m) => ctx.logger.warn(m));
  t('deleted');
  return status;
};
export default run;
