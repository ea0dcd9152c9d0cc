import { closeSync, linkSync, mkdirSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createLogger } from '../cli/logger.ts';
import { StateStore } from '../container/state-store.ts';
import { EventPublisher } from './events/event-publisher.ts';
import { decodeMessage, encodeMessage } from './protocol/proto-schema.ts';
import type { ShimFlags } from './shim-flags.ts';
import { grpcSocketFor, shimRoot, stateRootFor } from './shim-paths.ts';
import { shimProtocol } from './start-answer.ts';
import { socketAnswers } from './start-command.ts';
import { ChildReaper } from './task/child-reaper.ts';
import { TASK_METHODS, TASK_SERVICE, type TaskHandlers, type TaskMethod } from './task/task-methods.ts';
import { taskService } from './task/task-service.ts';
import { TtrpcServer, type MethodHandler } from './ttrpc/ttrpc-server.ts';

const NAMESPACE_KEY = 'containerd-namespace-ttrpc';
const READY_FD = 3;

/** How long an empty shim waits for the next container before it exits (containerd runs one after another). */
const IDLE_MS = Number(process.env.TSRUN_SHIM_IDLE_MS ?? 10_000);

/** The task service as ttrpc methods: decode, call, encode; the namespace from the request metadata. */
export function ttrpcMethods(handlers: TaskHandlers, defaultNamespace: string, debug?: (msg: string) => void): Record<string, MethodHandler> {
  return Object.fromEntries((Object.keys(TASK_METHODS) as TaskMethod[]).map((name) => {
    const [reqType, resType] = TASK_METHODS[name];
    const handler: MethodHandler = async (payload, ctx) => {
      const t0 = performance.now();
      const req = decodeMessage<object>(reqType, payload);
      try {
        return encodeMessage(resType, await handlers[name](req, ctx.metadata[NAMESPACE_KEY] || defaultNamespace));
      } finally {
        debug?.(`${name} ${JSON.stringify((req as { id?: string }).id ?? '')}: ${(performance.now() - t0).toFixed(1)} ms`);
      }
    };
    return [name, handler];
  }));
}

/**
 * Binds the socket without a race between two daemons of one group: listen on a name of our
 * own, then hard-link it to the group's name, which fails if another shim got there first.
 */
async function bindGroupSocket(socket: string): Promise<Server | undefined> {
  const own = `${socket}.${process.pid}`;
  const server = createServer();
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(own, resolve); });
  try {
    for (;;) {
      try {
        linkSync(own, socket);
        return server;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (await socketAnswers(socket)) { server.close(); return undefined; }
        try { unlinkSync(socket); } catch { /* another daemon cleaned it */ }
      }
    }
  } finally {
    try { unlinkSync(own); } catch { /* closed */ }
  }
}

export async function runShimDaemon(flags: ShimFlags): Promise<void> {
  const say = (text: string) => { try { writeSync(READY_FD, text); closeSync(READY_FD); } catch { /* start gave up */ } };
  try {
    process.chdir('/');
    mkdirSync(`${shimRoot()}/s`, { recursive: true, mode: 0o711 });
    const server = await bindGroupSocket(flags.socket);
    if (!server) { say('ready (another shim serves this group)'); return; }
    // -debug (containerd passes it when its own log level is debug) or TSRUN_SHIM_DEBUG=1: one line per request with its time.
    flags.debug ||= process.env.TSRUN_SHIM_DEBUG === '1';
    const logger = createLogger({ format: 'text', debug: flags.debug });
    const reaper = new ChildReaper();
    reaper.start();
    const stores = new Map<string, StateStore>();
    let idle: NodeJS.Timeout | undefined;
    // For the launcher's fast `start` (scripts/shim-launcher.sh): who serves the socket, and
    // whether it is counting down to exit (then the launcher leaves it to Node, which connects).
    const pidFile = flags.socket.replace(/\.sock$/, '.pid');
    const idleFile = flags.socket.replace(/\.sock$/, '.idle');
    writeFileSync(pidFile, String(process.pid));
    const setIdle = (on: boolean) => { try { if (on) writeFileSync(idleFile, ''); else unlinkSync(idleFile); } catch { /* as wanted */ } };
    // The launcher claims an idle shim by removing its idle file; the shim takes the file away
    // before it exits. Whichever of the two renames or removes it first wins: a claimed shim
    // counts down again instead of exiting, and the launcher of a shim on its way out goes to Node.
    const idleExpired = () => {
      try {
        renameSync(idleFile, `${idleFile}.gone`);
      } catch {
        setIdle(true);
        idle = setTimeout(idleExpired, IDLE_MS);
        return;
      }
      exit();
    };
    const exit = () => {
      for (const path of [flags.socket, grpcSocketFor(flags.socket), pidFile, idleFile, `${idleFile}.gone`]) { try { unlinkSync(path); } catch { /* gone */ } }
      ttrpc.close();
      process.exit(0);
    };
    const handlers = taskService({
      store: (ns) => { let s = stores.get(ns); if (!s) stores.set(ns, (s = new StateStore(stateRootFor(ns)))); return s; },
      events: new EventPublisher(process.env.TTRPC_ADDRESS, (m) => logger.warn(m)),
      reaper,
      logger,
      onBusy: () => { clearTimeout(idle); idle = undefined; setIdle(false); },
      onEmpty: () => { clearTimeout(idle); setIdle(true); idle = setTimeout(idleExpired, IDLE_MS); },
    });
    const ttrpc = new TtrpcServer();
    ttrpc.register(TASK_SERVICE, ttrpcMethods(handlers, flags.namespace, flags.debug ? (m) => logger.debug(m) : undefined));
    ttrpc.attach(server);
    // A connection while the shim is counting down to exit (a `start` finding it, containerd coming
    // to Create) starts the count again: the shim must not go between start's answer and the Create.
    server.on('connection', () => { if (idle) { clearTimeout(idle); idle = setTimeout(idleExpired, IDLE_MS); } });
    process.on('SIGTERM', exit);
    // gRPC only when asked for: grpc-js costs ~28 ms to load and some memory that a ttrpc-only
    // shim need not pay. Beside ttrpc for other clients (TSRUN_SHIM_GRPC=1), served after
    // containerd has its answer; as containerd's own protocol (TSRUN_SHIM_PROTOCOL=grpc), before it.
    const grpcForContainerd = shimProtocol() === 'grpc';
    const serveGrpc = async () => (await import('./grpc/grpc-server.ts')).serveGrpc(handlers, grpcSocketFor(flags.socket), flags.namespace);
    if (grpcForContainerd) await serveGrpc();
    say('ready');
    if (!grpcForContainerd && process.env.TSRUN_SHIM_GRPC === '1') await serveGrpc();
  } catch (err) {
    say(`failed: ${(err as Error).message}`);
    process.exit(1);
  }
}
