/* Free page runs (runs.c), for the page allocator (page.c). Every
 * function here needs kl_locks.heap held. */
#ifndef KL_RUNS_H
#define KL_RUNS_H

#include "kl_heap.h"

static inline struct kl_segment *kl_span_seg(const struct kl_span *s)
{
	return (struct kl_segment *)(s->base & ~(KL_SEG_SIZE - 1));
}

static inline size_t kl_span_first(const struct kl_span *s)
{
	return (s->base & (KL_SEG_SIZE - 1)) >> KL_PAGE_SHIFT;
}

/* Whether free run s holds the whole second half of its segment, the one
 * a huge page may back (hugepage.c); 0, or that half's address. */
static inline uintptr_t kl_run_huge_half(const struct kl_span *s)
{
	uintptr_t half = (s->base & ~(KL_SEG_SIZE - 1)) + KL_HUGEPAGE;
	return s->base <= half &&
	       s->base + s->npages * KL_PAGE == half + KL_HUGEPAGE ? half : 0;
}

/* Put a free run on its bin (and the dirty FIFO), or take it off. */
void kl_run_link(struct kl_span *s);
void kl_run_unlink(struct kl_span *s);
/* Its boundary tags: the page map's first and last entries name it. */
void kl_run_tag(struct kl_span *s);
/* Pages of a large block that become free: their purge counts as large. */
void kl_run_origin_large(struct kl_span *s);
/* The first run of the smallest bin of that state holding npages, or 0. */
struct kl_span *kl_run_best(unsigned dirty, size_t npages);
/* A dirty run of npages made of one of the largest dirty runs and clean
 * pages of a free neighbour, unlinked; or 0. */
struct kl_span *kl_run_find_join(size_t npages);
/* The dirty run freed longest ago, or 0. */
struct kl_span *kl_run_oldest_dirty(void);
/* Merge unlinked run s with free neighbours of its state; the result,
 * tagged and unlinked. */
struct kl_span *kl_run_coalesce(struct kl_span *s);
/* A linked clean run that covers a whole segment goes back to the OS
 * (not the last segment); whether it did. */
bool kl_run_release_segment(struct kl_span *s);

#endif
