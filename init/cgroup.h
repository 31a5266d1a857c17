/* cgroup: where the container's memory limit and usage live. Finds the
 * memory cgroup (v1 or v2), the tightest limit up the hierarchy, and reads
 * usage, memory.stat and the OOM-kill counter from the same place. */
#ifndef KEEL_CGROUP_H
#define KEEL_CGROUP_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/optvalue.h"

enum keel_cgroup_version {
	KEEL_CGROUP_NONE = 0,
	KEEL_CGROUP_V1 = 1,
	KEEL_CGROUP_V2 = 2,
};

struct keel_cgroup {
	int version;		/* enum keel_cgroup_version */
	char dir[PATH_MAX];	/* the container's memory cgroup folder */
	uint64_t limit;		/* tightest hard limit up the tree, 0 = none */
	uint64_t high;		/* v2: tightest memory.high, 0 = none */
};

/* Sizes from memory.stat: anonymous, file cache, kernel. */
struct keel_memory_stat {
	uint64_t anon;
	uint64_t file;
	uint64_t kernel;
};

/* Finds the memory cgroup of this process under root ("/" for the real
 * /proc and /sys; a fixture tree in tests). Returns 0 and fills cg, or -1
 * when there is no memory controller (cg->version is then NONE). */
int cgroup_find(const char *root, struct keel_cgroup *cg);

/* The limit the guard takes its share of: memory.high where it is below
 * memory.max (the kernel throttles there, long before the OOM killer),
 * else the hard limit; 0 = none. */
uint64_t cgroup_guard_limit(const struct keel_cgroup *cg);

/* The file that holds usage in bytes: memory.current or
 * memory.usage_in_bytes; the guard keeps it open and preads it. */
int cgroup_usage_path(const struct keel_cgroup *cg, char *buf, size_t len);
int cgroup_usage(const struct keel_cgroup *cg, uint64_t *out);

/* Reads one unsigned number from the start of an open file (pread at 0);
 * "max" counts as UINT64_MAX. */
int cgroup_read_fd(int fd, uint64_t *out);

int cgroup_memory_stat(const struct keel_cgroup *cg,
		       struct keel_memory_stat *st);
int cgroup_parse_memory_stat(int version, const char *text,
			     struct keel_memory_stat *st);

/* The path of pid's cgroup (pid 0: this process) in the hierarchy of
 * version: v1 the memory line of /proc/<pid>/cgroup, v2 the "0::" line.
 * 0, or -1 when the process is gone or has no such line. */
int cgroup_path_of(int version, pid_t pid, char *buf, size_t len);

/* Whether the cgroup path lies in top or below it (its memory is charged
 * to top too). */
int cgroup_path_within(const char *path, const char *top);

/* The cgroup's OOM-kill counter (v2 memory.events, v1 memory.oom_control
 * "oom_kill"); -1 when the kernel does not keep one. */
int cgroup_oom_kills(const struct keel_cgroup *cg, uint64_t *out);

/* The same from a descriptor kept open (-1 where there is no file), so
 * that reading it takes no path lookup in a folder a process may hold. */
int cgroup_oom_kills_open(const struct keel_cgroup *cg);
int cgroup_oom_kills_fd(int fd, uint64_t *out);

/* The soft limit the guard keeps, in bytes (0 = off): KEEL_RSS_LIMIT as the
 * option table parsed it (bytes, or a share of the cgroup limit) over the
 * cgroup limit (0 = none). Warns when the value cannot work as meant. */
uint64_t cgroup_soft_limit(const struct keel_limit *lim, uint64_t cgroup_limit);

#endif
