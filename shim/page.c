/* The page allocator: page runs in segments, handed out best fit (resident
 * runs first), freed, grown and shrunk in place, and purged: the oldest
 * dirty runs go back to the OS with MADV_DONTNEED. The free runs' bins,
 * FIFO, tags and coalescing are runs.c.
 *
 * (Merging dirty and clean runs always, with a dirty-page bitmap, was tried:
 * best fit then cut big mixed runs at clean pages and faulted twice as much
 * on the seed pattern.) */

#include "kl_heap.h"
#include "kl_runs.h"
#include "kl_decay.h"
#include "kl_guard.h"
#include <linux/mman.h>

KL_HIDDEN struct kl_page_stats kl_pages;

/* The huge page (the second half of s's segment) to back when npages
 * are taken from the head of clean run s: all of it is in s, some of it
 * is taken, and a huge page is wanted now; else 0. A clean run's pages
 * were never touched or were purged, and a huge page's worth of them has
 * no page table left (hugepage_clear), so the kernel can map it whole. */
static uintptr_t hugepage_taken(const struct kl_span *s, size_t npages)
{
	uintptr_t half = kl_run_huge_half(s);
	if (!half || s->base + npages * KL_PAGE <= half ||
	    !kl_hugepage_wanted())
		return 0;
	return half;
}

/* A clean run s that holds the whole second half of its segment since a
 * purge of pages in it (the last pieces of it): one more zap of all of it
 * frees its page table, which the kernel does only when one call covers
 * it (Linux 6.x), so a later hugepage_taken can have it mapped whole. The
 * pages are gone already: this costs one system call. Heap lock held. */
static void hugepage_clear(const struct kl_span *s)
{
	uintptr_t half = kl_run_huge_half(s);
	if (half && kl_hugepage_offered())
		kl_madvise((void *)half, KL_HUGEPAGE, MADV_DONTNEED);
}

/* npages from the best-fitting free run, resident runs first (the span's
 * dirty flag says whether its pages may be resident already); with room,
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
	kl_lock(&kl_locks.heap);
	struct kl_span *s;
	uint8_t resident;	/* whether the pages taken may be */
	bool known = true;	/* and are, all of them */
	uintptr_t huge = 0;	/* the huge page to back (hugepage_taken) */
	for (;;) {
		s = 0;
		resident = 1;	/* a dirty run, or a join of both kinds */
		if (room && npages + room <= KL_SEG_PAGES - KL_SEG_HDR_PAGES)
			s = kl_run_best(1, npages + room);
		if (!s)
			s = kl_run_best(1, npages);
		if (!s) {
			struct kl_span *j = kl_run_find_join(npages);
			if (j) {
				kl_span_delete(t);
				t = j;
				known = false;
				goto taken;
			}
			s = kl_run_best(0, npages);
			resident = 0;
		}
		if (s || !unlocked || checked)
			break;
		/* a new segment it would be: its trim may free a run */
		kl_unlock(&kl_locks.heap);
		checked = true;
		if (!kl_guard_grow(KL_SEG_SIZE)) {
			kl_span_delete(t);
			return 0;
		}
		kl_lock(&kl_locks.heap);
	}
	if (!s) {
		if (kl_growth_denied())
			goto fail;
		/* a huge page for the first half too, where it holds the
		 * request: then the second half is a clean run of its own */
		struct kl_span *second = npages <= KL_HALF_PAGES -
			KL_SEG_HDR_PAGES && kl_hugepage_wanted() ?
			kl_span_new() : 0;
		bool huge_head = second != 0;
		struct kl_segment *seg = kl_segment_new(&huge_head);
		s = seg ? kl_span_new() : 0;
		if (!s) {
			if (seg)
				kl_segment_delete(seg);
			if (second)
				kl_span_delete(second);
			goto fail;
		}
		kl_seg_checked = checked;
		s->base = (uintptr_t)seg + KL_SEG_HDR_PAGES * KL_PAGE;
		s->npages = KL_SEG_PAGES - KL_SEG_HDR_PAGES;
		s->dirty = 0;
		resident = 0;
		if (huge_head) {
			s->npages = KL_HALF_PAGES - KL_SEG_HDR_PAGES;
			s->dirty = 1;
			s->freed_ms = kl_now_ms();
			resident = 1;
			second->base = (uintptr_t)seg + KL_HUGEPAGE;
			second->npages = KL_HALF_PAGES;
			second->dirty = 0;
			kl_run_link(second);
			kl_run_tag(second);
		} else if (second) {
			kl_span_delete(second);
		}
		kl_run_link(s);
		kl_run_tag(s);
	}
	/* the head of the run is handed out; the tail stays free */
	kl_run_unlink(s);
	if (!resident)
		huge = hugepage_taken(s, npages);
	if (s->npages > npages) {
		t->base = s->base;
		t->npages = (uint32_t)npages;
		s->base += npages * KL_PAGE;
		s->npages -= (uint32_t)npages;
		if (huge) {
			/* the rest of the huge page: resident once backed */
			s->dirty = 1;
			s->freed_ms = kl_now_ms();
		}
		kl_run_link(s);
		kl_run_tag(s);
	} else {
		kl_span_delete(t);
		t = s;
	}
taken:
	t->kind = KL_LARGE;
	t->dirty = resident;
	t->touched = t->base;
	if (resident && known)
		t->touched += t->npages * KL_PAGE;
	t->next = t->prev = 0;
	kl_run_tag(t);
	kl_unlock(&kl_locks.heap);
	/* the rest of the huge page is in the bins: a thread that takes it
	 * before it is backed faults its pages in itself, as before */
	if (huge && kl_hugepage_back(huge) && t->base >= huge)
		t->touched = t->base + t->npages * KL_PAGE;
	return t;
fail:
	kl_unlock(&kl_locks.heap);
	kl_span_delete(t);
	return 0;
}

KL_HIDDEN uint64_t kl_handout_clock;

struct kl_span *kl_page_alloc_room(size_t npages, size_t room)
{
	struct kl_span *s = page_alloc(npages, room, true);
	if (s)
		s->born = kl_handout_tick(npages * KL_PAGE);
	return s;
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
	s = kl_run_coalesce(s);
	kl_run_link(s);
}

void kl_page_free(struct kl_span *s)
{
	kl_page_free_at(s, 0);
}

/* freed_ms: when the run's bytes were last in use, if before now (the
 * blocks of an idle thread's cache: their decay has run); 0: now. */
void kl_page_free_at(struct kl_span *s, uint64_t freed_ms)
{
	uint64_t now = kl_now_ms();
	kl_lock(&kl_locks.heap);
	if (s->kind == KL_LARGE) {
		__atomic_fetch_sub(&kl_pages.large_in_use, s->npages * KL_PAGE,
				   __ATOMIC_RELAXED);
		kl_run_origin_large(s);
	}
	run_free_locked(s, freed_ms && freed_ms < now ? freed_ms : now);
	kl_unlock(&kl_locks.heap);
	kl_pages_freed(now);
	kl_page_after_free(now);
}

/* Grow a run in place by taking the head of the free run after it. */
bool kl_page_grow(struct kl_span *s, size_t npages)
{
	struct kl_segment *seg = kl_span_seg(s);
	size_t l = kl_span_first(s) + s->npages - 1;
	size_t need = npages - s->npages;
	bool ok = false;

	if (l + 1 >= KL_SEG_PAGES)
		return false;
	kl_lock(&kl_locks.heap);
	struct kl_span *n = seg->map[l + 1];
	if (n && n->kind == KL_FREE_RUN && n->dirty && n->npages >= need &&
	    n->base == s->base + s->npages * KL_PAGE) {
		/* the new pages are resident: known so if the old ones all
		 * were */
		if (s->touched == n->base)
			s->touched = n->base + need * KL_PAGE;
		kl_run_unlink(n);
		if (n->npages > need) {
			n->base += need * KL_PAGE;
			n->npages -= (uint32_t)need;
			kl_run_link(n);
			kl_run_tag(n);
		} else {
			kl_span_delete(n);
		}
		s->npages = (uint32_t)npages;
		__atomic_fetch_add(&kl_pages.large_in_use, need * KL_PAGE,
				   __ATOMIC_RELAXED);
		kl_run_tag(s);
		ok = true;
	}
	kl_unlock(&kl_locks.heap);
	return ok;
}

/* Give the pages of a large run past npages back as a free run. */
void kl_page_shrink(struct kl_span *s, size_t npages)
{
	struct kl_span *t = kl_span_new();
	if (!t)
		return;
	uint64_t now = kl_now_ms();
	kl_lock(&kl_locks.heap);
	t->base = s->base + npages * KL_PAGE;
	t->npages = s->npages - (uint32_t)npages;
	__atomic_fetch_sub(&kl_pages.large_in_use, t->npages * KL_PAGE,
			   __ATOMIC_RELAXED);
	s->npages = (uint32_t)npages;
	if (s->touched > t->base)
		s->touched = t->base;
	kl_run_tag(s);
	kl_run_origin_large(t);
	run_free_locked(t, now);
	kl_unlock(&kl_locks.heap);
	kl_page_after_free(now);
}

/* Count a purged run's pages to the class that used each last (the run
 * coalesced pages of several); heap lock held, the run is busy. */
static void purge_count(const struct kl_span *s)
{
	const uint8_t *o = &kl_span_seg(s)->origin[kl_span_first(s)];
	for (size_t i = 0; i < s->npages; i++)
		kl_pages.returned[o[i]] += KL_PAGE;
}

/* Return the oldest dirty runs freed at or before older_than_ms, up to
 * max_bytes, to the OS, a batch of runs per call (release.c). The lock is
 * dropped around the call: the runs are marked busy (their neighbours
 * will not merge into them) meanwhile, chained through their bin links
 * (a purge may run on any thread's stack: no array of them there). */
size_t kl_purge(uint64_t older_than_ms, size_t max_bytes)
{
	struct kl_release batch;
	size_t done = 0;

	batch.n = 0;
	kl_lock(&kl_locks.heap);
	for (;;) {
		struct kl_span *s, *runs = 0;
		while (batch.n < KL_RELEASE_MAX && done < max_bytes &&
		       (s = kl_run_oldest_dirty()) &&
		       s->freed_ms <= older_than_ms) {
			kl_run_unlink(s);
			s->kind = KL_BUSY;
			s->next = runs;
			runs = s;
			done += s->npages * KL_PAGE;
			kl_release_add(&batch, (void *)s->base,
				       s->npages * KL_PAGE);
		}
		if (!runs)
			break;
		bool full = batch.n == KL_RELEASE_MAX;
		kl_unlock(&kl_locks.heap);
		kl_release_flush(&batch);
		kl_lock(&kl_locks.heap);
		while ((s = runs)) {
			runs = s->next;
			purge_count(s);
			s->dirty = 0;
			bool in_half = kl_span_first(s) + s->npages >
				       KL_HALF_PAGES;
			s = kl_run_coalesce(s);
			kl_run_link(s);
			if (!kl_run_release_segment(s) && in_half)
				hugepage_clear(s);
		}
		if (!full)
			break;
	}
	kl_unlock(&kl_locks.heap);
	return done;
}

/* Keep pages [off, off + npages) of a fresh large run (npages >= 1, as
 * for every run); free the rest. */
void kl_page_carve(struct kl_span *s, size_t off, size_t npages)
{
	struct kl_span *head = off ? kl_span_new() : 0;
	size_t tail_pages = s->npages - off - npages;
	struct kl_span *tail = tail_pages ? kl_span_new() : 0;
	uint64_t now = kl_now_ms();

	kl_lock(&kl_locks.heap);
	uintptr_t base = s->base;
	s->base = base + off * KL_PAGE;
	s->npages = (uint32_t)npages;
	s->touched = s->base;	/* not known */
	kl_run_tag(s);
	if (head) {
		head->base = base;
		head->npages = (uint32_t)off;
		kl_run_origin_large(head);
		run_free_locked(head, now);
	}
	if (tail) {
		tail->base = base + (off + npages) * KL_PAGE;
		tail->npages = (uint32_t)tail_pages;
		kl_run_origin_large(tail);
		run_free_locked(tail, now);
	}
	size_t gone = (head ? off : 0) + (tail ? tail_pages : 0);
	__atomic_fetch_sub(&kl_pages.large_in_use, gone * KL_PAGE,
			   __ATOMIC_RELAXED);
	kl_unlock(&kl_locks.heap);
	kl_page_after_free(now);
}
