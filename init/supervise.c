/* The supervise loop: signals arrive on a signalfd and are forwarded to the
 * child (or its group); a SIGCHLD (or a timeout) reaps what has exited,
 * orphans too. When the main child is gone the rest get SIGTERM, then
 * SIGKILL after the grace period. From here on a failure is only ever a
 * warning. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init/clock.h"
#include "init/guard_thread.h"
#include "init/log.h"
#include "init/options.h"
#include "init/postmortem.h"
#include "init/procinfo.h"
#include "init/signame.h"
#include "init/supervise.h"
#include "init/sweep.h"

/* Signals that mean a bug in keel itself: blocking them would hide it. */
static const int supervise_bug_signals[] = {
	SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS,
};

/* How long keel waits at exit for the guard's thread to remove the
 * statistics folder: past a report it may be writing (its read of the
 * folder stops at 250 ms, report.c) and the removal (50 ms, statsdir.c),
 * so only a thread that a process holds in the kernel is given up on. */
#define SUPERVISE_GUARD_STOP_MS 400

static int supervise_fd = -1;
static pid_t supervise_self;	/* keel's own pid: never changes */
static sigset_t supervise_set;	/* the signals keel takes: all but bugs */

struct supervise_state {
	pid_t child;
	int status;
	bool child_done;
	bool no_children;
	bool killed;
	bool shutting;
	bool reap;		/* a SIGCHLD (or a timeout) asks for waitid */
	bool bare;		/* ppoll refused: waiting for signals alone */
	long long deadline_ms;
};

/* Signals 32-34 are keel's to forward too: libcs keep them for their
 * threads (musl all three, glibc 32 and 33), so sigfillset leaves them
 * out, sigaddset refuses them, musl's sigprocmask keeps 33 and 34 open
 * and its first sigaction (seccomp_self's SIGSYS handler) unblocks them
 * again; but keel's threads need none of them (the guard's thread blocks
 * them too) and a glibc program knows 34 as SIGRTMIN. Unblocked, PID 1
 * never saw them (the kernel ignores a signal PID 1 has no handler for):
 * they were not forwarded. Signal n is bit
 * n - 1 of the first word, as the kernel reads a set; how is SIG_SETMASK
 * (set holds the rest) or SIG_BLOCK (set empty). */
static int supervise_mask_libc_signals(int how, sigset_t *set)
{
	unsigned long word;

	memcpy(&word, set, sizeof(word));
	word |= 7ul << 31;
	memcpy(set, &word, sizeof(word));
	return (int)syscall(SYS_rt_sigprocmask, how, set, NULL, sizeof(word));
}

void supervise_block_libc_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	supervise_mask_libc_signals(SIG_BLOCK, &none);
}

int supervise_signals(void)
{
	sigset_t all;

	supervise_self = getpid();
	sigfillset(&all);
	for (size_t i = 0; i < sizeof(supervise_bug_signals) / sizeof(int); i++)
		sigdelset(&all, supervise_bug_signals[i]);
	if (supervise_mask_libc_signals(SIG_SETMASK, &all)) {
		fatal("unable to block signals: %s", strerror(errno));
		return -1;
	}
	supervise_set = all;
	supervise_fd = signalfd(-1, &all, SFD_NONBLOCK | SFD_CLOEXEC);
	if (supervise_fd < 0) {
		fatal("unable to open a signalfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void supervise_identity(void)
{
	/* A process of keel's own user (docker run --user, or root without
	 * CAP_SYS_PTRACE, as containers run) could otherwise ptrace PID 1 and
	 * stop it for good, or write its memory through /proc/1/mem. Not
	 * dumpable, PID 1 is open to those only with CAP_SYS_PTRACE. The
	 * application is not affected: every exec makes a process dumpable
	 * again. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		warning("unable to make keel non-dumpable: %s",
			strerror(errno));
	if (keel_opts.pdeathsig &&
	    prctl(PR_SET_PDEATHSIG, keel_opts.pdeathsig, 0, 0, 0))
		warning("unable to set the parent-death signal: %s",
			strerror(errno));
	if (getpid() == 1 && !keel_opts.subreaper)
		return;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		warning("unable to become a child subreaper: %s: orphans will not be reaped",
			strerror(errno));
	else if (getpid() != 1)
		info("not PID 1: registered as a child subreaper");
}

/* Called once for every process that died, before it is reaped: while
 * it is a zombie its /proc entry still says who it was when it died. The
 * one place the post-mortems hook in (the guard's OOM kill, and a process
 * the seccomp filter killed, which otherwise dies silently). What keel
 * reads here (the zombie's /proc entry, the cgroup's counter) no process
 * can hold; the reports, which read the statistics folder, go to the
 * guard's thread. */
static void supervise_dying(const siginfo_t *si)
{
	struct postmortem pm;
	char comm[32];

	if ((si->si_code == CLD_KILLED || si->si_code == CLD_DUMPED) &&
	    si->si_status == SIGSYS) {
		proc_comm(si->si_pid, comm, sizeof(comm));
		guard_thread_seccomp_kill(comm, si->si_pid);
	}
	if (postmortem_due(si->si_pid, si->si_code, si->si_status, &pm))
		guard_thread_postmortem(&pm);
}

static void supervise_reap(struct supervise_state *st)
{
	for (;;) {
		siginfo_t si = { 0 };
		int status;
		pid_t pid;

		/* look first (WNOWAIT), reap after */
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				st->no_children = true;
			return;
		}
		if (si.si_pid == 0)
			return;
		supervise_dying(&si);
		pid = waitpid(si.si_pid, &status, WNOHANG);
		if (pid <= 0)
			continue;
		guard_thread_sweep_soon();
		if (pid == st->child) {
			st->status = status;
			st->child_done = true;
			debug("main child pid %d exited with status 0x%x",
			      (int)pid, status);
		} else if (keel_opts.warn_reap) {
			warning("reaped zombie pid %d", (int)pid);
		} else {
			debug("reaped pid %d", (int)pid);
		}
	}
}

/* Returns whether a signal went to the child (a rewrite to 0 drops it). */
static bool supervise_forward(struct supervise_state *st, int sig)
{
	char buf[32];
	int to = options_rewrite(sig);
	pid_t target = keel_opts.group ? -st->child : st->child;

	if (!to) {
		debug("dropped %s (rewritten to 0)", signame_name(sig, buf, sizeof(buf)));
		return false;
	}
	if (kill(target, to) && errno != ESRCH)
		warning("unable to forward %s to pid %d: %s",
			signame_name(to, buf, sizeof(buf)), (int)target,
			strerror(errno));
	return true;
}

/* One signal for keel, with the sender's pid and the kernel's code;
 * whether it was forwarded. */
static bool supervise_signal(struct supervise_state *st, int sig, pid_t pid,
			     int code)
{
	static bool cpu_said;

	if (sig == SIGCHLD) {
		st->reap = true;
		return false;
	}
	/* a signal keel raised itself (SIGPIPE or SIGXFSZ from its own
	 * write) is not the child's. The kernel's code says so: a process
	 * may queue a signal naming any sender, but only with a code below
	 * 0 (SI_QUEUE), and that one is forwarded */
	if (pid == supervise_self && code == SI_USER)
		return false;
	/* nor the kernel's SIGXCPU: keel's CPU time is over a limit that a
	 * process of its user set on it (prlimit), and forwarded it would
	 * end the application */
	if (sig == SIGXCPU && code == SI_KERNEL) {
		if (!cpu_said)
			warning("keel's CPU time limit (RLIMIT_CPU) was lowered by another process: SIGXCPU not forwarded");
		cpu_said = true;
		return false;
	}
	if (!st->child_done)
		return supervise_forward(st, sig);
	if (st->shutting && !st->killed && (sig == SIGTERM || sig == SIGINT)) {
		postmortem_killing_all();
		sweep_signal(SIGKILL);
		st->killed = true;
		st->deadline_ms = clock_now_ms() + 2000;
	}
	return false;
}

/* Reads what the signalfd holds; forwards, or during shutdown escalates on
 * a second request to stop; a SIGCHLD asks for waitid. One read per
 * wake-up unless the buffer came back full: ppoll is level-triggered, so
 * a signal that came after the read wakes it again at once. Each call
 * after the kill is time the woken child waits for this core, or the
 * scheduler moves it to the other one (forwarding took twice as long with
 * a second read and a waitid at every signal). At most 8 full buffers,
 * so a process that keeps queueing real-time signals cannot hold keel
 * here: the loop reaps and runs the guard in between. Returns whether a
 * signal was forwarded. */
static bool supervise_signalfd(struct supervise_state *st)
{
	struct signalfd_siginfo si[32];
	bool forwarded = false;

	for (int round = 0; round < 8; round++) {
		ssize_t n = read(supervise_fd, si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return forwarded;
		for (size_t i = 0; i < (size_t)n / sizeof(si[0]); i++)
			forwarded |= supervise_signal(st, (int)si[i].ssi_signo,
						      (pid_t)si[i].ssi_pid,
						      si[i].ssi_code);
		if (n < (ssize_t)sizeof(si))
			return forwarded;
	}
	return forwarded;
}

/* The wait when ppoll fails: a process of keel's user can lower keel's
 * open-file limit (prlimit) under the descriptor it polls (EINVAL), and a
 * failed wait retried at once would spin. Signals alone then, with no
 * descriptor: reaping and forwarding go on. Said once. */
static bool supervise_wait_bare(struct supervise_state *st,
				const struct timespec *timeout, int err)
{
	siginfo_t si;
	int sig;

	if (!st->bare)
		warning("unable to wait on descriptors (%s): waiting for signals alone", strerror(err));
	st->bare = true;
	sig = (int)syscall(SYS_rt_sigtimedwait, &supervise_set, &si, timeout,
			   _NSIG / 8);
	return sig > 0 && supervise_signal(st, sig, si.si_pid, si.si_code);
}

/* After the main child: SIGTERM to the rest (SIGKILL at once for a grace
 * of 0), then SIGKILL at the deadline. */
static void supervise_shutdown(struct supervise_state *st)
{
	long long now = clock_now_ms();

	if (!st->shutting) {
		st->shutting = true;
		st->deadline_ms = now + (long long)keel_opts.grace;
		if (keel_opts.grace == 0) {
			postmortem_killing_all();
			sweep_signal(SIGKILL);
			st->killed = true;
			st->deadline_ms = now + 2000;
		} else if (sweep_signal(SIGTERM) > 0) {
			info("child exited: sent SIGTERM to the rest, SIGKILL in %llu ms",
			     (unsigned long long)keel_opts.grace);
		}
		return;
	}
	if (!st->killed && now >= st->deadline_ms) {
		postmortem_killing_all();
		if (sweep_signal(SIGKILL) > 0)
			warning("grace period over: sent SIGKILL to what was left");
		st->killed = true;
		/* A process stuck in the kernel must not keep keel here. */
		st->deadline_ms = now + 2000;
	}
}

static int supervise_exit_code(int status)
{
	int code;

	if (WIFEXITED(status))
		code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		code = 128 + WTERMSIG(status);
	else
		code = 1;
	return options_remap_exit(code);
}

/* The end: the guard's thread removes the statistics folder. One that a
 * process holds in the kernel (a lock it keeps with a page fault that
 * never ends) is released when that process dies: so everything left
 * gets SIGKILL (PID 1's exit would end the namespace only once the
 * thread is gone too), before keel says so (the lock may be stderr's),
 * and keel exits without libc's exit, whose stdio cleanup could wait for
 * a lock the thread holds. */
static void supervise_finish(int code)
{
	if (!guard_thread_stop(SUPERVISE_GUARD_STOP_MS))
		return;
	sweep_signal(SIGKILL);
	warning("the memory guard's thread did not end within %d ms (a process holds it in the kernel): ended what was left",
		SUPERVISE_GUARD_STOP_MS);
	_exit(code);
}

int supervise_run(pid_t child)
{
	struct supervise_state st = { .child = child, .reap = true };
	struct pollfd fds[1];
	int code;

	/* blocked again: a sigaction since supervise_signals opened them */
	supervise_block_libc_signals();

	fds[0] = (struct pollfd){ .fd = supervise_fd, .events = POLLIN };
	for (;;) {
		struct timespec ts, *timeout = NULL;

		if (st.reap) {
			st.reap = false;
			supervise_reap(&st);
		}
		if (st.child_done) {
			long long left;

			if (st.no_children)
				break;
			supervise_shutdown(&st);
			if (st.killed && clock_now_ms() >= st.deadline_ms) {
				warning("processes left that SIGKILL did not end; exiting anyway");
				break;
			}
			left = st.deadline_ms - clock_now_ms();
			if (left > 100)
				left = 100;
			if (left < 0)
				left = 0;
			ts.tv_sec = (time_t)(left / 1000);
			ts.tv_nsec = (long)(left % 1000) * 1000000;
			timeout = &ts;
		}
		int ready = ppoll(fds, 1, timeout, NULL);
		bool forwarded = false;

		if (ready < 0 && errno != EINTR) {
			fds[0].revents = 0;
			forwarded = supervise_wait_bare(&st, timeout, errno);
		}
		/* a timeout (or a failed wait) looks for exits too */
		if (ready <= 0)
			st.reap = true;
		/* The child a forwarded signal woke often waits for this
		 * core: the scheduler does not preempt keel for it, and the
		 * rest of this loop and its way back to sleep cost it twice
		 * the time (or a move to the other core) before its handler
		 * runs. Yielding once lets it run now: from the kill to the
		 * handler, median 15-27 us instead of 28-42, 90th percentile
		 * 25-29 instead of 62-80 (tini: 26-44, 54-81; 2 cores, 4
		 * runs of 400 signals). */
		if ((fds[0].revents & POLLIN) && supervise_signalfd(&st))
			forwarded = true;
		if (forwarded)
			sched_yield();
	}
	code = supervise_exit_code(st.status);
	supervise_finish(code);
	return code;
}
