/* The supervising PID 1: one signalfd for every signal keel handles, a
 * ppoll loop that reaps, forwards and finally shuts the rest down. The
 * guard runs beside it in a thread of its own (guard_thread.h). */
#ifndef KEEL_SUPERVISE_H
#define KEEL_SUPERVISE_H

#include <sys/types.h>

/* What the memory guard asks of its thread's loop: one fd to poll (or -1)
 * and a timeout in ms (-1: none), both from guard_init. */
struct supervise_guard {
	int fd;
	short events;
	int timeout_ms;
};

/* Blocks every signal except the bug signals and opens the signalfd.
 * Returns 0, or -1 (logged) before anything was started. */
int supervise_signals(void);

/* Blocks signals 32-34 in the calling thread, which libcs keep for
 * themselves and keel forwards (supervise.c says why). */
void supervise_block_libc_signals(void);

/* Subreaper when not PID 1 (or -s), parent-death signal for -p. */
void supervise_identity(void);

/* Runs until the child and then the rest are gone; returns keel's exit
 * code: the child's status (after -e), 128+N for signal N. */
int supervise_run(pid_t child);

#endif
