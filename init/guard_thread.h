/* guard_thread: the memory guard, the statistics folder and the reports run
 * in a thread of their own, beside the one that reaps and forwards signals.
 * Everything there touches what processes in the container can hold: the
 * wake FIFO, the folder, their /proc entries and statistics files. A
 * process that can make its own page faults wait (userfaultfd, FUSE) holds
 * a kernel lock for as long as it likes, and the next caller that needs
 * the lock waits uninterruptibly; that caller is now this thread, never
 * the reaper. The reaper posts what it learns (a reap, an OOM kill, a
 * process the seccomp filter killed) through a pipe it never waits on. */
#ifndef KEEL_GUARD_THREAD_H
#define KEEL_GUARD_THREAD_H

#include <sys/types.h>

#include "init/postmortem.h"
#include "init/supervise.h"

/* Starts the thread on the guard's descriptor and first timeout (before
 * keel confines itself: the filter reaches it with TSYNC); from then on
 * the caller's log lines go through the thread too (log_divert). 0, or
 * -1 after a warning; without a thread the posts below do their work in
 * the caller. */
int guard_thread_start(const struct supervise_guard *guard);

/* A process was reaped: its statistics file may be stale now. */
void guard_thread_sweep_soon(void);

/* The OOM killer took a process (postmortem_due said so): its report. */
void guard_thread_postmortem(const struct postmortem *pm);

/* The seccomp filter killed a process: one line saying so. */
void guard_thread_seccomp_kill(const char *comm, pid_t pid);

/* keel exits: the thread removes the folder and ends. Waits for it at
 * most wait_ms; 0, or -1 when the thread is held (it ends when whatever
 * holds it does). The caller's lines go to stderr again either way. */
int guard_thread_stop(int wait_ms);

#endif
