import { readFileSync } from 'node:fs';
import type { Process } from '../../spec/types.ts';
import { validateProcessSpec } from '../../spec/validate.ts';
import type { CommandFn } from '../cli/command-context.ts';
import { TsrunError } from '../cli/errors.ts';
import { checkContainerId } from '../container/container-id.ts';
import { execInContainer } from '../container/exec-in-container.ts';

/**
 * exec [options] ID [COMMAND ARGS...], or --process FILE (as containerd and podman call it).
 * Inline, the container's own process is the base, as runc does: its env, user, capabilities
 * and limits, with the flags laid over it.
 */
const exec: CommandFn = async (ctx, { values, positionals }) => {
  const [idArg, ...args] = positionals;
  const id = checkContainerId(idArg);
  const store = ctx.store();
  let proc: Process;
  if (values.process) {
    const file = values.process as string;
    let doc: unknown;
    try {
      doc = JSON.parse(file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8'));
    } catch (err) {
      throw new TsrunError(`--process ${file}: ${(err as Error).message}`);
    }
    proc = validateProcessSpec(doc, file);
  } else {
    const base = store.loadConfig(id).process ?? { cwd: '/', args: [] };
    proc = { ...base, args, terminal: values.tty === true } as Process;
    if (values.cwd) proc.cwd = values.cwd as string;
    const env = (values.env as string[] | undefined) ?? [];
    if (env.length) proc.env = [...(proc.env ?? []), ...env];
    if (values.user) {
      const [uid, gid] = String(values.user).split(':').map(Number);
      if (!Number.isInteger(uid) || (gid !== undefined && !Number.isInteger(gid))) throw new TsrunError(`--user ${values.user}: give uid[:gid] as numbers`);
      proc.user = { ...proc.user, uid: uid!, gid: gid ?? 0 };
    }
    const gids = (values['additional-gids'] as string[] | undefined) ?? [];
    if (gids.length) proc.user = { ...(proc.user ?? { uid: 0, gid: 0 }), additionalGids: gids.map(Number) };
    const caps = (values.cap as string[] | undefined) ?? [];
    if (caps.length) {
      const c = proc.capabilities ?? {};
      const add = (list: string[] | undefined) => [...new Set([...(list ?? []), ...caps])];
      proc.capabilities = { ...c, bounding: add(c.bounding), effective: add(c.effective), permitted: add(c.permitted) };
    }
    if (values['no-new-privs']) proc.noNewPrivileges = true;
  }
  if (values.tty) proc.terminal = true;
  if (values.apparmor) proc.apparmorProfile = values.apparmor as string;
  if (values['process-label']) proc.selinuxLabel = values['process-label'] as string;
  if (values.cgroup) throw new TsrunError('exec: --cgroup (a sub-cgroup) is not supported by tsrun yet');
  const preserve = values['preserve-fds'];
  return execInContainer({
    store, id, process: proc,
    detach: values.detach === true,
    pidFile: values['pid-file'] as string | undefined,
    consoleSocket: values['console-socket'] as string | undefined,
    preserveFds: preserve === undefined ? 0 : Number(preserve),
    ignorePaused: values['ignore-paused'] === true,
    logger: ctx.logger,
  });
};
export default exec;
