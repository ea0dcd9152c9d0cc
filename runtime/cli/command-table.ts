import type { ParseArgsConfig } from 'node:util';
import type { CommandFn } from './command-context.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
export interface CommandSpec {
  summary: string;
  usage: string;
  options: Options;
  /** positional arguments: [min, max] */
  arity: [number, number];
  load: () => Promise<{ default: CommandFn }>;
}

const createOptions: Options = {
  bundle: { type: 'string', short: 'b' },
  'console-socket': { type: 'string' },
  'pid-file': { type: 'string' },
  'no-pivot': { type: 'boolean' },
  'no-new-keyring': { type: 'boolean' },
  'preserve-fds': { type: 'string' },
};

/** runc's command line, flag for flag; each command's code is loaded only when it runs. */
export const COMMANDS: Record<string, CommandSpec> = {
  create: { summary: 'create a container', usage: 'create [options] <container-id>', options: createOptions, arity: [1, 1], load: () => import('../commands/create.ts') },
  start: { summary: 'start the user process of a created container', usage: 'start <container-id>', options: {}, arity: [1, 1], load: () => import('../commands/start.ts') },
  run: {
    summary: 'create and start a container', usage: 'run [options] <container-id>',
    options: { ...createOptions, detach: { type: 'boolean', short: 'd' }, keep: { type: 'boolean' }, 'no-subreaper': { type: 'boolean' } },
    arity: [1, 1], load: () => import('../commands/run.ts'),
  },
  state: { summary: 'output the state of a container', usage: 'state <container-id>', options: {}, arity: [1, 1], load: () => import('../commands/state.ts') },
  kill: { summary: 'send a signal to the container', usage: 'kill [--all] <container-id> [signal]', options: { all: { type: 'boolean', short: 'a' } }, arity: [1, 2], load: () => import('../commands/kill.ts') },
  delete: { summary: 'delete a container and what it holds', usage: 'delete [--force] <container-id>', options: { force: { type: 'boolean', short: 'f' } }, arity: [1, 1], load: () => import('../commands/delete.ts') },
  list: { summary: 'list containers', usage: 'list [--format table|json] [--quiet]', options: { format: { type: 'string', short: 'f' }, quiet: { type: 'boolean', short: 'q' } }, arity: [0, 0], load: () => import('../commands/list.ts') },
  spec: { summary: 'write a new config.json', usage: 'spec [--bundle DIR] [--rootless]', options: { bundle: { type: 'string', short: 'b' }, rootless: { type: 'boolean' } }, arity: [0, 0], load: () => import('../commands/spec.ts') },
  features: { summary: 'show what this runtime supports', usage: 'features', options: {}, arity: [0, 0], load: () => import('../commands/features.ts') },
};

/** runc commands that later versions of tsrun will carry; until then they fail clearly. */
export const NOT_YET = ['exec', 'ps', 'pause', 'resume', 'update', 'events', 'checkpoint', 'restore'];
