import { constants } from 'node:os';
import { TsrunError } from './errors.ts';

const SIGNALS = constants.signals as unknown as Record<string, number>;

/** "TERM", "SIGTERM", "15" -> 15, as runc's kill accepts them. */
export function parseSignal(text: string | undefined): number {
  if (text === undefined || text === '') return SIGNALS.SIGTERM!;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = text.toUpperCase();
    const n = SIGNALS[name.startsWith('SIG') ? name : `SIG${name}`];
    if (n !== undefined) return n;
  }
  throw new TsrunError(`unknown signal ${JSON.stringify(text)}`);
}
