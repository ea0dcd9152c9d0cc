import type { LinuxResources } from '../../spec/types.ts';

type DeviceRule = NonNullable<LinuxResources['devices']>[number];

/**
 * The devices every container may use, appended after the config's own rules as runc does,
 * so that the default /dev nodes keep working under a deny-all policy.
 */
export const DEFAULT_ALLOWED_DEVICES: readonly DeviceRule[] = [
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // null
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // random
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // full
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // tty
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // zero
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // urandom
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' }, // console
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // pts
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // ptmx
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }, // tun
];

/** v1 devices.allow / devices.deny writes, in the config's order, then the defaults. */
export function deviceRuleLines(rules: readonly DeviceRule[] | undefined): { file: string; line: string }[] {
  if (!rules || rules.length === 0) return [];
  return [...rules, ...DEFAULT_ALLOWED_DEVICES].map((r) => {
    const type = r.type ?? 'a';
    const num = (n: number | undefined | null) => (n === undefined || n === null || n < 0 ? '*' : String(n));
    const line = `${type} ${num(r.major)}:${num(r.minor)} ${r.access ?? 'rwm'}`;
    return { file: r.allow ? 'devices.allow' : 'devices.deny', line };
  });
}
