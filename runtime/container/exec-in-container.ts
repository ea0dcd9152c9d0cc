import type { Process } from '../../spec/types.ts';
import { TsrunError } from '../cli/errors.ts';
import type { Logger } from '../cli/logger.ts';
import { joinCgroups } from '../cgroups/cgroup-manager.ts';
import { launchInit, type LaunchedInit } from '../launch/launch-init.ts';
import { HelperSockets } from '../launch/helper-sockets.ts';
import { buildExecPlan } from '../plan/build-exec-plan.ts';
import { detectHostLsm } from '../plan/lsm-ops.ts';
import { containerStatus } from './container-status.ts';
import { writePidFile, passedFds } from './create-container.ts';
import type { StateStore } from './state-store.ts';

export interface ExecOptions {
  store: StateStore;
  id: string;
  process: Process;
  detach: boolean;
  pidFile?: string;
  consoleSocket?: string;
  preserveFds: number;
  ignorePaused: boolean;
  /** with a terminal: a socket the helper inherits and sends the pty master on (the caller receives it; the shim) */
  terminalSocket?: number;
  /** the process's stdin, stdout and stderr (default: this process's own) */
  stdio?: [number, number, number];
  /** right after the helper is spawned, with its pid (a reaper must know its own children) */
  onHelperSpawned?: (pid: number) => void;
  /**
   * The caller follows the process itself (the shim): the helper stays its parent and reports its
   * exit through init.exited; execInContainer returns 0 once the process runs.
   */
  onLaunched?: (init: LaunchedInit) => void;
  logger: Logger;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

/**
 * exec: a new process in a created or running container, through the helper's join mode. In the
 * foreground it passes the process's exit status through (128+signal when killed); detached it
 * returns once the process runs, with --pid-file written.
 */
export async function execInContainer(opts: ExecOptions): Promise<number> {
  const record = opts.store.load(opts.id);
  const status = containerStatus(opts.store, record);
  if (status === 'paused' && !opts.ignorePaused) throw new TsrunError(`cannot exec in container ${opts.id}: it is paused (use --ignore-paused)`);
  if (status !== 'created' && status !== 'running' && status !== 'paused') throw new TsrunError(`cannot exec in container ${opts.id}: it is ${status}`);
  const terminal = opts.process.terminal === true;
  if (opts.consoleSocket && !terminal) throw new TsrunError('--console-socket was given but the process has no terminal (-t or process.terminal)');
  if (terminal && !opts.consoleSocket && opts.detach && opts.terminalSocket === undefined) throw new TsrunError('exec: a detached process with a terminal needs --console-socket');
  if (!opts.process.args || opts.process.args.length === 0) throw new TsrunError('exec: no command to run (give one, or --process FILE)');
  const pass = passedFds(opts.preserveFds);
  const config = opts.store.loadConfig(opts.id);
  // An exec'd process gets the container's filter, and its own listener for the agent (as runc).
  const sockets = new HelperSockets(pass.fds.length, terminal, opts.consoleSocket, opts.terminalSocket, config.linux?.seccomp);
  const tty = sockets.localConsole;
  const ops = buildExecPlan({
    config,
    process: opts.process,
    initPid: record.pid,
    rootfs: record.rootfs,
    foreground: !opts.detach || opts.onLaunched !== undefined,
    passFds: pass.fds.length,
    extraEnv: pass.env,
    console: sockets.console,
    seccompListenerFd: sockets.seccompListenerFd,
    hostLsm: detectHostLsm(),
    warn: (m) => opts.logger.warn(m),
    debug: (m) => opts.logger.debug(m),
  });
  let pid = 0;
  let init;
  try {
    init = await launchInit({
      ops,
      passFds: pass.fds,
      extraFds: sockets.extraFds,
      stdio: opts.stdio,
      onSpawned: (helperPid) => { opts.onHelperSpawned?.(helperPid); sockets.helperStarted(); },
      beforeGo: (p) => {
        pid = p;
        joinCgroups({ paths: record.cgroupPaths, created: [] }, p);
      },
    });
    sockets.listener?.deliver(init.pid, { ociVersion: config.ociVersion, id: opts.id, status: status, pid: record.pid, bundle: record.bundle });
    tty?.attach();
  } catch (err) {
    sockets.abandon();
    if (pid > 0) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    throw err;
  }
  if (opts.pidFile) writePidFile(opts.pidFile, init.pid);
  if (opts.onLaunched) {
    opts.onLaunched(init);
    return 0;
  }
  if (opts.detach) return 0;
  const forward = (sig: NodeJS.Signals) => {
    try { process.kill(init.pid, sig); } catch { /* exited */ }
  };
  init.helper.ref();
  for (const sig of FORWARDED) process.on(sig, forward);
  const code = await init.exited;
  await tty?.finish();
  for (const sig of FORWARDED) process.off(sig, forward);
  return code;
}
