import type { Logger } from './logger.ts';
import type { StateStore } from '../container/state-store.ts';

export interface GlobalOptions {
  root: string;
  log?: string;
  logFormat: 'text' | 'json';
  debug: boolean;
  systemdCgroup: boolean;
  rootless: string;
}

export interface CommandContext {
  global: GlobalOptions;
  logger: Logger;
  store: () => StateStore;
}

export interface CommandArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** A command returns the process exit code. */
export type CommandFn = (ctx: CommandContext, args: CommandArgs) => Promise<number> | number;
