/* seccomp, PID 1 side, at build time: the rules of keel's own filter.
 * build/seccomp_self_gen turns them into BPF with libseccomp once, when
 * keel is built, and keel loads that program as is (seccomp_self.c):
 * compiling it at every start cost PID 1 about 3 ms of CPU and 120 page
 * faults. */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "init/seccomp.h"

#if KEEL_HAVE_SECCOMP
#include <seccomp.h>

/* The allow list: every call keel itself may make once the child runs.
 * Names one architecture lacks (open, poll on aarch64) are skipped there.
 * mmap, mprotect, prctl and ioctl are allowed with argument checks below. */
const char *const seccomp_self_allow[] = {
	/* reaping every child and orphan */
	"wait4", "waitid",
	/* the signal loop: masks, handlers (this SIGSYS one too), signalfd */
	"rt_sigprocmask", "rt_sigaction", "rt_sigreturn", "rt_sigtimedwait",
	"rt_sigsuspend", "rt_sigpending", "sigaltstack", "signalfd",
	"signalfd4",
	/* the kernel restarts an interrupted sleep or poll through this */
	"restart_syscall",
	/* forwarding signals to the child, its group, the leftovers */
	"kill", "tkill", "tgkill", "pidfd_open", "pidfd_send_signal",
	/* waiting for signals, timers and the guard's events together */
	"poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1",
	"epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
	/* reading cgroup and /proc files, writing messages and reports */
	"read", "readv", "write", "writev", "pread64", "pwrite64", "pwritev2",
	"splice", "sendto",
	"lseek", "close", "fsync", "fdatasync",
	"open", "openat", "stat", "lstat", "fstat", "newfstatat", "statx",
	"statfs", "fstatfs", "access", "faccessat", "faccessat2",
	/* scanning /proc for processes, naming them in reports */
	"getdents", "getdents64", "readlink", "readlinkat",
	/* report files written beside and renamed into place, stale stats */
	"unlink", "unlinkat", "mkdir", "mkdirat", "rmdir", "rename", "renameat",
	"renameat2", "fchmod",
	/* descriptor plumbing */
	"dup", "dup2", "dup3", "fcntl",
	/* the guard's notifications: cgroup v1 eventfd, v2 inotify */
	"eventfd", "eventfd2", "inotify_init", "inotify_init1",
	"inotify_add_watch", "inotify_rm_watch",
	/* grace periods and the guard's polling interval */
	"timerfd_create", "timerfd_settime", "timerfd_gettime",
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep",
	"gettimeofday", "time", "alarm", "setitimer", "getitimer",
	"timer_create", "timer_settime", "timer_gettime", "timer_delete",
	/* musl's malloc (mmap and mprotect below, without PROT_EXEC) */
	"brk", "munmap", "mremap", "madvise",
	/* musl's locks; the stats reader's seqlock retry */
	"futex", "sched_yield",
	/* identity and job control for terminal signals */
	"getpid", "getppid", "gettid", "getuid", "geteuid", "getgid",
	"getegid", "getpgid", "getpgrp", "getsid", "setpgid",
	/* the child's resource use and the machine's memory in reports */
	"getrusage", "sysinfo", "uname",
	/* exiting with the child's status */
	"exit", "exit_group",
	NULL,
};

/* prctl options keel uses: its name, subreaper, death signal, privileges. */
static const unsigned long seccomp_self_prctl[] = {
	PR_SET_NAME, PR_GET_NAME, PR_SET_CHILD_SUBREAPER,
	PR_GET_CHILD_SUBREAPER, PR_SET_PDEATHSIG, PR_GET_PDEATHSIG,
	PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS, PR_SET_DUMPABLE,
	PR_GET_DUMPABLE,
};

/* ioctl requests on the terminal: isatty, foreground group, window size,
 * giving up the tty; never TIOCSTI, which types into it. */
static const unsigned long seccomp_self_ioctl[] = {
	TCGETS, TIOCGPGRP, TIOCSPGRP, TIOCGWINSZ, TIOCSCTTY, TIOCNOTTY,
	FIONBIO, FIOCLEX, FIONCLEX,
};

#define SECCOMP_SELF_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Where keel's SIGSYS handler can set a refused call's return value, a
 * refusal traps so it is logged; elsewhere the filter returns EPERM. */
#if SECCOMP_SELF_TRAPS
#define SECCOMP_SELF_DEFAULT SCMP_ACT_TRAP
#else
#define SECCOMP_SELF_DEFAULT SCMP_ACT_ERRNO(EPERM)
#endif

/* Adds one allow rule per value of the argument at index arg. */
static int seccomp_self_allow_values(scmp_filter_ctx ctx, int nr, unsigned arg,
				     const unsigned long *values, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct scmp_arg_cmp cmp = {
			.arg = arg, .op = SCMP_CMP_MASKED_EQ,
			.datum_a = 0xffffffffu, .datum_b = values[i],
		};
		int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, cmp);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int seccomp_self_rules(scmp_filter_ctx ctx)
{
	int rc = 0;

	for (unsigned i = 0; !rc && seccomp_self_allow[i]; i++) {
		int nr = seccomp_syscall_resolve_name(seccomp_self_allow[i]);
		if (nr != __NR_SCMP_ERROR)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	/* Memory for malloc, never executable: no new code after this. */
	struct scmp_arg_cmp no_exec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	if (!rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				      no_exec);
	if (!rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect),
				      1, no_exec);
	if (!rc)
		rc = seccomp_self_allow_values(ctx, SCMP_SYS(prctl), 0,
					       seccomp_self_prctl,
					       SECCOMP_SELF_COUNT(seccomp_self_prctl));
	if (!rc)
		rc = seccomp_self_allow_values(ctx, SCMP_SYS(ioctl), 1,
					       seccomp_self_ioctl,
					       SECCOMP_SELF_COUNT(seccomp_self_ioctl));
	return rc;
}

/* Writes the filter's BPF to fd. Only the native ABI: keel never makes a
 * compat call, and one that arrives anyway is refused, not killed. */
int seccomp_self_export(int fd)
{
	scmp_filter_ctx ctx = seccomp_init(SECCOMP_SELF_DEFAULT);
	int rc;

	if (!ctx)
		return -ENOMEM;
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
			      SCMP_ACT_ERRNO(EPERM));
	if (!rc)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (!rc)
		rc = seccomp_self_rules(ctx);
	if (!rc)
		rc = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	return rc;
}

#else /* !KEEL_HAVE_SECCOMP */

const char *const seccomp_self_allow[] = { NULL };

int seccomp_self_export(int fd)
{
	(void)fd;
	return 0;	/* an empty program: keel runs unconfined */
}

#endif
