import type { CommandFn } from '../cli/command-context.ts';
import { checkContainerId } from '../container/container-id.ts';
import { deleteContainer } from '../container/delete-container.ts';

const del: CommandFn = (ctx, { values, positionals }) => {
  deleteContainer(ctx.store(), checkContainerId(positionals[0]), values.force === true, (m) => ctx.logger.warn(m));
  return 0;
};
export default del;
