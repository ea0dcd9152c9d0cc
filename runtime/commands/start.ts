import { checkContainerId } from '../container/container-id.ts';
import type { CommandFn } from '../cli/command-context.ts';
import { startContainer } from '../container/start-container.ts';

const start: CommandFn = (ctx, { positionals }) => {
  startContainer(ctx.store(), checkContainerId(positionals[0]));
  return 0;
};
export default start;
