import { checkContainerId } from '../container/container-id.ts';
import type { CommandFn } from '../cli/command-context.ts';
import { parseSignal } from '../cli/signals.ts';
import { killContainer } from '../container/kill-container.ts';

const kill: CommandFn = (ctx, { values, positionals }) => {
  killContainer(ctx.store(), checkContainerId(positionals[0]), parseSignal(positionals[1]), values.all === true);
  return 0;
};
export default kill;
