/* guard_thread: the guard's own thread (see guard_thread.h). The reaper
 * talks to it through a pipe of fixed-size messages, each one write(2)
 * under PIPE_BUF, non-blocking: a thread held in the kernel fills the
 * pipe, and what does not fit is dropped, never waited for. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "init/clock.h"
#include "init/guard.h"
#include "init/guard_thread.h"
#include "init/log.h"
#include "init/postmortem.h"
#include "init/report.h"
#include "init/statsdir.h"

/* How often a guard whose poll is refused looks at usage, the statistics
 * folder and the messages (its polling interval, init/guard.c). */
#define GUARD_THREAD_BARE_MS 50
/* Its stack: the deepest path, the guard's look at its limit
 * (cgroup_find), takes about 45 KiB. */
#define GUARD_THREAD_STACK (256u << 10)

enum guard_msg_kind {
	GUARD_MSG_SWEEP,
	GUARD_MSG_OOM,
	GUARD_MSG_SECCOMP,
	GUARD_MSG_STOP,
};

struct guard_msg {
	enum guard_msg_kind kind;
	struct postmortem pm;	/* OOM; SECCOMP: pid and comm */
};

_Static_assert(sizeof(struct guard_msg) <= PIPE_BUF,
	       "a message goes through the pipe in one piece");

static struct {
	int running;
	int to_thread[2];	/* messages: the reaper writes, the thread reads */
	int stopped[2];		/* the thread writes once it has ended */
	int log[2];		/* the reaper's lines (log_divert) */
	struct supervise_guard guard;
	unsigned dropped;	/* messages that found the pipe full */
	int sweep_posted;	/* a SWEEP on its way or waiting for its
				 * time: one is enough */
} gt = { .to_thread = { -1, -1 }, .stopped = { -1, -1 }, .log = { -1, -1 } };

/* The guard's next deadline from its relative timeout (-1: none). */
static long long guard_thread_due(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : clock_now_ms() + timeout_ms;
}

/* One message's work, in the thread or, without one, in the caller. */
static void guard_thread_handle(const struct guard_msg *m)
{
	switch (m->kind) {
	case GUARD_MSG_SWEEP:
		/* sweep_posted stays set until that sweep starts (below);
		 * with no folder there is none, and nothing to post for */
		statsdir_sweep_soon();
		break;
	case GUARD_MSG_OOM:
		postmortem_report(&m->pm);
		break;
	case GUARD_MSG_SECCOMP:
		report_seccomp_kill(m->pm.comm, m->pm.pid);
		break;
	case GUARD_MSG_STOP:
		statsdir_remove();
		break;
	}
}

/* Handles what the reaper posted; 1 when it asked the thread to stop. */
static int guard_thread_drain(void)
{
	struct guard_msg m[8];

	for (;;) {
		ssize_t n = read(gt.to_thread[0], m, sizeof(m));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		for (size_t i = 0; i < (size_t)n / sizeof(m[0]); i++) {
			guard_thread_handle(&m[i]);
			if (m[i].kind == GUARD_MSG_STOP)
				return 1;
		}
	}
}

/* ms until the nearest of the guard's and the folder's deadlines, or -1
 * for none. */
static int guard_thread_timeout(long long guard_due)
{
	long long now = clock_now_ms(), due = statsdir_due_ms(), left;

	if (guard_due >= 0 && (due < 0 || guard_due < due))
		due = guard_due;
	left = due < 0 ? -1 : due > now ? due - now : 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/* Waits as poll(2) would; *bare says whether it could. Where poll is
 * refused (a process of keel's user lowered its open-file limit under
 * the descriptors, EINVAL), it sleeps instead, GUARD_THREAD_BARE_MS at
 * most, and the caller looks at its timers each time. Said once. */
static void guard_thread_wait(struct pollfd *fds, int n, int timeout_ms,
			      int *bare)
{
	static int said;
	int sleep_ms = timeout_ms < 0 || timeout_ms > GUARD_THREAD_BARE_MS ?
		       GUARD_THREAD_BARE_MS : timeout_ms;
	struct timespec ts = { .tv_nsec = (long)sleep_ms * 1000000 };

	for (int i = 0; i < n; i++)
		fds[i].revents = 0;
	*bare = poll(fds, (nfds_t)n, timeout_ms) < 0 && errno != EINTR;
	if (!*bare)
		return;
	if (!said++)
		warning("the memory guard is unable to wait on descriptors (%s): it looks every %d ms instead",
			strerror(errno), GUARD_THREAD_BARE_MS);
	nanosleep(&ts, NULL);
}

static void *guard_thread_main(void *arg)
{
	struct pollfd fds[5];
	long long guard_due = guard_thread_due(gt.guard.timeout_ms);
	int bare = 0;
	(void)arg;

	/* signals 32-34 too, as the reaper blocks them (supervise.c): one
	 * left open here would end PID 1, with no handler for it */
	supervise_block_libc_signals();
	fds[0] = (struct pollfd){ .fd = gt.to_thread[0], .events = POLLIN };
	/* poll ignores a negative fd: no guard, or a guard that only polls */
	fds[1] = (struct pollfd){ .fd = gt.guard.fd, .events = gt.guard.events };
	/* files appearing in the statistics folder (watched from 1 s on) */
	fds[2] = (struct pollfd){ .fd = -1, .events = POLLIN };
	/* a shim asking the guard to look at usage now */
	fds[3] = (struct pollfd){ .fd = -1, .events = POLLIN };
	/* the reaper's log lines */
	fds[4] = (struct pollfd){ .fd = gt.log[0], .events = POLLIN };
	for (;;) {
		fds[2].fd = statsdir_watch_fd();
		fds[3].fd = guard_wake_fd();
		guard_thread_wait(fds, 5, guard_thread_timeout(guard_due),
				  &bare);
		if (bare || fds[4].revents)
			log_drain(gt.log[0]);
		if ((bare || fds[0].revents) && guard_thread_drain())
			break;
		if (fds[1].fd >= 0 && fds[1].revents)
			guard_due = guard_thread_due(guard_on_event());
		else if ((guard_due >= 0 &&
			  clock_now_ms() >= guard_due) ||
			 (bare && fds[1].fd >= 0))
			/* without its event, the guard looks at each wake */
			guard_due = guard_thread_due(guard_on_timeout());
		if (fds[3].fd >= 0 && fds[3].revents)
			guard_due = guard_thread_due(guard_on_wake());
		if (fds[2].fd >= 0 && fds[2].revents)
			statsdir_on_event();
		/* before the sweep reads the folder: a process reaped
		 * from here on may be one it finds alive, so it posts */
		if (statsdir_sweep_due())
			__atomic_store_n(&gt.sweep_posted, 0,
					 __ATOMIC_RELEASE);
		statsdir_on_timeout();
	}
	log_drain(gt.log[0]);
	(void)!write(gt.stopped[1], "", 1);
	return NULL;
}

int guard_thread_start(const struct supervise_guard *guard)
{
	pthread_attr_t attr;
	pthread_t thread;
	int err;

	gt.guard = *guard;
	if (pipe2(gt.to_thread, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(gt.stopped, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(gt.log, O_CLOEXEC | O_NONBLOCK) < 0) {
		err = errno;
		goto fail;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, GUARD_THREAD_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&thread, &attr, guard_thread_main, NULL);
	pthread_attr_destroy(&attr);
	if (!err) {
		gt.running = 1;
		log_divert(gt.log[1]);
		return 0;
	}
fail:
	warning("unable to start the memory guard's thread (%s): the guard only reports and cleans up",
		strerror(err));
	return -1;
}

/* To the thread, or handled here without one; -1 when dropped. */
static int guard_thread_post(const struct guard_msg *m)
{
	if (!gt.running) {
		guard_thread_handle(m);
		return 0;
	}
	while (write(gt.to_thread[1], m, sizeof(*m)) < 0) {
		if (errno == EINTR)
			continue;
		if (!gt.dropped++)
			warning("the memory guard's thread is behind: %s",
				m->kind == GUARD_MSG_OOM ?
				"an OOM kill's post-mortem was dropped" :
				"a message to it was dropped");
		return -1;
	}
	return 0;
}

/* A reap storm (a shell loop, a fork bomb) posts one message until the
 * sweep it asks for has started (sweeps come at most once a second), not
 * one per process: each was a write and a wake-up of the other thread
 * (4,000 orphans reaped: 2,638 writes and as many polls there, now 3). */
void guard_thread_sweep_soon(void)
{
	struct guard_msg m = { .kind = GUARD_MSG_SWEEP };

	if (gt.running &&
	    __atomic_exchange_n(&gt.sweep_posted, 1, __ATOMIC_ACQ_REL))
		return;
	if (guard_thread_post(&m) < 0)
		__atomic_store_n(&gt.sweep_posted, 0, __ATOMIC_RELEASE);
}

void guard_thread_postmortem(const struct postmortem *pm)
{
	struct guard_msg m = { .kind = GUARD_MSG_OOM, .pm = *pm };

	guard_thread_post(&m);
}

void guard_thread_seccomp_kill(const char *comm, pid_t pid)
{
	struct guard_msg m = { .kind = GUARD_MSG_SECCOMP, .pm.pid = pid };

	snprintf(m.pm.comm, sizeof(m.pm.comm), "%s", comm);
	guard_thread_post(&m);
}

int guard_thread_stop(int wait_ms)
{
	struct guard_msg m = { .kind = GUARD_MSG_STOP };
	struct pollfd p = { .fd = gt.stopped[0], .events = POLLIN };
	struct timespec step = { .tv_nsec = 5000000 };
	long long deadline = clock_now_ms() + wait_ms;
	char byte;
	int rc;

	guard_thread_post(&m);
	if (!gt.running)
		return 0;
	for (;;) {
		long long left = deadline - clock_now_ms();

		if (read(gt.stopped[0], &byte, 1) == 1) {
			rc = 0;
			break;
		}
		if (left <= 0) {
			rc = -1;
			break;
		}
		/* poll refused (no open-file limit left): in steps */
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			nanosleep(&step, NULL);
	}
	/* the reaper writes its own lines again; those the thread left are
	 * written now if it ended, lost if it is held */
	log_divert(-1);
	if (!rc)
		log_drain(gt.log[0]);
	return rc;
}
