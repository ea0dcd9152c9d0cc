import type { CommandFn } from '../cli/command-context.ts';
import { runtimeState } from '../container/runtime-state.ts';

const state: CommandFn = (ctx, { positionals }) => {
  const store = ctx.store();
  process.stdout.write(`${JSON.stringify(runtimeState(store, store.load(positionals[0]!)), null, 2)}\n`);
  return 0;
};
export default state;
