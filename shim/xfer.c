/* The transfer cache: whole batches of free blocks passed between thread
 * caches, per arena and class, without touching the blocks. A cache that
 * overflows parks the blocks it sheds here as one batch (a list and its
 * length); a cache that runs dry takes a batch before it walks any span.
 * Where one thread allocates and another frees (a producer and a
 * consumer, a server handing requests to workers), the blocks go round
 * with one short lock per batch, where giving them to their spans took
 * the class lock for a walk over every block, each a cache miss.
 *
 * The slots are the bound: past them the blocks go to their spans. A
 * program that frees a big structure and builds another (a tree torn down
 * and rebuilt) then takes its blocks span by span, neighbours one after
 * another, where batches in the order of the frees handed them out
 * scattered over the whole heap, a cache and TLB miss each (an unbounded
 * stack of batches made the tree benchmark's rebuild 1.7 times slower
 * than from the spans, whose walk costs less than that).
 *
 * A batch goes to the arena of its first block's span: the threads that
 * allocate from that arena take it again. The purger gives batches of
 * classes nobody parked anything in since its last tick back to their
 * spans, and a trim gives back all: free blocks here hold their spans'
 * pages, which must go back when the program is idle. */
#include "kl_heap.h"

#define KL_XFER_SLOTS 16

struct kl_xfer_batch {
	void *head;
	uint32_t count;
};

struct kl_xfer {			/* locked by kl_locks.arena[arena].xfer[cls] */
	uint32_t n;			/* batches held */
	uint32_t low;			/* the fewest held since the last drain */
	uint32_t puts;			/* batches parked since the last drain */
	size_t blocks;			/* in all batches (statistics) */
	struct kl_xfer_batch slot[KL_XFER_SLOTS];
} __attribute__((aligned(64)));

static struct kl_xfer xfer[KL_NARENA][KL_NCLASS];
/* Which of an arena's classes hold batches: the purger's scan and the
 * statistics read these words, not a line per class (the array above is
 * 360 KiB, resident only where used). A bit changes under its entry's
 * lock. */
#define KL_XFER_WORDS ((KL_NCLASS + 63) / 64)
static uint64_t xfer_held[KL_NARENA][KL_XFER_WORDS];

static void xfer_mark(unsigned arena, unsigned cls, bool held)
{
	uint64_t *w = &xfer_held[arena][cls / 64], bit = 1ull << (cls % 64);
	if (held)
		__atomic_fetch_or(w, bit, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(w, ~bit, __ATOMIC_RELAXED);
}

/* The next class at or after cls with batches in arena, or KL_NCLASS. */
static unsigned xfer_next(unsigned arena, unsigned cls)
{
	for (; cls < KL_NCLASS; cls = (cls | 63) + 1) {
		uint64_t w = __atomic_load_n(&xfer_held[arena][cls / 64],
					     __ATOMIC_RELAXED) >> (cls % 64);
		if (w)
			return cls + (unsigned)__builtin_ctzll(w);
	}
	return KL_NCLASS;
}

/* Park a list of count blocks of class cls; false with the slots full
 * (the caller gives the blocks to their spans). */
bool kl_xfer_put(unsigned cls, void *list, uint32_t count)
{
	unsigned arena = kl_block_span(list)->arena;
	struct kl_xfer *x = &xfer[arena][cls];
	bool ok = false;

	kl_lock(&kl_locks.arena[arena].xfer[cls]);
	uint32_t n = x->n;
	if (n < KL_XFER_SLOTS) {
		ok = true;
		x->slot[n] = (struct kl_xfer_batch){ list, count };
		if (!n)
			xfer_mark(arena, cls, true);
		__atomic_store_n(&x->n, n + 1, __ATOMIC_RELAXED);
		x->puts++;
		__atomic_store_n(&x->blocks, x->blocks + count,
				 __ATOMIC_RELAXED);
	}
	kl_unlock(&kl_locks.arena[arena].xfer[cls]);
	return ok;
}

/* A batch of an arena's class, the newest first (its blocks are the
 * likeliest to be in a cache, and no block is read under the lock): its
 * length, with *head its list; 0 when there is none. */
uint32_t kl_xfer_get(unsigned arena, unsigned cls, void **head)
{
	struct kl_xfer *x = &xfer[arena][cls];
	struct kl_xfer_batch b = { 0, 0 };

	if (!__atomic_load_n(&x->n, __ATOMIC_RELAXED))
		return 0;
	kl_lock(&kl_locks.arena[arena].xfer[cls]);
	uint32_t n = x->n;
	if (n) {
		b = x->slot[--n];
		__atomic_store_n(&x->n, n, __ATOMIC_RELAXED);
		if (n < x->low)
			x->low = n;
		if (!n)
			xfer_mark(arena, cls, false);
		__atomic_store_n(&x->blocks, x->blocks - b.count,
				 __ATOMIC_RELAXED);
	}
	kl_unlock(&kl_locks.arena[arena].xfer[cls]);
	*head = b.head;
	return b.count;
}

/* Give batches back to their spans: every class's (all, a trim's:
 * last_ms 0); at the purger's tick, of a class that parked nothing since
 * the last drain, all, and of the others as many as the program left
 * untouched since (the fewest the class held): a class in use keeps what
 * it takes again. Those were parked before that drain, at last_ms (0: not
 * known): they go back as freed then, so this give does not count as the
 * class's traffic, and the holes it leaves go at the decay time after the
 * program's last free, not a tick later (holes.c). */
void kl_xfer_drain(bool all, uint64_t last_ms)
{
	for (unsigned a = 0; a < KL_NARENA; a++)
		for (unsigned c = xfer_next(a, 0); c < KL_NCLASS;
		     c = xfer_next(a, c + 1)) {
			struct kl_xfer *x = &xfer[a][c];
			struct kl_xfer_batch out[KL_XFER_SLOTS];

			kl_lock(&kl_locks.arena[a].xfer[c]);
			/* the oldest batches */
			uint32_t n = all || !x->puts ? x->n : x->low;
			x->puts = 0;
			memcpy(out, x->slot, n * sizeof(out[0]));
			memmove(x->slot, x->slot + n, (x->n - n) * sizeof(out[0]));
			__atomic_store_n(&x->n, x->n - n, __ATOMIC_RELAXED);
			if (n && !x->n)
				xfer_mark(a, c, false);
			size_t blocks = 0;
			for (uint32_t i = 0; i < n; i++)
				blocks += out[i].count;
			__atomic_store_n(&x->blocks, x->blocks - blocks,
					 __ATOMIC_RELAXED);
			x->low = x->n;
			kl_unlock(&kl_locks.arena[a].xfer[c]);
			for (uint32_t i = 0; i < n; i++)
				kl_small_give_at(c, out[i].head, last_ms);
		}
}

/* Adds the blocks parked here to count, per class (statistics: they are
 * free, like a thread cache's). */
void kl_xfer_count(size_t count[KL_NCLASS])
{
	for (unsigned a = 0; a < KL_NARENA; a++)
		for (unsigned c = xfer_next(a, 0); c < KL_NCLASS;
		     c = xfer_next(a, c + 1))
			count[c] += __atomic_load_n(&xfer[a][c].blocks,
						    __ATOMIC_RELAXED);
}
