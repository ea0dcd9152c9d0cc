import { readFileSync, readdirSync } from 'node:fs';
import { shimLibc } from './shim-syscalls.ts';

const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;

/**
 * The shim as child subreaper: a container process whose parent (the helper that follows it)
 * dies is handed to the shim instead of to pid 1, and must be reaped here or it stays a zombie.
 * Node's own children (the helpers, spawned through child_process) are reaped by libuv, which
 * waits for each by pid: this reaper never calls waitpid(-1), which could steal one of those,
 * but waits only for zombie children that Node did not spawn.
 */
export class ChildReaper {
  private readonly own = new Set<number>();

  constructor(private readonly onReaped: (pid: number, status: number) => void = () => undefined) {}

  start(): void {
    if (shimLibc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) !== 0) throw new Error(`prctl(PR_SET_CHILD_SUBREAPER): errno ${shimLibc().errno()}`);
    process.on('SIGCHLD', () => this.reap());
  }

  /** A child Node spawned itself: libuv reaps it. */
  spawned(pid: number): void {
    this.own.add(pid);
  }

  exited(pid: number): void {
    this.own.delete(pid);
  }

  reap(): void {
    for (const pid of childrenOf(process.pid)) {
      if (this.own.has(pid) || !isZombie(pid)) continue;
      const status = new Int32Array(1);
      if (shimLibc().waitpid(pid, status, WNOHANG) === pid) this.onReaped(pid, exitCodeOf(status[0]!));
    }
  }
}

/** 128+signal for a killed process, as containerd reports it. */
export function exitCodeOf(waitStatus: number): number {
  const signal = waitStatus & 0x7f;
  return signal === 0 ? (waitStatus >> 8) & 0xff : 128 + signal;
}

function childrenOf(pid: number): number[] {
  const pids: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      pids.push(...readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    } catch { /* thread gone */ }
  }
  return pids;
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}
