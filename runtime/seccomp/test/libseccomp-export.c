/*
 * Test-only: builds a seccomp filter with libseccomp the way runc does
 * (seccomp_init, seccomp_arch_add, seccomp_rule_add_array) and writes the
 * BPF program (seccomp_export_bpf) to stdout, so that the TypeScript
 * compiler's output can be compared with libseccomp's.
 *
 * Input on stdin, one directive per line:
 *   default <action u32>
 *   arch <SCMP_ARCH_...>
 *   optimize <level>
 *   rule <action u32> <syscall name> <n> [<arg> <op> <value> <valueTwo>]*n
 * (op is SCMP_CMP_*, values are decimal u64; the caller has already done
 * runc's expansion: one name per rule, default-action rules dropped,
 * duplicate-argument rules split.)
 *
 *   libseccomp-export resolve <arch>...   reads names, prints "name arch nr"
 *                                         for each (nr -1 when unknown)
 *
 * Exit status 2 with a message on stderr when libseccomp refuses something.
 */
#include <errno.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t arch_token(const char *name)
{
	static const struct { const char *name; uint32_t token; } arches[] = {
		{ "SCMP_ARCH_X86", SCMP_ARCH_X86 },
		{ "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
		{ "SCMP_ARCH_X32", SCMP_ARCH_X32 },
		{ "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
		{ "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
	};
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (strcmp(arches[i].name, name) == 0)
			return arches[i].token;
	fprintf(stderr, "unknown arch %s\n", name);
	exit(2);
}

static enum scmp_compare op_of(const char *name)
{
	static const struct { const char *name; enum scmp_compare op; } ops[] = {
		{ "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
		{ "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
		{ "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
		{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].name, name) == 0)
			return ops[i].op;
	fprintf(stderr, "unknown op %s\n", name);
	exit(2);
}

static int resolve(int argc, char **argv)
{
	char name[256];
	while (scanf("%255s", name) == 1) {
		for (int i = 0; i < argc; i++) {
			int nr = seccomp_syscall_resolve_name_arch(arch_token(argv[i]), name);
			printf("%s %s %d\n", name, argv[i], nr == __NR_SCMP_ERROR ? -1 : nr);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "resolve") == 0)
		return resolve(argc - 2, argv + 2);

	scmp_filter_ctx ctx = NULL;
	char word[256];
	int rc;
	while (scanf("%255s", word) == 1) {
		if (strcmp(word, "default") == 0) {
			uint32_t act;
			if (scanf("%" SCNu32, &act) != 1) goto bad;
			ctx = seccomp_init(act);
			if (ctx == NULL) { fprintf(stderr, "seccomp_init failed\n"); return 2; }
			/* runc: SetNoNewPrivsBit(false) */
			seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
		} else if (strcmp(word, "arch") == 0) {
			char a[64];
			if (scanf("%63s", a) != 1 || ctx == NULL) goto bad;
			rc = seccomp_arch_add(ctx, arch_token(a));
			if (rc != 0 && rc != -EEXIST) { fprintf(stderr, "seccomp_arch_add %s: %s\n", a, strerror(-rc)); return 2; }
		} else if (strcmp(word, "optimize") == 0) {
			uint32_t level;
			if (scanf("%" SCNu32, &level) != 1 || ctx == NULL) goto bad;
			seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, level);
		} else if (strcmp(word, "rule") == 0) {
			uint32_t act;
			char name[128];
			unsigned n;
			struct scmp_arg_cmp cmp[6];
			if (scanf("%" SCNu32 " %127s %u", &act, name, &n) != 3 || n > 6 || ctx == NULL) goto bad;
			for (unsigned i = 0; i < n; i++) {
				char op[32];
				unsigned idx;
				uint64_t a, b;
				if (scanf("%u %31s %" SCNu64 " %" SCNu64, &idx, op, &a, &b) != 4) goto bad;
				cmp[i].arg = idx;
				cmp[i].op = op_of(op);
				cmp[i].datum_a = a;
				cmp[i].datum_b = b;
			}
			/* runc: libseccomp.GetSyscallFromName, unknown names skipped */
			int nr = seccomp_syscall_resolve_name(name);
			if (nr == __NR_SCMP_ERROR)
				continue;
			rc = seccomp_rule_add_array(ctx, act, nr, n, cmp);
			if (rc != 0) { fprintf(stderr, "seccomp_rule_add %s: %s\n", name, strerror(-rc)); return 2; }
		} else {
			goto bad;
		}
	}
	if (ctx == NULL) goto bad;
	rc = seccomp_export_bpf(ctx, STDOUT_FILENO);
	if (rc != 0) { fprintf(stderr, "seccomp_export_bpf: %s\n", strerror(-rc)); return 2; }
	seccomp_release(ctx);
	return 0;
bad:
	fprintf(stderr, "bad input near \"%s\"\n", word);
	return 2;
}
