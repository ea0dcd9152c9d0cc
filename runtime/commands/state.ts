import { checkContainerId } from '../container/container-id.ts';
import { writeStdout } from '../cli/stdout.ts';
import type { CommandFn } from '../cli/command-context.ts';
import { runtimeState } from '../container/runtime-state.ts';

const state: CommandFn = (ctx, { positionals }) => {
  const store = ctx.store();
  writeStdout(`${JSON.stringify(runtimeState(store, store.load(checkContainerId(positionals[0]))), null, 2)}\n`);
  return 0;
};
export default state;
