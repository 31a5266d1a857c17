/* Holes: the whole pages that free blocks of partly used spans cover.
 * A span goes back to the page allocator only when its last block comes
 * home; after a burst most spans keep a live block or two and the pages
 * of every free block around them stay resident. The purger returns those
 * pages once the span has had no free for the decay time: in a class above
 * a page, the pages inside each free block; in a class of a page or less
 * with spans of several pages, each page that only free blocks cover (its
 * free blocks leave the span's list, parked, until the span has no other:
 * their links went with the page). */
#include "kl_heap.h"
#include "kl_decay.h"

#include <linux/mman.h>

/* The whole pages of the block at p past its first 16 bytes (the free
 * list's link and the hole mark stay resident): their length, and where
 * they start in *start. */
size_t kl_hole_len(uintptr_t p, unsigned cls, uintptr_t *start)
{
	uintptr_t a = kl_page_up(p + 16);
	uintptr_t b = (p + kl_class_size[cls]) & ~(KL_PAGE - 1);
	*start = a;
	return b > a ? b - a : 0;
}

/* Queue the holes of one span's free blocks that are not yet returned;
 * the class lock is held until they are (a refill waits for at most one
 * class's batches, and only spans idle for the decay time are visited). */
static size_t holes_span(struct kl_class *k, struct kl_span *s, unsigned cls,
			 struct kl_release *batch)
{
	size_t done = 0;
	for (void *p = s->free; p; p = *(void **)p) {
		uint64_t *w = p;
		uintptr_t start;
		size_t len = kl_hole_len((uintptr_t)p, cls, &start);
		if (!len || w[1] == KL_HOLE_MAGIC)
			continue;
		kl_release_add(batch, (void *)start, len);
		w[1] = KL_HOLE_MAGIC;
		done += len;
	}
	s->holes = 0;
	k->holes += done;
	return done;
}

/* Whether block i of a span of size-byte blocks (a page or less: on two
 * pages at most) lies on one of the pages in mask. */
static inline bool block_on(uint64_t mask, size_t i, size_t size)
{
	size_t a = i * size, b = a + size - 1;
	return ((mask >> (a >> KL_PAGE_SHIFT)) | (mask >> (b >> KL_PAGE_SHIFT))) & 1;
}

/* The most blocks a span may have for page holes (a bitmap on the stack) */
#define KL_PAGE_HOLES_BLOCKS 512

/* Queue the pages of span s (a class of kl_class_page_holes) that only
 * free blocks cover and that are not yet returned; park the free blocks
 * on them. Only pages below the bump pointer: past it nothing was written.
 * The class lock is held until the pages are returned (a block handed out
 * must not lose what its new owner writes). */
static size_t page_holes_span(struct kl_class *k, struct kl_span *s,
			      unsigned cls, struct kl_release *batch)
{
	size_t size = kl_class_size[cls];
	size_t carved = (s->bump - s->base) / size;
	size_t pages = (s->bump - s->base) >> KL_PAGE_SHIFT;
	uint64_t listed[KL_PAGE_HOLES_BLOCKS / 64] = { 0 };
	uint64_t take = 0;

	s->holes = 0;
	if (carved > KL_PAGE_HOLES_BLOCKS)
		return 0;
	for (void *p = s->free; p; p = *(void **)p) {
		size_t i = ((uintptr_t)p - s->base) / size;
		listed[i / 64] |= 1ull << (i % 64);
	}
	for (size_t pg = 0; pg < pages; pg++) {
		if (s->returned >> pg & 1)
			continue;
		size_t i = (pg << KL_PAGE_SHIFT) / size;
		size_t last = (((pg + 1) << KL_PAGE_SHIFT) - 1) / size;
		/* free: on the list, or parked on a page returned before */
		while (i <= last && ((listed[i / 64] >> (i % 64) & 1) ||
				     block_on(s->returned, i, size)))
			i++;
		if (i > last)
			take |= 1ull << pg;
	}
	if (!take)
		return 0;
	for (void **pp = &s->free; *pp;) {
		void *p = *pp;
		if (block_on(take, ((uintptr_t)p - s->base) / size, size)) {
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

/* Span s has no listed free block left: its parked blocks go back on the
 * list, lowest address first (writing their links faults their pages in:
 * the span is about to hand them out). Class lock held. */
void kl_span_unpark(struct kl_class *k, struct kl_span *s, unsigned cls)
{
	size_t size = kl_class_size[cls];
	for (size_t i = (s->bump - s->base) / size; i-- > 0;) {
		if (block_on(s->returned, i, size)) {
			void *p = (void *)(s->base + i * size);
			*(void **)p = s->free;
			s->free = p;
		}
	}
	kl_span_returned_forget(k, s);
}

/* The span's returned pages stop counting: unparked, or the span is
 * empty and goes back to the page allocator. Class lock held. */
void kl_span_returned_forget(struct kl_class *k, struct kl_span *s)
{
	k->holes -= (size_t)__builtin_popcountll(s->returned) << KL_PAGE_SHIFT;
	s->returned = 0;
	s->parked = 0;
}

/* Every span of a class with holes whose last free is at or before
 * older_than_ms gives back its holes. Returns the bytes returned. */
size_t kl_holes_purge(uint64_t older_than_ms)
{
	struct kl_release batch;
	size_t done = 0;

	batch.n = 0;
	for (unsigned a = 0; a < KL_NARENA; a++) {
		for (unsigned c = 0; c < KL_NCLASS; c++) {
			struct kl_class *k = &kl_classes[a][c];
			bool pages = kl_class_page_holes(c);
			if ((!kl_class_holes(c) && !pages) ||
			    !__atomic_load_n(&k->nonfull, __ATOMIC_RELAXED))
				continue;
			size_t got = 0;
			kl_lock(&k->lock);
			for (struct kl_span *s = k->nonfull; s; s = s->next) {
				if (!s->holes || s->freed_ms > older_than_ms)
					continue;
				got += pages ? page_holes_span(k, s, c, &batch)
					     : holes_span(k, s, c, &batch);
			}
			/* before the lock goes: a block handed out must not
			 * lose what its new owner writes */
			kl_release_flush(&batch);
			kl_unlock(&k->lock);
			if (got)
				__atomic_fetch_add(&kl_pages.returned[c + 1], got,
						   __ATOMIC_RELAXED);
			done += got;
		}
	}
	return done;
}
