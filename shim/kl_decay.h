/* The decay policy's interface (decay.c): when free memory goes back to
 * the OS. The dirty cap, the hook after every page-level free, the purger
 * thread, the full trim, and the heap-growth event that may start it. */
#ifndef KL_DECAY_H
#define KL_DECAY_H

#include "kl_heap.h"
#include "kl_config.h"
#include "kl_guard.h"

/* Free resident memory (dirty runs and cached huge mappings) may reach its
 * cap, max(8 MiB, in use x KEEL_DECAY_MS / 16000) plus a burst
 * (kl_dirty_cap), before the oldest is purged early, once older than its
 * grace (kl_keep_ms: dirty runs, page.c; kl_huge_keep_ms: huge mappings,
 * huge.c): what a busy program frees and takes again at once is not faulted
 * in again. The grace and the cap follow KEEL_DECAY_MS, the one knob
 * between memory and speed (make bench plots the seed pattern's RSS/live
 * against its speed at several). At its 500 ms: 15 ms of grace (a huge
 * mapping 10 ms past 256 MiB in use where faults are cheap, else 50 ms), a
 * cap of 1/32 of the bytes in use (on the seed pattern at 450 MiB live,
 * 1.17x live at jemalloc's speed where page faults cost 3 us; 1/8 held
 * 1.26x, 1/64 1.15x). Where a fault costs 10-16 us (a VM with shadow page
 * tables), the same 1/32 ran at 0.15x jemalloc's speed, 1/8 (2000 ms) at
 * 0.4x and 1/4 (4000 ms) at 0.7-0.9x (since realloc populates and grows in
 * place only into resident pages: 0.62x, 1.31x and 1.51x; 1000 ms 0.98x at
 * 1.33x live, jemalloc 1.40x): the cap grows with the knob up to 1/2 (8000
 * ms), so a longer decay buys speed where faults are dear. Huge mappings,
 * each many pages, wait no less than 10 ms: at 2 ms the mixed benchmark
 * faulted 1.6 million times instead of 0.14, at 10 ms 0.18-0.33. Dirty runs
 * had 2 ms until a machine whose faults cost 11 us (the mixed benchmark's
 * blocks came back after more than that): 15 ms ran it in 0.58 s, not 0.97
 * (faults 100,000 -> 46,000, same peak RSS). The seed pattern at 450 MiB
 * live held 1.21x either way; at 55 MiB, where the 8 MiB floor is the cap,
 * 1.91x live at 0.81x jemalloc's speed, not 1.70x at 0.38x. Below 256 MiB
 * in use the 8 MiB floor decides at the default. */
#define KL_DIRTY_MIN (8ul << 20)
#define KL_DIRTY_CAP_MS 8000	/* the decay past which the cap stops growing */

static inline uint64_t kl_keep_ms(void)
{
	return kl_cfg.decay_ms / 32;
}

size_t kl_in_use_recent(size_t in_use, uint64_t now);

/* the bytes the heap holds in blocks and spans */
static inline size_t kl_heap_in_use(void)
{
	return __atomic_load_n(&kl_pages.large_in_use, __ATOMIC_RELAXED) +
	       __atomic_load_n(&kl_pages.small_spans, __ATOMIC_RELAXED) +
	       __atomic_load_n(&kl_huge_bytes, __ATOMIC_RELAXED);
}

/* the cap without a burst, for in_use bytes in use */
static inline size_t kl_dirty_cap_steady(size_t in_use)
{
	uint64_t d = kl_cfg.decay_ms < KL_DIRTY_CAP_MS ? kl_cfg.decay_ms :
							  KL_DIRTY_CAP_MS;
	size_t cap = in_use / 16000 * d;
	return cap < KL_DIRTY_MIN ? KL_DIRTY_MIN : cap;
}

/* Whether free resident memory is scarce: its cap is a 32nd of the
 * bytes in use or less (at a KEEL_DECAY_MS of 500 ms or less, past 256
 * MiB in use; below, the 8 MiB floor leaves more). Then realloc's growers
 * take no resident headroom they would hold alone (alloc.c), and cached
 * huge mappings wait less (kl_huge_keep_ms). */
static inline bool kl_free_scarce(void)
{
	size_t in_use = kl_heap_in_use();
	return kl_dirty_cap_steady(in_use) <= in_use / 32;
}

/* Where faults are dear, growing buffers move into cached mappings
 * (alloc.c) and a mapping waits a tenth of the decay for one. Where they
 * are cheap only a request it fits takes it; while free memory is scarce
 * a mapping nobody took within a fiftieth (10 ms at the default) goes:
 * on the seed pattern at 450 MiB live 1.130x -> 1.115x live at the same
 * speed (3 alternated runs), the mixed and realloc benchmarks in the
 * same time. At 1000 ms (not scarce) a fiftieth cost 20% of the appends
 * a second for 1.18x -> 1.13x live. */
static inline uint64_t kl_huge_keep_ms(void)
{
	return kl_cfg.decay_ms /
	       (!kl_faults_dear() && kl_free_scarce() ? 50 : 10);
}

static inline size_t kl_dirty_cap(uint64_t now)
{
	size_t in_use = kl_heap_in_use();
	size_t cap = kl_dirty_cap_steady(in_use);
	/* A burst: the bytes in use fell by an eighth or more within the
	 * decay. What the program had in use so lately it is likely to take
	 * again before the decay (a garbage-collected runtime frees its
	 * native buffers after a collection, then allocates as much again),
	 * and keeping it holds no more than was in use a moment before: the
	 * JVM churning direct buffers, 5.0 s -> 4.3 s, glibc's time. Steady
	 * churn falls by less (the seed pattern: RSS/live 1.27 either way).
	 * Near keel's limit, no burst. */
	size_t burst = kl_in_use_recent(in_use, now) - in_use;
	if (burst < in_use / 8 || kl_guard_near_limit())
		return cap;
	return cap + burst;
}

void kl_page_after_free(uint64_t now);
void kl_purger_kick(void);
void kl_purger_fork_child(void);
bool kl_purger_stop(void);
long kl_alone_call(long (*call)(long, long), long a, long b, bool alone);
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
