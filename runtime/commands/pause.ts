import type { CommandFn } from '../cli/command-context.ts';
import { checkContainerId } from '../container/container-id.ts';
import { pauseContainer } from '../container/pause-container.ts';

const pause: CommandFn = (ctx, { positionals }) => {
  pauseContainer(ctx.store(), checkContainerId(positionals[0]), true);
  return 0;
};
export default pause;
