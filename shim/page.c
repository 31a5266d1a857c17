/* The page allocator: page runs in segments. Free runs carry boundary tags in
 * the page map, coalesce with free neighbours of the same state, and sit in
 * best-fit bins, dirty (resident) first; dirty runs also sit in a FIFO by free
 * time, from which the purger returns the oldest with MADV_DONTNEED. A request
 * no dirty run holds may join a dirty run with clean pages next to it.
 *
 * (Merging dirty and clean runs always, with a dirty-page bitmap, was tried:
 * best fit then cut big mixed runs at clean pages and faulted twice as much
 * on the seed pattern.) */

#include "kl_heap.h"
#include "kl_decay.h"
#include "kl_guard.h"
#include <linux/mman.h>

#define KL_NBIN (KL_SEG_PAGES + 1)
#define KL_NWORD (KL_NBIN / 64 + 1)

KL_HIDDEN struct kl_lock kl_heap_lock;
KL_HIDDEN struct kl_page_stats kl_pages;
static struct kl_span *page_bin[2][KL_NBIN];
static uint64_t page_bits[2][KL_NWORD];
static struct kl_span *dirty_head, *dirty_tail;

static inline struct kl_segment *span_seg(const struct kl_span *s)
{
	return (struct kl_segment *)(s->base & ~(KL_SEG_SIZE - 1));
}

static inline size_t span_first(const struct kl_span *s)
{
	return (s->base & (KL_SEG_SIZE - 1)) >> KL_PAGE_SHIFT;
}

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
static void run_unlink(struct kl_span *s)
{
	bin_remove(s);
	if (s->dirty) {
		fifo_remove(s);
		kl_pages.dirty -= s->npages * KL_PAGE;
	} else {
		kl_pages.clean -= s->npages * KL_PAGE;
	}
}

static void run_link(struct kl_span *s)
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

static void run_tag(struct kl_span *s)
{
	struct kl_segment *seg = span_seg(s);
	size_t f = span_first(s), l = f + s->npages - 1;
	seg->map[f] = s;
	seg->map[l] = s;
	seg->pcls[f] = 0;
	seg->pcls[l] = 0;
}

/* Small spans map every page (any interior pointer may be freed); other
 * runs only their ends (the boundary tags coalescing reads). */
void kl_page_set_map(struct kl_span *s, unsigned pcls)
{
	struct kl_segment *seg = span_seg(s);
	size_t f = span_first(s);
	if (pcls) {
		for (size_t i = 0; i < s->npages; i++) {
			seg->map[f + i] = s;
			seg->pcls[f + i] = (uint8_t)pcls;
		}
	} else {
		run_tag(s);
	}
}

/* Pages of a large block that become free: their purge counts as large.
 * (A small span's pages get its class in kl_small_give.) */
static void run_origin_large(struct kl_span *s)
{
	memset(&span_seg(s)->origin[span_first(s)], 0, s->npages);
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

/* Merge s with free neighbours of the same state; s is unlinked. */
static struct kl_span *run_coalesce(struct kl_span *s)
{
	struct kl_segment *seg = span_seg(s);
	size_t f = span_first(s), l = f + s->npages - 1;

	if (f > KL_SEG_HDR_PAGES) {
		struct kl_span *p = seg->map[f - 1];
		if (p && p->kind == KL_FREE_RUN && p->dirty == s->dirty &&
		    p->base + p->npages * KL_PAGE == s->base) {
			run_unlink(p);
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
			run_unlink(n);
			s->npages += n->npages;
			if (n->dirty && n->freed_ms > s->freed_ms)
				s->freed_ms = n->freed_ms;
			kl_span_delete(n);
		}
	}
	run_tag(s);
	return s;
}

/* A clean run covering a whole segment goes back to the OS, unless it is
 * the last segment (kept to avoid mapping churn). */
static bool run_release_segment(struct kl_span *s)
{
	if (s->dirty || s->npages != KL_SEG_PAGES - KL_SEG_HDR_PAGES ||
	    kl_pages.segments <= 1)
		return false;
	run_unlink(s);
	kl_segment_delete(span_seg(s));
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
		run_link(nb);
		run_tag(nb);
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

static struct kl_span *run_find_join(size_t npages)
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
				struct kl_segment *seg = span_seg(s);
				size_t f = span_first(s), l = f + s->npages - 1;
				struct kl_span *nb[2] = {
					f > KL_SEG_HDR_PAGES ? seg->map[f - 1] : 0,
					l + 1 < KL_SEG_PAGES ? seg->map[l + 1] : 0,
				};
				for (int i = 0; i < 2; i++) {
					struct kl_span *n = nb[i];
					if (!n || n->kind != KL_FREE_RUN ||
					    n->dirty ||
					    s->npages + n->npages < npages ||
					    (i == 0 && n->base + n->npages *
						KL_PAGE != s->base) ||
					    (i == 1 && n->base != s->base +
						s->npages * KL_PAGE))
						continue;
					run_unlink(s);
					run_unlink(n);
					return run_join(s, n, npages);
				}
			}
		}
	}
	return 0;
}

/* npages from the best-fitting free run, resident runs first; with room,
 * from a resident run that leaves at least room pages free after them if
 * there is one (a growing block then grows in place). A run has a page
 * at least: its boundary tags sit on its first and last page (npages - 1
 * wraps for 0, so one test refuses both ends). unlocked: the caller holds
 * no lock, so before a new segment is mapped the guard's check runs with
 * the heap lock dropped (it may trim and wait for keel: shim/guard.c);
 * under a class's lock the check comes after the mapping instead. */
static struct kl_span *page_alloc(size_t npages, size_t room, bool unlocked)
{
	bool checked = false;
	if (npages - 1 >= KL_SEG_PAGES - KL_SEG_HDR_PAGES)
		return 0;
	struct kl_span *t = kl_span_new();
	if (!t)
		return 0;
	kl_lock(&kl_heap_lock);
	unsigned b, d;
	struct kl_span *s;
	for (;;) {
		b = 0;
		if (room && npages + room <= KL_SEG_PAGES - KL_SEG_HDR_PAGES)
			b = bin_find(1, npages + room);
		if (!b)
			b = bin_find(1, npages);
		d = 1;
		if (!b) {
			d = 0;
			b = bin_find(0, npages);
		}
		if (d == 0 && (s = run_find_join(npages))) {
			kl_span_delete(t);
			t = s;
			goto taken;
		}
		if (b || !unlocked || checked)
			break;
		/* a new segment it would be: its trim may free a run */
		kl_unlock(&kl_heap_lock);
		checked = true;
		if (!kl_guard_grow(KL_SEG_SIZE)) {
			kl_span_delete(t);
			return 0;
		}
		kl_lock(&kl_heap_lock);
	}
	if (b) {
		s = page_bin[d][b];
	} else {
		if (kl_growth_denied())
			goto fail;
		struct kl_segment *seg = kl_segment_new();
		if (!seg)
			goto fail;
		kl_seg_checked = checked;
		s = kl_span_new();
		if (!s) {
			kl_segment_delete(seg);
			goto fail;
		}
		s->base = (uintptr_t)seg + KL_SEG_HDR_PAGES * KL_PAGE;
		s->npages = KL_SEG_PAGES - KL_SEG_HDR_PAGES;
		s->dirty = 0;
		run_link(s);
		run_tag(s);
	}
	/* the head of the run is handed out; the tail stays free */
	run_unlink(s);
	if (s->npages > npages) {
		t->base = s->base;
		t->npages = (uint32_t)npages;
		s->base += npages * KL_PAGE;
		s->npages -= (uint32_t)npages;
		run_link(s);
		run_tag(s);
	} else {
		kl_span_delete(t);
		t = s;
	}
taken:
	t->kind = KL_LARGE;
	t->dirty = 0;
	t->next = t->prev = 0;
	run_tag(t);
	kl_unlock(&kl_heap_lock);
	return t;
fail:
	kl_unlock(&kl_heap_lock);
	kl_span_delete(t);
	return 0;
}

struct kl_span *kl_page_alloc_room(size_t npages, size_t room)
{
	return page_alloc(npages, room, true);
}

struct kl_span *kl_page_alloc(size_t npages)
{
	return page_alloc(npages, 0, false);
}

/* Caller holds the heap lock; s is a run no one else sees; now is the
 * clock the caller read before locking (kl_page_after_free uses it too). */
static void run_free_locked(struct kl_span *s, uint64_t now)
{
	s->dirty = 1;
	s->freed_ms = now;
	s = run_coalesce(s);
	run_link(s);
}

void kl_page_free(struct kl_span *s)
{
	uint64_t now = kl_now_ms();
	kl_lock(&kl_heap_lock);
	if (s->kind == KL_LARGE) {
		__atomic_fetch_sub(&kl_pages.large_in_use, s->npages * KL_PAGE,
				   __ATOMIC_RELAXED);
		run_origin_large(s);
	}
	run_free_locked(s, now);
	kl_unlock(&kl_heap_lock);
	kl_page_after_free(now);
}

/* Grow a run in place by taking the head of the free run after it. */
bool kl_page_grow(struct kl_span *s, size_t npages)
{
	struct kl_segment *seg = span_seg(s);
	size_t l = span_first(s) + s->npages - 1;
	size_t need = npages - s->npages;
	bool ok = false;

	if (l + 1 >= KL_SEG_PAGES)
		return false;
	kl_lock(&kl_heap_lock);
	struct kl_span *n = seg->map[l + 1];
	if (n && n->kind == KL_FREE_RUN && n->npages >= need &&
	    n->base == s->base + s->npages * KL_PAGE) {
		run_unlink(n);
		if (n->npages > need) {
			n->base += need * KL_PAGE;
			n->npages -= (uint32_t)need;
			run_link(n);
			run_tag(n);
		} else {
			kl_span_delete(n);
		}
		s->npages = (uint32_t)npages;
		__atomic_fetch_add(&kl_pages.large_in_use, need * KL_PAGE,
				   __ATOMIC_RELAXED);
		run_tag(s);
		ok = true;
	}
	kl_unlock(&kl_heap_lock);
	return ok;
}

/* Give the pages of a large run past npages back as a free run. */
void kl_page_shrink(struct kl_span *s, size_t npages)
{
	struct kl_span *t = kl_span_new();
	if (!t)
		return;
	uint64_t now = kl_now_ms();
	kl_lock(&kl_heap_lock);
	t->base = s->base + npages * KL_PAGE;
	t->npages = s->npages - (uint32_t)npages;
	__atomic_fetch_sub(&kl_pages.large_in_use, t->npages * KL_PAGE,
			   __ATOMIC_RELAXED);
	s->npages = (uint32_t)npages;
	run_tag(s);
	run_origin_large(t);
	run_free_locked(t, now);
	kl_unlock(&kl_heap_lock);
	kl_page_after_free(now);
}

/* Count a purged run's pages to the class that used each last (the run
 * coalesced pages of several); heap lock held, the run is busy. */
static void purge_count(const struct kl_span *s)
{
	const uint8_t *o = &span_seg(s)->origin[span_first(s)];
	for (size_t i = 0; i < s->npages; i++)
		kl_pages.returned[o[i]] += KL_PAGE;
}

/* Return the oldest dirty runs freed at or before older_than_ms, up to
 * max_bytes, to the OS. The lock is dropped around each madvise: the run
 * is marked busy (its neighbours will not merge into it) meanwhile. */
size_t kl_purge(uint64_t older_than_ms, size_t max_bytes)
{
	size_t done = 0;

	kl_lock(&kl_heap_lock);
	while (done < max_bytes && dirty_head &&
	       dirty_head->freed_ms <= older_than_ms) {
		struct kl_span *s = dirty_head;
		run_unlink(s);
		s->kind = KL_BUSY;
		kl_unlock(&kl_heap_lock);
		kl_madvise((void *)s->base, s->npages * KL_PAGE, MADV_DONTNEED);
		kl_lock(&kl_heap_lock);
		done += s->npages * KL_PAGE;
		purge_count(s);
		s->dirty = 0;
		s = run_coalesce(s);
		run_link(s);
		run_release_segment(s);
	}
	kl_unlock(&kl_heap_lock);
	return done;
}

void kl_page_fork_child(void)
{
	kl_heap_lock.state = 0;
	kl_purger_running = false;
}

/* Keep pages [off, off + npages) of a fresh large run (npages >= 1, as
 * for every run); free the rest. */
void kl_page_carve(struct kl_span *s, size_t off, size_t npages)
{
	struct kl_span *head = off ? kl_span_new() : 0;
	size_t tail_pages = s->npages - off - npages;
	struct kl_span *tail = tail_pages ? kl_span_new() : 0;
	uint64_t now = kl_now_ms();

	kl_lock(&kl_heap_lock);
	uintptr_t base = s->base;
	s->base = base + off * KL_PAGE;
	s->npages = (uint32_t)npages;
	run_tag(s);
	if (head) {
		head->base = base;
		head->npages = (uint32_t)off;
		run_origin_large(head);
		run_free_locked(head, now);
	}
	if (tail) {
		tail->base = base + (off + npages) * KL_PAGE;
		tail->npages = (uint32_t)tail_pages;
		run_origin_large(tail);
		run_free_locked(tail, now);
	}
	size_t gone = (head ? off : 0) + (tail ? tail_pages : 0);
	__atomic_fetch_sub(&kl_pages.large_in_use, gone * KL_PAGE,
			   __ATOMIC_RELAXED);
	kl_unlock(&kl_heap_lock);
	kl_page_after_free(now);
}
