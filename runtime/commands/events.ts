import type { CommandFn } from '../cli/command-context.ts';
import { writeStdout } from '../cli/stdout.ts';
import { checkContainerId } from '../container/container-id.ts';
import { containerStats, followEvents, parseDuration } from '../container/container-events.ts';

/** events [--stats] [--interval 5s] ID: runc's JSON lines {type, id, data}. */
const events: CommandFn = async (ctx, { values, positionals }) => {
  const id = checkContainerId(positionals[0]);
  const store = ctx.store();
  if (values.stats === true) {
    writeStdout(`${JSON.stringify(containerStats(store, id))}\n`);
    return 0;
  }
  const interval = parseDuration((values.interval as string | undefined) ?? '5s');
  await followEvents(store, id, interval, (e) => writeStdout(`${JSON.stringify(e)}\n`));
  return 0;
};
export default events;
