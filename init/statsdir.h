/* statsdir: PID 1's own folder for the heap statistics of the processes
 * it starts, and the control file and wake FIFO in it (common/heapstats.h).
 * Made before the child starts, swept while keel runs, removed when keel
 * exits. */
#ifndef KEEL_STATSDIR_H
#define KEEL_STATSDIR_H

#include <stdint.h>

#include "common/heapstats.h"

/* Checks a KEEL_STATS_DIR the user gave, before anything starts: 0, or 2
 * after one fatal line (too long for the shim, or not a folder keel can
 * trust). An empty one means the defaults. */
int statsdir_check_base(const char *wanted);

/* Makes the instance folder in the user's base or the first default that
 * works, the control file in it, and sets KEEL_STATS_DIR to the instance
 * for the child. 0, or -1 after a warning (statistics and trims off). */
int statsdir_setup(const char *wanted, uint64_t soft_limit);

/* The instance folder (an open descriptor) and the mapped control file;
 * -1 and NULL when there are none. */
int statsdir_fd(void);
struct keel_control *statsdir_control(void);

/* The wake FIFO, open for reading (the guard polls it), or -1: made only
 * when there is a soft limit to guard. */
int statsdir_wake_fd(void);

/* The supervise loop's part: an inotify descriptor that becomes readable
 * when files appear (-1: none), the absolute CLOCK_MONOTONIC ms of the
 * next sweep (-1: none), and what to call for each. */
int statsdir_watch_fd(void);
void statsdir_on_event(void);
long long statsdir_due_ms(void);
void statsdir_on_timeout(void);

/* A process was reaped: its file may be stale now. */
void statsdir_sweep_soon(void);
/* Whether the sweep statsdir_sweep_soon asked for is due: the next
 * statsdir_on_timeout starts it. */
int statsdir_sweep_due(void);

/* keel exits: everything in the folder goes, then the folder. */
void statsdir_remove(void);

#endif
