/* seccomp, PID 1 side: once the main child runs, keel allows itself only
 * the calls a reaper, signal forwarder and memory guard needs, so a bug in
 * keel cannot be turned into much. A refused call fails with EPERM and is
 * logged once through a SIGSYS handler; nothing here can kill PID 1. The
 * filter was compiled when keel was built (seccomp_self_rules.c). */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "init/log.h"
#include "init/seccomp.h"

/* The BPF program, embedded by seccomp_self_bpf.S; empty without
 * libseccomp at build time. */
extern const struct sock_filter keel_self_filter_start[];
extern const struct sock_filter keel_self_filter_end[];

static volatile uint32_t seccomp_self_count;

unsigned seccomp_self_refused(void)
{
	return __atomic_load_n(&seccomp_self_count, __ATOMIC_RELAXED);
}

/* The kernel's si_code for a filter's SIGSYS; glibc's <signal.h> lacks
 * it, and the init is also built on glibc for the sanitizers. */
#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif

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
#else
static int seccomp_self_handler(void)
{
	return 0;
}
#endif

int seccomp_confine_self(void)
{
	struct sock_fprog prog = {
		.len = (unsigned short)(((uintptr_t)keel_self_filter_end -
					 (uintptr_t)keel_self_filter_start) /
					sizeof(struct sock_filter)),
		.filter = (struct sock_filter *)keel_self_filter_start,
	};
	const char *what = "install the SIGSYS handler for";
	long rc = 0;

	if (!prog.len) {
		info("keel runs unconfined: keel was built without seccomp");
		return -1;
	}
	if (seccomp_self_handler() < 0)
		goto fail;
	/* no_new_privs lets an unprivileged keel load a filter; the main
	 * child was started before, so the application keeps its setuid
	 * programs. TSYNC confines the guard's thread, started before, too
	 * (a thread that cannot take the filter makes the call return its
	 * id) */
	what = "load";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    (rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  SECCOMP_FILTER_FLAG_TSYNC, &prog)) != 0) {
		signal(SIGSYS, SIG_DFL);	/* a bug signal again */
		if (rc > 0) {
			warning("unable to load keel's own seccomp filter: thread %ld could not take it",
				rc);
			return -1;
		}
		goto fail;
	}
	debug("seccomp: keel confined itself to its allow list");
	return 0;
fail:
	warning("unable to %s keel's own seccomp filter: %s", what,
		strerror(errno));
	return -1;
}
