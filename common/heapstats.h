/* The files libkeel.so and keel share, and the rules that keep them safe.
 * keel (PID 1) makes one instance folder per keel; each shimmed process
 * publishes its heap statistics there in a file it creates exclusively, and
 * keel writes a "control" file every shim maps read-only. A process in the
 * container can write into the folder, so readers treat every file in it
 * as hostile: docs/how-it-works.md, "The trust boundary". */
#ifndef KEEL_HEAPSTATS_H
#define KEEL_HEAPSTATS_H

#include <stdint.h>

/* The base folder: the user's, or the first default keel can use. keel
 * makes its instance folder in it and hands the instance folder's path to
 * the child in the same variable. */
#define KEEL_STATS_DIR_ENV "KEEL_STATS_DIR"
#define KEEL_STATS_DIR_DEFAULTS { "/dev/shm/keel", "/run/keel", "/tmp/keel" }
/* Room for "<base>/<instance>/<pid>.<16 hex>" in every reader and writer;
 * keel refuses a longer KEEL_STATS_DIR at start. */
#define KEEL_STATS_PATH_MAX 256
#define KEEL_STATS_BASE_MAX (KEEL_STATS_PATH_MAX - 80)
#define KEEL_CONTROL_FILE "control"
/* A FIFO keel reads and anyone may write: a shim that saw usage pass the
 * soft limit as its heap grew writes a byte there to make keel look now
 * (keel acts only on usage it reads itself). */
#define KEEL_WAKE_FILE "wake"
#define KEEL_USAGE_PATH_MAX 256

#define KEEL_STATS_MAGIC 0x5441545350454548ull /* "HEAPSTAT" */
#define KEEL_CONTROL_MAGIC 0x4c52544e4f434b4bull /* "KKCONTRL" */
#define KEEL_STATS_VERSION 2
#define KEEL_STATS_MAX_CLASSES 96

struct keel_class_stats {
	uint64_t block_size;	/* bytes per block of this class */
	uint64_t blocks_in_use;
	uint64_t bytes_free_resident; /* free blocks in this class's slabs */
};

/* One per shimmed process, in "<instance>/<pid>.<16 hex digits>": the
 * random part makes the name impossible to take in advance. Written under
 * the seqlock on every publish and trim; also the "last known" statistics
 * for the OOM post-mortem. */
struct keel_heap_stats {
	uint64_t magic;
	uint32_t version;
	uint32_t size;		/* sizeof(struct keel_heap_stats) */
	uint64_t seq;		/* seqlock: odd while the writer is inside */
	uint32_t pid;
	uint32_t threads;	/* threads that have used the allocator */
	/* field 22 of /proc/<pid>/stat: a file whose pid was reused by a
	 * later process is told apart by it */
	uint64_t start_time;
	uint64_t updated_ms;	/* CLOCK_MONOTONIC of the last update */
	uint64_t mapped;	/* bytes of address space taken from the OS */
	uint64_t resident;	/* heap bytes backed by memory (in use + free) */
	uint64_t in_use;	/* bytes in live blocks (block sizes) */
	uint64_t free_resident;	/* free but still backed: slabs, caches, dirty pages */
	uint64_t returned;	/* free and given back to the OS (madvise) */
	uint64_t huge_in_use;	/* the part of in_use in directly mapped blocks */
	uint64_t trims;		/* full trims done (malloc_trim, guard requests) */
	uint32_t trim_epoch_done; /* last control trim_epoch this process served */
	uint32_t nclasses;
	struct keel_class_stats classes[KEEL_STATS_MAX_CLASSES];
};

/* One per keel instance, written by keel only: the file and its folder
 * belong to keel's user, and a shim maps it only when that holds. */
struct keel_control {
	uint64_t magic;
	uint32_t version;
	uint32_t size;
	/* Futex word: keel increments it and wakes all waiters to make every
	 * shimmed process return its free memory now. */
	uint32_t trim_epoch;
	/* KEEL_ON_LIMIT=fail: nonzero while the heap may not take more memory
	 * from the OS (the cgroup stays over the limit after trimming). */
	uint32_t deny_growth;
	uint64_t limit_bytes;	/* the soft limit keel guards, 0 = none */
	/* The keel that owns the folder, so `keel stats` can tell a live
	 * instance from one a dead keel left behind. */
	uint32_t keel_pid;
	uint32_t reserved;
	uint64_t keel_start_time;
	/* The check at growth (shim/guard.c). The cgroup file that holds
	 * usage in bytes, as keel reads it ("" = none): a shim reads it each
	 * time its heap takes a new segment or huge mapping. */
	char usage_path[KEEL_USAGE_PATH_MAX];
	/* Usage when keel last trimmed, while over the soft limit; 0 under
	 * it. keel trims again when usage rises by a twentieth of the soft
	 * limit: a shim wakes it only when it would. */
	uint64_t trim_usage;
	/* Nonzero from a trim until its report is written. */
	uint32_t report_pending;
	/* Futex word: keel bumps it and wakes the waiters each time it has
	 * answered the wake-ups written before: looked at usage, and if
	 * that trimmed, written the report. */
	uint32_t wake_served;
	/* The guard's state for `keel stats` (written by keel, only read
	 * by others): trims and reports so far, and when the last of each
	 * happened (CLOCK_REALTIME seconds, 0 = never). */
	uint32_t trims;
	uint32_t reports;
	uint64_t last_trim_time;
	uint64_t last_report_time;
};

#endif
