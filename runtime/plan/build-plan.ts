import type { RuntimeConfig } from '../../spec/types.ts';
import { TsrunError } from '../cli/errors.ts';
import { MountMkdir, MountWhere, Op, type PlanOp } from '../native/plan-ops.ts';
import { compileSeccomp, type CompiledSeccomp } from '../seccomp/index.ts';
import { deviceOps } from './devices.ts';
import { CLONE_NEWCGROUP, CLONE_NEWTIME, MS } from './linux-constants.ts';
import { PROPAGATION_OPTIONS } from './mount-options.ts';
import { isBindMount, mountOps, type MountContext } from './mounts.ts';
import { checkNamespaceNeeds, planNamespaces } from './namespaces.ts';
import { identityOp, lookupPath, personalityOps, processEnv, rlimitOps } from './process-ops.ts';
import { lsmOps, type HostLsm } from './lsm-ops.ts';

export interface PlanInput extends Omit<MountContext, 'newCgroupNs'> {
  config: RuntimeConfig;
  rootfs: string;
  execFifo: string;
  /** where the config came from, for error messages */
  configPath: string;
  /** createRuntime/prestart hooks exist: the container waits for tsrun before pivot_root */
  hooksBeforePivot: boolean;
  /** the mount the rootfs sits on (or is), made private before pivot_root */
  rootfsParentMount: string;
  id: string;
  noPivot: boolean;
  noNewKeyring: boolean;
  /** the helper's stage 0 stays to reap the container and exits with its status (tsrun run) */
  foreground: boolean;
  /** v1 'tasks' files stage 0 writes 0 to, to join the container's cgroups itself (empty: tsrun places the pid) */
  cgroupSelfJoin: string[];
  /** and the 'tasks' files of tsrun's own cgroups, to leave again when it stays on as the reaper */
  cgroupSelfLeave: string[];
  /** descriptors 3 .. 3+n-1 that pass into the container (LISTEN_FDS and --preserve-fds) */
  passFds: number;
  extraEnv: string[];
  /** process.terminal: where the pty master goes */
  console?: ConsoleTarget;
  /** the helper's descriptor of the socket a seccomp listener (SCMP_ACT_NOTIFY) goes back to tsrun on */
  seccompListenerFd?: number;
  /** AppArmor and SELinux as the host has them */
  hostLsm: HostLsm;
  warn: (msg: string) => void;
  debug: (msg: string) => void;
}

/** The caller's --console-socket path, or the helper's descriptor of a socket tsrun holds the other end of. */
export type ConsoleTarget = { path: string } | { fd: number };

/** Stage 0 connects (in the host's mount namespace) before anything else moves it. */
export function consoleSocketOp(target: ConsoleTarget): PlanOp {
  return 'path' in target ? { op: Op.CONSOLE_SOCKET, args: [0, target.path] } : { op: Op.CONSOLE_SOCKET, args: [1, target.fd] };
}

/** The pty, made in the container's devpts once its root is in place; in init it also backs /dev/console. */
export function terminalOp(proc: NonNullable<RuntimeConfig['process']>, mountConsole: boolean): PlanOp {
  return { op: Op.TERMINAL, args: [proc.consoleSize?.height ?? 0, proc.consoleSize?.width ?? 0, proc.user?.uid ?? 0, mountConsole ? 1 : 0] };
}

export interface Plan {
  ops: PlanOp[];
  /** written by tsrun to /proc/<pid>/{uid,gid}_map before the container goes on */
  uidMap?: string;
  gidMap?: string;
}

/**
 * config.json -> the ordered operations tsrun-init carries out. The order follows runc's:
 * namespaces, mounts, devices, pivot_root, hostname, sysctls, read-only and masked paths,
 * rlimits, user and capabilities, cwd, then wait for `start` and exec.
 */
export function buildCreatePlan(input: PlanInput): Plan {
  const { config, rootfs } = input;
  const linux = config.linux;
  const proc = config.process;
  const ns = planNamespaces(linux);
  // Without SELinux there is no label to apply: the mount label changes nothing (crun does the same).
  if (linux?.mountLabel) input.warn('linux.mountLabel: SELinux is not enabled on this host, so there is no label to apply');
  checkNamespaceNeeds(linux, config.hostname, config.domainname, ns);
  const inUserNs = ns.has('user');

  const ops: PlanOp[] = [];
  const console = proc?.terminal ? input.console : undefined;
  if (proc?.terminal && !console) throw new TsrunError('process.terminal: no console socket to send the terminal to');
  // Stage 0: what the container's process inherits before it exists.
  if (console) ops.push(consoleSocketOp(console));
  if (proc?.oomScoreAdj !== undefined) ops.push({ op: Op.WRITE_FILE, args: ['/proc/self/oom_score_adj', String(proc.oomScoreAdj)] });
  for (const j of ns.join) ops.push({ op: Op.SETNS, args: [j.path, j.flag] });
  if (ns.create & CLONE_NEWTIME) {
    ops.push({ op: Op.UNSHARE, args: [CLONE_NEWTIME] });
    const offsets = linux?.timeOffsets;
    if (offsets) {
      const text = Object.entries(offsets).map(([clock, o]) => `${clock} ${o.secs ?? 0} ${o.nanosecs ?? 0}`).join('\n');
      ops.push({ op: Op.WRITE_FILE, args: ['/proc/self/timens_offsets', text] });
    }
  }
  // Made by stage 0, still host root: a process in a new user namespace could not write the state directory.
  ops.push({ op: Op.OPEN_EXEC_FIFO, args: [input.execFifo] });
  // On cgroup v1, stage 0 moves itself into the container's cgroups through their 'tasks' files, so
  // the container process is born there. A single-threaded process moving itself skips the global
  // threadgroup lock, whose first taking costs an RCU grace period (~10 ms) on a cgroup.procs write.
  for (const file of input.cgroupSelfJoin) ops.push({ op: Op.WRITE_FILE, args: [file, '0'] });
  const leave = input.foreground ? input.cgroupSelfLeave : [];
  ops.push({ op: Op.CLONE, args: [ns.create & ~(CLONE_NEWCGROUP | CLONE_NEWTIME), input.foreground ? 1 : 0, ...leave] });

  // Stage 1, in the new namespaces. Where tsrun has work to do first (id maps; cgroup placement on
  // v2, where a process cannot join cheaply by itself) it waits for tsrun's go, as late as it can:
  // before anything that needs the maps (all of it, in a new user namespace) or the cgroup (the
  // cgroup namespace, and a cgroup2 mount rooted in it); the rootfs is set up meanwhile.
  const newCgroupNs = (ns.create & CLONE_NEWCGROUP) !== 0;
  const tsrunJoinsCgroups = input.cgroupSelfJoin.length === 0;
  const goEarly = ns.has('user') || (newCgroupNs && tsrunJoinsCgroups);
  // createRuntime and prestart hooks run while tsrun holds the go, and must run before pivot_root.
  const hooksBeforePivot = input.hooksBeforePivot;
  const waitGo: PlanOp[] = ns.has('user') || tsrunJoinsCgroups || hooksBeforePivot ? [{ op: Op.WAIT_GO, args: [] }] : [];
  if (ns.has('user')) waitGo.push({ op: Op.BECOME_ROOT, args: [] });
  if (newCgroupNs) waitGo.push({ op: Op.UNSHARE, args: [CLONE_NEWCGROUP] });
  ops.push({ op: Op.CLOEXEC_FROM, args: [3 + input.passFds] });
  if (goEarly) ops.push(...waitGo);

  const sysctlOps: PlanOp[] = Object.entries(linux?.sysctl ?? {}).map(([key, value]) =>
    ({ op: Op.WRITE_FILE, args: [`/proc/sys/${key.replace(/\./g, '/')}`, value] }));
  const ownMountNs = ns.has('mount');
  const rootfsSetup = ownMountNs ? rootfsOps(input, inUserNs, newCgroupNs) : chrootOnlyOps(input, sysctlOps);
  // Just before the root moves, in this order: tsrun's go (prestart and createRuntime hooks run
  // while it holds it), then the createContainer hooks (their paths still resolve from the
  // runtime's view); right after it, the terminal (before / may turn read-only).
  const rootMove = () => rootfsSetup.findIndex((o) => o.op === Op.PIVOT_ROOT || o.op === Op.CHROOT || o.op === Op.PLAIN_CHROOT);
  if (!goEarly && hooksBeforePivot) rootfsSetup.splice(rootMove(), 0, ...waitGo);
  rootfsSetup.splice(rootMove(), 0, ...inContainerHookOps(config.hooks?.createContainer, 'createContainer', hookStateTemplate(input, 'creating')));
  if (console && proc) rootfsSetup.splice(rootMove() + 1, 0, terminalOp(proc, ownMountNs));
  ops.push(...rootfsSetup);
  if (!goEarly && !hooksBeforePivot) ops.push(...waitGo);

  if (config.hostname !== undefined && ns.has('uts')) ops.push({ op: Op.SETHOSTNAME, args: [config.hostname] });
  if (config.domainname !== undefined && ns.has('uts')) ops.push({ op: Op.SETDOMAINNAME, args: [config.domainname] });
  if (ownMountNs) {
    ops.push(...sysctlOps);
    for (const p of linux?.readonlyPaths ?? []) ops.push({ op: Op.READONLY, args: [p] });
    for (const p of linux?.maskedPaths ?? []) ops.push({ op: Op.MASK, args: [p] });
  }

  // runc's default: a session keyring of the container's own, so it cannot read the caller's keys.
  if (!input.noNewKeyring) ops.push({ op: Op.JOIN_SESSION_KEYRING, args: [input.id] });
  // Without a process the container is made and waits, but there is nothing to start: `start`
  // refuses it (runtime.md start), and the init blocks on the exec fifo until delete.
  if (!proc) {
    ops.push({ op: Op.READY, args: [] }, { op: Op.WAIT_EXEC_FIFO, args: ownMountNs ? [] : [1] });
    return { ops, ...idMaps(ns.isNew('user'), linux) };
  }
  ops.push(...personalityOps(linux?.personality));
  ops.push(...lsmOps(proc, input.hostLsm, `${input.configPath}: process`));
  ops.push(...rlimitOps(proc));
  // seccomp as runc places it: with no_new_privs as close to exec as it can go (after the exec
  // fifo), so the fewest set-up syscalls must be allowed; without, before the capabilities are
  // dropped, since installing a filter then needs CAP_SYS_ADMIN.
  const seccomp = linux?.seccomp ? compileSeccomp(linux.seccomp, input.configPath) : undefined;
  const seccompOp = seccompOps(seccomp, input.seccompListenerFd);
  if (seccomp) input.debug(`seccomp: ${seccomp.instructions} BPF instructions`);
  // A listener must reach tsrun while create still runs: then the filter goes on before ready even
  // with no_new_privs (runc 1.1 does the same), and the container's start-up must be allowed by it.
  const afterStart = proc.noNewPrivileges === true && !seccomp?.notify;
  if (!proc.noNewPrivileges) ops.push(...seccompOp);
  ops.push(identityOp(proc, ns.has('user'), input.warn, input.debug));
  ops.push({ op: Op.UMASK, args: [proc.user?.umask ?? 0o022] });
  ops.push({ op: Op.CHDIR, args: [proc.cwd] });
  const env = processEnv(proc, rootfs, input.extraEnv);
  const args = proc.args ?? [];
  if (args.length === 0) throw new TsrunError('process.args: must name the program to run');
  ops.push({ op: Op.PREPARE_EXEC, args: [args[0]!, lookupPath(env)] });
  if (proc.noNewPrivileges) ops.push({ op: Op.NO_NEW_PRIVS, args: [] });
  if (proc.noNewPrivileges && !afterStart) ops.push(...seccompOp);
  ops.push({ op: Op.READY, args: [] });
  ops.push({ op: Op.WAIT_EXEC_FIFO, args: ownMountNs ? [] : [1] });
  if (afterStart) ops.push(...seccompOp);
  // On start, right before the program, as the process's own user (runc's place for them).
  ops.push(...inContainerHookOps(config.hooks?.startContainer, 'startContainer', hookStateTemplate(input, 'created')));
  ops.push({ op: Op.EXEC, args: [args.length, ...args, ...env] });

  return { ops, ...idMaps(ns.isNew('user'), linux) };
}

/** The filter's op; with a listener, the socket its descriptor is sent back on. */
export function seccompOps(seccomp: CompiledSeccomp | undefined, listenerFd: number | undefined): PlanOp[] {
  if (!seccomp) return [];
  if (seccomp.notify && listenerFd === undefined) throw new TsrunError('linux.seccomp: a listener (SCMP_ACT_NOTIFY) needs a socket to tsrun');
  return [{ op: Op.SECCOMP, args: seccomp.notify ? [seccomp.program, seccomp.flags, listenerFd!] : [seccomp.program, seccomp.flags] }];
}

type Hook = { path: string; args?: string[]; env?: string[]; timeout?: number };
const PID_MARK = -7770777;

/** The state a hook in the container reads, split around the pid the helper fills in (its own, as the container sees it). */
function hookStateTemplate(input: PlanInput, status: string): [string, string] {
  const { config } = input;
  const text = JSON.stringify({
    ociVersion: config.ociVersion, id: input.id, status, pid: PID_MARK, bundle: input.bundle,
    ...(config.annotations ? { annotations: config.annotations } : {}),
  });
  const at = text.indexOf(String(PID_MARK));
  return [text.slice(0, at), text.slice(at + String(PID_MARK).length)];
}

function inContainerHookOps(hooks: Hook[] | undefined, kind: string, state: [string, string]): PlanOp[] {
  return (hooks ?? []).map((h, i) => {
    if (h.timeout !== undefined && h.timeout <= 0) throw new TsrunError(`hooks.${kind}[${i}].timeout: must be positive`);
    const args = h.args && h.args.length > 0 ? h.args : [h.path];
    return { op: Op.RUN_HOOK, args: [h.path, h.timeout ?? 0, args.length, ...args, ...(h.env ?? []), state[0], state[1]] };
  });
}

/** The uid_map and gid_map text tsrun writes for a new user namespace. */
function idMaps(newUserNs: boolean, linux: RuntimeConfig['linux']): Pick<Plan, 'uidMap' | 'gidMap'> {
  if (!newUserNs || !linux) return {};
  const fmt = (m: { containerID: number; hostID: number; size: number }[]) => m.map((x) => `${x.containerID} ${x.hostID} ${x.size}\n`).join('');
  return { uidMap: fmt(linux.uidMappings ?? []), gidMap: fmt(linux.gidMappings ?? []) };
}

/** Mount namespace set-up: propagation, the rootfs, config mounts, /dev, then pivot_root. */
function rootfsOps(input: PlanInput, inUserNs: boolean, newCgroupNs: boolean): PlanOp[] {
  const { config, rootfs } = input;
  const ops: PlanOp[] = [];
  const host = (source: string, target: string, flags: number): PlanOp => ({
    op: Op.MOUNT, args: [source, target, '', flags, '', MountWhere.HOST, MountMkdir.NONE],
  });
  const propName = config.linux?.rootfsPropagation;
  const requested = propName ? PROPAGATION_OPTIONS[propName] : undefined;
  if (propName && requested === undefined) throw new TsrunError(`linux.rootfsPropagation: unknown propagation ${JSON.stringify(propName)}`);
  // As runc: / takes the asked propagation (default rslave, so the host's mounts still reach the
  // container but none leak back); pivot_root then needs the rootfs's own parent mount private.
  ops.push(host('', '/', requested ?? MS.REC | MS.SLAVE));
  ops.push(host('', input.rootfsParentMount, MS.PRIVATE));
  ops.push(host(rootfs, rootfs, MS.BIND | MS.REC));
  ops.push({ op: Op.OPEN_ROOT, args: [rootfs] });
  ops.push(...mountOps(config.mounts, { ...input, newCgroupNs }));
  const devIsBound = (config.mounts ?? []).some((m) => m.destination.replace(/\/+$/, '') === '/dev' && isBindMount(m));
  ops.push(...deviceOps(config.linux?.devices, devIsBound, inUserNs));
  if (config.process?.cwd) ops.push({ op: Op.MKDIR, args: [config.process.cwd, 0o755] });
  ops.push({ op: input.noPivot ? Op.CHROOT : Op.PIVOT_ROOT, args: [rootfs] });
  if (config.root?.readonly) ops.push(host('', '/', MS.BIND | MS.REMOUNT | MS.RDONLY));
  // The rootfs came from a private parent (pivot_root's rule), so the asked propagation is given to
  // the new root afterwards; bind mounts made above while / was shared stay peers of the host's,
  // as Bidirectional mounts need.
  if (requested !== undefined) ops.push(host('', '/', requested));
  return ops;
}

/**
 * No mount namespace asked for: nothing may be mounted (it would land in the host's namespace),
 * so the container is only chrooted into its rootfs, as runc does. What the config asks of the
 * mount namespace is not applied and said so in a warning; sysctls are written before the chroot,
 * through the host's /proc (in the container's own namespaces), and the exec fifo is reopened
 * through a /proc directory opened before it too.
 */
function chrootOnlyOps(input: PlanInput, sysctlOps: PlanOp[]): PlanOp[] {
  const { config } = input;
  const linux = config.linux;
  const skipped = [
    (config.mounts ?? []).length > 0 ? 'mounts' : '',
    (linux?.devices ?? []).length > 0 ? 'linux.devices' : '',
    (linux?.maskedPaths ?? []).length > 0 ? 'linux.maskedPaths' : '',
    (linux?.readonlyPaths ?? []).length > 0 ? 'linux.readonlyPaths' : '',
    config.root?.readonly ? 'root.readonly' : '',
    linux?.rootfsPropagation ? 'linux.rootfsPropagation' : '',
  ].filter(Boolean);
  if (skipped.length > 0) input.warn(`no mount namespace in linux.namespaces: ${skipped.join(', ')} not applied (the container is only chrooted)`);
  return [...sysctlOps, { op: Op.OPEN_PROC, args: ['/proc'] }, { op: Op.PLAIN_CHROOT, args: [input.rootfs] }];
}
