/* Per-thread caches: per class a short list of free blocks, bounded in count
 * and bytes, so most malloc/free pairs take no lock; a block freed by another
 * thread enters the freeing thread's cache. A pthread key flushes a cache at
 * thread exit; then the thread uses the locked path (glibc frees after that).
 * Each cache refills from the arena with the fewest threads (kl_heap.h). */
#include "kl_heap.h"
#include "kl_config.h"
#include "kl_route.h"

extern int pthread_key_create(unsigned *key, void (*dtor)(void *))
	__attribute__((weak));
extern int pthread_setspecific(unsigned key, const void *value)
	__attribute__((weak));

KL_HIDDEN __thread struct kl_tcache *kl_tc
	__attribute__((tls_model("initial-exec")));
KL_HIDDEN struct kl_tcache *kl_threads;
KL_HIDDEN uint32_t kl_nthreads;
static struct kl_tcache *tcache_pool;	/* caches of exited threads */
static uint32_t arena_threads[KL_NARENA];	/* live caches per arena */
KL_HIDDEN uint32_t kl_arenas_used = 1;
static unsigned tcache_key;
static bool tcache_key_ok;

/* Move the blocks of a bin past keep out, from its head (the most recently
 * freed; shedding the oldest instead and keeping the cache-warm ones made
 * no difference over nine benchmarks): as one batch to the transfer cache
 * for another thread to take, or back to their spans (to_spans, or when
 * the transfer cache is full) as freed at freed_ms (0: now). */
static void tcache_trim_bin(struct kl_tcache *tc, unsigned cls, uint32_t keep,
			    bool to_spans, uint64_t freed_ms)
{
	struct kl_tbin *b = &tc->bin[cls];
	uint32_t count = kl_tbin_count(b);
	if (count <= keep)
		return;
	unsigned n = count - keep;
	void *list = b->head, *p = list;
	for (unsigned i = 1; i < n; i++)
		p = *(void **)p;
	b->head = *(void **)p;
	*(void **)p = 0;
	b->room = (int32_t)(b->max - keep);
	tc->bytes -= (size_t)n * kl_class_size[cls];
	if (to_spans || !kl_xfer_put(cls, list, n))
		kl_small_give_at(cls, list, freed_ms);
}

/* Everything back to the spans, as freed at freed_ms (0: now): the thread
 * exits, a trim wants the pages, or the thread has been idle since. */
static void tcache_flush_at(struct kl_tcache *tc, uint64_t freed_ms)
{
	for (unsigned c = 0; c < KL_NCLASS; c++)
		tcache_trim_bin(tc, c, 0, true, freed_ms);
}

static size_t tcache_cap = KL_TCACHE_BYTES_MAX;	/* each cache's budget */

/* Every live cache's byte budget for kl_nthreads threads: a pool of a
 * thousand busy threads kept up to 512 MB of free blocks in their caches
 * (glibc's caches hold a few KiB a thread). Under kl_locks.threads; a
 * cache over a lowered budget sheds at its owner's next free. */
static void tcache_caps(void)
{
	size_t cap = kl_nthreads ? KL_TCACHE_BYTES_ALL / kl_nthreads : 0;
	cap = cap < KL_TCACHE_BYTES_MIN ? KL_TCACHE_BYTES_MIN :
	      cap > KL_TCACHE_BYTES_MAX ? KL_TCACHE_BYTES_MAX : cap;
	if (cap == tcache_cap)
		return;
	tcache_cap = cap;
	for (struct kl_tcache *tc = kl_threads; tc; tc = tc->next)
		__atomic_store_n(&tc->cap, cap, __ATOMIC_RELAXED);
}

static void tcache_destroy(void *arg)
{
	struct kl_tcache *tc = arg;
	if (!tc || tc == KL_TCACHE_DEAD)
		return;
	kl_tc = KL_TCACHE_DEAD;
	/* out of the registry first: the purger empties only the caches it
	 * finds there, and holds this lock while it does */
	kl_lock(&kl_locks.threads);
	if (tc->prev)
		tc->prev->next = tc->next;
	else
		kl_threads = tc->next;
	if (tc->next)
		tc->next->prev = tc->prev;
	kl_nthreads--;
	arena_threads[tc->arena]--;
	tcache_caps();
	kl_unlock(&kl_locks.threads);
	tcache_flush_at(tc, 0);
	kl_lock(&kl_locks.threads);
	tc->next = tcache_pool;
	tcache_pool = tc;
	kl_unlock(&kl_locks.threads);
}

static void tcache_attach(struct kl_tcache *tc)
{
	if (tcache_key_ok && pthread_setspecific)
		pthread_setspecific(tcache_key, tc);
}

void kl_tcache_step_aside(void)
{
	struct kl_tcache *tc = kl_tc;
	if ((uintptr_t)tc > 1) {
		tcache_attach(0);	/* the key's destructor: nothing left */
		tcache_destroy(tc);
	}
	kl_tc = KL_TCACHE_DEAD;
}

/* The arena with the fewest live caches, lowest first; under the lock. */
static uint32_t arena_pick(void)
{
	uint32_t best = 0;
	for (uint32_t a = 1; a < KL_NARENA; a++)
		if (arena_threads[a] < arena_threads[best])
			best = a;
	arena_threads[best]++;
	kl_arenas_used |= 1u << best;
	return best;
}

struct kl_tcache *kl_tcache_init(void)
{
	/* while routed (route.c) no thread gets a cache: every call then
	 * reaches the slow paths; free's fast path, which a cache enables,
	 * reads the registry without a test for it */
	if (kl_tc == KL_TCACHE_DEAD || kl_routed() || !kl_registry_init())
		return 0;
	kl_lock(&kl_locks.threads);
	struct kl_tcache *tc = tcache_pool;
	if (tc)
		tcache_pool = tc->next;
	kl_unlock(&kl_locks.threads);
	if (!tc && !(tc = kl_meta_alloc(sizeof(*tc))))
		return 0;
	memset(tc, 0, sizeof(*tc));
	for (unsigned c = 0; c < KL_NCLASS; c++)
		tc->bin[c].room = tc->bin[c].max = kl_class_cache_max[c];
	kl_lock(&kl_locks.threads);
	tc->arena = arena_pick();
	tc->next = kl_threads;
	if (kl_threads)
		kl_threads->prev = tc;
	kl_threads = tc;
	kl_nthreads++;
	tcache_caps();
	tc->cap = tcache_cap;
	kl_unlock(&kl_locks.threads);
	kl_tc = tc;
	tcache_attach(tc);
	return tc;
}

/* How many blocks a bin's refill from the spans takes: slow start. The
 * first takes what one page holds, each next twice as many, up to half the
 * bin's capacity. Every block taken is written (its first word links the
 * list), so a program that uses a class once, as a shell's string grows
 * through every class, had 16 KiB of each made resident (bash: 0.7 MB
 * over glibc's heap). */
static unsigned refill_want(struct kl_tbin *b, unsigned cls)
{
	unsigned half = b->max / 2 ? b->max / 2 : 1;
	unsigned want = b->refill;
	if (!want)
		want = KL_PAGE / kl_class_size[cls];
	want = want < 1 ? 1 : want > half ? half : want;
	b->refill = (uint16_t)(2 * want < half ? 2 * want : half);
	return want;
}

/* The bin is empty: take a batch from the transfer cache, else a slow
 * start's worth from the spans. */
void *kl_tcache_refill(struct kl_tcache *tc, unsigned cls)
{
	struct kl_tbin *b = &tc->bin[cls];
	void *list;
	unsigned arena = cls < KL_ARENA_CLASSES ? tc->arena : 0;
	unsigned n = kl_xfer_get(arena, cls, &list);
	if (!n)
		n = kl_small_take(arena, cls, &list, refill_want(b, cls));
	if (!n)
		return 0;
	void *p = list;
	b->head = *(void **)p;
	b->room = (int32_t)(b->max - (n - 1));
	tc->bytes += (size_t)(n - 1) * kl_class_size[cls];
	return p;
}

/* The bin is full or the cache is over its byte budget: flush, and clear
 * the mark the caller set (kl_tc_leave, as its tail call: free's fast
 * path keeps no register across it). */
void kl_tcache_overflow(struct kl_tcache *tc, unsigned cls)
{
	size_t cap = __atomic_load_n(&tc->cap, __ATOMIC_RELAXED);
	if (tc->bytes > cap) {
		/* the biggest classes first: the fewest blocks to walk and
		 * give back free the most bytes */
		for (unsigned c = KL_NCLASS; c-- > 0 && tc->bytes > cap / 2;)
			tcache_trim_bin(tc, c, kl_tbin_count(&tc->bin[c]) / 2,
					false, 0);
	} else {
		tcache_trim_bin(tc, cls, tc->bin[cls].max / 2, false, 0);
	}
	kl_tc_leave(tc, tc->bin[cls].head);
}

/* The caches of threads that made no allocator call for KEEL_DECAY_MS
 * go back to their spans, so a sleeping thread holds nothing (a pool of
 * 1000 threads that each freed 400 KiB held 530 MB for good). The owner
 * marks each use of its cache (kl_tc_enter: 1 while it works); here a
 * claim (steal) is set on each cache whose mark and bytes have not moved
 * for KEEL_DECAY_MS, then one membarrier makes every owner's mark visible
 * here and the claim visible to every owner, and a claimed cache whose
 * owner is not at work is emptied; an owner that comes back sees the
 * claim and takes the locked path until it is lifted. The marks are a
 * heuristic of idleness (a thread that frees and takes the same block
 * leaves them as they were), never of safety: a busy cache emptied by
 * mistake refills. all: every cache, busy or not (a trim). Under
 * kl_locks.threads, which a thread's exit takes to flush its own. */
void kl_tcache_reclaim(uint64_t now, bool all)
{
	unsigned claimed = 0;
	kl_lock(&kl_locks.threads);
	for (struct kl_tcache *tc = kl_threads; tc; tc = tc->next) {
		uintptr_t m = __atomic_load_n(&tc->mark, __ATOMIC_RELAXED);
		size_t bytes = __atomic_load_n(&tc->bytes, __ATOMIC_RELAXED);
		bool moved = m != tc->seen_mark || bytes != tc->seen_bytes ||
			     !tc->seen_ms;
		if (moved) {
			tc->seen_mark = m;
			tc->seen_bytes = bytes;
			tc->seen_ms = now;
		}
		if (bytes && (all || (!moved &&
				      now - tc->seen_ms >= kl_cfg.decay_ms))) {
			__atomic_store_n(&tc->steal, 1, __ATOMIC_RELAXED);
			claimed++;
		}
	}
	bool fenced = claimed && kl_membarrier();
	for (struct kl_tcache *tc = kl_threads; claimed && tc; tc = tc->next) {
		if (!__atomic_load_n(&tc->steal, __ATOMIC_RELAXED))
			continue;
		if (fenced && !(__atomic_load_n(&tc->mark, __ATOMIC_ACQUIRE) & 1)) {
			/* idle since seen_ms: its blocks have decayed */
			tcache_flush_at(tc, all ? 0 : tc->seen_ms);
			tc->seen_bytes = 0;
		}
		__atomic_store_n(&tc->steal, 0, __ATOMIC_RELEASE);
		claimed--;
	}
	kl_unlock(&kl_locks.threads);
}

/* From the constructor: the key that flushes caches at thread exit. */
void kl_tcache_ctor(void)
{
	if (!pthread_key_create || !pthread_setspecific)
		return;
	if (pthread_key_create(&tcache_key, tcache_destroy) == 0) {
		tcache_key_ok = true;
		if (kl_tc && kl_tc != KL_TCACHE_DEAD)
			tcache_attach(kl_tc);
	}
}

/* The child of fork has one thread: the caches of the others may be in
 * the middle of an update, so they are forgotten (their blocks leak). */
void kl_tcache_fork_child(void)
{
	struct kl_tcache *me = kl_tc;
	bool alive = me && me != KL_TCACHE_DEAD;
	for (unsigned a = 0; a < KL_NARENA; a++)
		KL_CHILD_RESET(arena_threads[a],
			       alive && a == me->arena ? 1u : 0u);
	if (alive) {
		KL_CHILD_RESET(me->next, 0);
		KL_CHILD_RESET(me->prev, 0);
	} else {
		me = 0;
	}
	KL_CHILD_RESET(kl_threads, me);
	KL_CHILD_RESET(kl_nthreads, me ? 1u : 0u);
	tcache_caps();
}
