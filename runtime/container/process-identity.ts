import { readFileSync } from 'node:fs';

/**
 * A process is named by its pid and its start time (field 22 of /proc/PID/stat), so that a
 * recycled pid is never mistaken for the container's process.
 */
export interface ProcessStat {
  state: string;
  startTime: number;
}

export function readProcessStat(pid: number): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '?', startTime: Number(rest[19]) };
}

/** True while the process that had this start time is alive and not a zombie. */
export function isSameProcessAlive(pid: number, startTime: number): boolean {
  if (pid <= 0) return false;
  const stat = readProcessStat(pid);
  return stat !== undefined && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
}
