/* guard: the container side of the memory guard. Watches cgroup usage
 * against the soft limit, makes every shimmed process trim at once through
 * the shared control file, reports, and explains OOM kills afterwards. */
#ifndef KEEL_GUARD_H
#define KEEL_GUARD_H

#include <sys/types.h>

#include "common/optvalue.h"

struct keel_guard_config {
	const char *root;	/* "/" (fixture trees in tests) */
	const struct keel_limit *rss_limit; /* KEEL_RSS_LIMIT as parsed */
	enum keel_on_limit on_limit; /* KEEL_ON_LIMIT as parsed */
	const struct keel_choice *report; /* KEEL_REPORT as parsed */
	const char *report_given; /* KEEL_REPORT as the user gave it */
	const char *stats_dir;	/* KEEL_STATS_DIR, NULL = defaults */
};

/* Before the child starts (the option table has checked every value):
 * checks the report's destination (a fatal message and the return value
 * 2 when it cannot work, for exit status 2), finds the
 * limit, creates the stats folder and its control file, and puts
 * KEEL_STATS_DIR in keel's environment so the child inherits it. Stores
 * the fd the init's poll loop watches (events in *events) or -1, and the
 * poll timeout in ms (-1 for none). System failures only warn: returns 0. */
int guard_init(const struct keel_guard_config *cfg, int *fd, short *events,
	       int *timeout_ms);

/* The fd is ready, or the timeout passed; both return the next timeout. */
int guard_on_event(void);
int guard_on_timeout(void);

/* The wake FIFO (a shim saw usage pass the soft limit as its heap grew):
 * the fd to poll for POLLIN now, -1 while there is none or it is left
 * unwatched for a moment after a wake-up; and what to call when it is
 * readable, which returns the next timeout too. */
int guard_wake_fd(void);
int guard_on_wake(void);

#endif
