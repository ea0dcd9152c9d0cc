import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { invalid } from '../ttrpc/rpc-status.ts';
import type { ChildReaper } from './child-reaper.ts';
import { makePipe } from './shim-syscalls.ts';

/**
 * A logging binary for a `binary://PATH?k=v` stdout URI, run the way containerd's shims run one:
 * PATH with each query key and its first value as arguments (in the URL's order), the environment
 * CONTAINER_ID and CONTAINER_NAMESPACE only, the container's stdout on fd 3, its stderr on fd 4,
 * and on fd 5 a pipe it closes (or writes to) once it is ready; the process starts only then.
 */
export interface BinaryLogger {
  /** write ends for the process (or for the shim's copy of a terminal's output) */
  stdout: number;
  stderr: number;
  /** after the process exited: let the logger drain and go (SIGTERM, then SIGKILL) */
  stop(): void;
}

/** How long a logger may keep reading after end of file before SIGTERM, and after SIGTERM before SIGKILL (containerd: 12 s). */
const DRAIN_MS = 5000;
const TERM_MS = 12_000;

export function binaryLoggerArgs(uri: URL): string[] {
  const seen = new Set<string>();
  const args: string[] = [];
  for (const [key, value] of uri.searchParams) {
    if (seen.has(key)) continue; // a repeated key counts once, with its first value
    seen.add(key);
    // A key without a value still brings its (empty) value, as Go's url.Query reports it to containerd's shims.
    args.push(key, value);
  }
  return args;
}

export async function startBinaryLogger(uriText: string, id: string, namespace: string, what: string, reaper: Pick<ChildReaper, 'spawned' | 'exited'>): Promise<BinaryLogger> {
  let uri: URL;
  try { uri = new URL(uriText); } catch { throw invalid(`${what}: ${uriText}: not a URI`); }
  if (!uri.pathname || uri.pathname === '/') throw invalid(`${what}: ${uriText}: binary:// needs the logging binary's absolute path`);
  const out = makePipe();
  const err = makePipe();
  const ready = makePipe();
  let child: ChildProcess | undefined;
  try {
    child = spawn(decodeURIComponent(uri.pathname), binaryLoggerArgs(uri), {
      stdio: ['ignore', 'ignore', 'ignore', out[0], err[0], ready[1]],
      env: { CONTAINER_ID: id, CONTAINER_NAMESPACE: namespace },
    });
    const c = child;
    // Node reaps its own child: the shim's reaper must not take it first.
    const pid = c.pid;
    if (pid) { reaper.spawned(pid); c.once('exit', () => reaper.exited(pid)); }
    await new Promise<void>((resolve, reject) => {
      c.once('spawn', resolve);
      c.once('error', (e) => reject(invalid(`${what}: ${uriText}: starting the logging binary: ${e.message}`)));
    });
  } catch (e) {
    for (const fd of [...out, ...err, ...ready]) closeSync(fd);
    throw e;
  }
  // Only the logger holds these now: its fd 5 closing is the "ready", its reads end when the process's writers go.
  for (const fd of [out[0], err[0], ready[1]]) closeSync(fd);
  await new Promise<void>((resolve) => {
    const r = new Socket({ fd: ready[0], readable: true, writable: false });
    const done = () => { r.destroy(); resolve(); };
    r.once('data', done);
    r.once('end', done);
    r.once('error', done);
  });
  const logger = child;
  return {
    stdout: out[1],
    stderr: err[1],
    stop() {
      if (logger.exitCode !== null || logger.signalCode !== null) return;
      const term = setTimeout(() => {
        logger.kill('SIGTERM');
        setTimeout(() => logger.kill('SIGKILL'), TERM_MS).unref();
      }, DRAIN_MS).unref();
      logger.once('exit', () => clearTimeout(term));
    },
  };
}
