import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { ShimFlags } from './shim-flags.ts';
import { groupOf, grpcSocketFor, shimRoot, socketPathFor } from './shim-paths.ts';
import { shimProtocol, startAnswer } from './start-answer.ts';

/** Resolves true when something accepts connections on the unix socket. */
export function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/**
 * A daemon serves its group's ttrpc socket a moment before its gRPC one (grpc-js loads after): a
 * start that finds a daemon just started by a concurrent start waits for gRPC a little.
 */
async function grpcServedSoon(path: string): Promise<boolean> {
  for (let waited = 0; waited < 3000; waited += 50) {
    if (await socketAnswers(path)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return socketAnswers(path);
}

/**
 * `start`: find the shim of this container's group, or start it, then tell containerd where it
 * is: the address on stdout (start-answer.ts: plain, or JSON for gRPC) and in <bundle>/address
 * (which containerd reads back after a restart).
 * The daemon is a new session, so it outlives this process and containerd's; it says "ready" on
 * a pipe once it serves, and only then does start answer.
 */
export async function startShim(flags: ShimFlags): Promise<number> {
  const protocol = shimProtocol();
  const bundle = process.cwd();
  const socket = socketPathFor(flags.address, flags.namespace, groupOf(bundle));
  if (!(await socketAnswers(socket))) {
    mkdirSync(join(shimRoot(), 's'), { recursive: true, mode: 0o711 });
    const log = openSync(join(shimRoot(), 'shim.log'), 'a');
    const args = process.argv.slice(2).filter((a) => a !== 'start');
    const daemon = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args, '-socket', socket], {
      detached: true,
      stdio: ['ignore', log, log, 'pipe'],
      // Every stdin fifo open waits in libuv's pool for its writer: more threads than the default 4.
      env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '64' },
    });
    closeSync(log);
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      const pipe = daemon.stdio[3] as NodeJS.ReadableStream;
      pipe.on('data', (b: Buffer) => { text += b.toString(); });
      pipe.on('end', () => resolve(text));
      pipe.on('error', () => resolve(text));
    });
    daemon.unref();
    if (!answer.startsWith('ready')) {
      process.stderr.write(`containerd-shim-tsrun-v2: the shim daemon did not start: ${answer || 'no answer'} (log: ${join(shimRoot(), 'shim.log')})\n`);
      return 1;
    }
  }
  // A shim started before gRPC was asked for serves ttrpc only: JSON naming its gRPC socket would send containerd nowhere.
  if (protocol === 'grpc' && !(await grpcServedSoon(grpcSocketFor(socket)))) {
    process.stderr.write(`containerd-shim-tsrun-v2: TSRUN_SHIM_PROTOCOL=grpc, but the running shim of this group (${socket}) does not serve gRPC: it was started without it; stop it (SIGTERM, once its containers are gone) or unset TSRUN_SHIM_PROTOCOL\n`);
    return 1;
  }
  // The address file keeps the plain ttrpc address, which the daemon always serves: it is what
  // containerd 1.6 reads back after a restart (1.7+ keep their own bootstrap.json beside it).
  writeFileSync(join(bundle, 'address'), `unix://${socket}`);
  process.stdout.write(startAnswer(socket, protocol));
  return 0;
}
