import { existsSync, fstatSync, readFileSync, readdirSync, readlinkSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { RuntimeConfig } from '../../spec/types.ts';
import { validateRuntimeConfig } from '../../spec/validate.ts';
import { TsrunError, errnoOf } from '../cli/errors.ts';
import type { Logger } from '../cli/logger.ts';
import { detectCgroupLayout } from '../cgroups/cgroup-layout.ts';
import { ownCgroupDirs } from '../cgroups/cgroup-path.ts';
import { createCgroups, joinCgroups, removeCgroups, type CgroupPlacement } from '../cgroups/cgroup-manager.ts';
import { applyResources } from '../cgroups/apply-resources.ts';
import { runHooks } from '../hooks/run-hooks.ts';
import { hookState as hookStateOf } from './runtime-state.ts';
import { launchInit, type LaunchedInit } from '../launch/launch-init.ts';
import { buildCreatePlan } from '../plan/build-plan.ts';
import { detectHostLsm } from '../plan/lsm-ops.ts';
import type { LocalConsole } from '../console/local-console.ts';
import { HelperSockets } from '../launch/helper-sockets.ts';
import { mountContaining } from '../plan/mount-table.ts';
import { checkContainerId } from './container-id.ts';
import { readProcessStat } from './process-identity.ts';
import { EXEC_FIFO, type ContainerRecord, type StateStore } from './state-store.ts';
import { refuseUnsupported } from './unsupported.ts';

export interface CreateOptions {
  store: StateStore;
  id: string;
  bundle?: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot: boolean;
  noNewKeyring: boolean;
  preserveFds: number;
  /** keep the helper as the container's parent, to learn its exit status (tsrun run) */
  foreground: boolean;
  /** with process.terminal and no --console-socket, tsrun itself is the console (run in the foreground) */
  ownConsole?: boolean;
  /** with process.terminal: a socket the helper inherits and sends the pty master on (the caller receives it; the shim) */
  terminalSocket?: number;
  /** the container's stdin, stdout and stderr (default: this process's own) */
  stdio?: [number, number, number];
  /** right after the helper is spawned, with its pid (a reaper must know its own children) */
  onHelperSpawned?: (pid: number) => void;
  /**
   * Cancels a create in progress: on abort the half-made container is removed at once (before
   * the abort call returns, so a CLI may exit right after it) and the create rejects. The library
   * installs no process-wide signal handlers of its own: the CLI turns its signals into this.
   */
  signal?: AbortSignal;
  logger: Logger;
}

export interface CreatedContainer {
  record: ContainerRecord;
  init: LaunchedInit;
  /** when tsrun is the console: attach it once the container starts */
  console?: LocalConsole;
}

/** Reads and validates <bundle>/config.json; every failure names the file and the field. */
export function loadBundleConfig(bundleArg: string | undefined): { bundle: string; config: RuntimeConfig; rootfs: string } {
  const bundle = resolve(bundleArg ?? process.cwd());
  try {
    if (!statSync(bundle).isDirectory()) throw new TsrunError(`bundle ${bundle}: not a directory`);
  } catch (err) {
    if (err instanceof TsrunError) throw err;
    throw new TsrunError(`bundle ${bundle}: ${errnoOf(err) === 'ENOENT' ? 'no such directory' : (err as Error).message}`);
  }
  const configPath = join(bundle, 'config.json');
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (err) {
    throw new TsrunError(`${configPath}: cannot read: ${errnoOf(err) === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new TsrunError(`${configPath}: not valid JSON: ${(err as Error).message}`);
  }
  const config = validateRuntimeConfig(doc, configPath);
  refuseUnsupported(config, configPath);
  const rootPath = config.root?.path;
  if (!rootPath) throw new TsrunError(`${configPath}: root.path: required on Linux`);
  const rootfs = isAbsolute(rootPath) ? rootPath : join(bundle, rootPath);
  try {
    if (!statSync(rootfs).isDirectory()) throw new TsrunError(`${configPath}: root.path: ${rootfs} is not a directory`);
  } catch (err) {
    if (err instanceof TsrunError) throw err;
    throw new TsrunError(`${configPath}: root.path: ${rootfs}: ${errnoOf(err) === 'ENOENT' ? 'no such directory' : (err as Error).message}`);
  }
  return { bundle, config, rootfs };
}

function firstOwnDescriptor(): number {
  let first = Infinity;
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${name}`) === 'anon_inode:[eventpoll]') first = Math.min(first, Number(name));
    } catch { /* closed meanwhile */ }
  }
  return first;
}

/** Descriptors that pass into the container: systemd socket activation's, then --preserve-fds. */
export function passedFds(preserveFds: number): { fds: number[]; env: string[] } {
  const fds: number[] = [];
  const env: string[] = [];
  const listen = Number(process.env.LISTEN_FDS ?? 0);
  if (listen > 0 && Number(process.env.LISTEN_PID) === process.pid) {
    for (let i = 0; i < listen; i++) fds.push(3 + i);
    env.push(`LISTEN_FDS=${listen}`, 'LISTEN_PID=1');
  }
  const base = 3 + fds.length;
  for (let i = 0; i < preserveFds; i++) fds.push(base + i);
  // Only what the caller handed over may pass. Node marks every descriptor close-on-exec, its
  // inherited ones too, so that cannot tell them apart; but Node opens its own after it starts,
  // its epoll descriptor first, and the kernel hands out the lowest free numbers: whatever sits
  // below the first epoll descriptor came from the caller.
  const ownFrom = firstOwnDescriptor();
  for (const fd of fds) {
    try {
      fstatSync(fd);
    } catch {
      throw new TsrunError(`--preserve-fds: file descriptor ${fd} is not open`);
    }
    if (fd >= ownFrom) throw new TsrunError(`--preserve-fds: file descriptor ${fd} was not passed to tsrun by its caller`);
  }
  return { fds, env };
}

/**
 * create: bundle -> validated config -> cgroups -> plan -> tsrun-init -> id maps and cgroup
 * placement -> the container waits on its exec fifo. On any failure, nothing is left behind.
 */
export async function createContainer(opts: CreateOptions): Promise<CreatedContainer> {
  opts.signal?.throwIfAborted(); // before anything is made
  const id = checkContainerId(opts.id);
  const { bundle, config, rootfs } = loadBundleConfig(opts.bundle);
  if (opts.consoleSocket && !config.process?.terminal)
    throw new TsrunError('--console-socket was given but process.terminal is false');
  const terminal = config.process?.terminal === true;
  if (terminal && !opts.consoleSocket && !opts.ownConsole && opts.terminalSocket === undefined)
    throw new TsrunError(`${join(bundle, 'config.json')}: process.terminal is true: give --console-socket for the terminal (a detached container has no other console)`);
  if (opts.preserveFds < 0 || !Number.isInteger(opts.preserveFds)) throw new TsrunError('--preserve-fds: must be a whole number');
  const pass = passedFds(opts.preserveFds);

  const t = (what: string) => opts.logger.debug(`create ${id}: ${what} at ${(process.uptime() * 1000).toFixed(1)} ms`); // not performance.now(): its first use loads perf_hooks (~2 ms)
  t('config validated');
  const sockets = new HelperSockets(pass.fds.length, terminal, opts.consoleSocket, opts.terminalSocket, config.linux?.seccomp);
  let placement: CgroupPlacement | undefined;
  let initPid = 0;
  // Saved from the start and kept current, so that a create killed half-way leaves a record
  // that `delete --force` can clean up after (see containerStatus).
  const record: ContainerRecord = {
    ociVersion: config.ociVersion,
    id,
    pid: 0,
    pidStartTime: 0,
    bundle,
    rootfs,
    created: new Date().toISOString(),
    owner: '',
    annotations: config.annotations as Record<string, string> | undefined,
    cgroupPaths: {},
    cgroupCreated: [],
    creating: { pid: process.pid, startTime: readProcessStat(process.pid)?.startTime ?? 0 },
    ...(config.process ? {} : { noProcess: true }),
    ...(config.hooks?.poststart?.length || config.hooks?.poststop?.length
      ? { hooks: { poststart: config.hooks.poststart, poststop: config.hooks.poststop } }
      : {}),
  };
  const dir = opts.store.claim(record);
  let stateRemoved = false;
  // Safe to call again (an abort cleans up, and then the failure it causes does): each part is
  // undone once, and what appeared since (an init pid learnt later) is undone the second time.
  const cleanup = () => {
    sockets.abandon();
    const pid = initPid;
    initPid = 0;
    if (pid > 0) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    let cgroupsLeft = false;
    if (placement) {
      try {
        removeCgroups(placement);
      } catch (e) {
        // The record stays (its creator is this process, soon gone: it reads as stopped), so that
        // `delete --force` can try the cgroups again; without it nothing would name them.
        cgroupsLeft = true;
        opts.logger.warn(`cleanup: ${(e as Error).message}; delete --force ${id} removes the rest`);
      }
      placement = undefined;
    }
    if (!stateRemoved && !cgroupsLeft) opts.store.remove(id);
    stateRemoved = true;
  };
  // A caller that gives up (containerd's timeout, Ctrl-C at the CLI) must not leave a half-made container.
  const onAbort = () => cleanup();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    opts.store.saveConfig(id, config);
    const layout = detectCgroupLayout();
    placement = createCgroups(layout, config.linux?.cgroupsPath, id, (intended) => {
      record.cgroupPaths = intended.paths;
      record.cgroupCreated = intended.created;
      opts.store.save(record);
    });

    t('cgroups made');
    const selfJoin = layout.kind !== 'unified';
    const plan = buildCreatePlan({
      config, rootfs, bundle,
      execFifo: join(dir, EXEC_FIFO),
      configPath: join(bundle, 'config.json'),
      rootfsParentMount: mountContaining(realpathSync(rootfs)),
      hooksBeforePivot: (config.hooks?.prestart?.length ?? 0) + (config.hooks?.createRuntime?.length ?? 0) > 0,
      id,
      noPivot: opts.noPivot,
      noNewKeyring: opts.noNewKeyring,
      foreground: opts.foreground,
      passFds: pass.fds.length,
      extraEnv: pass.env,
      console: sockets.console,
      seccompListenerFd: sockets.seccompListenerFd,
      hostLsm: detectHostLsm(),
      cgroupLayout: layout,
      cgroupPlacement: placement,
      cgroupSelfJoin: selfJoin ? Object.values(placement.paths).map((p) => `${p}/tasks`) : [],
      cgroupSelfLeave: selfJoin ? ownCgroupDirs(layout).map((p) => `${p}/tasks`) : [],
      warn: (m) => opts.logger.warn(m),
      debug: (m) => opts.logger.debug(m),
    });
    t('plan built');
    const cg = placement;
    const init = await launchInit({
      ops: plan.ops,
      passFds: pass.fds,
      extraFds: sockets.extraFds,
      stdio: opts.stdio,
      onSpawned: (helperPid) => { opts.onHelperSpawned?.(helperPid); sockets.helperStarted(); },
      trace: t,
      beforeGo: (pid) => {
        t(`init cloned as pid ${pid}`);
        initPid = pid;
        // Aborted while the helper started: nothing more is saved; the failure kills it and cleans up.
        opts.signal?.throwIfAborted();
        record.pid = pid;
        record.pidStartTime = readProcessStat(pid)?.startTime ?? 0;
        opts.store.save(record);
        if (plan.uidMap !== undefined) writeIdMap(pid, 'uid_map', plan.uidMap);
        if (plan.gidMap !== undefined) writeIdMap(pid, 'gid_map', plan.gidMap);
        if (!selfJoin) joinCgroups(cg, pid);
        // In the runtime's namespaces, once the container's exist and before its pivot_root.
        // 'created', not 'creating': what the runtime-tools suite (hooks_stdin) checks for, and what
        // the container is by the time it could act on it; runc reports the same.
        const hookState = { ...hookStateOf(record), status: 'created' };
        runHooks('prestart', config.hooks?.prestart, hookState);
        runHooks('createRuntime', config.hooks?.createRuntime, hookState);
      },
    });
    initPid = init.pid;
    opts.signal?.throwIfAborted();
    t('init ready');
    sockets.listener?.deliver(init.pid, { ...hookStateOf(record), status: 'creating' });
    // Limits go on once the container is set up and waits for start, as runc's do: its own device
    // nodes were made before the devices cgroup could refuse them, and the user's program runs after.
    applyResources(layout, placement, config.linux?.resources, undefined, (m) => opts.logger.warn(m));
    delete record.creating;
    record.created = new Date().toISOString();
    opts.store.save(record);
    t('state saved');
    if (opts.pidFile) writePidFile(opts.pidFile, init.pid);
    return { record, init, console: sockets.localConsole };
  } catch (err) {
    initPid ||= (err as { initPid?: number }).initPid ?? 0;
    cleanup();
    // The helper fails in its own words when the abort killed its init: the abort is the cause.
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

function writeIdMap(pid: number, file: string, text: string): void {
  try {
    writeFileSync(`/proc/${pid}/${file}`, text);
  } catch (err) {
    throw new TsrunError(`linux.${file === 'uid_map' ? 'uidMappings' : 'gidMappings'}: writing /proc/${pid}/${file}: ${(err as Error).message}`);
  }
}

/** Written whole under a temporary name and renamed, as runc does, so readers never see a partial pid. */
export function writePidFile(path: string, pid: number): void {
  const abs = resolve(path);
  if (!existsSync(dirname(abs))) throw new TsrunError(`--pid-file: directory ${dirname(abs)} does not exist`);
  const tmp = join(dirname(abs), `.${process.pid}.pid`);
  writeFileSync(tmp, String(pid));
  renameSync(tmp, abs);
}
