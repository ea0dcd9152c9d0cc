import { defaultSpec } from '../../runtime/container/default-spec.ts';
import { validateRuntimeConfig } from '../../spec/validate.ts';
import type { RuntimeConfig } from '../../spec/types.ts';
import type { IdRange } from '../layer/id-map.ts';
import type { ResolvedImage } from '../layout-reader/oci-layout.ts';
import { resolveImageUser } from './image-user.ts';

/** What the user may override on the command line; unset fields come from the image. */
export interface ConfigOverrides {
  args?: string[];
  env?: string[];
  cwd?: string;
  user?: string;
  tty?: boolean;
  hostname?: string;
}

export interface ConfigContext {
  rootfs: string;
  rootless: boolean;
  uidMap: readonly IdRange[];
  gidMap: readonly IdRange[];
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** containerd's oci.WithDefaultSpec capability set (bounding, effective, permitted). */
const CONTAINERD_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** containerd masks two paths more than runc's template. */
const CONTAINERD_MASKED = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/sys/firmware', '/sys/devices/virtual/powercap', '/proc/scsi',
];

/** KEY=VALUE lists merged by key, later lists winning, order of first appearance kept (containerd's replaceOrAppendEnvValues). */
function mergeEnv(...lists: (readonly string[] | undefined)[]): string[] {
  const out = new Map<string, string>();
  for (const list of lists) for (const kv of list ?? []) out.set(kv.split('=')[0]!, kv);
  return [...out.values()];
}

/**
 * config.json for an image, with containerd's semantics: args = Entrypoint + (user args or Cmd),
 * Env over a default PATH, WorkingDir, User resolved in the rootfs, and the mounts and namespaces
 * of `tsrun spec` with containerd's capabilities and masked paths. The result is validated
 * against the runtime-spec schema before anyone writes it.
 */
export function buildRuntimeConfig(image: ResolvedImage, overrides: ConfigOverrides, ctx: ConfigContext): RuntimeConfig {
  const ic = image.config.config ?? {};
  const spec = defaultSpec(ctx.rootless);
  const args = [...(ic.Entrypoint ?? []), ...(overrides.args?.length ? overrides.args : ic.Cmd ?? [])];
  if (args.length === 0) throw new Error('the image has neither Entrypoint nor Cmd: give the command to run after the bundle path');
  const user = resolveImageUser(ctx.rootfs, overrides.user ?? ic.User);
  const caps = CONTAINERD_CAPS;
  const config = {
    ...spec,
    process: {
      ...spec.process,
      terminal: overrides.tty ?? false,
      user,
      args,
      env: mergeEnv([DEFAULT_PATH], ic.Env, overrides.env),
      cwd: overrides.cwd ?? (ic.WorkingDir || '/'),
      capabilities: { bounding: caps, effective: caps, permitted: caps },
    },
    root: { path: 'rootfs', readonly: false },
    hostname: overrides.hostname ?? spec.hostname,
    annotations: { ...(image.manifest.annotations ?? {}) },
    linux: {
      ...spec.linux,
      maskedPaths: CONTAINERD_MASKED,
      ...idMappings(ctx),
    },
  };
  if (ctx.uidMap.length && !config.linux.namespaces.some((n) => n.type === 'user')) config.linux.namespaces.push({ type: 'user' });
  return validateRuntimeConfig(config, 'generated config.json');
}

function idMappings(ctx: ConfigContext): object {
  if (!ctx.uidMap.length && !ctx.gidMap.length) return {};
  const conv = (r: IdRange) => ({ containerID: r.container, hostID: r.host, size: r.size });
  return { uidMappings: ctx.uidMap.map(conv), gidMappings: ctx.gidMap.map(conv) };
}
