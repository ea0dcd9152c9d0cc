import type { Hook } from '../../spec/types.ts';
import { TsrunError } from '../cli/errors.ts';

export type HookKind = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';

/** The state document a hook reads on its stdin (runtime.md "State"). */
export interface HookState {
  ociVersion: string;
  id: string;
  status: string;
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

/**
 * Runs the hooks of one kind in the listed order, in tsrun's (the runtime's) namespaces, each
 * with the state on stdin and its timeout. The first that fails or times out stops the rest and
 * is thrown, naming the hook; poststop callers turn that into a warning, as the spec says.
 */
export function runHooks(kind: HookKind, hooks: readonly Hook[] | undefined, state: HookState, firstIndex = 0): void {
  if (!hooks || hooks.length === 0) return;
  // Loaded only when a hook runs: child_process (and the net and stream modules it pulls in)
  // costs start and delete several milliseconds that most containers never need.
  const { spawnSync } = process.getBuiltinModule('node:child_process') as typeof import('node:child_process');
  (hooks ?? []).forEach((hook, n) => {
    const where = `hooks.${kind}[${firstIndex + n}] (${hook.path})`;
    const args = hook.args ?? [hook.path];
    const env = Object.fromEntries((hook.env ?? []).map((e) => {
      const eq = e.indexOf('=');
      return eq < 0 ? [e, ''] : [e.slice(0, eq), e.slice(eq + 1)];
    }));
    const r = spawnSync(hook.path, args.slice(1), {
      argv0: args[0] ?? hook.path,
      env,
      input: JSON.stringify(state),
      stdio: ['pipe', 'inherit', 'pipe'],
      timeout: hook.timeout ? hook.timeout * 1000 : undefined,
      killSignal: 'SIGKILL',
    });
    if (r.error) {
      const code = (r.error as NodeJS.ErrnoException).code;
      if (code === 'ETIMEDOUT') throw new TsrunError(`${where}: timed out after ${hook.timeout} s`);
      throw new TsrunError(`${where}: ${code === 'ENOENT' ? 'no such file' : r.error.message}`);
    }
    if (r.status !== 0) {
      const why = r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
      const stderr = String(r.stderr ?? '').trim().split('\n').pop();
      throw new TsrunError(`${where}: ${why}${stderr ? `: ${stderr}` : ''}`);
    }
  });
}
