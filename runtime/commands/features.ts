import { writeStdout } from '../cli/stdout.ts';
import type { CommandFn } from '../cli/command-context.ts';
import { KNOWN_MOUNT_OPTIONS } from '../plan/mount-options.ts';
import { CAPABILITIES, NAMESPACE_FLAGS } from '../plan/linux-constants.ts';
import { RUNTIME_SPEC_VERSION } from '../../spec/version.ts';

/**
 * runtime-spec features.md: only what this build really applies. Hooks, seccomp, AppArmor,
 * SELinux, Intel RDT and idmapped mounts are refused at create, so they are absent or disabled here.
 */
const features: CommandFn = () => {
  const doc = {
    ociVersionMin: '1.0.0',
    ociVersionMax: RUNTIME_SPEC_VERSION,
    hooks: [] as string[],
    mountOptions: [...KNOWN_MOUNT_OPTIONS].sort(),
    linux: {
      namespaces: Object.keys(NAMESPACE_FLAGS),
      capabilities: [...CAPABILITIES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
      seccomp: { enabled: false },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: false } },
    },
    annotations: { 'io.github.tsrun.version': 'see tsrun --version' },
  };
  writeStdout(`${JSON.stringify(doc, null, 4)}\n`);
  return 0;
};
export default features;
