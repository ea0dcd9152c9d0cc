import type { CommandFn } from '../cli/command-context.ts';
import { interruptible } from '../cli/interrupt-signals.ts';
import { createContainer } from '../container/create-container.ts';
import { createOptionsFrom } from './create-options.ts';

const create: CommandFn = async (ctx, { values, positionals }) => {
  const id = positionals[0]!;
  await interruptible(ctx.logger, `create ${id}`, (signal) => createContainer({ ...createOptionsFrom(ctx, values, id), foreground: false, signal }));
  return 0;
};
export default create;
