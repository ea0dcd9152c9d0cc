import { spawn, type ChildProcess } from 'node:child_process';
import { writeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { TsrunError } from '../cli/errors.ts';
import { helperPath } from '../native/helper-path.ts';
import { encodePlan, type PlanOp } from '../native/plan-ops.ts';

export interface LaunchOptions {
  ops: PlanOp[];
  /** descriptors of this process passed to the container at 3, 4, ... */
  passFds: number[];
  /** sockets the helper gets right after its sync socket (at 4 + passFds.length, ...): the console, a seccomp listener */
  extraFds?: number[];
  /** right after the spawn, with the helper's pid (the caller closes its copies of what the helper inherited) */
  onSpawned?: (helperPid: number) => void;
  /** the container's stdin, stdout and stderr (default: this process's own) */
  stdio?: [number, number, number];
  /** called with the container's host pid; the container waits for it at its WAIT_GO (id maps, cgroups) */
  beforeGo: (pid: number) => void;
  timeoutMs?: number;
  trace?: (what: string) => void;
}

export interface LaunchedInit {
  pid: number;
  helper: ChildProcess;
  /** resolves with stage 0's exit code: in foreground mode, the container's exit status */
  exited: Promise<number>;
}

/**
 * Starts tsrun-init with the plan and follows its messages until the container waits on the
 * exec fifo (R), fails (E) or dies. The protocol is described in runtime/native/tsrun-init.c.
 */
export function launchInit(opts: LaunchOptions): Promise<LaunchedInit> {
  const syncFd = 3 + opts.passFds.length;
  const helper = spawn(helperPath(), [String(syncFd)], {
    stdio: [...(opts.stdio ?? ['inherit', 'inherit', 'inherit'] as const), ...opts.passFds, 'pipe', ...(opts.extraFds ?? [])],
    env: {},
  });
  const exited = new Promise<number>((resolve) => {
    helper.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? signalNumber(signal) : 0)));
  });
  opts.trace?.('helper spawned');
  opts.onSpawned?.(helper.pid ?? 0);
  const sock = helper.stdio[syncFd] as Socket;
  return new Promise<LaunchedInit>((resolve, reject) => {
    let pid = 0;
    let buffered = '';
    // Without a WAIT_GO in the plan the container may report ready before stage 0 has sent its
    // pid (they write the same socket from two processes): ready then waits for the pid.
    let readyBeforePid = false;
    let done = false;
    const timer = setTimeout(() => finish(new TsrunError('container init did not get ready in time')), opts.timeoutMs ?? 60_000);
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.removeAllListeners();
      sock.destroy();
      helper.unref();
      if (err) reject(Object.assign(err, { initPid: pid }));
      else resolve({ pid, helper, exited });
    };
    sock.on('error', (err) => finish(new TsrunError(`talking to container init: ${err.message}`)));
    sock.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const kind = line[0], text = line.slice(1);
        if (kind === 'P') {
          pid = Number(text);
          try {
            opts.beforeGo(pid);
            sendGo(sock);
          } catch (err) {
            finish(err as Error);
            return;
          }
          if (readyBeforePid) {
            finish();
            return;
          }
        } else if (kind === 'R') {
          if (pid === 0) {
            readyBeforePid = true;
            continue;
          }
          finish();
          return;
        } else if (kind === 'E') {
          finish(new TsrunError(`container init: ${text}`));
          return;
        }
      }
    });
    sock.on('close', () => finish(new TsrunError('container init exited before it was ready')));
    sock.write(encodePlan(opts.ops));
  });
}

function signalNumber(name: NodeJS.Signals): number {
  return (osConstants.signals as unknown as Record<string, number>)[name] ?? 0;
}

/**
 * The container may already have failed (its E line is on the way) when tsrun says go: a
 * synchronous write whose EPIPE is ignored keeps the stream open, so that line is still read.
 */
function sendGo(sock: Socket): void {
  const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    sock.write('G', () => undefined);
    return;
  }
  try {
    writeSync(fd, 'G');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
  }
}
