/**
 * A TAP reader tolerant of what runtime-tools prints: YAML diagnostics holding JSON (which
 * `prove` rejects), and failures reported only as an error message with no `not ok` line.
 */
export interface TapCounts {
  passed: number;
  failed: number;
  skipped: number;
  planned?: number;
  /** the failing assertions' descriptions, and error text that came without a `not ok` */
  failures: string[];
}

export function parseTap(output: string): TapCounts {
  const counts: TapCounts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  let inYaml = false;
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (/^\s+---\s*$/.test(line)) { inYaml = true; continue; }
    if (inYaml) { if (/^\s+\.\.\.\s*$/.test(line)) inYaml = false; continue; }
    const plan = /^1\.\.(\d+)/.exec(line);
    if (plan) { counts.planned = Number(plan[1]); continue; }
    const m = /^(not ok|ok)\b\s*\d*\s*-?\s*(.*)$/.exec(line);
    if (!m) continue;
    const directive = /#\s*(SKIP|TODO)\b/i.exec(m[2] ?? '');
    if (directive && directive[1]!.toUpperCase() === 'SKIP') counts.skipped++;
    else if (m[1] === 'ok') counts.passed++;
    else {
      counts.failed++;
      counts.failures.push(m[2] ?? '');
    }
  }
  return counts;
}

/**
 * The verdict for one test file: its assertions, plus one failure when the program failed without
 * saying so in TAP (non-zero exit with no `not ok`, a plan it did not finish, or a time-out).
 */
export function judge(output: string, stderr: string, exitCode: number | null, timedOut: boolean): TapCounts & { exitCode: number | null; timedOut: boolean } {
  const counts = parseTap(output);
  const seen = counts.passed + counts.failed + counts.skipped;
  if (timedOut) {
    counts.failed++;
    counts.failures.push('timed out');
  } else if (counts.planned !== undefined && seen < counts.planned) {
    counts.failed += counts.planned - seen;
    counts.failures.push(`plan of ${counts.planned} but ${seen} reported`);
  } else if (exitCode !== 0 && counts.failed === 0) {
    counts.failed++;
    const msg = (stderr.trim().split('\n').pop() ?? '') || (output.trim().split('\n').pop() ?? '');
    counts.failures.push(`exit ${exitCode}: ${msg}`.slice(0, 300));
  }
  // No TAP at all with exit 0 is a pass: the *_fail files print nothing when the runtime refused
  // the bad config as it should, and exit non-zero (caught above) when it did not.
  return { ...counts, exitCode, timedOut };
}
