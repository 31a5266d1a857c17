/* seccomp, PID 1 side: once the main child runs, keel allows itself only
 * the calls a reaper, signal forwarder and memory guard needs, so a bug in
 * keel cannot be turned into much. A refused call fails with EPERM and is
 * logged once through a SIGSYS handler; nothing here can kill PID 1. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <ucontext.h>

#include "init/log.h"
#include "init/seccomp.h"

#if KEEL_HAVE_SECCOMP
#include <seccomp.h>
#endif

static volatile uint32_t seccomp_self_count;

unsigned seccomp_self_refused(void)
{
	return __atomic_load_n(&seccomp_self_count, __ATOMIC_RELAXED);
}

#if KEEL_HAVE_SECCOMP

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
	"read", "readv", "write", "writev", "pread64", "pwrite64", "lseek",
	"close", "fsync", "fdatasync",
	"open", "openat", "stat", "lstat", "fstat", "newfstatat", "statx",
	"statfs", "fstatfs", "access", "faccessat", "faccessat2",
	/* scanning /proc for processes, naming them in reports */
	"getdents", "getdents64", "readlink", "readlinkat",
	/* report files written beside and renamed into place, stale stats */
	"unlink", "unlinkat", "mkdir", "mkdirat", "rmdir", "rename", "renameat",
	"renameat2", "fchmod",
	/* the shared control file of the heap statistics */
	"memfd_create", "ftruncate", "fallocate",
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
#define SECCOMP_SELF_LOGGED_MAX 1024
#define SECCOMP_SELF_MESSAGES_MAX 16

static uint32_t seccomp_self_logged[SECCOMP_SELF_LOGGED_MAX / 32];
static uint32_t seccomp_self_messages;

/* Where the refused call finds its return value. Elsewhere the filter
 * returns EPERM itself and the refusals go unlogged. */
#if defined(__x86_64__)
#define SECCOMP_SELF_RETURN(uc) ((uc)->uc_mcontext.gregs[REG_RAX])
#define SECCOMP_SELF_ARCH "x86_64"
#elif defined(__aarch64__)
#define SECCOMP_SELF_RETURN(uc) ((uc)->uc_mcontext.regs[0])
#define SECCOMP_SELF_ARCH "aarch64"
#endif

#ifdef SECCOMP_SELF_RETURN
/* Runs for each refused call: the call returns -EPERM as if the filter had
 * said so, and the first refusal of each number is logged (at most a few
 * lines in all, so a looping bug cannot flood stderr). A SIGSYS sent by
 * someone else is ignored: it is no bug of keel's. */
static void seccomp_self_sigsys(int sig, siginfo_t *si, void *context)
{
	ucontext_t *uc = context;
	(void)sig;

	if (si->si_code != SYS_SECCOMP)
		return;
	SECCOMP_SELF_RETURN(uc) = -EPERM;
	__atomic_fetch_add(&seccomp_self_count, 1, __ATOMIC_RELAXED);

	unsigned nr = (unsigned)si->si_syscall;
	if (nr < SECCOMP_SELF_LOGGED_MAX) {
		uint32_t bit = 1u << (nr % 32);
		if (__atomic_fetch_or(&seccomp_self_logged[nr / 32], bit,
				      __ATOMIC_RELAXED) & bit)
			return;
	}
	if (__atomic_fetch_add(&seccomp_self_messages, 1, __ATOMIC_RELAXED) >=
	    SECCOMP_SELF_MESSAGES_MAX)
		return;
	warning("seccomp refused keel's own system call %u (%s): not on keel's allow list, so it failed with EPERM", nr, SECCOMP_SELF_ARCH);
}

/* Installs the handler with SIGSYS unblocked, also while it runs: a
 * trapped call with SIGSYS blocked is a fatal signal even for PID 1. */
static int seccomp_self_handler(void)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = seccomp_self_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return -errno;
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) < 0)
		return -errno;
	return 0;
}
#define SECCOMP_SELF_DEFAULT SCMP_ACT_TRAP
#else
static int seccomp_self_handler(void)
{
	return 0;
}
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

int seccomp_confine_self(void)
{
	const char *what = "create";
	scmp_filter_ctx ctx;
	int rc;

	ctx = seccomp_init(SECCOMP_SELF_DEFAULT);
	if (!ctx) {
		warning("unable to confine keel with seccomp: %s",
			strerror(ENOMEM));
		return -1;
	}
	/* Only the native ABI: keel never makes a compat call, and one that
	 * arrives anyway is refused, not killed. */
	what = "configure";
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
	if (!rc)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
				      SCMP_ACT_ERRNO(EPERM));
	if (rc)
		goto release;
	what = "build";
	rc = seccomp_self_rules(ctx);
	if (rc)
		goto release;
	what = "install the SIGSYS handler for";
	rc = seccomp_self_handler();
	if (rc)
		goto release;
	what = "load";
	rc = seccomp_load(ctx);
	if (rc)
		signal(SIGSYS, SIG_DFL);	/* a bug signal again */
release:
	seccomp_release(ctx);
	if (rc) {
		warning("unable to %s keel's own seccomp filter: %s", what,
			strerror(-rc));
		return -1;
	}
	debug("seccomp: keel confined itself to its allow list");
	return 0;
}

#else /* !KEEL_HAVE_SECCOMP */

const char *const seccomp_self_allow[] = { NULL };

int seccomp_confine_self(void)
{
	info("keel runs unconfined: keel was built without seccomp");
	return -1;
}

#endif
