/*
 * tsrun-check: runs inside a container and prints what it sees of itself as one JSON object,
 * for the conformance suite to compare with the config. Static, so any rootfs can hold it.
 *
 * usage: tsrun-check [--stat PATH]... [--probe PATH]... [--sysctl KEY]... [--file PATH]...
 *   --stat    type, device numbers, mode and owner of PATH (not following a last symlink)
 *   --probe   whether PATH can be opened for reading / writing, and the errno when not
 *   --sysctl  the value of /proc/sys/KEY (dots for slashes)
 *   --file    the content of a small file
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char **environ;
static int first = 1;

static void json_str(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') printf("\\%c", *p);
		else if (*p == '\n') fputs("\\n", stdout);
		else if (*p == '\t') fputs("\\t", stdout);
		else if (*p < 0x20) printf("\\u%04x", *p);
		else putchar(*p);
	}
	putchar('"');
}

static void key(const char *k)
{
	if (!first) putchar(',');
	first = 0;
	json_str(k);
	putchar(':');
}

static char *slurp(const char *path)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return NULL;
	ssize_t n, off = 0;
	while ((n = read(fd, buf + off, sizeof buf - 1 - (size_t)off)) > 0) off += n;
	close(fd);
	buf[off] = 0;
	return buf;
}

static void file_field(const char *k, const char *path)
{
	key(k);
	char *s = slurp(path);
	if (s) json_str(s);
	else fputs("null", stdout);
}

static const char *type_of(mode_t m)
{
	if (S_ISCHR(m)) return "c";
	if (S_ISBLK(m)) return "b";
	if (S_ISFIFO(m)) return "p";
	if (S_ISDIR(m)) return "d";
	if (S_ISLNK(m)) return "l";
	if (S_ISSOCK(m)) return "s";
	return "f";
}

int main(int argc, char **argv)
{
	putchar('{');
	struct utsname u;
	uname(&u);
	key("hostname"); json_str(u.nodename);
	key("domainname"); json_str(u.domainname);
	key("pid"); printf("%d", getpid());
	key("uid"); printf("%u", getuid());
	key("gid"); printf("%u", getgid());
	key("euid"); printf("%u", geteuid());
	key("egid"); printf("%u", getegid());
	gid_t groups[256];
	int ng = getgroups(256, groups);
	key("groups"); putchar('[');
	for (int i = 0; i < ng; i++) printf("%s%u", i ? "," : "", groups[i]);
	putchar(']');
	char cwd[PATH_MAX];
	key("cwd"); json_str(getcwd(cwd, sizeof cwd) ? cwd : "");
	key("personality"); printf("%d", personality(0xffffffff));
	key("env"); putchar('[');
	for (char **e = environ; *e; e++) { if (e != environ) putchar(','); json_str(*e); }
	putchar(']');
	key("args"); putchar('[');
	for (int i = 0; i < argc; i++) { if (i) putchar(','); json_str(argv[i]); }
	putchar(']');
	key("ns"); putchar('{');
	const char *nss[] = { "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts" };
	for (int i = 0; i < 8; i++) {
		char p[64], l[128];
		snprintf(p, sizeof p, "/proc/self/ns/%s", nss[i]);
		ssize_t n = readlink(p, l, sizeof l - 1);
		l[n > 0 ? n : 0] = 0;
		if (i) putchar(',');
		json_str(nss[i]); putchar(':'); json_str(l);
	}
	putchar('}');
	key("rlimits"); putchar('{');
	for (int r = 0; r < RLIM_NLIMITS; r++) {
		struct rlimit rl;
		getrlimit(r, &rl);
		printf("%s\"%d\":[", r ? "," : "", r);
		if (rl.rlim_cur == RLIM_INFINITY) fputs("-1", stdout); else printf("%llu", (unsigned long long)rl.rlim_cur);
		putchar(',');
		if (rl.rlim_max == RLIM_INFINITY) fputs("-1", stdout); else printf("%llu", (unsigned long long)rl.rlim_max);
		putchar(']');
	}
	putchar('}');
	file_field("status", "/proc/self/status");
	file_field("mountinfo", "/proc/self/mountinfo");
	file_field("cgroup", "/proc/self/cgroup");
	file_field("oomScoreAdj", "/proc/self/oom_score_adj");
	file_field("uidMap", "/proc/self/uid_map");
	file_field("gidMap", "/proc/self/gid_map");
	file_field("setgroups", "/proc/self/setgroups");

	key("stat"); putchar('{');
	int n = 0;
	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--stat")) continue;
		struct stat st;
		if (n++) putchar(',');
		json_str(argv[++i]); putchar(':');
		if (lstat(argv[i], &st) < 0) { printf("{\"errno\":%d}", errno); continue; }
		printf("{\"type\":\"%s\",\"major\":%u,\"minor\":%u,\"mode\":%u,\"uid\":%u,\"gid\":%u", type_of(st.st_mode),
		       major(st.st_rdev), minor(st.st_rdev), st.st_mode & 07777, st.st_uid, st.st_gid);
		if (S_ISLNK(st.st_mode)) {
			char t[PATH_MAX];
			ssize_t l = readlink(argv[i], t, sizeof t - 1);
			t[l > 0 ? l : 0] = 0;
			fputs(",\"target\":", stdout); json_str(t);
		}
		putchar('}');
	}
	putchar('}');
	key("probe"); putchar('{');
	n = 0;
	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--probe")) continue;
		const char *p = argv[++i];
		if (n++) putchar(',');
		json_str(p); putchar(':');
		struct stat st;
		int isdir = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
		int rfd = open(p, O_RDONLY | O_CLOEXEC), rerr = errno;
		long bytes = -1, entries = -1;
		if (rfd >= 0 && !isdir) { char b[4096]; ssize_t r; bytes = 0; while ((r = read(rfd, b, sizeof b)) > 0 && bytes < 1 << 20) bytes += r; }
		if (rfd >= 0) close(rfd);
		if (isdir) { DIR *d = opendir(p); entries = 0; if (d) { struct dirent *e; while ((e = readdir(d))) if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) entries++; closedir(d); } }
		int wfd = isdir ? -1 : open(p, O_WRONLY | O_CLOEXEC), werr = errno;
		if (wfd >= 0) close(wfd);
		if (isdir) {
			char tmp[PATH_MAX];
			snprintf(tmp, sizeof tmp, "%s/.tsrun-check-%d", p, getpid());
			wfd = open(tmp, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
			werr = errno;
			if (wfd >= 0) { close(wfd); unlink(tmp); }
		}
		printf("{\"readable\":%s,\"readErrno\":%d,\"bytes\":%ld,\"entries\":%ld,\"writable\":%s,\"writeErrno\":%d}",
		       rfd >= 0 ? "true" : "false", rfd >= 0 ? 0 : rerr, bytes, entries, wfd >= 0 ? "true" : "false", wfd >= 0 ? 0 : werr);
	}
	putchar('}');
	key("sysctl"); putchar('{');
	n = 0;
	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--sysctl")) continue;
		char path[512];
		snprintf(path, sizeof path, "/proc/sys/%s", argv[++i]);
		for (char *c = path + 10; *c; c++) if (*c == '.') *c = '/';
		if (n++) putchar(',');
		json_str(argv[i]); putchar(':');
		char *s = slurp(path);
		if (s) { s[strcspn(s, "\n")] = 0; json_str(s); } else fputs("null", stdout);
	}
	putchar('}');
	key("files"); putchar('{');
	n = 0;
	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--file")) continue;
		if (n++) putchar(',');
		json_str(argv[++i]); putchar(':');
		char *s = slurp(argv[i]);
		if (s) json_str(s); else fputs("null", stdout);
	}
	putchar('}');
	puts("}");
	return 0;
}
