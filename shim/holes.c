/* Holes: the whole pages of partly used spans that only free blocks
 * cover. A span goes back to the page allocator only when its last block
 * comes home; after a burst most spans keep a live block or two and the
 * pages of every free block around them stay resident. The purger returns
 * each page of a span (of a class whose spans have several pages) that no
 * live block touches, once the span has had no free, and its class no
 * refill or flush, for the decay time; a trim returns them all. A free
 * block whose first page goes (its list link is there) is parked: off the
 * span's list until the span has no other free block, or a neighbour
 * handed out brings that page back. One whose first page stays keeps its
 * place, and its returned pages are faulted in again when it is handed
 * out. The span's returned pages are a bitmap (spans have at most 64
 * pages). */
#include "kl_heap.h"
#include "kl_decay.h"

/* The most blocks a span may have here (a bitmap on the purger's stack);
 * the classes' spans have at most 25 */
#define KL_HOLES_BLOCKS 512

static inline size_t first_page(size_t i, size_t size)
{
	return (i * size) >> KL_PAGE_SHIFT;
}

/* The pages block i of size bytes lies on, as a mask of the span's pages */
static inline uint64_t block_pages(size_t i, size_t size)
{
	size_t a = first_page(i, size);
	size_t b = (i * size + size - 1) >> KL_PAGE_SHIFT;
	uint64_t n = b - a + 1 >= 64 ? ~0ull : (1ull << (b - a + 1)) - 1;
	return n << a;
}

/* Queue span s's pages that no live block touches and that are not yet
 * returned, and park the free blocks whose first page goes. Only pages
 * below the bump pointer (blocks carved later must not land on a returned
 * page), or every page once the last block is carved: the rest of the
 * last block's page and the pages past it are slack no block uses (a
 * quarter of the pages in the 1152 B class's spans). The class lock is
 * held until the pages are returned (a block handed out must not lose
 * what its new owner writes). */
static size_t holes_span(struct kl_class *k, struct kl_span *s, unsigned cls,
			 struct kl_release *batch)
{
	size_t size = kl_class_size[cls];
	size_t carved = (s->bump - s->base) / size;
	size_t pages = carved == kl_class_blocks[cls] ? s->npages :
		       (s->bump - s->base) >> KL_PAGE_SHIFT;
	uint64_t listed[KL_HOLES_BLOCKS / 64] = { 0 };
	uint64_t busy = 0;

	s->holes = 0;
	if (carved > KL_HOLES_BLOCKS || !pages)
		return 0;
	for (void *p = s->free; p; p = *(void **)p) {
		size_t i = ((uintptr_t)p - s->base) / size;
		listed[i / 64] |= 1ull << (i % 64);
	}
	/* free: on the list, or parked (its first page was returned) */
	for (size_t i = 0; i < carved; i++)
		if (!(listed[i / 64] >> (i % 64) & 1) &&
		    !(s->returned >> first_page(i, size) & 1))
			busy |= block_pages(i, size);
	uint64_t below = pages >= 64 ? ~0ull : (1ull << pages) - 1;
	uint64_t take = below & ~busy & ~s->returned;
	if (!take)
		return 0;
	for (void **pp = &s->free; *pp;) {
		void *p = *pp;
		size_t i = ((uintptr_t)p - s->base) / size;
		if (take >> first_page(i, size) & 1) {
			*pp = *(void **)p;
			s->parked++;
		} else {
			pp = (void **)p;
		}
	}
	for (size_t pg = 0; pg < pages;) {
		size_t end = pg;
		while (end < pages && (take >> end & 1))
			end++;
		if (end > pg)
			kl_release_add(batch,
				       (void *)(s->base + (pg << KL_PAGE_SHIFT)),
				       (end - pg) << KL_PAGE_SHIFT);
		pg = end + 1;
	}
	s->returned |= take;
	size_t done = (size_t)__builtin_popcountll(take) << KL_PAGE_SHIFT;
	k->holes += done;
	return done;
}

/* Pages of mask are to be written again: they stop counting as returned,
 * and the parked blocks whose first page is among them go back on the
 * list (a parked block is one whose first page is returned, and that must
 * stay so). Class lock held. */
static void span_pages_back(struct kl_class *k, struct kl_span *s,
			    unsigned cls, uint64_t mask)
{
	size_t size = kl_class_size[cls];
	mask &= s->returned;
	if (!mask)
		return;
	for (size_t i = (s->bump - s->base) / size; i-- > 0;) {
		if (mask >> first_page(i, size) & 1) {
			void *p = (void *)(s->base + i * size);
			*(void **)p = s->free;
			s->free = p;
			s->parked--;
		}
	}
	s->returned &= ~mask;
	k->holes -= (size_t)__builtin_popcountll(mask) << KL_PAGE_SHIFT;
}

/* Block p of span s, just taken off its list, goes to the program, which
 * will write its pages. Class lock held. */
void kl_span_hand_out(struct kl_class *k, struct kl_span *s, unsigned cls,
		      void *p)
{
	size_t size = kl_class_size[cls];
	span_pages_back(k, s, cls,
			block_pages(((uintptr_t)p - s->base) / size, size));
}

/* Span s has no listed free block left: its parked blocks go back on the
 * list, lowest address first (writing their links faults their first
 * pages in: the span is about to hand them out), and none of its pages
 * counts as returned any more. Class lock held. */
void kl_span_unpark(struct kl_class *k, struct kl_span *s, unsigned cls)
{
	span_pages_back(k, s, cls, ~0ull);
	s->parked = 0;	/* with no page returned, no block can be */
}

/* Span s is empty and goes back to the page allocator: its returned pages
 * stop counting as the class's. Class lock held. */
void kl_span_holes_forget(struct kl_class *k, struct kl_span *s)
{
	k->holes -= (size_t)__builtin_popcountll(s->returned) << KL_PAGE_SHIFT;
	s->returned = 0;
	s->parked = 0;
}

/* The purger's view of each class: its ops count when last seen, and
 * since when it has not changed. */
static uint32_t quiet_ops[KL_NARENA][KL_NCLASS];
static uint64_t quiet_since[KL_NARENA][KL_NCLASS];

/* Whether class k has seen no take or give since older_than_ms (by the
 * purger's ticks). The walk holds the class lock over every partly used
 * span, a cache miss each: over 130,000 spans of 1 KiB blocks a refill
 * waited up to 5 ms, where a class in use is now left alone. */
static bool class_quiet(struct kl_class *k, unsigned a, unsigned c,
			uint64_t now, uint64_t older_than_ms)
{
	uint32_t ops = __atomic_load_n(&k->ops, __ATOMIC_RELAXED);
	if (ops != quiet_ops[a][c]) {
		quiet_ops[a][c] = ops;
		quiet_since[a][c] = now;
		return false;
	}
	return quiet_since[a][c] <= older_than_ms;
}

/* Every span of a class with holes whose last free is at or before
 * older_than_ms gives back its holes: from the purger (quiet, only in a
 * class with no traffic since then), or all of them (a trim). Returns the
 * bytes returned. */
size_t kl_holes_purge(uint64_t older_than_ms, bool quiet)
{
	struct kl_release batch;
	size_t done = 0;
	uint64_t now = quiet ? kl_now_ms() : 0;

	batch.n = 0;
	for (unsigned a = 0; a < KL_NARENA; a++) {
		for (unsigned c = 0; c < KL_NCLASS; c++) {
			struct kl_class *k = &kl_classes[a][c];
			if (!kl_class_holes(c))
				continue;
			/* seen every tick, with partly used spans or not:
			 * those an idle thread's cache empties (tcache.c) go
			 * in the tick they appear if the class was quiet */
			bool q = !quiet ||
				 class_quiet(k, a, c, now, older_than_ms);
			if (!q || !__atomic_load_n(&k->nonfull, __ATOMIC_RELAXED))
				continue;
			size_t got = 0;
			kl_lock(&kl_locks.arena[a].cls[c]);
			for (struct kl_span *s = k->nonfull; s; s = s->next)
				if (s->holes && s->freed_ms <= older_than_ms)
					got += holes_span(k, s, c, &batch);
			/* before the lock goes: a block handed out must not
			 * lose what its new owner writes */
			kl_release_flush(&batch);
			kl_unlock(&kl_locks.arena[a].cls[c]);
			if (got)
				__atomic_fetch_add(&kl_pages.returned[c + 1], got,
						   __ATOMIC_RELAXED);
			done += got;
		}
	}
	return done;
}
