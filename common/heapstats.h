/* The shared-memory layout between libkeel.so and keel: each shimmed process
 * publishes its heap statistics in a file "<dir>/<pid>", and keel writes a
 * "<dir>/control" file every shim maps read-only. Versioned; readers check
 * magic, version and size, and read under the seqlock. */
#ifndef KEEL_HEAPSTATS_H
#define KEEL_HEAPSTATS_H

#include <stdint.h>

#define KEEL_STATS_DIR_ENV "KEEL_STATS_DIR"
/* keel picks the first of these it can create (mode 1777) unless
 * KEEL_STATS_DIR says otherwise; `keel stats` looks in all of them. */
#define KEEL_STATS_DIR_DEFAULTS { "/dev/shm/keel", "/run/keel", "/tmp/keel" }
#define KEEL_CONTROL_FILE "control"

#define KEEL_STATS_MAGIC 0x5441545350454548ull /* "HEAPSTAT" */
#define KEEL_CONTROL_MAGIC 0x4c52544e4f434b4bull /* "KKCONTRL" */
#define KEEL_STATS_VERSION 1
#define KEEL_STATS_MAX_CLASSES 96

struct keel_class_stats {
	uint64_t block_size;	/* bytes per block of this class */
	uint64_t blocks_in_use;
	uint64_t bytes_free_resident; /* free blocks in this class's slabs */
};

/* One per shimmed process, written by its purger thread each tick and on
 * every trim; also the "last known" statistics for the OOM post-mortem. */
struct keel_heap_stats {
	uint64_t magic;
	uint32_t version;
	uint32_t size;		/* sizeof(struct keel_heap_stats) */
	uint64_t seq;		/* seqlock: odd while the writer is inside */
	uint32_t pid;
	uint32_t threads;	/* threads that have used the allocator */
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

/* One per container, written by keel. */
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
};

#endif
