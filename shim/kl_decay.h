/* The decay policy's interface (decay.c): when free memory goes back to
 * the OS. The dirty cap, the hook after every page-level free, the purger
 * thread, the full trim, and the heap-growth event that may start it. */
#ifndef KL_DECAY_H
#define KL_DECAY_H

#include "kl_heap.h"
#include "kl_config.h"

/* Free resident memory (dirty runs and cached huge mappings) may reach
 * max(8 MiB, 1/32 of the bytes in use) before the oldest is purged early,
 * once older than its grace (kl_keep_ms: dirty runs, page.c; kl_huge_keep_ms:
 * huge mappings, huge.c): what a busy program frees and takes again at
 * once is not faulted in again. The grace follows KEEL_DECAY_MS, the one
 * knob between memory and speed: 2 ms and 50 ms at its 500 ms (make bench
 * plots the seed pattern's RSS/live against its speed at several). Huge
 * mappings, each many pages, wait longer: at 2 ms the mixed benchmark
 * faulted 1.6 million times instead of 0.14, at 10 ms 0.18-0.33. The cap
 * was 1/8: on the seed pattern at 450 MiB live, 1/32 holds 1.17x live
 * instead of 1.26x, for 0-20% fewer appends per second (the runs vary by
 * 15%); with realloc's headroom at 1/2 (alloc.c) it runs at jemalloc's
 * speed, where the old pair (1/8, 1/8) gave 1.22x at 0.90x. 1/64 held
 * 1.15x. Below 256 MiB in use the 8 MiB floor decides. */
#define KL_DIRTY_MIN (8ul << 20)
static inline uint64_t kl_keep_ms(void)
{
	return kl_cfg.decay_ms / 250;
}

static inline uint64_t kl_huge_keep_ms(void)
{
	return kl_cfg.decay_ms / 10;
}

static inline size_t kl_dirty_cap(void)
{
	size_t in_use = __atomic_load_n(&kl_pages.large_in_use,
					__ATOMIC_RELAXED) +
			__atomic_load_n(&kl_pages.small_spans, __ATOMIC_RELAXED) +
			__atomic_load_n(&kl_huge_bytes, __ATOMIC_RELAXED);
	return in_use / 32 > KL_DIRTY_MIN ? in_use / 32 : KL_DIRTY_MIN;
}

void kl_page_after_free(uint64_t now);
void kl_purger_kick(void);
void kl_purger_fork_child(void);
extern KL_HIDDEN bool kl_purger_running;
/* The heap-growth event, one name in every part: segment.c marks a new
 * segment kl_heap_grew_pending; kl_heap_grew_check (kl_fast.h, no lock
 * held) hands it to the guard, kl_guard_heap_grew, which ends in
 * kl_heap_grew: the purger, then kl_stats_heap_grew. huge.c, which the
 * guard checked before it mapped, calls kl_heap_grew itself. */
void kl_heap_grew(void);
extern KL_HIDDEN bool kl_heap_grew_pending;	/* a new segment since the last check */
int kl_trim(void);
extern KL_HIDDEN uint64_t kl_trims;

#endif
