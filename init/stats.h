/* stats: reading the heap statistics every shimmed process publishes in
 * "<dir>/<pid>" (common/heapstats.h), for `keel stats`, the report and the
 * OOM post-mortem. No ptrace, no signals to the application. */
#ifndef KEEL_STATS_H
#define KEEL_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/heapstats.h"

/* Copies one published file under its seqlock. Returns 0, or -1 when the
 * file is missing, short, or has a bad magic, version or size. */
int stats_read(const char *path, struct keel_heap_stats *out);

/* The pid a file name "<pid>" or "<pid>.<uid>" belongs to: 0, or -1. */
int stats_name_pid(const char *name, pid_t *pid);

/* The freshest valid file of pid in dir ("<pid>" or "<pid>.<uid>"): its
 * path and contents, 0; or -1 when there is none. */
int stats_latest(const char *dir, pid_t pid, char *path, size_t len,
		 struct keel_heap_stats *out);

/* Removes every file of pid in dir (the process is gone). */
void stats_forget(const char *dir, pid_t pid);

/* Calls fn for each valid file of a live process in dir; returns how many. */
typedef void (*stats_visit_fn)(const struct keel_heap_stats *st, void *arg);
int stats_each(const char *dir, stats_visit_fn fn, void *arg);

/* /proc/<pid>/statm resident bytes, and /proc/<pid>/comm. */
int stats_process_rss(pid_t pid, uint64_t *out);
int stats_process_comm(pid_t pid, char *buf, size_t len);

/* "301.2 MiB" style text for byte counts. */
const char *stats_size(uint64_t bytes, char *buf, size_t len);

/* The largest size classes by bytes in use: up to n indexes into
 * st->classes, biggest first; returns how many. */
int stats_top_classes(const struct keel_heap_stats *st, int *idx, int n);

/* `keel stats [--json] [--watch[=SECONDS]]`, argv[0] being "stats".
 * Returns the exit status: 0, 1 when nothing could be read, 2 for bad
 * arguments. */
int stats_main(int argc, char **argv);

#endif
