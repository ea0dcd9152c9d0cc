import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LinuxResources, Process } from '../../../spec/types.ts';
import { TsrunError } from '../../cli/errors.ts';
import type { Logger } from '../../cli/logger.ts';
import { cgroupPids } from '../../cgroups/cgroup-manager.ts';
import { detectCgroupLayout, type CgroupLayout } from '../../cgroups/cgroup-layout.ts';
import { unifiedDir } from '../../cgroups/apply-resources.ts';
import { readStatsV1 } from '../../cgroups/stats-v1.ts';
import { memoryEventsV2, readStatsV2 } from '../../cgroups/stats-v2.ts';
import { setWindowSize } from '../../console/window-size.ts';
import { OomCounter } from '../../container/container-events.ts';
import { createContainer } from '../../container/create-container.ts';
import { deleteContainer } from '../../container/delete-container.ts';
import { execInContainer } from '../../container/exec-in-container.ts';
import { signalContainer } from '../../container/kill-container.ts';
import { pauseContainer } from '../../container/pause-container.ts';
import { startContainer } from '../../container/start-container.ts';
import type { StateStore } from '../../container/state-store.ts';
import { updateContainer } from '../../container/update-container.ts';
import { closeFd, receiveFd, socketPair } from '../../fd-passing/unix-socket-calls.ts';
import type { LaunchedInit } from '../../launch/launch-init.ts';
import type { EventPublisher } from '../events/event-publisher.ts';
import { timestampOf, type AnyMessage, type Timestamp } from '../protocol/proto-schema.ts';
import { Code, RpcError, invalid, notFound, precondition } from '../ttrpc/rpc-status.ts';
import type { ChildReaper } from './child-reaper.ts';
import { metricsV1, metricsV2 } from './cgroup-metrics.ts';
import { OomWatch } from './oom-watch.ts';
import { ProcessIo, type IoPaths } from './process-io.ts';
import { mountRootfs, unmountRootfs, type MountSpec } from './rootfs-mounts.ts';
import type { TaskHandlers } from './task-methods.ts';

/** containerd.v1.types.Status */
const enum Status { Unknown = 0, Created = 1, Running = 2, Stopped = 3, Paused = 4 }

/** One process of a task: its init (execId '') or an exec. */
interface ShimProcess {
  execId: string;
  io: IoPaths;
  pid: number;
  status: Status;
  exitStatus: number;
  exitedAt?: Date;
  exited: Promise<void>;
  markExited: (code: number) => void;
  /** an exec's process, kept from Exec until Start */
  spec?: Process;
  master?: number;
  stdio?: ProcessIo;
}

interface Task {
  id: string;
  namespace: string;
  bundle: string;
  rootfsMount?: string;
  init: ShimProcess;
  execs: Map<string, ShimProcess>;
}

export interface TaskServiceOptions {
  store: (namespace: string) => StateStore;
  events: EventPublisher;
  reaper: ChildReaper;
  logger: Logger;
  /** asked after Shutdown when no task is left: the daemon may go */
  onEmpty: () => void;
  /** a task was created: the daemon stays */
  onBusy: () => void;
  /** how often running tasks' OOM counters are looked at (default 1000 ms) */
  oomPollMs?: number;
}

const EXEC_SPEC = 'types.containerd.io/opencontainers/runtime-spec/1/Process';

function newProcess(execId: string, io: IoPaths): ShimProcess {
  let markExited!: (code: number) => void;
  const p: ShimProcess = { execId, io, pid: 0, status: Status.Created, exitStatus: 0, exited: Promise.resolve(), markExited: () => undefined };
  p.exited = new Promise<void>((resolve) => {
    markExited = (code) => {
      if (p.status === Status.Stopped) return;
      p.status = Status.Stopped;
      p.exitStatus = code;
      p.exitedAt = new Date();
      resolve();
    };
  });
  p.markExited = markExited;
  return p;
}

/** An error from the runtime library becomes a status that names what failed and where. */
function asRpc(err: unknown, what: string): never {
  if (err instanceof RpcError) throw err;
  if (err instanceof TsrunError) {
    const m = err.message;
    const code = /does not exist/.test(m) ? Code.NOT_FOUND : /exists:/.test(m) ? Code.ALREADY_EXISTS : /cannot|not running|is paused|is stopped|not stopped/.test(m) ? Code.FAILED_PRECONDITION : Code.INVALID_ARGUMENT;
    throw new RpcError(code, `${what}: ${m}`);
  }
  throw new RpcError(Code.UNKNOWN, `${what}: ${(err as Error).message}`);
}

/**
 * The task service: containerd's view of tasks, on tsrun's container library in this process.
 * Each process's helper stays its parent and reports its exit status; the shim keeps that status
 * until Wait and Delete have it, and publishes the task events in containerd's order.
 */
export function taskService(opts: TaskServiceOptions): TaskHandlers {
  const tasks = new Map<string, Task>();
  const key = (ns: string, id: string) => `${ns}/${id}`;
  // The mount table does not change under a running shim: read once, not per Create or Stats.
  let layout: CgroupLayout | undefined;
  const cgroupLayout = () => (layout ??= detectCgroupLayout());
  const oom = new OomWatch(opts.oomPollMs ?? 1000);
  const taskOf = (ns: string, id: string, method: string): Task => {
    if (!id) throw invalid(`${method}: id: required`);
    const t = tasks.get(key(ns, id));
    if (!t) throw notFound(`${method}: task ${id} not found in namespace ${ns}`);
    return t;
  };
  const processOf = (t: Task, execId: string, method: string): ShimProcess => {
    if (!execId) return t.init;
    const p = t.execs.get(execId);
    if (!p) throw notFound(`${method}: exec ${execId} of task ${t.id} not found`);
    return p;
  };

  /** Follows a launched helper to the process's exit; with a terminal, waits for its last output first. */
  const follow = (t: Task, p: ShimProcess, init: LaunchedInit, output: Promise<void>, io: ProcessIo) => {
    init.helper.once('exit', () => opts.reaper.exited(init.helper.pid ?? 0));
    void init.exited.then(async (code) => {
      await Promise.race([output, new Promise((r) => setTimeout(r, 2000).unref())]);
      io.close();
      if (p.master !== undefined) { closeFd(p.master); p.master = undefined; }
      p.markExited(code);
      opts.logger.debug(`task ${t.id}${p.execId ? ` exec ${p.execId}` : ''}: pid ${p.pid} exited with status ${code}`);
      // An OOM kill behind this exit is published before it, as containerd expects.
      oom.check(key(t.namespace, t.id));
      if (!p.execId) oom.unwatch(key(t.namespace, t.id));
      opts.events.publish(t.namespace, '/tasks/exit', { containerId: t.id, id: p.execId || t.id, pid: p.pid, exitStatus: code, exitedAt: timestampOf(p.exitedAt!) });
    });
  };

  /** The terminal's master arrives on our end of the socketpair once the helper made the pty. */
  const takeMaster = (p: ShimProcess, ownEnd: number, io: ProcessIo): Promise<void> => {
    const master = receiveFd(ownEnd) ?? -1;
    closeFd(ownEnd);
    if (master < 0) return Promise.resolve();
    p.master = master;
    const { ReadStream } = process.getBuiltinModule('node:tty') as typeof import('node:tty');
    const stream = new ReadStream(master);
    return io.attachTerminal(p.io, stream, `process ${p.execId || 'init'}`);
  };

  const exitTimestamp = (p: ShimProcess): Timestamp | undefined => (p.exitedAt ? timestampOf(p.exitedAt) : undefined);

  return {
    async Create(req: { id: string; bundle: string; rootfs: MountSpec[]; terminal: boolean; stdin: string; stdout: string; stderr: string; checkpoint: string }, ns) {
      if (!req.id) throw invalid('Create: id: required');
      if (!req.bundle) throw invalid(`Create ${req.id}: bundle: required`);
      if (req.checkpoint) throw new RpcError(Code.UNIMPLEMENTED, `Create ${req.id}: restoring from a checkpoint is not supported by tsrun`);
      if (tasks.has(key(ns, req.id))) throw new RpcError(Code.ALREADY_EXISTS, `Create: task ${req.id} already exists in namespace ${ns}`);
      const io: IoPaths = { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, terminal: req.terminal };
      const p = newProcess('', io);
      const t: Task = { id: req.id, namespace: ns, bundle: req.bundle, init: p, execs: new Map() };
      opts.onBusy();
      tasks.set(key(ns, req.id), t); // claimed now: a second Create of the id fails while this one runs
      let pio: ProcessIo | undefined;
      let pair: [number, number] | undefined;
      try {
        t.rootfsMount = mountRootfs(req.bundle, req.rootfs);
        pio = await ProcessIo.open(io, `Create ${req.id}`, { id: req.id, namespace: ns, reaper: opts.reaper });
        pair = req.terminal ? socketPair() : undefined;
        const { init, record } = await createContainer({
          store: opts.store(ns), id: req.id, bundle: req.bundle, noPivot: false, noNewKeyring: false, preserveFds: 0,
          foreground: true, terminalSocket: pair?.[1], stdio: pio.childFds, logger: opts.logger,
          onHelperSpawned: (pid) => { opts.reaper.spawned(pid); if (pair) closeFd(pair[1]); },
        }).catch((err) => asRpc(err, `Create ${req.id}`));
        pio.closeChildFds();
        p.stdio = pio;
        p.pid = init.pid;
        oom.watch(key(ns, req.id), new OomCounter(cgroupLayout(), record.cgroupPaths), () => opts.events.publish(ns, '/tasks/oom', { containerId: req.id }));
        const output = pair ? takeMaster(p, pair[0], pio) : Promise.resolve();
        follow(t, p, init, output, pio);
      } catch (err) {
        pio?.closeChildFds();
        pio?.close();
        if (pair) { try { closeFd(pair[0]); } catch { /* closed */ } }
        if (t.rootfsMount) { try { unmountRootfs(t.rootfsMount); } catch (e) { opts.logger.warn((e as Error).message); } }
        oom.unwatch(key(ns, req.id));
        tasks.delete(key(ns, req.id));
        throw err;
      }
      opts.events.publish(ns, '/tasks/create', { containerId: req.id, bundle: req.bundle, rootfs: req.rootfs, io, checkpoint: '', pid: p.pid });
      return { pid: p.pid };
    },

    async Start(req: { id: string; execId: string }, ns) {
      const t = taskOf(ns, req.id, 'Start');
      const p = processOf(t, req.execId, 'Start');
      const which = `Start ${req.id}${req.execId ? ` exec ${req.execId}` : ''}`;
      if (p.status === Status.Stopped) throw precondition(`${which}: the process exited before it was started (status ${p.exitStatus})`);
      if (p.status !== Status.Created) throw precondition(`${which}: the process is not in the created state`);
      if (!req.execId) {
        try { startContainer(opts.store(ns), t.id); } catch (err) { asRpc(err, `Start ${req.id}`); }
        p.status = Status.Running;
        opts.events.publish(ns, '/tasks/start', { containerId: t.id, pid: p.pid });
        return { pid: p.pid };
      }
      let pio: ProcessIo | undefined;
      let pair: [number, number] | undefined;
      try {
        pio = await ProcessIo.open(p.io, `Exec ${req.execId}`, { id: t.id, namespace: ns, reaper: opts.reaper });
        pair = p.io.terminal ? socketPair() : undefined;
        let launched: LaunchedInit | undefined;
        await execInContainer({
          store: opts.store(ns), id: t.id, process: { ...p.spec!, terminal: p.io.terminal }, detach: true, preserveFds: 0, ignorePaused: false,
          terminalSocket: pair?.[1], stdio: pio.childFds, logger: opts.logger,
          onHelperSpawned: (pid) => { opts.reaper.spawned(pid); if (pair) closeFd(pair[1]); },
          onLaunched: (init) => { launched = init; },
        }).catch((err) => asRpc(err, `Start ${req.id} exec ${req.execId}`));
        pio.closeChildFds();
        p.stdio = pio;
        p.pid = launched!.pid;
        p.status = Status.Running;
        follow(t, p, launched!, pair ? takeMaster(p, pair[0], pio) : Promise.resolve(), pio);
      } catch (err) {
        pio?.closeChildFds();
        pio?.close();
        if (pair) { try { closeFd(pair[0]); } catch { /* closed */ } }
        throw err;
      }
      opts.events.publish(ns, '/tasks/exec-started', { containerId: t.id, execId: req.execId, pid: p.pid });
      return { pid: p.pid };
    },

    async Exec(req: { id: string; execId: string; terminal: boolean; stdin: string; stdout: string; stderr: string; spec: AnyMessage | null }, ns) {
      const t = taskOf(ns, req.id, 'Exec');
      if (!req.execId) throw invalid(`Exec ${req.id}: exec_id: required`);
      if (t.execs.has(req.execId)) throw new RpcError(Code.ALREADY_EXISTS, `Exec ${req.id}: exec ${req.execId} already exists`);
      if (t.init.status === Status.Stopped) throw precondition(`Exec ${req.id}: the task has stopped`);
      if (!req.spec) throw invalid(`Exec ${req.id} ${req.execId}: spec: required`);
      let spec: Process;
      try {
        spec = JSON.parse(Buffer.from(req.spec.value).toString('utf8')) as Process;
      } catch (err) {
        throw invalid(`Exec ${req.id} ${req.execId}: spec (${req.spec.typeUrl || EXEC_SPEC}): not a JSON runtime-spec Process: ${(err as Error).message}`);
      }
      const p = newProcess(req.execId, { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, terminal: req.terminal });
      p.spec = spec;
      t.execs.set(req.execId, p);
      opts.events.publish(ns, '/tasks/exec-added', { containerId: t.id, execId: req.execId });
      return {};
    },

    async State(req: { id: string; execId: string }, ns) {
      const t = taskOf(ns, req.id, 'State');
      const p = processOf(t, req.execId, 'State');
      let status = p.status;
      if (!req.execId && status === Status.Running) {
        try { if (isPaused(opts.store(ns), t.id)) status = Status.Paused; } catch { /* deleted meanwhile */ }
      }
      return { id: t.id, bundle: t.bundle, pid: p.pid, status, stdin: p.io.stdin, stdout: p.io.stdout, stderr: p.io.stderr, terminal: p.io.terminal, exitStatus: p.exitStatus, exitedAt: exitTimestamp(p), execId: p.execId };
    },

    async Delete(req: { id: string; execId: string }, ns) {
      const t = taskOf(ns, req.id, 'Delete');
      const p = processOf(t, req.execId, 'Delete');
      if (req.execId) {
        if (p.status === Status.Running) throw precondition(`Delete ${req.id} exec ${req.execId}: the process is still running`);
        t.execs.delete(req.execId);
        return { pid: p.pid, exitStatus: p.exitStatus, exitedAt: exitTimestamp(p) };
      }
      if (p.status === Status.Running) throw precondition(`Delete ${req.id}: the task is still running (kill it first)`);
      try { deleteContainer(opts.store(ns), t.id, true, (m) => opts.logger.warn(m)); } catch (err) { asRpc(err, `Delete ${req.id}`); }
      if (p.status === Status.Created) { await p.exited; }
      if (t.rootfsMount) unmountRootfs(t.rootfsMount);
      oom.unwatch(key(ns, t.id));
      tasks.delete(key(ns, t.id));
      opts.events.publish(ns, '/tasks/delete', { containerId: t.id, pid: p.pid, exitStatus: p.exitStatus, exitedAt: exitTimestamp(p), id: t.id });
      return { pid: p.pid, exitStatus: p.exitStatus, exitedAt: exitTimestamp(p) };
    },

    async Pids(req: { id: string }, ns) {
      const t = taskOf(ns, req.id, 'Pids');
      const record = opts.store(ns).load(t.id);
      return { processes: cgroupPids({ paths: record.cgroupPaths, created: [] }).map((pid) => ({ pid })) };
    },

    async Pause(req: { id: string }, ns) {
      const t = taskOf(ns, req.id, 'Pause');
      try { pauseContainer(opts.store(ns), t.id, true); } catch (err) { asRpc(err, `Pause ${req.id}`); }
      opts.events.publish(ns, '/tasks/paused', { containerId: t.id });
      return {};
    },

    async Resume(req: { id: string }, ns) {
      const t = taskOf(ns, req.id, 'Resume');
      try { pauseContainer(opts.store(ns), t.id, false); } catch (err) { asRpc(err, `Resume ${req.id}`); }
      opts.events.publish(ns, '/tasks/resumed', { containerId: t.id });
      return {};
    },

    async Checkpoint(req: { id: string }) {
      throw new RpcError(Code.UNIMPLEMENTED, `Checkpoint ${req.id}: checkpointing is not supported by tsrun`);
    },

    async Kill(req: { id: string; execId: string; signal: number; all: boolean }, ns) {
      const t = taskOf(ns, req.id, 'Kill');
      const p = processOf(t, req.execId, 'Kill');
      if (p.status === Status.Stopped || p.pid === 0) throw notFound(`Kill ${req.id}${req.execId ? ` exec ${req.execId}` : ''}: process already finished`);
      if (!req.signal || req.signal > 64) throw invalid(`Kill ${req.id}: signal: ${req.signal} is not a signal number`);
      try {
        if (req.execId) process.kill(p.pid, req.signal);
        else signalContainer(opts.store(ns).load(t.id), req.signal, req.all);
      } catch (err) { asRpc(err, `Kill ${req.id}`); }
      return {};
    },

    async ResizePty(req: { id: string; execId: string; width: number; height: number }, ns) {
      const p = processOf(taskOf(ns, req.id, 'ResizePty'), req.execId, 'ResizePty');
      if (!p.io.terminal) throw precondition(`ResizePty ${req.id}${req.execId ? ` exec ${req.execId}` : ''}: the process has no terminal`);
      // A client's resize may cross the process's exit (the master is closed then): nothing to size.
      if (p.master !== undefined) setWindowSize(p.master, req.height, req.width);
      return {};
    },

    async CloseIO(req: { id: string; execId: string; stdin: boolean }, ns) {
      const p = processOf(taskOf(ns, req.id, 'CloseIO'), req.execId, 'CloseIO');
      if (req.stdin) p.stdio?.closeStdin();
      return {};
    },

    async Update(req: { id: string; resources: AnyMessage | null }, ns) {
      const t = taskOf(ns, req.id, 'Update');
      if (!req.resources) throw invalid(`Update ${req.id}: resources: required`);
      let patch: LinuxResources;
      try { patch = JSON.parse(Buffer.from(req.resources.value).toString('utf8')) as LinuxResources; } catch (err) {
        throw invalid(`Update ${req.id}: resources (${req.resources.typeUrl}): not JSON LinuxResources: ${(err as Error).message}`);
      }
      try { updateContainer(opts.store(ns), t.id, patch, `Update ${req.id} resources`); } catch (err) { asRpc(err, `Update ${req.id}`); }
      return {};
    },

    async Wait(req: { id: string; execId: string }, ns) {
      const p = processOf(taskOf(ns, req.id, 'Wait'), req.execId, 'Wait');
      await p.exited;
      return { exitStatus: p.exitStatus, exitedAt: exitTimestamp(p) };
    },

    async Stats(req: { id: string }, ns) {
      const t = taskOf(ns, req.id, 'Stats');
      const layout = cgroupLayout();
      const record = opts.store(ns).load(t.id);
      if (layout.kind !== 'unified') return { stats: metricsV1(readStatsV1(layout, record.cgroupPaths)) };
      const dir = unifiedDir(layout, { paths: record.cgroupPaths });
      return { stats: metricsV2(readStatsV2(dir), memoryEventsV2(dir)) };
    },

    async Connect(req: { id: string }, ns) {
      const t = tasks.get(key(ns, req.id));
      return { shimPid: process.pid, taskPid: t?.init.pid ?? 0, version: 'tsrun-shim-v2' };
    },

    async Shutdown() {
      if (tasks.size === 0) setImmediate(opts.onEmpty);
      return {};
    },
  };
}

function isPaused(store: StateStore, id: string): boolean {
  const record = store.load(id);
  const freezer = Object.entries(record.cgroupPaths).find(([mount]) => mount.endsWith('/freezer'))?.[1];
  if (!freezer) return false;
  try { return readFileSync(join(freezer, 'freezer.state'), 'utf8').trim() !== 'THAWED'; } catch { return false; }
}
