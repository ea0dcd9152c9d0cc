/*
 * tsrun-init: the container's first process.
 *
 * tsrun (TypeScript) decides everything and sends an ordered plan of operations over the
 * socket whose number is argv[1]. This program only interprets that plan with raw syscalls.
 * It is single-threaded and static, which is why it exists: a Node process is multi-threaded,
 * so it cannot unshare a user namespace or setns into a mount namespace.
 *
 * Wire format (little-endian): u32 total length, then "TSP1", u32 op count, then per op
 * u16 opcode, u16 argc, and argc times (u32 length, bytes). Numbers are 8-byte values.
 *
 * Messages back to tsrun, one per line on the same socket:
 *   P<pid>    stage 0 cloned the container process (host pid)
 *   R         the container is set up and waits on the exec fifo
 *   E<text>   an operation failed; the process exits with status 1
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <time.h>
#include <sys/un.h>
#include <termios.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plan-ops.h"

#define MAX_ARGS 4096
#define MAX_PLAN (64u << 20)

struct arg { const uint8_t *data; uint32_t len; };
struct op { uint16_t code; uint16_t argc; struct arg *args; };

static int sync_fd = -1;
static int root_fd = -1;      /* directory in-root paths resolve in (OP_OPEN_ROOT) */
static int fifo_fd = -1;      /* O_PATH handle on the exec fifo (OP_OPEN_EXEC_FIFO) */
static int proc_fd = -1;      /* O_PATH handle on a proc mount (OP_OPEN_PROC) */
static int console_fd = -1;   /* unix socket the pty master is sent on (OP_CONSOLE_SOCKET) */
static char exec_path[4096];  /* resolved by OP_PREPARE_EXEC */
static const char *op_name = "start";
static int reported_ready;    /* after OP_READY nobody reads the sync socket any more */

static void send_line(const char *kind, const char *text)
{
	char buf[8192];
	int n = snprintf(buf, sizeof buf, "%s%s\n", kind, text);
	if (n < 0) return;
	if ((size_t)n > sizeof buf - 1) { n = sizeof buf - 1; buf[n - 1] = '\n'; }
	if (sync_fd >= 0) {
		ssize_t w = write(sync_fd, buf, (size_t)n);
		(void)w;
	} else {
		ssize_t w = write(2, buf + 1, (size_t)n - 1);
		(void)w;
	}
}

__attribute__((noreturn, format(printf, 1, 2)))
static void fail(const char *fmt, ...)
{
	char msg[4096];
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char line[8192];
	if (err) snprintf(line, sizeof line, "%s: %s: %s", op_name, msg, strerror(err));
	else snprintf(line, sizeof line, "%s: %s", op_name, msg); /* no system call failed: nothing to add */
	send_line("E", line);
	if (reported_ready) {
		/* tsrun stopped listening at ready: the container's stderr is the only witness left. */
		char out[8300];
		int n = snprintf(out, sizeof out, "tsrun-init: %s\n", line);
		if (n > 0) { ssize_t w = write(2, out, (size_t)n < sizeof out ? (size_t)n : sizeof out - 1); (void)w; }
	}
	_exit(1);
}

static void read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) { errno = n == 0 ? EPIPE : errno; fail("reading the plan"); }
		p += n;
		len -= (size_t)n;
	}
}

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* A string argument, NUL-terminated in a copy owned by the caller's op lifetime. */
static char *str_arg(const struct op *op, int i)
{
	if (i >= op->argc) { errno = EINVAL; fail("argument %d missing", i); }
	char *s = malloc(op->args[i].len + 1);
	if (!s) fail("out of memory");
	memcpy(s, op->args[i].data, op->args[i].len);
	s[op->args[i].len] = 0;
	return s;
}

/* NULL for an empty string: mount(2) wants NULL for "no source/type/data". */
static char *opt_arg(const struct op *op, int i)
{
	return op->args[i].len == 0 ? NULL : str_arg(op, i);
}

static uint64_t num_arg(const struct op *op, int i)
{
	if (i >= op->argc || op->args[i].len != 8) { errno = EINVAL; fail("argument %d is not a number", i); }
	const uint8_t *p = op->args[i].data;
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static struct op *parse_plan(uint8_t *buf, uint32_t len, uint32_t *count)
{
	errno = EINVAL;
	if (len < 8 || memcmp(buf, "TSP1", 4) != 0) fail("bad plan header");
	uint32_t n = le32(buf + 4), off = 8;
	if (n > MAX_ARGS * 16) fail("too many operations");
	struct op *ops = calloc(n ? n : 1, sizeof *ops);
	if (!ops) fail("out of memory");
	for (uint32_t i = 0; i < n; i++) {
		if (off + 4 > len) fail("truncated plan");
		ops[i].code = le16(buf + off);
		ops[i].argc = le16(buf + off + 2);
		off += 4;
		if (ops[i].argc > MAX_ARGS) fail("too many arguments");
		ops[i].args = calloc(ops[i].argc ? ops[i].argc : 1, sizeof(struct arg));
		if (!ops[i].args) fail("out of memory");
		for (uint16_t a = 0; a < ops[i].argc; a++) {
			if (off + 4 > len) fail("truncated plan");
			uint32_t alen = le32(buf + off);
			off += 4;
			if (alen > len - off) fail("truncated plan");
			ops[i].args[a].data = buf + off;
			ops[i].args[a].len = alen;
			off += alen;
		}
	}
	*count = n;
	return ops;
}

/* ---- resolving paths inside the rootfs without following anything out of it ---- */

static int openat2_in_root(const char *rel, uint64_t flags)
{
	struct open_how how = { .flags = flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	while (*rel == '/') rel++;
	if (*rel == 0) rel = ".";
	return (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof how);
}

/* Split "a/b/c" into parent "a/b" (or ".") and name "c", in place. */
static void split_path(char *path, char **parent, char **name)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/') path[--n] = 0;
	char *slash = strrchr(path, '/');
	if (!slash) { *parent = "."; *name = path; return; }
	*slash = 0;
	*parent = *path ? path : ".";
	*name = slash + 1;
}

/*
 * Open (O_PATH) the in-root directory rel, creating missing components with mode. A dangling
 * symlink on the way is followed inside the rootfs (as runc does): its target is made there.
 */
static int mkdir_all_in_root_depth(const char *rel, mode_t mode, int depth)
{
	if (root_fd < 0) { errno = EBADF; fail("no rootfs opened"); }
	if (depth > 40) { errno = ELOOP; return -1; }
	int fd = openat2_in_root(rel, O_PATH | O_DIRECTORY);
	if (fd >= 0 || errno != ENOENT) return fd;
	char *copy = strdup(rel), *parent, *name;
	if (!copy) fail("out of memory");
	split_path(copy, &parent, &name);
	int pfd = mkdir_all_in_root_depth(parent, mode, depth + 1);
	if (pfd < 0) { free(copy); return -1; }
	if (mkdirat(pfd, name, mode) < 0) {
		int e = errno;
		char target[4096];
		ssize_t n = e == EEXIST ? readlinkat(pfd, name, target, sizeof target - 1) : -1;
		if (n < 0) { close(pfd); free(copy); errno = e; return -1; }
		target[n] = 0;
		/* Resolved from the root (absolute) or from the link's directory; ".." cannot climb out. */
		char next[8192];
		snprintf(next, sizeof next, "%s/%s", target[0] == '/' ? "" : parent, target);
		int t = mkdir_all_in_root_depth(next, mode, depth + 1);
		if (t < 0) { close(pfd); free(copy); return -1; }
		close(t);
	}
	close(pfd);
	free(copy);
	return openat2_in_root(rel, O_PATH | O_DIRECTORY);
}

static int mkdir_all_in_root(const char *rel, mode_t mode) { return mkdir_all_in_root_depth(rel, mode, 0); }

/* Open (O_PATH) the in-root target of a mount, creating it as asked when missing. */
static int open_mount_target(const char *rel, uint64_t mkdir_kind)
{
	int fd = openat2_in_root(rel, O_PATH);
	if (fd >= 0 || errno != ENOENT || mkdir_kind == MKDIR_NONE) return fd;
	if (mkdir_kind == MKDIR_DIR) return mkdir_all_in_root(rel, 0755);
	char *copy = strdup(rel), *parent, *name;
	if (!copy) fail("out of memory");
	split_path(copy, &parent, &name);
	int pfd = mkdir_all_in_root(parent, 0755);
	if (pfd < 0) { free(copy); return -1; }
	int f = openat(pfd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	int e = errno;
	close(pfd);
	free(copy);
	if (f < 0) { errno = e; return -1; }
	close(f);
	return openat2_in_root(rel, O_PATH);
}

/* A remount inside a user namespace must keep the flags the kernel locked; add them back. */
static unsigned long locked_flags(const char *target)
{
	struct statvfs st;
	if (statvfs(target, &st) < 0) return 0;
	unsigned long f = 0;
	if (st.f_flag & ST_NOSUID) f |= MS_NOSUID;
	if (st.f_flag & ST_NODEV) f |= MS_NODEV;
	if (st.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
	if (st.f_flag & ST_NOATIME) f |= MS_NOATIME;
	if (st.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
	if (st.f_flag & ST_RELATIME) f |= MS_RELATIME;
	return f;
}

static int do_mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data)
{
	if (mount(src, target, fstype, flags, data) == 0) return 0;
	if (errno == EPERM && (flags & MS_REMOUNT)) {
		unsigned long extra = locked_flags(target);
		if (extra && mount(src, target, fstype, flags | extra, data) == 0) return 0;
		errno = EPERM;
	}
	return -1;
}

static void op_mount(const struct op *op)
{
	char *src = opt_arg(op, 0), *target = str_arg(op, 1), *fstype = opt_arg(op, 2), *data = opt_arg(op, 4);
	unsigned long flags = (unsigned long)num_arg(op, 3);
	uint64_t where = num_arg(op, 5), mk = num_arg(op, 6);
	char fdpath[64];
	const char *real = target;
	int fd = -1;
	if (where == WHERE_IN_ROOT) {
		fd = open_mount_target(target, mk);
		if (fd < 0) fail("%s in rootfs", target);
		snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
		real = fdpath;
	}
	if (do_mount(src, real, fstype, flags, data) < 0)
		fail("mount %s on %s (type %s, flags 0x%lx, data %s)", src ? src : "none", target,
		     fstype ? fstype : "none", flags, data ? data : "");
	if (fd >= 0) close(fd);
	free(src); free(target); free(fstype); free(data);
}

static void op_mknod(const struct op *op)
{
	char *path = str_arg(op, 0), *copy = strdup(path), *parent, *name;
	if (!copy) fail("out of memory");
	mode_t mode = (mode_t)num_arg(op, 1);
	dev_t dev = (dev_t)num_arg(op, 2);
	uid_t uid = (uid_t)num_arg(op, 3);
	gid_t gid = (gid_t)num_arg(op, 4);
	split_path(copy, &parent, &name);
	int pfd = mkdir_all_in_root(parent, 0755);
	if (pfd < 0) fail("parent of device %s", path);
	if (mknodat(pfd, name, mode, dev) < 0) {
		/* config-linux.md: a file already there that is not the requested device is an error. */
		struct stat st;
		if (errno != EEXIST || fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) fail("mknod %s", path);
		if ((st.st_mode & S_IFMT) != (mode & S_IFMT) || (!S_ISFIFO(st.st_mode) && st.st_rdev != dev)) {
			errno = EEXIST;
			fail("%s exists and is not the requested device", path);
		}
		if (fchmodat(pfd, name, mode & 07777, 0) < 0) fail("chmod %s", path);
	}
	if (fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) fail("chown %s", path);
	close(pfd);
	free(copy); free(path);
}

static void op_symlink(const struct op *op)
{
	char *target = str_arg(op, 0), *path = str_arg(op, 1), *copy = strdup(path), *parent, *name;
	if (!copy) fail("out of memory");
	split_path(copy, &parent, &name);
	int pfd = mkdir_all_in_root(parent, 0755);
	if (pfd < 0) fail("parent of symlink %s", path);
	if (symlinkat(target, pfd, name) < 0 && errno != EEXIST) fail("symlink %s -> %s", path, target);
	close(pfd);
	free(copy); free(target); free(path);
}

static void op_mkdir(const struct op *op)
{
	char *path = str_arg(op, 0);
	int fd = mkdir_all_in_root(path, (mode_t)num_arg(op, 1));
	if (fd < 0) fail("mkdir %s", path);
	close(fd);
	free(path);
}

static void op_pivot_root(const struct op *op)
{
	char *path = str_arg(op, 0);
	int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	int newroot = open(path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0 || newroot < 0) fail("open %s", path);
	if (fchdir(newroot) < 0) fail("chdir %s", path);
	/* pivot_root(".", ".") stacks the old root under the new one; detach it right after. */
	if (syscall(SYS_pivot_root, ".", ".") < 0) fail("pivot_root %s", path);
	if (fchdir(oldroot) < 0) fail("chdir old root");
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) fail("making the old root a slave");
	if (umount2(".", MNT_DETACH) < 0) fail("detaching the old root");
	if (chdir("/") < 0) fail("chdir /");
	close(oldroot);
	close(newroot);
	free(path);
}

static void op_chroot(const struct op *op)
{
	char *path = str_arg(op, 0);
	if (chdir(path) < 0) fail("chdir %s", path);
	if (mount(path, "/", NULL, MS_MOVE, NULL) < 0) fail("moving %s to /", path);
	if (chroot(".") < 0) fail("chroot %s", path);
	if (chdir("/") < 0) fail("chdir /");
	free(path);
}

static void op_mask(const struct op *op)
{
	char *path = str_arg(op, 0);
	struct stat st;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT) { free(path); return; }
		fail("stat %s", path);
	}
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL) < 0) fail("masking directory %s", path);
	} else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
		fail("masking %s", path);
	}
	free(path);
}

static void op_readonly(const struct op *op)
{
	char *path = str_arg(op, 0);
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
		if (errno == ENOENT) { free(path); return; }
		fail("bind %s", path);
	}
	if (do_mount(path, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL) < 0)
		fail("remount %s read-only", path);
	free(path);
}

static void op_write_file(const struct op *op)
{
	char *path = str_arg(op, 0);
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) fail("open %s", path);
	ssize_t n = write(fd, op->args[1].data, op->args[1].len);
	if (n < 0 || (uint32_t)n != op->args[1].len) fail("write %s", path);
	close(fd);
	free(path);
}

static void set_caps(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = {
		{ .effective = (uint32_t)eff, .permitted = (uint32_t)prm, .inheritable = (uint32_t)inh },
		{ .effective = (uint32_t)(eff >> 32), .permitted = (uint32_t)(prm >> 32), .inheritable = (uint32_t)(inh >> 32) },
	};
	if (syscall(SYS_capset, &hdr, data) < 0) fail("capset");
}

static void op_identity(const struct op *op)
{
	uid_t uid = (uid_t)num_arg(op, 0);
	gid_t gid = (gid_t)num_arg(op, 1);
	const struct arg *groups = &op->args[2];
	uint64_t want_setgroups = num_arg(op, 3);
	uint64_t bounding = num_arg(op, 4), eff = num_arg(op, 5), prm = num_arg(op, 6), inh = num_arg(op, 7), amb = num_arg(op, 8);

	/* Dropping from the bounding set needs CAP_SETPCAP, so it comes before anything else. */
	for (int cap = 0; cap < 64; cap++) {
		if (bounding & (1ull << cap)) continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) fail("dropping capability %d from the bounding set", cap);
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) fail("PR_SET_KEEPCAPS");
	if (want_setgroups) {
		size_t n = groups->len / 4;
		gid_t *list = calloc(n ? n : 1, sizeof(gid_t));
		if (!list) fail("out of memory");
		for (size_t i = 0; i < n; i++) list[i] = le32(groups->data + 4 * i);
		if (setgroups(n, list) < 0) fail("setgroups");
		free(list);
	}
	if (setresgid(gid, gid, gid) < 0) fail("setgid %u", gid);
	if (setresuid(uid, uid, uid) < 0) fail("setuid %u", uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) fail("PR_SET_KEEPCAPS");
	set_caps(eff, prm, inh);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) fail("clearing ambient capabilities");
	for (int cap = 0; cap < 64; cap++)
		if ((amb & (1ull << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			fail("raising ambient capability %d", cap);
}

/* Resolve argv[0] as execvp would, against the container's PATH, before we report ready. */
static void op_prepare_exec(const struct op *op)
{
	char *name = str_arg(op, 0), *pathenv = str_arg(op, 1);
	struct stat st;
	errno = ENOENT;
	if (strchr(name, '/')) {
		if (stat(name, &st) < 0) fail("exec %s", name);
		if (S_ISDIR(st.st_mode)) { errno = EISDIR; fail("exec %s", name); }
		snprintf(exec_path, sizeof exec_path, "%s", name);
		free(name); free(pathenv);
		return;
	}
	for (char *save = NULL, *dir = strtok_r(pathenv, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char cand[4096];
		snprintf(cand, sizeof cand, "%s/%s", *dir ? dir : ".", name);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111)) {
			snprintf(exec_path, sizeof exec_path, "%s", cand);
			free(name); free(pathenv);
			return;
		}
	}
	errno = ENOENT;
	fail("executable file \"%s\" not found in $PATH", name);
}

static void op_exec(const struct op *op)
{
	uint64_t argc = num_arg(op, 0);
	if (argc < 1 || argc + 1 > op->argc) { errno = EINVAL; fail("no process arguments"); }
	size_t envc = op->argc - 1 - argc;
	char **argv = calloc(argc + 1, sizeof(char *)), **envp = calloc(envc + 1, sizeof(char *));
	if (!argv || !envp) fail("out of memory");
	for (uint64_t i = 0; i < argc; i++) argv[i] = str_arg(op, 1 + (int)i);
	for (size_t i = 0; i < envc; i++) envp[i] = str_arg(op, 1 + (int)argc + (int)i);
	const char *path = exec_path[0] ? exec_path : argv[0];
	execve(path, argv, envp);
	fail("exec %s", path);
}

static void op_wait_exec_fifo(const struct op *op)
{
	char path[64];
	/* After a switch to another user the kernel made us non-dumpable, which hides /proc/self/fd. */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	/* Through the container's /proc; or, where the plan names one (a container without a mount
	 * namespace has no /proc of its own), through the proc directory opened before the chroot. */
	snprintf(path, sizeof path, "self/fd/%d", fifo_fd);
	int fd = op->argc > 0 && proc_fd >= 0 ? openat(proc_fd, path, O_WRONLY | O_CLOEXEC) : -1;
	if (fd < 0) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", fifo_fd);
		fd = open(path, O_WRONLY | O_CLOEXEC); /* blocks until `tsrun start` opens it */
	}
	if (fd < 0) fail("reopening the exec fifo through %s (is /proc mounted in the container?)", path);
	if (write(fd, "0", 1) != 1) fail("writing the exec fifo");
	close(fd);
	close(fifo_fd);
	fifo_fd = -1;
	if (proc_fd >= 0) { close(proc_fd); proc_fd = -1; }
}

/* Where the pty master goes: the caller's --console-socket (connected from the host's mount
 * namespace, before any pivot), or a socket tsrun handed down when it is the console itself. */
static void op_console_socket(const struct op *op)
{
	if (num_arg(op, 0) == 1) {
		console_fd = (int)num_arg(op, 1);
		if (fcntl(console_fd, F_SETFD, FD_CLOEXEC) < 0) fail("console socket fd %d", console_fd);
		return;
	}
	char *path = str_arg(op, 1);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof addr.sun_path) { errno = ENAMETOOLONG; fail("console socket %s", path); }
	strcpy(addr.sun_path, path);
	console_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (console_fd < 0) fail("socket");
	if (connect(console_fd, (struct sockaddr *)&addr, sizeof addr) < 0) fail("connecting to console socket %s", path);
	free(path);
}

/* One descriptor over a unix socket (SCM_RIGHTS), with a name as the message, as runc sends them. */
static int send_fd(int sock, int fd, const char *name)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	memset(cbuf, 0, sizeof cbuf);
	struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen(name) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	ssize_t n;
	do n = sendmsg(sock, &msg, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

/*
 * A pty from the container's own devpts becomes the process's stdio and controlling terminal;
 * the master goes to the console socket. In the container's init it also backs /dev/console.
 */
static void op_terminal(const struct op *op)
{
	unsigned rows = (unsigned)num_arg(op, 0), cols = (unsigned)num_arg(op, 1);
	uid_t uid = (uid_t)num_arg(op, 2);
	int mount_console = (int)num_arg(op, 3);
	if (console_fd < 0) { errno = EBADF; fail("no console socket"); }
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0) fail("open /dev/ptmx (is devpts mounted on /dev/pts?)");
	int unlock = 0;
	unsigned num = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0) fail("unlocking the pty");
	if (ioctl(master, TIOCGPTN, &num) < 0) fail("pty number");
	char slave_path[64];
	snprintf(slave_path, sizeof slave_path, "/dev/pts/%u", num);
	/* The peer through the master, not the path: nothing in /dev/pts can be swapped in between. */
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) slave = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) fail("open %s", slave_path);
	if (rows || cols) {
		struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
		if (ioctl(master, TIOCSWINSZ, &ws) < 0) fail("setting the console size");
	}
	if (mount_console) {
		int f = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (f < 0) fail("creating /dev/console");
		close(f);
		if (mount(slave_path, "/dev/console", NULL, MS_BIND, NULL) < 0) fail("bind %s on /dev/console", slave_path);
	}
	/* go-runc's console reads the name too */
	if (send_fd(console_fd, master, "/dev/ptmx") < 0) fail("sending the pty master to the console socket");
	close(master);
	close(console_fd);
	console_fd = -1;
	/* The process's user owns its terminal (runc's fixStdioPermissions); the group stays tty's. */
	if (fchown(slave, uid, (gid_t)-1) < 0) fail("chown %s", slave_path);
	if (setsid() < 0 && errno != EPERM) fail("setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0) fail("making %s the controlling terminal", slave_path);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0) fail("dup2 %s to %d", slave_path, fd);
	if (slave > 2) close(slave);
}

/*
 * createContainer and startContainer hooks: run from inside the container's namespaces, as runc
 * runs them, with the state on stdin. The pid in that state is ours as the container sees it
 * (tsrun sends the JSON split around it). A hook that fails or outlives its timeout fails us.
 */
static void op_run_hook(const struct op *op)
{
	char *path = str_arg(op, 0);
	uint64_t timeout = num_arg(op, 1), argc = num_arg(op, 2);
	if (argc < 1 || 3 + argc + 2 > op->argc) { errno = EINVAL; fail("hook %s: malformed", path); }
	size_t envc = op->argc - 3 - argc - 2;
	char **argv = calloc(argc + 1, sizeof(char *)), **envp = calloc(envc + 1, sizeof(char *));
	if (!argv || !envp) fail("out of memory");
	for (uint64_t i = 0; i < argc; i++) argv[i] = str_arg(op, 3 + (int)i);
	for (size_t i = 0; i < envc; i++) envp[i] = str_arg(op, 3 + (int)argc + (int)i);
	char *before = str_arg(op, op->argc - 2), *after = str_arg(op, op->argc - 1);
	char state[16384];
	int len = snprintf(state, sizeof state, "%s%d%s", before, getpid(), after);
	if (len < 0 || (size_t)len >= sizeof state) { errno = E2BIG; fail("hook %s: state too large", path); }
	int in[2], exec_err[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(exec_err, O_CLOEXEC) < 0) fail("pipe for hook %s", path);
	pid_t pid = fork();
	if (pid < 0) fail("fork for hook %s", path);
	if (pid == 0) {
		/* exec_err closes on a successful exec; otherwise it carries errno back. */
		if (dup2(in[0], 0) >= 0) execve(path, argv, envp);
		int e = errno;
		ssize_t n = write(exec_err[1], &e, sizeof e);
		(void)n;
		_exit(127);
	}
	close(in[0]);
	close(exec_err[1]);
	int child_errno = 0;
	ssize_t got;
	do got = read(exec_err[0], &child_errno, sizeof child_errno); while (got < 0 && errno == EINTR);
	close(exec_err[0]);
	if (got == sizeof child_errno) {
		waitpid(pid, NULL, 0);
		errno = child_errno;
		fail("exec of hook %s", path);
	}
	signal(SIGPIPE, SIG_IGN); /* a hook that does not read its stdin is not an error */
	ssize_t w = write(in[1], state, (size_t)len);
	(void)w;
	close(in[1]);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (timeout && pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int r;
		do r = poll(&p, 1, (int)(timeout * 1000)); while (r < 0 && errno == EINTR);
		if (r == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			errno = ETIMEDOUT;
			fail("hook %s did not finish within its timeout of %llu s", path, (unsigned long long)timeout);
		}
	}
	if (pidfd >= 0) close(pidfd);
	int status;
	while (waitpid(pid, &status, 0) < 0) if (errno != EINTR) fail("waiting for hook %s", path);
	signal(SIGPIPE, SIG_DFL);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errno = 0;
		if (WIFEXITED(status)) fail("hook %s exited with status %d", path, WEXITSTATUS(status));
		fail("hook %s was killed by signal %d", path, WTERMSIG(status));
	}
	for (uint64_t i = 0; i < argc; i++) free(argv[i]);
	for (size_t i = 0; i < envc; i++) free(envp[i]);
	free(argv); free(envp); free(before); free(after); free(path);
}

/* Stage 0 after the clone: report the pid, then either leave or reap the container. */
static void stage0_after_clone(const struct op *op, pid_t child)
{
	char pid[32];
	snprintf(pid, sizeof pid, "%d", child);
	send_line("P", pid);
	if (!num_arg(op, 1)) _exit(0);
	close(sync_fd);
	sync_fd = -1;
	/* Staying on as the reaper: leave the container's cgroups, through the files the plan names. */
	for (int i = 2; i < op->argc; i++) {
		char *path = str_arg(op, i);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1) fprintf(stderr, "tsrun-init: leaving cgroup through %s: %s\n", path, strerror(errno));
		if (fd >= 0) close(fd);
		free(path);
	}
	/* tsrun forwards signals to the container itself; we must outlive the container to report it. */
	signal(SIGINT, SIG_IGN); signal(SIGTERM, SIG_IGN); signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN); signal(SIGTSTP, SIG_IGN);
	int status;
	for (;;) {
		pid_t r = waitpid(child, &status, 0);
		if (r == child) break;
		if (r < 0 && errno != EINTR) _exit(255);
	}
	if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
	_exit(128 + WTERMSIG(status));
}

static const char *const op_names[] = {
	[OP_SETNS] = "setns", [OP_UNSHARE] = "unshare", [OP_WRITE_FILE] = "write", [OP_CLONE] = "clone",
	[OP_WAIT_GO] = "wait", [OP_OPEN_ROOT] = "rootfs", [OP_MOUNT] = "mount", [OP_MKNOD] = "mknod",
	[OP_SYMLINK] = "symlink", [OP_PIVOT_ROOT] = "pivot_root", [OP_CHROOT] = "chroot", [OP_MASK] = "maskedPaths",
	[OP_READONLY] = "readonlyPaths", [OP_SETHOSTNAME] = "hostname", [OP_SETDOMAINNAME] = "domainname",
	[OP_SETRLIMIT] = "rlimit", [OP_PERSONALITY] = "personality", [OP_IDENTITY] = "user",
	[OP_NO_NEW_PRIVS] = "noNewPrivileges", [OP_UMASK] = "umask", [OP_CHDIR] = "cwd",
	[OP_OPEN_EXEC_FIFO] = "exec fifo", [OP_WAIT_EXEC_FIFO] = "exec fifo", [OP_READY] = "ready",
	[OP_PREPARE_EXEC] = "exec", [OP_EXEC] = "exec", [OP_CLOEXEC_FROM] = "fds", [OP_MKDIR] = "mkdir",
	[OP_SETSID] = "setsid", [OP_BECOME_ROOT] = "user namespace", [OP_JOIN_SESSION_KEYRING] = "keyring",
	[OP_SECCOMP] = "seccomp", [OP_OPEN_PROC] = "proc", [OP_PLAIN_CHROOT] = "chroot",
	[OP_CONSOLE_SOCKET] = "console socket", [OP_TERMINAL] = "terminal", [OP_RUN_HOOK] = "hook",
};

static void run_op(const struct op *op)
{
	op_name = op->code < sizeof op_names / sizeof *op_names && op_names[op->code] ? op_names[op->code] : "op";
	switch (op->code) {
	case OP_SETNS: {
		char *path = str_arg(op, 0);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) fail("open %s", path);
		if (setns(fd, (int)num_arg(op, 1)) < 0) fail("joining %s", path);
		close(fd);
		free(path);
		break;
	}
	case OP_UNSHARE:
		if (unshare((int)num_arg(op, 0)) < 0) fail("unshare 0x%llx", (unsigned long long)num_arg(op, 0));
		break;
	case OP_WRITE_FILE: op_write_file(op); break;
	case OP_CLONE: {
		pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)num_arg(op, 0) | SIGCHLD, NULL, NULL, NULL, NULL);
		if (pid < 0) fail("clone with flags 0x%llx", (unsigned long long)num_arg(op, 0));
		if (pid > 0) stage0_after_clone(op, pid);
		break;
	}
	case OP_WAIT_GO: {
		char c = 0;
		ssize_t n;
		do n = read(sync_fd, &c, 1); while (n < 0 && errno == EINTR);
		if (n != 1 || c != 'G') _exit(1); /* tsrun gave up on us: leave quietly */
		break;
	}
	case OP_OPEN_ROOT: {
		char *path = str_arg(op, 0);
		if (root_fd >= 0) close(root_fd);
		root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root_fd < 0) fail("open %s", path);
		free(path);
		break;
	}
	case OP_MOUNT: op_mount(op); break;
	case OP_MKNOD: op_mknod(op); break;
	case OP_SYMLINK: op_symlink(op); break;
	case OP_MKDIR: op_mkdir(op); break;
	case OP_PIVOT_ROOT: op_pivot_root(op); break;
	case OP_CHROOT: op_chroot(op); break;
	case OP_MASK: op_mask(op); break;
	case OP_READONLY: op_readonly(op); break;
	case OP_SETHOSTNAME:
		if (sethostname((const char *)op->args[0].data, op->args[0].len) < 0) fail("sethostname");
		break;
	case OP_SETDOMAINNAME:
		if (setdomainname((const char *)op->args[0].data, op->args[0].len) < 0) fail("setdomainname");
		break;
	case OP_SETRLIMIT: {
		struct rlimit rl = { .rlim_cur = num_arg(op, 1), .rlim_max = num_arg(op, 2) };
		if (setrlimit((int)num_arg(op, 0), &rl) < 0)
			fail("setrlimit %d to soft %llu hard %llu", (int)num_arg(op, 0), (unsigned long long)rl.rlim_cur,
			     (unsigned long long)rl.rlim_max);
		break;
	}
	case OP_PERSONALITY:
		if (personality((unsigned long)num_arg(op, 0)) < 0) fail("personality 0x%llx", (unsigned long long)num_arg(op, 0));
		break;
	case OP_IDENTITY: op_identity(op); break;
	case OP_NO_NEW_PRIVS:
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail("PR_SET_NO_NEW_PRIVS");
		break;
	case OP_UMASK: umask((mode_t)num_arg(op, 0)); break;
	case OP_CHDIR: {
		char *path = str_arg(op, 0);
		if (chdir(path) < 0) fail("chdir %s", path);
		/* CVE-2024-21626: a cwd such as /proc/self/fd/N can land on a directory outside the
		 * root through an open descriptor; getcwd(3) then has no path from / (glibc: ENOENT). */
		char here[PATH_MAX];
		char *at = getcwd(here, sizeof here);
		if ((at == NULL && errno == ENOENT) || (at != NULL && at[0] != '/')) {
			errno = ENOENT;
			fail("cwd %s is outside the container's root", path);
		}
		free(path);
		break;
	}
	case OP_OPEN_EXEC_FIFO: {
		/* Made here because Node has no mkfifo; world-writable so any container user can signal it. */
		char *path = str_arg(op, 0);
		if (mknod(path, S_IFIFO | 0622, 0) < 0) fail("mkfifo %s", path);
		fifo_fd = open(path, O_PATH | O_CLOEXEC);
		if (fifo_fd < 0) fail("open %s", path);
		free(path);
		break;
	}
	case OP_WAIT_EXEC_FIFO: op_wait_exec_fifo(op); break;
	case OP_OPEN_PROC: {
		char *path = str_arg(op, 0);
		proc_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (proc_fd < 0) fail("open %s", path);
		free(path);
		break;
	}
	case OP_PLAIN_CHROOT: {
		char *path = str_arg(op, 0);
		if (chdir(path) < 0) fail("chdir %s", path);
		if (chroot(".") < 0) fail("chroot %s", path);
		if (chdir("/") < 0) fail("chdir /");
		free(path);
		break;
	}
	case OP_READY: send_line("R", ""); reported_ready = 1; break;
	case OP_PREPARE_EXEC: op_prepare_exec(op); break;
	case OP_EXEC: op_exec(op); break;
	case OP_CLOEXEC_FROM:
		if (syscall(SYS_close_range, (unsigned)num_arg(op, 0), ~0u, CLOSE_RANGE_CLOEXEC) < 0) fail("close_range");
		break;
	case OP_SETSID:
		if (setsid() < 0) fail("setsid");
		break;
	case OP_JOIN_SESSION_KEYRING: {
		/* A kernel without keyrings (ENOSYS) has nothing to isolate. */
		char *name = str_arg(op, 0);
		if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name) < 0 && errno != ENOSYS) fail("joining session keyring %s", name);
		free(name);
		break;
	}
	case OP_SECCOMP: {
		/* The filter was compiled by tsrun; installing it is the last step before the exec it allows.
		 * With a listener (SCMP_ACT_NOTIFY) the kernel returns its descriptor, which goes to tsrun
		 * over the socket the plan names (args[2]); tsrun hands it to the listenerPath. */
		struct sock_fprog prog = { .len = (unsigned short)(op->args[0].len / 8), .filter = (struct sock_filter *)op->args[0].data };
		if (op->args[0].len % 8 || op->args[0].len / 8 > 0xffff) { errno = EINVAL; fail("filter of %u bytes", op->args[0].len); }
		long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned)num_arg(op, 1), &prog);
		if (r < 0) fail("installing the seccomp filter");
		if (op->argc > 2) {
			int sock = (int)num_arg(op, 2);
			if (send_fd(sock, (int)r, "seccompFd") < 0) fail("sending the seccomp listener to tsrun");
			close((int)r);
			close(sock);
		}
		break;
	}
	case OP_CONSOLE_SOCKET: op_console_socket(op); break;
	case OP_TERMINAL: op_terminal(op); break;
	case OP_RUN_HOOK: op_run_hook(op); break;
	case OP_BECOME_ROOT:
		/* In a new user namespace our ids are still the host's (unmapped): take the namespace's root. */
		if (setresgid(0, 0, 0) < 0) fail("setgid 0 in the user namespace");
		if (setresuid(0, 0, 0) < 0) fail("setuid 0 in the user namespace");
		break;
	default:
		errno = EINVAL;
		fail("unknown operation %u", op->code);
	}
}

/*
 * CVE-2019-5736: while the container waits to start, /proc/<pid>/exe names this binary, and a
 * process in the container could open it and write to it once the user's program has replaced
 * us. So tsrun-init first re-executes itself from a sealed, unwritable memfd copy.
 */
static void run_from_sealed_copy(char **argv)
{
	extern char **environ;
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0) fail("open /proc/self/exe");
	int seals = fcntl(self, F_GET_SEALS);
	if (seals >= 0 && (seals & F_SEAL_WRITE)) { close(self); return; } /* this is the copy */
	int copy = memfd_create("tsrun-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (copy < 0) fail("memfd_create");
	struct stat st;
	if (fstat(self, &st) < 0) fail("stat /proc/self/exe");
	for (off_t done = 0; done < st.st_size;) {
		ssize_t n = sendfile(copy, self, NULL, (size_t)(st.st_size - done));
		if (n <= 0) fail("copying tsrun-init to a memfd");
		done += n;
	}
	if (fcntl(copy, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) fail("sealing the memfd");
	close(self);
	fexecve(copy, argv, environ);
	fail("fexecve of the sealed copy");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "tsrun-init: run by tsrun only (usage: tsrun-init SYNC_FD)\n");
		return 2;
	}
	sync_fd = atoi(argv[1]);
	run_from_sealed_copy(argv);
	if (fcntl(sync_fd, F_SETFD, FD_CLOEXEC) < 0) { sync_fd = -1; fail("sync fd %s", argv[1]); }
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	umask(0); /* device and directory modes in the plan are exact; OP_UMASK sets the process's own */

	uint8_t lenbuf[4];
	read_full(sync_fd, lenbuf, 4);
	uint32_t len = le32(lenbuf);
	if (len > MAX_PLAN) { errno = EFBIG; fail("plan of %u bytes", len); }
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf) fail("out of memory");
	read_full(sync_fd, buf, len);
	uint32_t count;
	struct op *ops = parse_plan(buf, len, &count);
	for (uint32_t i = 0; i < count; i++) run_op(&ops[i]);
	errno = EINVAL;
	fail("the plan ended without exec");
}
