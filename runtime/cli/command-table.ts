import type { ParseArgsConfig } from 'node:util';
import type { CommandFn } from './command-context.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
export interface CommandSpec {
  summary: string;
  usage: string;
  options: Options;
  /** positional arguments: [min, max] */
  arity: [number, number];
  /** options end at the container id: what follows is the command's own (exec ID sh -c ..., ps ID -ef) */
  optionsEndAtId?: boolean;
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
  exec: {
    summary: 'run a process in a container', usage: 'exec [options] <container-id> [command args...] | exec --process FILE <container-id>',
    options: {
      process: { type: 'string', short: 'p' }, detach: { type: 'boolean', short: 'd' }, 'pid-file': { type: 'string' },
      'console-socket': { type: 'string' }, cwd: { type: 'string' }, env: { type: 'string', short: 'e', multiple: true },
      tty: { type: 'boolean', short: 't' }, user: { type: 'string', short: 'u' }, 'additional-gids': { type: 'string', short: 'g', multiple: true },
      cap: { type: 'string', short: 'c', multiple: true }, 'no-new-privs': { type: 'boolean' }, apparmor: { type: 'string' },
      'process-label': { type: 'string' }, 'preserve-fds': { type: 'string' }, 'ignore-paused': { type: 'boolean' }, cgroup: { type: 'string', multiple: true },
    },
    arity: [1, 1000], optionsEndAtId: true, load: () => import('../commands/exec.ts'),
  },
  ps: { summary: 'list the processes of a container', usage: 'ps [--format table|json] <container-id> [ps options]', options: { format: { type: 'string', short: 'f' } }, arity: [1, 1000], optionsEndAtId: true, load: () => import('../commands/ps.ts') },
  pause: { summary: 'freeze every process of a container', usage: 'pause <container-id>', options: {}, arity: [1, 1], load: () => import('../commands/pause.ts') },
  resume: { summary: 'thaw a paused container', usage: 'resume <container-id>', options: {}, arity: [1, 1], load: () => import('../commands/resume.ts') },
  update: {
    summary: 'change the resource limits of a container', usage: 'update [-r FILE|-] [--memory SIZE ...] <container-id>',
    options: {
      resources: { type: 'string', short: 'r' },
      ...Object.fromEntries(['memory', 'memory-reservation', 'memory-swap', 'kernel-memory', 'kernel-memory-tcp', 'cpu-period', 'cpu-quota',
        'cpu-share', 'cpu-rt-period', 'cpu-rt-runtime', 'cpuset-cpus', 'cpuset-mems', 'blkio-weight', 'pids-limit', 'l3-cache-schema', 'mem-bw-schema',
      ].map((f) => [f, { type: 'string' as const }])),
    },
    arity: [1, 1], load: () => import('../commands/update.ts'),
  },
  events: {
    summary: 'show resource usage and OOM events of a container', usage: 'events [--stats] [--interval 5s] <container-id>',
    options: { stats: { type: 'boolean' }, interval: { type: 'string' } }, arity: [1, 1], load: () => import('../commands/events.ts'),
  },
  features: { summary: 'show what this runtime supports', usage: 'features', options: {}, arity: [0, 0], load: () => import('../commands/features.ts') },
};

/** runc commands that later versions of tsrun will carry; until then they fail clearly. */
export const NOT_YET = ['checkpoint', 'restore'];
