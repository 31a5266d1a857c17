/* heapfile: one process's published heap statistics, read the way PID 1
 * must read anything a process in the container can write: never mapped,
 * never blocked on, never through a link, a private copy checked field by
 * field against what /proc says of the process it claims to be. */
#ifndef KEEL_HEAPFILE_H
#define KEEL_HEAPFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/heapstats.h"

/* What /proc says of the process a file names, to check the file by. */
struct heapfile_proc {
	pid_t pid;
	uint64_t start_time;
	uint32_t uids[4];	/* real, effective, saved, filesystem */
	uint64_t vsize;		/* address space; 0 for a zombie (unknown) */
};

/* Why a file was not taken; "" when it was. For -v and keel stats. */
extern const char *heapfile_why;
/* heapfile_why for a file a shim has created and not yet filled in: not
 * counted as rejected while it is young. */
#define HEAPFILE_UNFINISHED "not filled in yet"

/* The pid of a name "<pid>.<1-16 hex digits>": 0 and *pid, or -1. */
int heapfile_name_pid(const char *name, pid_t *pid);

/* Whether a file owned by uid may speak for the process: its own users,
 * or root (a process that dropped root keeps the file root made). */
int heapfile_owner_ok(uint32_t uid, const struct heapfile_proc *proc);

/* Checks a private copy: layout, the process it names, and figures that
 * add up and fit the process's address space. 0, or -1 (heapfile_why). */
int heapfile_check(const struct keel_heap_stats *st,
		   const struct heapfile_proc *proc);

/* Reads name in the folder dirfd into out and checks it: opened with
 * O_NONBLOCK|O_NOFOLLOW, a regular file of the exact size owned by the
 * process's users, copied with pread under the writer's seqlock (a
 * bounded number of tries). 0, or -1 (heapfile_why). */
int heapfile_read(int dirfd, const char *name,
		  const struct heapfile_proc *proc, struct keel_heap_stats *out);

/* The largest size classes by bytes in use: up to n indexes into
 * st->classes, biggest first; returns how many. */
int heapfile_top_classes(const struct keel_heap_stats *st, int *idx, int n);

#endif
