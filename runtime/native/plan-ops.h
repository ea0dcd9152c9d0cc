/*
 * Operation codes of the plan that tsrun (TypeScript) sends to tsrun-init.
 * The numbers are the wire format: runtime/native/plan-ops.ts holds the same table,
 * and a test checks that the two agree.
 */
#ifndef TSRUN_PLAN_OPS_H
#define TSRUN_PLAN_OPS_H

enum plan_op {
	OP_SETNS = 1,          /* path, nstype                                   */
	OP_UNSHARE = 2,        /* flags                                          */
	OP_WRITE_FILE = 3,     /* path, data                                     */
	OP_CLONE = 4,          /* flags, foreground(0|1), files stage 0 writes "0" to after (its way out of the cgroups) */
	OP_WAIT_GO = 5,        /* block until the parent says go                 */
	OP_OPEN_ROOT = 6,      /* path: the directory in-root paths resolve in   */
	OP_MOUNT = 7,          /* source, target, fstype, flags, data, where, mkdir */
	OP_MKNOD = 8,          /* path, mode, dev, uid, gid                      */
	OP_SYMLINK = 9,        /* target, linkpath                               */
	OP_PIVOT_ROOT = 10,    /* path                                           */
	OP_CHROOT = 11,        /* path                                           */
	OP_MASK = 12,          /* path                                           */
	OP_READONLY = 13,      /* path                                           */
	OP_SETHOSTNAME = 14,   /* name                                           */
	OP_SETDOMAINNAME = 15, /* name                                           */
	OP_SETRLIMIT = 16,     /* resource, soft, hard                           */
	OP_PERSONALITY = 17,   /* persona                                        */
	OP_IDENTITY = 18,      /* uid, gid, groups(u32 LE array), setgroups, bounding, effective, permitted, inheritable, ambient */
	OP_NO_NEW_PRIVS = 19,  /*                                                */
	OP_UMASK = 20,         /* mask                                           */
	OP_CHDIR = 21,         /* path                                           */
	OP_OPEN_EXEC_FIFO = 22,/* path (made as a fifo)                                       */
	OP_WAIT_EXEC_FIFO = 23,/* [1: through the OP_OPEN_PROC directory]         */
	OP_READY = 24,         /*                                                */
	OP_PREPARE_EXEC = 25,  /* argv0, PATH value                              */
	OP_EXEC = 26,          /* argc, argv..., env...                          */
	OP_CLOEXEC_FROM = 27,  /* first fd that must not survive exec            */
	OP_MKDIR = 28,         /* path, mode                                     */
	OP_SETSID = 29,        /*                                                */
	OP_BECOME_ROOT = 30,   /* setresuid/setresgid 0 inside a new user namespace */
	OP_JOIN_SESSION_KEYRING = 31, /* name                                    */
	OP_SECCOMP = 32,       /* program (struct sock_filter[]), flags[, socket the listener fd goes to] */
	OP_OPEN_PROC = 33,     /* path of a proc mount, for OP_WAIT_EXEC_FIFO(1)  */
	OP_PLAIN_CHROOT = 34,  /* path: chroot without moving any mount          */
	OP_CONSOLE_SOCKET = 35,/* kind(0 path|1 inherited fd), path or fd: where the pty master goes */
	OP_TERMINAL = 36,      /* rows, cols, uid, mount on /dev/console(0|1): pty as the process's stdio */
	OP_RUN_HOOK = 37,      /* path, timeout s (0: none), argc, argv..., env..., state before pid, state after pid */
};

/* OP_MOUNT "where": how the target is named. */
enum mount_where { WHERE_HOST = 0, WHERE_IN_ROOT = 1 };
/* OP_MOUNT "mkdir": what to create when an in-root target is missing. */
enum mount_mkdir { MKDIR_NONE = 0, MKDIR_DIR = 1, MKDIR_FILE = 2 };

#endif
