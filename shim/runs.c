/* Free page runs: best-fit bins by size for each state (dirty: resident,
 * clean: returned), the FIFO of dirty runs by free time the purger takes
 * the oldest from, the boundary tags on a run's first and last page that
 * coalescing reads, and joining a dirty run with clean pages next to it.
 * Every function here runs with kl_locks.heap held (page.c takes it). */
#include "kl_heap.h"
#include "kl_runs.h"

#define KL_NBIN (KL_SEG_PAGES + 1)
#define KL_NWORD (KL_NBIN / 64 + 1)

static struct kl_span *page_bin[2][KL_NBIN];
static uint64_t page_bits[2][KL_NWORD];
static struct kl_span *dirty_head, *dirty_tail;

static void bin_insert(struct kl_span *s)
{
	unsigned d = s->dirty, n = s->npages;
	s->prev = 0;
	s->next = page_bin[d][n];
	if (s->next)
		s->next->prev = s;
	page_bin[d][n] = s;
	page_bits[d][n / 64] |= 1ull << (n % 64);
}

static void bin_remove(struct kl_span *s)
{
	unsigned d = s->dirty, n = s->npages;
	if (s->prev)
		s->prev->next = s->next;
	else
		page_bin[d][n] = s->next;
	if (s->next)
		s->next->prev = s->prev;
	if (!page_bin[d][n])
		page_bits[d][n / 64] &= ~(1ull << (n % 64));
}

static void fifo_append(struct kl_span *s)
{
	s->dnext = 0;
	s->dprev = dirty_tail;
	if (dirty_tail)
		dirty_tail->dnext = s;
	else
		dirty_head = s;
	dirty_tail = s;
}

static void fifo_remove(struct kl_span *s)
{
	if (s->dprev)
		s->dprev->dnext = s->dnext;
	else
		dirty_head = s->dnext;
	if (s->dnext)
		s->dnext->dprev = s->dprev;
	else
		dirty_tail = s->dprev;
}

/* Take a free run out of every list it is on. */
void kl_run_unlink(struct kl_span *s)
{
	bin_remove(s);
	if (s->dirty) {
		fifo_remove(s);
		kl_pages.dirty -= s->npages * KL_PAGE;
	} else {
		kl_pages.clean -= s->npages * KL_PAGE;
	}
}

void kl_run_link(struct kl_span *s)
{
	s->kind = KL_FREE_RUN;
	bin_insert(s);
	if (s->dirty) {
		fifo_append(s);
		kl_pages.dirty += s->npages * KL_PAGE;
	} else {
		kl_pages.clean += s->npages * KL_PAGE;
	}
}

void kl_run_tag(struct kl_span *s)
{
	struct kl_segment *seg = kl_span_seg(s);
	size_t f = kl_span_first(s), l = f + s->npages - 1;
	seg->map[f] = s;
	seg->map[l] = s;
	seg->pcls[f] = 0;
	seg->pcls[l] = 0;
}

/* Small spans map every page (any interior pointer may be freed); other
 * runs only their ends (the boundary tags coalescing reads). */
void kl_page_set_map(struct kl_span *s, unsigned pcls)
{
	struct kl_segment *seg = kl_span_seg(s);
	size_t f = kl_span_first(s);
	if (pcls) {
		for (size_t i = 0; i < s->npages; i++) {
			seg->map[f + i] = s;
			seg->pcls[f + i] = (uint8_t)pcls;
		}
	} else {
		kl_run_tag(s);
	}
}

/* Pages of a large block that become free: their purge counts as large.
 * (A small span's pages get its class in kl_small_give.) */
void kl_run_origin_large(struct kl_span *s)
{
	memset(&kl_span_seg(s)->origin[kl_span_first(s)], 0, s->npages);
}

/* Smallest non-empty bin of state d holding at least n pages, or 0. */
static unsigned bin_find(unsigned d, size_t n)
{
	for (size_t w = n / 64; w < KL_NWORD; w++) {
		uint64_t bits = page_bits[d][w];
		if (w == n / 64)
			bits &= ~0ull << (n % 64);
		if (bits)
			return (unsigned)(w * 64 + __builtin_ctzll(bits));
	}
	return 0;
}

struct kl_span *kl_run_best(unsigned dirty, size_t npages)
{
	unsigned b = bin_find(dirty, npages);
	return b ? page_bin[dirty][b] : 0;
}

struct kl_span *kl_run_oldest_dirty(void)
{
	return dirty_head;
}

/* Merge s with free neighbours of the same state; s is unlinked. */
struct kl_span *kl_run_coalesce(struct kl_span *s)
{
	struct kl_segment *seg = kl_span_seg(s);
	size_t f = kl_span_first(s), l = f + s->npages - 1;

	if (f > KL_SEG_HDR_PAGES) {
		struct kl_span *p = seg->map[f - 1];
		if (p && p->kind == KL_FREE_RUN && p->dirty == s->dirty &&
		    p->base + p->npages * KL_PAGE == s->base) {
			kl_run_unlink(p);
			p->npages += s->npages;
			if (s->dirty && s->freed_ms > p->freed_ms)
				p->freed_ms = s->freed_ms;
			kl_span_delete(s);
			s = p;
		}
	}
	if (l + 1 < KL_SEG_PAGES) {
		struct kl_span *n = seg->map[l + 1];
		if (n && n->kind == KL_FREE_RUN && n->dirty == s->dirty &&
		    n->base == s->base + s->npages * KL_PAGE) {
			kl_run_unlink(n);
			s->npages += n->npages;
			if (n->dirty && n->freed_ms > s->freed_ms)
				s->freed_ms = n->freed_ms;
			kl_span_delete(n);
		}
	}
	kl_run_tag(s);
	return s;
}

/* A clean run covering a whole segment goes back to the OS, unless it is
 * the last segment (kept to avoid mapping churn). */
bool kl_run_release_segment(struct kl_span *s)
{
	if (s->dirty || s->npages != KL_SEG_PAGES - KL_SEG_HDR_PAGES ||
	    kl_pages.segments <= 1)
		return false;
	kl_run_unlink(s);
	kl_segment_delete(kl_span_seg(s));
	kl_span_delete(s);
	return true;
}

/* Out of dirty run s and its clean free neighbour nb (both unlinked), a
 * run of npages: all of s and the clean pages next to it; what is left of
 * nb stays free. Returns s, now npages long. */
static struct kl_span *run_join(struct kl_span *s, struct kl_span *nb,
				size_t npages)
{
	uint32_t extra = (uint32_t)(npages - s->npages);
	if (nb->base > s->base) {
		nb->base += extra * KL_PAGE;
	} else {
		s->base -= extra * KL_PAGE;
	}
	nb->npages -= extra;
	s->npages = (uint32_t)npages;
	if (nb->npages) {
		kl_run_link(nb);
		kl_run_tag(nb);
	} else {
		kl_span_delete(nb);
	}
	return s;
}

/* No dirty run holds npages: one of the largest dirty runs may, with
 * clean pages from a free neighbour. Its resident pages are then reused
 * and only the rest faults in; otherwise a big request would take clean
 * pages only while dirty runs nearly its size wait to be purged. Returns
 * an unlinked run of npages, or 0. */
#define KL_JOIN_TRIES 8

struct kl_span *kl_run_find_join(size_t npages)
{
	unsigned tries = 0;
	for (size_t w = KL_NWORD; w-- > 0 && tries < KL_JOIN_TRIES;) {
		uint64_t bits = page_bits[1][w];
		while (bits && tries < KL_JOIN_TRIES) {
			unsigned b = (unsigned)(w * 64 + 63 -
						(unsigned)__builtin_clzll(bits));
			bits &= ~(1ull << (b % 64));
			if (b * 4 < npages)
				return 0;	/* too small to be worth it */
			for (struct kl_span *s = page_bin[1][b];
			     s && tries < KL_JOIN_TRIES; s = s->next, tries++) {
				struct kl_segment *seg = kl_span_seg(s);
				size_t f = kl_span_first(s), l = f + s->npages - 1;
				struct kl_span *nb[2] = {
					f > KL_SEG_HDR_PAGES ? seg->map[f - 1] : 0,
					l + 1 < KL_SEG_PAGES ? seg->map[l + 1] : 0,
				};
				for (int i = 0; i < 2; i++) {
					struct kl_span *n = nb[i];
					/* a clean half a huge page can back
					 * is not cut for a few pages */
					if (!n || n->kind != KL_FREE_RUN ||
					    n->dirty || (kl_run_huge_half(n) &&
							 kl_hugepage_wanted()) ||
					    s->npages + n->npages < npages ||
					    (i == 0 && n->base + n->npages *
						KL_PAGE != s->base) ||
					    (i == 1 && n->base != s->base +
						s->npages * KL_PAGE))
						continue;
					kl_run_unlink(s);
					kl_run_unlink(n);
					return run_join(s, n, npages);
				}
			}
		}
	}
	return 0;
}
