import { readRootfsFile } from './rootfs-file.ts';

export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

interface PasswdEntry { name: string; uid: number; gid: number }
interface GroupEntry { name: string; gid: number; members: string[] }

export class UserLookupError extends Error {}

function parsePasswd(text: string | undefined): PasswdEntry[] {
  return (text ?? '').split('\n').flatMap((line) => {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#') || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) return [];
    return [{ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) }];
  });
}

function parseGroup(text: string | undefined): GroupEntry[] {
  return (text ?? '').split('\n').flatMap((line) => {
    const f = line.split(':');
    if (f.length < 3 || line.startsWith('#') || !/^\d+$/.test(f[2]!)) return [];
    return [{ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }];
  });
}

const NUMERIC = /^\d+$/;

/**
 * The image's (or the user's) `User` string as containerd's WithUser + WithAdditionalGIDs read it:
 * `name` or `uid` (primary gid from /etc/passwd; a uid not listed there gets gid 0), `user:group`
 * with either side a name or a number. Supplementary gids come from /etc/group memberships of the
 * user's name, and only when no group was given explicitly, as containerd does.
 */
export function resolveImageUser(rootfs: string, spec: string | undefined): ProcessUser {
  if (!spec) spec = '0';
  const passwd = parsePasswd(readRootfsFile(rootfs, 'etc/passwd'));
  const groups = parseGroup(readRootfsFile(rootfs, 'etc/group'));
  const [userPart, groupPart, extra] = spec.split(':');
  if (extra !== undefined || !userPart) throw new UserLookupError(`user ${JSON.stringify(spec)}: expected name, uid, user:group or uid:gid`);

  let entry: PasswdEntry | undefined;
  let uid: number;
  if (NUMERIC.test(userPart)) {
    uid = Number(userPart);
    entry = passwd.find((p) => p.uid === uid);
  } else {
    entry = passwd.find((p) => p.name === userPart);
    if (!entry) throw new UserLookupError(`user ${JSON.stringify(userPart)} is not in the image's /etc/passwd; use a uid or add the user to the image`);
    uid = entry.uid;
  }

  let gid = entry?.gid ?? 0;
  if (groupPart !== undefined) {
    if (NUMERIC.test(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw new UserLookupError(`group ${JSON.stringify(groupPart)} is not in the image's /etc/group; use a gid or add the group to the image`);
      gid = g.gid;
    }
    return { uid, gid };
  }
  const name = entry?.name;
  const additionalGids = name ? groups.filter((g) => g.name !== name && g.members.includes(name)).map((g) => g.gid) : [];
  return additionalGids.length ? { uid, gid, additionalGids } : { uid, gid };
}
