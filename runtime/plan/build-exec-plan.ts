import { readlinkSync } from 'node:fs';
import type { Process, RuntimeConfig } from '../../spec/types.ts';
import { Op, type PlanOp } from '../native/plan-ops.ts';
import { compileSeccomp } from '../seccomp/index.ts';
import { TsrunError } from '../cli/errors.ts';
import { consoleSocketOp, seccompOps, terminalOp, type ConsoleTarget } from './build-plan.ts';
import { NAMESPACE_FLAGS, type NamespaceType } from './linux-constants.ts';
import { identityOp, lookupPath, processEnv, rlimitOps } from './process-ops.ts';
import { lsmOps, type HostLsm } from './lsm-ops.ts';

export interface ExecPlanInput {
  /** the config the container was made from (its seccomp applies to exec'd processes too, as runc) */
  config: RuntimeConfig;
  process: Process;
  initPid: number;
  rootfs: string;
  foreground: boolean;
  passFds: number;
  extraEnv: string[];
  /** process.terminal: where the pty master goes */
  console?: ConsoleTarget;
  /** the helper's descriptor of the socket a seccomp listener goes back to tsrun on */
  seccompListenerFd?: number;
  hostLsm: HostLsm;
  warn: (msg: string) => void;
  debug: (msg: string) => void;
}

// /proc/<pid>/ns names, in the order they are joined: the user namespace first (it grants the
// rights for the rest), the mount namespace last (after it, host paths no longer resolve).
const JOIN_ORDER: [NamespaceType, string][] = [
  ['user', 'user'], ['ipc', 'ipc'], ['uts', 'uts'], ['network', 'net'], ['pid', 'pid'], ['time', 'time'], ['cgroup', 'cgroup'], ['mount', 'mnt'],
];

/**
 * exec: the helper's join mode. Stage 0 enters every namespace of the container that differs
 * from tsrun's own, then clones the process, which tsrun places in the container's cgroups
 * before it goes on; it takes the process's identity, limits and the container's seccomp, and
 * execs at once (no exec fifo).
 */
export function buildExecPlan(input: ExecPlanInput): PlanOp[] {
  const { process: proc, initPid } = input;
  const ops: PlanOp[] = [];
  if (proc.terminal && !input.console) throw new TsrunError('process.terminal: no console socket to send the terminal to');
  if (proc.terminal && input.console) ops.push(consoleSocketOp(input.console));
  let joinsUserNs = false;
  for (const [type, name] of JOIN_ORDER) {
    const theirs = `/proc/${initPid}/ns/${name}`;
    let differs = false;
    try {
      differs = readlinkSync(theirs) !== readlinkSync(`/proc/self/ns/${name}`);
    } catch {
      differs = false; // a namespace type this kernel does not have
    }
    if (differs) ops.push({ op: Op.SETNS, args: [theirs, NAMESPACE_FLAGS[type]] });
    if (differs && type === 'user') joinsUserNs = true;
  }
  ops.push({ op: Op.CLONE, args: [0, input.foreground ? 1 : 0] });
  ops.push({ op: Op.WAIT_GO, args: [] });
  ops.push({ op: Op.CLOEXEC_FROM, args: [3 + input.passFds] });
  if (proc.terminal) ops.push(terminalOp(proc, false));
  ops.push(...rlimitOps(proc));
  ops.push(...lsmOps(proc, input.hostLsm, 'process'));
  const seccomp = input.config.linux?.seccomp ? compileSeccomp(input.config.linux.seccomp, 'config.json') : undefined;
  const seccompOp = seccompOps(seccomp, input.seccompListenerFd);
  if (!proc.noNewPrivileges) ops.push(...seccompOp);
  ops.push(identityOp(proc, joinsUserNs, input.warn, input.debug));
  ops.push({ op: Op.UMASK, args: [proc.user?.umask ?? 0o022] });
  ops.push({ op: Op.CHDIR, args: [proc.cwd] });
  const env = processEnv(proc, input.rootfs, input.extraEnv);
  const args = proc.args ?? [];
  ops.push({ op: Op.PREPARE_EXEC, args: [args[0] ?? '', lookupPath(env)] });
  if (proc.noNewPrivileges) ops.push({ op: Op.NO_NEW_PRIVS, args: [] });
  if (proc.noNewPrivileges) ops.push(...seccompOp);
  ops.push({ op: Op.READY, args: [] });
  ops.push({ op: Op.EXEC, args: [args.length, ...args, ...env] });
  return ops;
}
