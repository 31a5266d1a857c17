/* Parsers for the /proc/<pid> files keel and libkeel.so read: "stat" (the
 * state, the parent, the thread count, and the start time that tells a reused pid from the
 * process that had it before) and the "Uid:" line of "status". Pure, no
 * libc: the shim parses its own /proc/self/stat while it bootstraps, and a
 * fuzzer can feed them anything. */
#ifndef KEEL_PROCSTAT_H
#define KEEL_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>

struct keel_proc_stat {
	char state;		/* R, S, D, Z, ... */
	uint32_t ppid;
	uint32_t threads;	/* live threads in its group (field 20) */
	uint64_t start_time;	/* clock ticks after boot (field 22) */
};

/* Parses the text of /proc/<pid>/stat, len bytes (no NUL needed). The
 * command in parentheses may hold anything, ")" and spaces too: fields are
 * counted from the last ")". Returns 0, or -1 for text that is not one. */
int procstat_parse(const char *buf, size_t len, struct keel_proc_stat *out);

/* The four ids of the "Uid:" line of /proc/<pid>/status: real, effective,
 * saved, filesystem. Returns 0, or -1 when there is no such line. */
int procstat_parse_uids(const char *buf, size_t len, uint32_t uids[4]);

/* The number after "Key:" on a line of status-like text (smaps_rollup,
 * /proc/<pid>/status), key given with its colon: "VmRSS:". Lines start at
 * the buffer's start or after a newline (the kernel escapes newlines in a
 * command name), so a process cannot forge one. 0, or -1 when absent. */
int procstat_field(const char *buf, size_t len, const char *key,
		   uint64_t *out);

#endif
