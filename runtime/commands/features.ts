import { writeStdout } from '../cli/stdout.ts';
import type { CommandFn } from '../cli/command-context.ts';
import { KNOWN_MOUNT_OPTIONS } from '../plan/mount-options.ts';
import { CAPABILITIES, NAMESPACE_FLAGS } from '../plan/linux-constants.ts';
import { RUNTIME_SPEC_VERSION } from '../../spec/version.ts';

/**
 * runtime-spec features.md: only what this build really applies. AppArmor, SELinux, Intel RDT and
 * idmapped mounts are refused at create, so they are absent or disabled here.
 */
const features: CommandFn = () => {
  const doc = {
    ociVersionMin: '1.0.0',
    ociVersionMax: RUNTIME_SPEC_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: [...KNOWN_MOUNT_OPTIONS].sort(),
    linux: {
      namespaces: Object.keys(NAMESPACE_FLAGS),
      capabilities: [...CAPABILITIES],
      // v2: limits, eBPF device control, stats and the freezer (tested in the qemu v2 guest); rdma is written where the controller exists.
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: true },
      seccomp: {
        enabled: true,
        actions: ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP'],
        operators: ['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE'],
        archs: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_X32', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64'],
        knownFlags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
        supportedFlags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
      },
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
