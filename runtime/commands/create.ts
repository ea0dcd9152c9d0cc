import type { CommandFn } from '../cli/command-context.ts';
import { createContainer } from '../container/create-container.ts';
import { createOptionsFrom } from './create-options.ts';

const create: CommandFn = async (ctx, { values, positionals }) => {
  await createContainer({ ...createOptionsFrom(ctx, values, positionals[0]!), foreground: false });
  return 0;
};
export default create;
