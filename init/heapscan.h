/* heapscan: one pass over an instance folder of heap statistics, for the
 * guard's report, the OOM post-mortem and `keel stats`. Linear in the
 * folder's entries, whatever they are: a name that is not a statistics
 * file costs one compare, a file of a dead pid one failed open of /proc;
 * only files of live processes are read. PID 1 sweeps while it scans. */
#ifndef KEEL_HEAPSCAN_H
#define KEEL_HEAPSCAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/heapstats.h"
#include "init/heapfile.h"

/* Remove stale files while scanning: those of dead processes and reused
 * pids, older copies of a live one's, and anything else in the folder
 * once it is HEAPSCAN_JUNK_AGE_S old (younger, it may be a file a shim is
 * still filling in). Only the folder's owner, PID 1, asks for this. */
#define HEAPSCAN_SWEEP 1u
#define HEAPSCAN_JUNK_AGE_S 10

struct heapscan_result {
	unsigned entries;	/* names read from the folder */
	unsigned processes;	/* live processes with valid statistics */
	unsigned rejected;	/* files of live processes that failed a check */
	unsigned removed;
	bool cut;		/* stopped at its time bound, the rest unread */
	char rejected_name[32];	/* the last file rejected, and why */
	const char *rejected_why;
};

typedef void (*heapscan_fn)(const struct keel_heap_stats *st, void *arg);

/* Calls fn for each live shimmed process with its freshest valid file, in
 * pid order. Stops reading the folder once clock_now_ms() reaches
 * until_ms (0: never; res->cut says so): the guard's looks and reports,
 * which a folder of planted files must not hold for seconds. Returns 0
 * (counts in *res, which may be NULL), or -1 when the folder cannot be
 * read. */
int heapscan_each(int dirfd, unsigned flags, heapscan_fn fn, void *arg,
		  long long until_ms, struct heapscan_result *res);

/* heapscan_each with no time bound, and reject for each live process whose file failed a
 * check (why as heapfile_why says it), for `keel stats` to say so. */
typedef void (*heapscan_reject_fn)(pid_t pid, const char *why, void *arg);
int heapscan_each_reject(int dirfd, unsigned flags, heapscan_fn fn,
			 heapscan_reject_fn reject, void *arg,
			 struct heapscan_result *res);

/* PID 1's sweep in steps (HEAPSCAN_SWEEP, no callback): reads the folder
 * from *resume (0: its start) and stops once clock_now_ms() reaches
 * until_ms, leaving in *resume where the next step goes on, or 0 when it
 * read to the end. A folder a process filled with hundreds of thousands
 * of files took seconds a pass, and the guard's thread, which sweeps,
 * trimmed nothing meanwhile. 0, or -1 when the folder cannot be read. */
int heapscan_sweep_step(int dirfd, long *resume, long long until_ms,
			struct heapscan_result *res);

/* What /proc says of pid to check its files by (a zombie's too): 1 for
 * a zombie, 0 for a live process, -1 when it is gone. */
int heapscan_identify(pid_t pid, struct heapfile_proc *who);

/* The freshest valid statistics of the process who names, found by what
 * heapscan_identify said of it, so also after it was reaped (the OOM
 * post-mortem), in the entries read within 250 ms. 0, or -1. */
int heapscan_find(int dirfd, const struct heapfile_proc *who,
		  struct keel_heap_stats *out);

/* Sweeps keep the files of pid (a reaped OOM victim whose post-mortem
 * has yet to read them) until heapscan_spare(0). */
void heapscan_spare(pid_t pid);

#endif
