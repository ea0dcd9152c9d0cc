import { writeStdout } from '../cli/stdout.ts';
import type { CommandFn } from '../cli/command-context.ts';
import { TsrunError } from '../cli/errors.ts';
import { runtimeState } from '../container/runtime-state.ts';

const list: CommandFn = (ctx, { values }) => {
  const store = ctx.store();
  const format = (values.format as string | undefined) ?? 'table';
  if (format !== 'table' && format !== 'json') throw new TsrunError(`list: --format ${JSON.stringify(format)} is neither table nor json`);
  const states = store.list().flatMap((id) => {
    try {
      return [runtimeState(store, store.load(id))];
    } catch {
      return []; // removed while we listed
    }
  });
  if (values.quiet === true) {
    writeStdout(states.map((s) => `${s.id}\n`).join(''));
  } else if (format === 'json') {
    // runc prints null, not [], when there is no container (a Go nil slice); scripts compare both ways.
    writeStdout(`${JSON.stringify(states.length > 0 ? states : null)}\n`);
  } else {
    const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], ...states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, s.owner || 'root'])];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)) + 3);
    writeStdout(rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('')).join('\n') + '\n');
  }
  return 0;
};
export default list;
