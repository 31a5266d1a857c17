/* The allocation core behind the API: dispatch by size to the thread cache
 * (small), the page allocator (large, up to 1 MiB) or a direct mapping
 * (huge), and back again on free by the pointer's segment header. free()
 * refuses pointers whose 4 MiB boundary the heap does not own. */
#include "kl_heap.h"
#include "kl_fast.h"
#include "kl_stats.h"
#include "kl_life.h"
#include "kl_route.h"
#include "kl_decay.h"

/* realloc headroom policy: within a small class (or a quarter below it),
 * the same pointer; a small block appended to moves to a quarter more
 * (small_headroom); a large block grows in place into a free neighbour
 * run, else moves to a size 1/4 bigger rounded to 8 steps per doubling
 * (realloc_headroom, capped at 1 MiB), into a resident run that leaves
 * twice its new size free after it when there is one, so it can grow in
 * place next time, and keeps its run through shrinks to half of it or more;
 * past KL_REALLOC_MAP (KL_REALLOC_MAP_SCARCE while free resident memory
 * is scarce) it moves to a huge block instead. A huge block grows by
 * mremap to 1/8 more than asked, so an append loop pays one mremap per
 * eighth and never copies again, and ignores shrinks of less than 1/8
 * (untouched headroom pages cost no memory). */

/* A large block that realloc grows past this moves to a mapping of its
 * own: in the page heap its neighbours are often taken, and each move
 * copies it whole (on the seed pattern 2 moves per buffer, 300 KiB each,
 * half of all CPU time at a long KEEL_DECAY_MS; at the default, appends
 * per second went from 0.42-0.47 to 0.65-0.76 million, for 1.43x live ->
 * 1.51-1.54x). */
#define KL_REALLOC_MAP (256ul << 10)
/* Past this when free resident memory is scarce (kl_free_scarce): a
 * block that moves in the page heap takes a quarter of headroom from
 * freed pages, resident and held by it alone until it fills them, where
 * a mapping of its own faults its pages in as the appends reach them.
 * On the seed pattern at 450 MiB live (alternated runs of 8 s) 1.11x
 * live -> 1.09x at 0-8% fewer appends a second. Where the 8 MiB floor
 * leaves free memory plentiful (55 MiB live; the realloc benchmark) the
 * page heap's moves were the faster: there the mappings' faults cost 12% of the
 * appends a second for 1.71x -> 1.56x live, the realloc benchmark 6% of
 * its time. */
#define KL_REALLOC_MAP_SCARCE (64ul << 10)
/* Huge blocks in use past which a block the page heap can hold stays
 * there: each is one or two of the kernel's mappings, which it caps per
 * process (vm.max_map_count, 65,530 by default) for the program's own
 * mmap calls too. */
#define KL_REALLOC_MAPS_MAX 8192

/* Small blocks below this grow to their size: their moves copy little. */
#define KL_APPEND_MIN 1024

extern int *__errno_location(void) __attribute__((weak));

void kl_set_errno(int e)
{
	if (__errno_location)
		*__errno_location() = e;
}

static void *small_slow(unsigned cls)
{
	kl_boot();
	struct kl_tcache *tc = kl_tcache_init();
	if (tc && kl_tc_enter(tc)) {
		void *p = kl_tcache_refill(tc, cls);
		kl_tc_leave(tc, p);
		return p;
	}
	return kl_small_alloc_locked(cls);
}

static void *large_alloc(size_t n, size_t room)
{
	if (n > KL_LARGE_MAX)
		return kl_huge_alloc(n, 0, 0);
	/* a cached huge mapping that fits with no cut is resident memory
	 * (the seed pattern's workers copy each buffer into one its size:
	 * 13% fewer page faults); a run here may fault every page in */
	if (n > KL_REALLOC_MAP && !room) {
		void *q = kl_huge_alloc(n, 0, KL_HUGE_CACHED);
		if (q)
			return q;
	}
	size_t np = (n + KL_PAGE - 1) >> KL_PAGE_SHIFT;
	struct kl_span *s = kl_page_alloc_room(np, room >> KL_PAGE_SHIFT);
	if (!s)
		return 0;
	__atomic_fetch_add(&kl_pages.large_in_use, np * KL_PAGE,
			   __ATOMIC_RELAXED);
	kl_heap_grew_check();
	return (void *)s->base;
}

void *kl_alloc(size_t n)
{
	void *p;
	if (KL_UNLIKELY(kl_routed()))
		return kl_route.malloc(n);
	if (KL_LIKELY(n <= KL_SMALL_MAX)) {
		unsigned cls = kl_class_of(n);
		struct kl_tcache *tc = kl_tc;
		if (KL_LIKELY((uintptr_t)tc > 1 && kl_tc_enter(tc))) {
			struct kl_tbin *b = &tc->bin[cls];
			p = b->head;
			if (KL_LIKELY(p)) {
				b->head = *(void **)p;
				b->room++;
				tc->bytes -= kl_class_size[cls];
			} else {
				p = kl_tcache_refill(tc, cls);
			}
			kl_tc_leave(tc, p);
		} else if ((uintptr_t)tc > 1) {
			p = kl_small_alloc_locked(cls);	/* the purger has it */
		} else {
			p = small_slow(cls);
		}
	} else {
		p = large_alloc(n, 0);
	}
	if (KL_UNLIKELY(!p))
		kl_set_errno(12 /* ENOMEM */);
	return p;
}

/* What free() was given is not a block of this heap. */
static void free_foreign(const char *fn, const void *p)
{
	kl_msg("libkeel: error: %s(%p): not a block of this heap; ignored",
	       fn, p);
}

static struct kl_span *large_span(struct kl_segment *seg, const void *p)
{
	size_t i = ((uintptr_t)p - (uintptr_t)seg) >> KL_PAGE_SHIFT;
	struct kl_span *s = seg->map[i];
	if (!s || s->kind != KL_LARGE || s->base != (uintptr_t)p)
		return 0;
	return s;
}

void kl_free(void *p)
{
	if (!p)
		return;
	uintptr_t h = kl_seg_of(p);
	if (KL_UNLIKELY(!kl_registry_has(h))) {
		if (kl_routed())
			kl_route.free(p);
		else
			free_foreign("free", p);
		return;
	}
	struct kl_segment *seg = (struct kl_segment *)h;
	if (KL_UNLIKELY(seg->magic != KL_SEG_MAGIC)) {
		struct kl_huge *hg = (struct kl_huge *)h;
		if (hg->magic == KL_HUGE_MAGIC &&
		    (uintptr_t)p == h + hg->offset)
			kl_huge_free(hg);
		else
			free_foreign("free", p);
		return;
	}
	unsigned c = seg->pcls[((uintptr_t)p - h) >> KL_PAGE_SHIFT];
	if (KL_LIKELY(c)) {
		unsigned cls = c - 1;
		struct kl_tcache *tc = kl_tc;
		if (KL_LIKELY((uintptr_t)tc > 1 && kl_tc_enter(tc))) {
			struct kl_tbin *b = &tc->bin[cls];
			*(void **)p = b->head;
			b->head = p;
			tc->bytes += kl_class_size[cls];
			if (KL_UNLIKELY(--b->room < 0 ||
					tc->bytes > __atomic_load_n(
						&tc->cap, __ATOMIC_RELAXED)))
				kl_tcache_overflow(tc, cls);	/* leaves */
			else
				kl_tc_leave(tc, p);
			return;
		}
		if (!tc && (tc = kl_tcache_init())) {
			kl_free(p);
			return;
		}
		kl_small_free_one(cls, p);
		return;
	}
	struct kl_span *s = large_span(seg, p);
	if (!s) {
		free_foreign("free", p);
		return;
	}
	kl_page_free(s);
}

/* calloc: a fresh huge mapping is already zero; everything else is
 * cleared here. */
void *kl_calloc(size_t n)
{
	if (KL_UNLIKELY(kl_routed()))
		return kl_route.calloc(1, n);
	if (n > KL_LARGE_MAX) {
		kl_boot();
		void *p = kl_huge_alloc(n, 0, KL_HUGE_ZERO);
		if (!p)
			kl_set_errno(KL_ENOMEM);
		return p;
	}
	void *p = kl_alloc(n);
	if (p)
		memset(p, 0, n);
	return p;
}

size_t kl_usable(const void *p)
{
	if (!p)
		return 0;
	uintptr_t h = kl_seg_of(p);
	if (!kl_registry_has(h))
		return kl_routed() && kl_route.usable ?
			       kl_route.usable((void *)p) : 0;
	struct kl_segment *seg = (struct kl_segment *)h;
	if (seg->magic != KL_SEG_MAGIC) {
		struct kl_huge *hg = (struct kl_huge *)h;
		return hg->magic == KL_HUGE_MAGIC ? hg->size : 0;
	}
	unsigned c = seg->pcls[((uintptr_t)p - h) >> KL_PAGE_SHIFT];
	if (c)
		return kl_class_size[c - 1];
	struct kl_span *s = large_span(seg, p);
	return s ? s->npages * KL_PAGE : 0;
}

/* Aligned blocks: a small class whose size is a multiple of the alignment
 * (spans are page aligned, so its blocks are aligned; every power of two
 * is a class), a large run carved at an aligned page, or a huge mapping.
 * Size 0 is served as 1, as malloc(0) is served by the smallest class:
 * the block then owns a page (or a slot) of its own, so its pointer is
 * unique and free() finds it. (Served as 0, it was a run of no pages:
 * its boundary tags fell on its neighbours' pages, or past the end of
 * its segment, and its pointer was the next block's.) */
void *kl_alloc_aligned(size_t align, size_t n)
{
	void *p = 0;
	if (KL_UNLIKELY(kl_routed()))
		return kl_route_aligned(align, n);
	if (align <= 16)
		return kl_alloc(n);
	kl_boot();
	if (n > KL_REQUEST_MAX || align > KL_REQUEST_MAX)
		goto nomem;
	if (!n)
		n = 1;
	if (align <= KL_PAGE && n <= KL_SMALL_MAX) {
		size_t m = n < align ? align : n;
		unsigned cls = kl_class_of(m);
		while (kl_class_size[cls] % align)
			cls++;
		return kl_alloc(kl_class_size[cls]);
	}
	if (align <= KL_PAGE)
		return kl_alloc(n < KL_PAGE ? KL_PAGE : n);
	size_t np = (n + KL_PAGE - 1) >> KL_PAGE_SHIFT;
	size_t extra = (align >> KL_PAGE_SHIFT) - 1;
	if ((np + extra) * KL_PAGE <= KL_LARGE_MAX) {
		struct kl_span *s = kl_page_alloc_room(np + extra, 0);
		if (!s)
			goto nomem;
		__atomic_fetch_add(&kl_pages.large_in_use,
				   (np + extra) * KL_PAGE, __ATOMIC_RELAXED);
		uintptr_t a = (s->base + align - 1) & ~(align - 1);
		kl_page_carve(s, (a - s->base) >> KL_PAGE_SHIFT, np);
		kl_heap_grew_check();
		return (void *)a;
	}
	p = kl_huge_alloc(n, align, 0);
	if (p)
		return p;
nomem:
	kl_set_errno(KL_ENOMEM);
	return 0;
}

/* A large block that must move to grow takes headroom: appends in small
 * steps (the seed's buffers) would otherwise copy the whole block at every
 * page boundary. A quarter of the size again, in a run with twice its size
 * free after it (realloc_move), where it grows in place into free pages
 * other blocks may still take, rather than into headroom of its own, which
 * is resident (it comes from dirty memory) and held by this block alone.
 * On the seed pattern (450 MiB live), against half again with as much
 * free after it (medians of 8 alternated runs of 8 s): RSS/live 1.253 ->
 * 1.240 at the default KEEL_DECAY_MS, 1.330 -> 1.316 at 1000 ms, appends
 * per second 0.36 -> 0.41 million and 0.64 -> 0.73. An eighth held 1.233
 * at 0.38 million (3 runs). The size is rounded to a geometric step (8 per
 * doubling), so every growing buffer passes through the same sizes and the
 * runs one frees fit the next one exactly. */
static size_t realloc_headroom(size_t n, bool near)
{
	/* near keel's limit the headroom is resident memory the program
	 * may never fill: an eighth (guard_seed_oom, 96 MiB limit, live
	 * peaks of 64-75 MiB: once, under the sanitizers, 81.7 MiB in use
	 * and an OOM kill) */
	n += near ? n / 8 : n / 4;
	unsigned k = 63 - (unsigned)__builtin_clzl(n - 1);
	size_t step = (size_t)1 << (k - 3);
	n = (n + step - 1) & ~(step - 1);
	return n > KL_LARGE_MAX ? KL_LARGE_MAX : n;
}

/* no headroom past this size: n + n / 8 must not overflow */
#define KL_HEADROOM_MAX ((size_t)1 << 46)

/* A growing huge block's headroom: an eighth (one mremap per eighth), a
 * 32nd near keel's limit, where a reused mapping's resident pages past
 * the request are memory the program may never fill. */
static size_t huge_headroom(size_t n)
{
	return n + (kl_guard_near_limit() ? n / 32 : n / 8);
}

/* A small block that realloc grows by less than doubling is being
 * appended to (a string builder, the seed's buffers below 32 KiB): a
 * quarter of headroom, or each append past the next class (an eighth
 * bigger) copies it all again. On the seed pattern the moves out of
 * small blocks went from 1.04 million to 0.5 million in 8 s, the bytes
 * they copied from 15.5 GB to 6.6 GB. Growth by doubling or more (a
 * vector's) gets its size: it brings its own headroom. */
static size_t small_headroom(size_t old, size_t n)
{
	if (old < KL_APPEND_MIN || n >= 2 * old || n > KL_SMALL_MAX)
		return n;
	n += n / 4;
	return n < KL_SMALL_MAX ? n : KL_SMALL_MAX;
}

/* Pages mapped ahead of what a growing block asks (near keel's limit,
 * none): an append loop then pays one system call per 64 KiB rather
 * than a fault per page, and what it never fills is 64 KiB at most. */
#define KL_POPULATE_AHEAD (64ul << 10)

/* Of a block of cap bytes at base whose first touched bytes are known
 * resident, the first n will be written: maps the pages past touched up
 * to n and ahead; returns the new touched. fresh: the pages past touched
 * are not resident (kl_populate times them). */
static size_t populate_upto(char *base, size_t touched, size_t n, size_t cap,
			    bool fresh)
{
	if (n <= touched)
		return touched;
	size_t to = kl_guard_near_limit() ? n : n + KL_POPULATE_AHEAD;
	if (to > cap)
		to = cap;
	if (!kl_populate(base + touched, to - touched, fresh))
		return touched;
	return kl_page_up(to);
}

/* The program will write the first n bytes of block p, which realloc
 * returns: the copy, then the appends. Their pages not known resident are
 * mapped at once (populate.c), where the writes would fault them in one
 * by one. Small blocks sit on resident pages mostly. */
static void *realloc_populate(void *p, size_t n)
{
	if (!p || n <= KL_SMALL_MAX)
		return p;
	uintptr_t h = kl_seg_of(p);
	struct kl_segment *seg = (struct kl_segment *)h;
	if (seg->magic != KL_SEG_MAGIC) {
		/* where faults are cheap, a huge buffer's appends fault their
		 * pages in one by one: populated ahead, each buffer holds its
		 * next pages resident, and a populate takes the address
		 * space's lock that a fault does not (the seed pattern at 450
		 * MiB live, 16/32/64 KiB ahead: 1.10/1.11/1.13x live against
		 * 1.08x, at 0.67-0.76x the appends a second) */
		struct kl_huge *hg = (struct kl_huge *)h;
		if (kl_faults_dear())
			hg->touched = populate_upto((char *)hg, hg->touched,
						    hg->offset + n,
						    hg->map_len, true);
		return p;
	}
	struct kl_span *s = large_span(seg, p);
	if (s)
		s->touched = s->base +
			     populate_upto((char *)s->base,
					   s->touched - s->base, n,
					   s->npages * KL_PAGE, !s->dirty);
	return p;
}

/* A move of a block this big copies with stores that bypass the cache
 * (kl_copy_cold) when the program has had more big blocks handed out
 * since this one than the last-level caches hold (8-64 MiB on most
 * machines): its bytes are then likely out of the cache. On the seed
 * pattern 14% more appends per second at 450 MiB live (median of 6
 * alternated pairs), 20% at 55 MiB; the realloc benchmark 0.31-0.35 s ->
 * 0.24-0.28 s. A buffer grown in a
 * loop, or a few grown side by side, are in the cache; the cold copy
 * would be 20-45% slower there, and their reader would miss. */
#define KL_COPY_COLD_MIN (64ul << 10)
#define KL_COPY_COLD_AGE (64ul << 20)

/* kl_handout_clock when block p (large or huge) was handed out */
static uint64_t block_born(void *p)
{
	uintptr_t h = kl_seg_of(p);
	struct kl_segment *seg = (struct kl_segment *)h;
	if (seg->magic != KL_SEG_MAGIC)
		return ((struct kl_huge *)h)->born;
	struct kl_span *s = large_span(seg, p);
	return s ? s->born : 0;
}

/* Copy n bytes of block s, which realloc moves, to d. */
static void realloc_copy(void *d, void *s, size_t n)
{
	if (n >= KL_COPY_COLD_MIN &&
	    __atomic_load_n(&kl_handout_clock, __ATOMIC_RELAXED) -
			    block_born(s) > KL_COPY_COLD_AGE)
		kl_copy_cold(d, s, n);
	else
		memcpy(d, s, n);
}

/* Whether a block realloc grows to n bytes moves to a mapping of its own */
static bool realloc_mapped(size_t n)
{
	if (n > KL_HEADROOM_MAX)
		return false;
	if (n > KL_LARGE_MAX)
		return true;
	if (__atomic_load_n(&kl_huge_count, __ATOMIC_RELAXED) >=
	    KL_REALLOC_MAPS_MAX)
		return false;
	return n > KL_REALLOC_MAP ||
	       (n > KL_REALLOC_MAP_SCARCE && kl_free_scarce());
}

static void *realloc_move(void *p, size_t old, size_t n)
{
	bool grow = n > old;
	bool mapped = grow && realloc_mapped(n);
	void *q = 0;
	if (mapped)
		q = kl_huge_alloc(huge_headroom(n), 0, KL_HUGE_GROW);
	/* a mapping refused (the process's map count, say) is no failure
	 * while the page heap can hold the block */
	if (!q && grow && n > KL_SMALL_MAX && n <= KL_LARGE_MAX) {
		bool near = kl_guard_near_limit();
		size_t want = realloc_headroom(n, near);
		/* room to grow in place, but not near the limit */
		q = large_alloc(want, near ? 0 : 2 * want);
	} else if (!q && !mapped) {
		q = kl_alloc(grow ? small_headroom(old, n) : n);
	}
	if (q) {
		realloc_populate(q, n);
		realloc_copy(q, p, old < n ? old : n);
		kl_free(p);
	}
	return q;
}

/* Where faults are dear (kl_faults_dear: populate.c), a huge block
 * growing to n past its mapping moves into a cached mapping that holds
 * want (resident pages) by copying, rather than mremap faulting in fresh
 * pages: a copy costs 0.25-0.5 us per page, a fault there 10-16 us. On
 * such a machine the realloc benchmark went from 79,000 faults to 48,000
 * and 1.1 s to 0.87 s, the seed pattern from 0.15x jemalloc's appends per
 * second to 0.18x at the default KEEL_DECAY_MS and 1.0-1.15x at 4000 ms.
 * Returns the new pointer, or 0 with hg untouched. */
static void *huge_move_resident(struct kl_huge *hg, size_t n, size_t want)
{
	void *q = kl_huge_alloc(want, 0, KL_HUGE_GROW | KL_HUGE_CACHED);
	if (q) {
		realloc_populate(q, n);	/* the copy and the appends at once */
		realloc_copy(q, (char *)hg + hg->offset, hg->size);
		kl_huge_free(hg);
	}
	return q;
}

/* Resize block p to n bytes: the same block, or a new one p's bytes are
 * copied to; 0 with p untouched. */
static void *realloc_block(void *p, size_t n)
{
	uintptr_t h = kl_seg_of(p);
	if (!kl_registry_has(h)) {
		free_foreign("realloc", p);
		kl_set_errno(KL_ENOMEM);
		return 0;
	}
	struct kl_segment *seg = (struct kl_segment *)h;
	if (seg->magic != KL_SEG_MAGIC) {
		struct kl_huge *hg = (struct kl_huge *)h;
		if (hg->magic != KL_HUGE_MAGIC)
			return 0;
		if (n > KL_SMALL_MAX) {
			/* within the block (headroom, or the slack of a
			 * reused mapping): nothing to do */
			size_t asked = hg->size - hg->slack;
			if (n <= hg->size && n > asked - asked / 8)
				return p;
			/* growth takes 1/8 headroom: one mremap per eighth,
			 * not per page (untouched pages cost no memory) */
			size_t want = n > hg->size && n <= KL_HEADROOM_MAX ?
				      huge_headroom(n) : n;
			void *q = want > n && kl_faults_dear() ?
				  huge_move_resident(hg, n, want) : 0;
			if (q)
				return q;
			q = kl_huge_realloc(hg, want, want > n);
			if (q) {
				if (want > n)
					kl_stats_heap_grew();
				return q;
			}
			if (n <= hg->size)
				return p;
		}
		return realloc_move(p, hg->size, n);
	}
	unsigned c = seg->pcls[((uintptr_t)p - h) >> KL_PAGE_SHIFT];
	if (c) {
		/* its class, or within a quarter of it: a block grown with
		 * small_headroom keeps it while the appends fill it */
		size_t have = kl_class_size[c - 1];
		if (n <= have &&
		    (n > have - have / 4 || kl_class_of(n) == c - 1))
			return p;
		return realloc_move(p, have, n);
	}
	struct kl_span *s = large_span(seg, p);
	if (!s) {
		free_foreign("realloc", p);
		return 0;
	}
	size_t old = s->npages * KL_PAGE;
	if (n > KL_SMALL_MAX && n <= KL_LARGE_MAX) {
		size_t np = (n + KL_PAGE - 1) >> KL_PAGE_SHIFT;
		/* half the run or more (a move's headroom is a fifth of
		 * it, more with the rounding): kept, or the next append grows
		 * it back page by page, and another block may take the pages
		 * between */
		if (np <= s->npages && np >= s->npages / 2)
			return p;
		if (np < s->npages) {
			kl_page_shrink(s, np);
			return p;
		}
		if (kl_page_grow(s, np))
			return p;
	}
	return realloc_move(p, old, n);
}

void *kl_realloc(void *p, size_t n)
{
	if (KL_UNLIKELY(kl_routed()))
		return kl_route_realloc(p, n);
	return realloc_populate(realloc_block(p, n), n);
}
