import type { Linux } from '../../spec/types.ts';
import { TsrunError } from '../cli/errors.ts';
import { NAMESPACE_FLAGS, type NamespaceType } from './linux-constants.ts';

export interface NamespacePlan {
  /** clone flags of the namespaces to create */
  create: number;
  /** namespaces to join, user namespace first (joining it first gives the rights for the rest) */
  join: { type: NamespaceType; path: string; flag: number }[];
  has(type: NamespaceType): boolean;
  isNew(type: NamespaceType): boolean;
}

export function planNamespaces(linux: Linux | undefined): NamespacePlan {
  const seen = new Map<NamespaceType, string | undefined>();
  (linux?.namespaces ?? []).forEach((ns, i) => {
    const type = ns.type as NamespaceType;
    if (!(type in NAMESPACE_FLAGS)) throw new TsrunError(`linux.namespaces[${i}].type: unknown namespace type ${JSON.stringify(ns.type)}`);
    if (seen.has(type)) throw new TsrunError(`linux.namespaces[${i}].type: namespace ${type} is listed twice`);
    if (ns.path !== undefined && !ns.path.startsWith('/')) throw new TsrunError(`linux.namespaces[${i}].path: ${JSON.stringify(ns.path)} must be absolute`);
    seen.set(type, ns.path || undefined);
  });
  let create = 0;
  const join: NamespacePlan['join'] = [];
  for (const [type, path] of seen) {
    if (path === undefined) create |= NAMESPACE_FLAGS[type];
    else join.push({ type, path, flag: NAMESPACE_FLAGS[type] });
  }
  join.sort((a, b) => Number(b.type === 'user') - Number(a.type === 'user'));
  return {
    create,
    join,
    has: (t) => seen.has(t),
    isNew: (t) => seen.has(t) && seen.get(t) === undefined,
  };
}

/** The runc rules for what a container may set, each tied to the namespace that makes it private. */
export function checkNamespaceNeeds(linux: Linux | undefined, hostname: string | undefined, domainname: string | undefined, ns: NamespacePlan): void {
  // As runc: a uts namespace of the container's own, new or joined by path (then it is set there).
  if (hostname && !ns.has('uts')) throw new TsrunError('hostname: setting it needs a uts namespace in linux.namespaces');
  if (domainname && !ns.has('uts')) throw new TsrunError('domainname: setting it needs a uts namespace in linux.namespaces');
  const userNs = ns.has('user');
  if (ns.isNew('user') && !(linux?.uidMappings?.length && linux?.gidMappings?.length))
    throw new TsrunError('linux.uidMappings: a new user namespace needs uidMappings and gidMappings');
  if (!userNs && (linux?.uidMappings?.length || linux?.gidMappings?.length))
    throw new TsrunError('linux.uidMappings: mappings are given but linux.namespaces has no user namespace');
  if (linux?.timeOffsets && !ns.isNew('time')) throw new TsrunError('linux.timeOffsets: needs a new time namespace in linux.namespaces');
  for (const key of Object.keys(linux?.sysctl ?? {})) checkSysctl(key, ns);
}

function checkSysctl(key: string, ns: NamespacePlan): void {
  const where = `linux.sysctl[${JSON.stringify(key)}]`;
  if (key.includes('/') || key.split('.').includes('..')) throw new TsrunError(`${where}: not a sysctl name`);
  const ipc = ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'];
  if (ipc.includes(key) || key.startsWith('fs.mqueue.')) {
    if (!ns.isNew('ipc')) throw new TsrunError(`${where}: needs a new ipc namespace`);
    return;
  }
  if (key.startsWith('net.')) {
    if (!ns.has('network')) throw new TsrunError(`${where}: needs a network namespace`);
    return;
  }
  if (key === 'kernel.hostname' || key === 'kernel.domainname') {
    if (!ns.isNew('uts')) throw new TsrunError(`${where}: needs a new uts namespace`);
    return;
  }
  throw new TsrunError(`${where}: not a namespaced sysctl, so a container may not set it`);
}
