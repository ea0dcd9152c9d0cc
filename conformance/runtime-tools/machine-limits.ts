/**
 * runtime-tools test files that no runtime can pass on this machine, and why. A file failing for
 * any other reason is tsrun's to fix. (Established with runc 1.1.5 on the same machine.)
 */
export const MACHINE_LIMITS: Record<string, string> = {
  linux_cgroups_hugetlb: 'no hugetlb v1 controller (hybrid cgroups: hugetlb only on the v2 mount)',
  linux_cgroups_relative_hugetlb: 'no hugetlb v1 controller',
  linux_cgroups_network: 'no net_cls/net_prio v1 controllers',
  linux_cgroups_relative_network: 'no net_cls/net_prio v1 controllers',
  linux_cgroups_memory: 'this kernel (5.16+) keeps memory.kmem.limit_in_bytes unlimited whatever is written (tsrun warns), and the test reads the kernel limit back',
  linux_cgroups_relative_memory: 'this kernel keeps memory.kmem.limit_in_bytes unlimited whatever is written (tsrun warns); the test reads it back',
  linux_cgroups_blkio: 'no blkio.weight here (no CFQ/BFQ I/O scheduler)',
  linux_cgroups_relative_blkio: 'no blkio.weight here (no CFQ/BFQ I/O scheduler)',
  linux_process_apparmor_profile: 'AppArmor is not enabled here',
  process_rlimits: 'root lacks CAP_SYS_RESOURCE: rlimits above the hard limit fail with EPERM',
  process_capabilities: 'root lacks CAP_SYS_RESOURCE: tsrun leaves it out with a warning (config.md), the test expects it granted',
};

/**
 * Files that fail for a reason in the test itself, or where tsrun follows runc or the spec's
 * text against the test; runc fails each of them the same way here.
 */
export const NOT_TSRUN: Record<string, string> = {
  pidfile: 'test race: it kills a container whose `true` has usually exited already; kill of a stopped container must fail (runtime.md)',
  delete: 'deliberate: a created container is deleted without --force, as runc does (containerd\'s shim relies on it); runtime.md asks for an error',
  delete_resources: 'test: compares the pids limit with a garbage value (expects 824634376448)',
  linux_cgroups_pids: 'test: compares the pids limit with a garbage value',
  linux_cgroups_relative_pids: 'test: compares the pids limit with a garbage value',
  misc_props: 'test: its annotation bundle has no /runtimetest to run',
  start: 'spec vs test: the test wants start to succeed without a process; runtime.md says it MUST fail (tsrun fails it)',
};

/** Files the issue expects tsrun to pass on this machine once their capability has landed. */
export const EXPECTED_TO_PASS = [
  'config_updates_without_affect', 'create', 'default', 'delete_only_create_resources', 'hostname', 'kill',
  'kill_no_effect', 'killsig', 'linux_cgroups_cpus', 'linux_cgroups_relative_cpus', 'linux_devices',
  'linux_masked_paths', 'linux_ns_itype', 'linux_ns_path', 'linux_ns_path_type', 'linux_readonly_paths',
  'linux_sysctl', 'mounts', 'pidfile', 'poststop', 'prestart_fail', 'process', 'process_oom_score_adj',
  'process_rlimits_fail', 'process_user', 'root_readonly_true', 'state', 'hooks_stdin', 'linux_cgroups_devices',
  'linux_cgroups_relative_devices', 'linux_rootfs_propagation', 'linux_seccomp', 'linux_mount_label',
  'poststart_fail', 'poststop_fail', 'process_capabilities_fail',
];

/** Which later capability (issue) a file waits on, when tsrun does not have it yet. */
export const WAITS_ON: Record<string, string> = {
  hooks_stdin: 'hooks (issue 4)', poststop: 'hooks (issue 4)', prestart_fail: 'hooks (issue 4)',
  poststart_fail: 'hooks (issue 4)', poststop_fail: 'hooks (issue 4)', prestart: 'hooks (issue 4)', poststart: 'hooks (issue 4)',
  linux_seccomp: 'seccomp (issue 6)',
};
