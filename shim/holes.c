/* Holes: the whole pages inside free blocks that partly used spans hold.
 * A span goes back to the page allocator only when its last block comes
 * home; after a burst most spans of big classes keep a live block or two
 * and the pages of every free block around them stay resident. The purger
 * returns those pages once the span has had no free for the decay time. */
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

/* Every span of a class above a page whose last free is at or before
 * older_than_ms gives back its holes. Returns the bytes returned. */
size_t kl_holes_purge(uint64_t older_than_ms)
{
	struct kl_release batch;
	size_t done = 0;

	batch.n = 0;
	for (unsigned a = 0; a < KL_NARENA; a++) {
		for (unsigned c = 0; c < KL_NCLASS; c++) {
			struct kl_class *k = &kl_classes[a][c];
			if (!kl_class_holes(c) ||
			    !__atomic_load_n(&k->nonfull, __ATOMIC_RELAXED))
				continue;
			size_t got = 0;
			kl_lock(&k->lock);
			for (struct kl_span *s = k->nonfull; s; s = s->next)
				if (s->holes && s->freed_ms <= older_than_ms)
					got += holes_span(k, s, c, &batch);
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
