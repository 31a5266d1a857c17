/* The heap's interface: size classes (class.c), segments, spans and page
 * runs (segment.c, page.c), small blocks (small.c), thread caches
 * (tcache.c), huge mappings (huge.c) and the allocation core (alloc.c). */
#ifndef KL_HEAP_H
#define KL_HEAP_H

#include "kl_os.h"

/* --- size classes (class.c) ---------------------------------------------- */
/* 16..128 in steps of 16, then 8 classes per doubling up to 32 KiB: a block
 * above 128 bytes wastes at most 1/9 of itself (the request is more than
 * the previous class, which is 8/9 of this one or more); up to 128 bytes the
 * 16-byte alignment malloc owes sets the step, at most 15 bytes. */
#define KL_NCLASS 72
#define KL_SMALL_MAX 32768ul
#define KL_LARGE_MAX (1ul << 20)	/* above this: huge, mapped directly */

/* Every small size finds its class in a table by (n + 15) / 16 (every
 * class boundary is a multiple of 16), filled from the rule by
 * kl_class_init: the rule's test of n <= 128 is a branch that random sizes
 * mispredict half the time (16-255 bytes at random: 8.5 ns a malloc-free
 * pair with it, 4.9 with the table, 4.3 for one size; mimalloc 4.6), and
 * a table that stopped at 1 KiB cost malloc a second size test. n is at
 * most KL_SMALL_MAX. */
extern KL_HIDDEN uint8_t kl_class_table[KL_SMALL_MAX / 16 + 1];

static inline unsigned kl_class_of(size_t n)
{
	return kl_class_table[(n + 15) >> 4];
}

extern KL_HIDDEN uint32_t kl_class_size[KL_NCLASS];
extern KL_HIDDEN uint16_t kl_class_pages[KL_NCLASS];
extern KL_HIDDEN uint16_t kl_class_blocks[KL_NCLASS];
extern KL_HIDDEN uint16_t kl_class_cache_max[KL_NCLASS];
void kl_class_init(void);

/* --- segments and spans (segment.c, page.c) ------------------------------ */
/* A segment is a 4 MiB aligned region; its first pages hold the page map,
 * so free(p) finds its span from p & ~(4 MiB - 1) and the page index. */
#define KL_SEG_SHIFT 22
#define KL_SEG_SIZE (1ul << KL_SEG_SHIFT)
#define KL_SEG_PAGES (KL_SEG_SIZE >> KL_PAGE_SHIFT)
#define KL_SEG_MAGIC 0x6b65656c5345474dull
#define KL_HUGE_MAGIC 0x6b65656c48554745ull

enum kl_span_kind { KL_FREE_RUN = 1, KL_SMALL, KL_LARGE, KL_BUSY };

struct kl_span {
	uintptr_t base;
	uint32_t npages;
	uint8_t kind;
	uint8_t dirty;		/* free run: still resident; taken: its pages
				 * may have been (0: clean, so pages it has
				 * not written are not resident) */
	uint16_t cls;
	struct kl_span *next, *prev;	/* class list or free bin */
	struct kl_span *dnext, *dprev;	/* dirty FIFO */
	uint64_t freed_ms;	/* when a free run became dirty */
	uint64_t born;		/* large: kl_handout_clock when handed out */
	/* small spans */
	void *free;		/* intrusive list of free blocks */
	union {
		uintptr_t bump;	/* small: blocks never handed out start
				 * here */
		uintptr_t touched;	/* large: the pages below are
					 * resident (populate.c) */
	};
	uint32_t used;		/* blocks out of the span (incl. caches) */
	uint8_t listed;		/* on its class's non-full list */
	uint8_t holes;		/* freed into since the purger last looked
				 * (holes.c) */
	uint16_t arena;		/* whose class lists hold it (small.c) */
	uint32_t parked;	/* free blocks off the list: their first page
				 * is returned (holes.c) */
	uint64_t returned;	/* pages returned while the span lives (a bit
				 * a page; spans have at most 64) */
};

struct kl_segment {
	uint64_t magic;
	/* bit h: half h is a huge page not split yet (hugepage.c) */
	uint32_t huge_halves;
	uint32_t pad32;
	uint64_t pad[6];
	/* small class + 1 per page, 0 = other. One more: a huge block aligned
	 * to 4 MiB starts right after its header's segment, and free's class
	 * lookup (kl_seg_of rounds p - 1 down) indexes one past the pages;
	 * that byte is zero, as every byte of a huge header page is. */
	uint8_t pcls[KL_SEG_PAGES + 1];
	/* per free page, who used it last: small class + 1, 0 = large; set
	 * when the page is freed, read when it is purged (stats per class) */
	uint8_t origin[KL_SEG_PAGES];
	struct kl_span *map[KL_SEG_PAGES];
};

#define KL_SEG_HDR_PAGES \
	((sizeof(struct kl_segment) + KL_PAGE - 1) >> KL_PAGE_SHIFT)

/* A huge block: one mapping with this header at a 4 MiB boundary. */
struct kl_huge {
	uint64_t magic;
	size_t map_len;		/* from the header to the end */
	size_t offset;		/* user pointer - header */
	size_t size;		/* bytes usable */
	size_t slack;		/* resident bytes past the request, when reused */
	size_t room;		/* mapped past map_len, never touched: a
				 * growing buffer's room (huge.c) */
	size_t touched;		/* the pages below this offset are resident
				 * (populate.c) */
	uint64_t born;		/* kl_handout_clock when handed out */
};
#define KL_HUGE_FREE_MAGIC 0x6b65656c48465245ull

/* Bytes the page heap and the huge mappings have handed out in large and
 * huge blocks so far: a clock of how much the program has written since a
 * block was handed out (realloc's copies, alloc.c). */
extern KL_HIDDEN uint64_t kl_handout_clock;
static inline uint64_t kl_handout_tick(size_t bytes)
{
	return __atomic_add_fetch(&kl_handout_clock, bytes, __ATOMIC_RELAXED);
}

#define KL_REG_BITS (1ul << 26)	/* 2^48 bytes of address space / 4 MiB */
extern KL_HIDDEN uint64_t *kl_registry;

/* Is the bit of the 4 MiB boundary seg set in the registry r? */
static inline bool kl_registry_bit(const uint64_t *r, uintptr_t seg)
{
	uintptr_t i = seg >> KL_SEG_SHIFT;
	if (KL_UNLIKELY(i >= KL_REG_BITS))
		return false;
	return (__atomic_load_n(&r[i / 64], __ATOMIC_RELAXED) >> (i % 64)) & 1;
}

/* Does the heap own the 4 MiB boundary seg (a segment or huge header)? */
static inline bool kl_registry_has(uintptr_t seg)
{
	uint64_t *r = __atomic_load_n(&kl_registry, __ATOMIC_ACQUIRE);
	return r && kl_registry_bit(r, seg);
}

/* The same, where the registry is known to be mapped: a thread cache
 * exists (kl_tcache_init maps it first). free's fast path. */
static inline bool kl_registry_has_mapped(uintptr_t seg)
{
	return kl_registry_bit(__atomic_load_n(&kl_registry, __ATOMIC_RELAXED),
			       seg);
}

bool kl_registry_init(void);
void kl_registry_set(uintptr_t seg, size_t len, bool on);

static inline uintptr_t kl_seg_of(const void *p)
{
	return ((uintptr_t)p - 1) & ~(KL_SEG_SIZE - 1);
}

/* _room: the caller holds no lock (the guard may check before a new
 * segment); kl_page_alloc: a class's span, under the class's lock */
struct kl_span *kl_page_alloc(size_t npages);
struct kl_span *kl_page_alloc_room(size_t npages, size_t room);
void kl_page_free(struct kl_span *s);
void kl_page_free_at(struct kl_span *s, uint64_t freed_ms);
bool kl_page_grow(struct kl_span *s, size_t npages);
void kl_page_shrink(struct kl_span *s, size_t npages);
void kl_page_carve(struct kl_span *s, size_t off, size_t npages);
void kl_page_set_map(struct kl_span *s, unsigned pcls);
size_t kl_purge(uint64_t older_than_ms, size_t max_bytes);

struct kl_span *kl_span_new(void);
void kl_span_delete(struct kl_span *s);
void *kl_meta_alloc(size_t size);
void *kl_map_aligned(size_t len, size_t align);

/* page-level statistics, under kl_locks.heap */
struct kl_page_stats {
	size_t mapped;		/* segment bytes mapped */
	size_t dirty;		/* free runs still resident */
	size_t clean;		/* free runs returned */
	size_t large_in_use;
	size_t small_spans;	/* bytes in small spans */
	size_t segments;
	/* bytes purged, cumulative, by origin (0 large, class + 1 small) */
	size_t returned[KL_NCLASS + 1];
	size_t hugepages;	/* segment halves backed by a huge page */
	size_t hugepages_slow;	/* of them, backed slower than small pages */
	/* when the program last gave pages back to the heap (a span or a
	 * large run freed) or the heap to the OS (0: never) */
	uint64_t freed_ms;
};
extern KL_HIDDEN struct kl_page_stats kl_pages;

/* --- transparent huge pages (hugepage.c) -------------------------------- */
/* Either half of a segment may be backed by one huge page. */
#define KL_HUGEPAGE (2ul << 20)
#define KL_HALF_PAGES (KL_SEG_PAGES / 2)
/* The kernel's THP setting is "always", or could not be read. */
bool kl_thp_always(void);
/* Huge pages are asked for (KEEL_HUGEPAGES) and offered by the kernel. */
bool kl_hugepage_offered(void);
/* And now: a heap big enough, usage far from keel's limit; heap lock held. */
bool kl_hugepage_wanted(void);
/* Back the 2 MiB at p with a huge page, populated; no lock needed. */
bool kl_hugepage_back(uintptr_t p);
/* Pages [p, p + len) of a segment are about to be purged. */
void kl_hugepage_split(uintptr_t p, size_t len);

/* Pages went back to the heap or to the OS at now (ms): no huge page for
 * a while (hugepage.c). A store at most once a millisecond. */
static inline void kl_pages_freed(uint64_t now)
{
	if (__atomic_load_n(&kl_pages.freed_ms, __ATOMIC_RELAXED) != now)
		__atomic_store_n(&kl_pages.freed_ms, now, __ATOMIC_RELAXED);
}

/* --- small blocks (small.c) ---------------------------------------------- */
/* Each thread takes blocks up to 1 KiB from the spans of one arena, its
 * own while there are no more threads than arenas: two threads never
 * carve one span, so their small blocks never share a cache line (false
 * sharing) and their refills never wait for one lock. A block freed by
 * another thread goes back to its span's arena. Bigger blocks share
 * little more than a line at their ends, and their spans are many pages:
 * they come from arena 0 for every thread, or each arena's partly used
 * spans of them add up (the seed pattern's RSS/live rose from 1.35 to
 * 1.58 with 9 threads). */
#define KL_NARENA 16
#define KL_ARENA_CLASSES 32	/* classes up to 1 KiB (kl_class_of(1024) + 1) */
/* Arenas ever given to a thread cache, one bit each (arena 0's always:
 * threads without a cache and the bigger classes use it); set under
 * kl_locks.threads, never cleared. fork takes the class and transfer
 * cache locks of these arenas only (kl_fork_locks, below). */
extern KL_HIDDEN uint32_t kl_arenas_used;
/* How many classes (from 0) arena a holds. */
static inline unsigned kl_arena_classes(unsigned a)
{
	return a ? KL_ARENA_CLASSES : KL_NCLASS;
}

/* Every lock of the heap, in one place: fork takes them all (life.c), and
 * each page a lock sits on is then copied twice, in the parent as it
 * unlocks and in the child as it resets. With a lock in each class's line
 * the forks benchmark (three arenas in use) took 66-69 page faults a fork,
 * glibc 39-43; packed, 46-49. An arena's locks are 9 lines; the first page
 * holds six arenas' and the global ones, each of those on a line of its
 * own (the heap's is hot). */
struct kl_arena_locks {
	struct kl_lock cls[KL_NCLASS];	/* kl_classes[arena][cls] */
	struct kl_lock xfer[KL_NCLASS];	/* the transfer cache's entry */
} __attribute__((aligned(64)));

struct kl_fork_locks {
	struct kl_lock threads __attribute__((aligned(64)));	/* tcache.c */
	struct kl_lock heap __attribute__((aligned(64)));	/* page heap */
	struct kl_lock meta __attribute__((aligned(64)));	/* segment.c */
	struct kl_lock huge __attribute__((aligned(64)));	/* huge.c */
	struct kl_arena_locks arena[KL_NARENA];
} __attribute__((aligned(4096)));
extern KL_HIDDEN struct kl_fork_locks kl_locks;

struct kl_class {
	uint32_t ops;		/* takes and gives, counted under the lock: the
				 * purger walks only a class that had none for
				 * KEEL_DECAY_MS (holes.c) */
	struct kl_span *nonfull, *nonfull_tail;	/* spans with free blocks */
	size_t spans;
	size_t used;		/* blocks out of spans */
	size_t nblocks;		/* capacity of all spans */
	size_t holes;		/* bytes of span pages returned (holes.c) */
	size_t untouched;	/* bytes of clean spans' pages past their bump
				 * pointers: never written, not resident */
} __attribute__((aligned(64)));
extern KL_HIDDEN struct kl_class kl_classes[KL_NARENA][KL_NCLASS];
unsigned kl_small_take(unsigned arena, unsigned cls, void **head,
		       unsigned want);
void kl_small_give(unsigned cls, void *list);
void kl_small_give_at(unsigned cls, void *list, uint64_t freed_ms);
void *kl_small_alloc_locked(unsigned cls);
void kl_small_free_one(unsigned cls, void *p);

/* The span of a small block; a live block pins it. */
static inline struct kl_span *kl_block_span(void *p)
{
	struct kl_segment *seg = (struct kl_segment *)kl_seg_of(p);
	return seg->map[((uintptr_t)p - (uintptr_t)seg) >> KL_PAGE_SHIFT];
}

/* --- the transfer cache (xfer.c): batches between thread caches ------- */
bool kl_xfer_put(unsigned cls, void *list, uint32_t count);
uint32_t kl_xfer_get(unsigned arena, unsigned cls, void **head);
void kl_xfer_drain(bool all, uint64_t last_ms);
void kl_xfer_count(size_t count[KL_NCLASS]);

/* --- holes (holes.c): the pages of partly used spans no live block touches */
/* A class whose spans have several pages: a page of a partly used span
 * that only free blocks cover goes back while the span lives (with one
 * page, the span itself goes back when its last block does). */
static inline bool kl_class_holes(unsigned cls)
{
	return kl_class_pages[cls] > 1;
}
size_t kl_holes_purge(uint64_t older_than_ms, bool quiet);
void kl_span_hand_out(struct kl_class *k, struct kl_span *s, unsigned cls,
		      void *p);
void kl_span_unpark(struct kl_class *k, struct kl_span *s, unsigned cls);
void kl_span_holes_forget(struct kl_class *k, struct kl_span *s);

/* --- thread caches (tcache.c) -------------------------------------------- */
struct kl_tbin {
	void *head;
	int32_t room;		/* blocks it may still take: max less those it
				 * holds, -1 when a free overflowed it (one
				 * counter: free's test is its decrement) */
	uint16_t max;
	uint16_t refill;	/* blocks the next refill takes (0: first) */
};

/* The free blocks a bin holds; another thread may read it (statistics). */
static inline uint32_t kl_tbin_count(const struct kl_tbin *b)
{
	return (uint32_t)(b->max - __atomic_load_n(&b->room, __ATOMIC_RELAXED));
}

struct kl_tcache {
	struct kl_tbin bin[KL_NCLASS];
	size_t bytes;
	size_t cap;		/* bytes it may hold (tcache_caps) */
	uintptr_t mark;		/* 1 while the owner works on the bins, then
				 * the block it handed out or took back */
	uint32_t steal;		/* set while the purger may empty them */
	struct kl_tcache *next, *prev;	/* registry of live caches */
	uint32_t arena;		/* the spans its refills come from */
	bool dead;
	uintptr_t seen_mark;	/* the purger's: mark and bytes when it */
	size_t seen_bytes;	/* last saw either change, */
	uint64_t seen_ms;	/* and when */
};

#define KL_TCACHE_DEAD ((struct kl_tcache *)1)
/* A thread's cache holds up to 512 KiB of free blocks; past 64 threads,
 * all caches together about 32 MiB, 64 KiB each at least (tcache_caps). */
#define KL_TCACHE_BYTES_MAX (512u << 10)
#define KL_TCACHE_BYTES_MIN (64u << 10)
#define KL_TCACHE_BYTES_ALL (32u << 20)
extern KL_HIDDEN __thread struct kl_tcache *kl_tc;
extern KL_HIDDEN struct kl_tcache *kl_threads;
extern KL_HIDDEN uint32_t kl_nthreads;
struct kl_tcache *kl_tcache_init(void);
/* This thread's cache back to the spans, and none for it again (route.c). */
void kl_tcache_step_aside(void);
void *kl_tcache_refill(struct kl_tcache *tc, unsigned cls);
void kl_tcache_overflow(struct kl_tcache *tc, unsigned cls);
void kl_tcache_ctor(void);
void kl_tcache_fork_child(void);
void kl_tcache_reclaim(uint64_t now, bool all);

/* The owner's side of emptying an idle thread's cache (tcache.c): its
 * mark is 1 while it works on its bins, and a claim (steal) the purger
 * set sends it to the locked path instead. Two plain stores, a load and
 * a compiler barrier are all the owner pays (1-10% on the benchmarks
 * that only allocate, sizes and ownsizes; nothing measurable on programs);
 * the purger's membarrier is the fence for both sides. */
static inline bool kl_tc_enter(struct kl_tcache *tc)
{
	__atomic_store_n(&tc->mark, 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* acquire: after a claim is lifted, the bins as the purger left
	 * them (a plain load on x86) */
	if (KL_LIKELY(!__atomic_load_n(&tc->steal, __ATOMIC_ACQUIRE)))
		return true;
	__atomic_store_n(&tc->mark, 0, __ATOMIC_RELEASE);
	return false;
}

/* p: the block handed out or taken back, or 0 (even: blocks are aligned
 * to 16), which the purger compares to see that the thread works. */
static inline void kl_tc_leave(struct kl_tcache *tc, const void *p)
{
	__atomic_store_n(&tc->mark, (uintptr_t)p, __ATOMIC_RELEASE);
}

/* --- allocation core (alloc.c) ------------------------------------------- */
/* No size, nor alignment, above 2^46 can be met in a 47-bit user address
 * space: refused first, they leave no sum of a size, an alignment and a
 * header that could wrap. */
#define KL_REQUEST_MAX ((size_t)1 << 46)

void *kl_alloc(size_t n);
void *kl_calloc(size_t n);
void *kl_alloc_aligned(size_t align, size_t n);
void kl_free(void *p);
void *kl_realloc(void *p, size_t n);
size_t kl_usable(const void *p);
void kl_set_errno(int e);

/* --- huge blocks (huge.c) ------------------------------------------------ */
#define KL_HUGE_ZERO 1u	/* calloc: clear a reused mapping */
#define KL_HUGE_GROW 2u	/* realloc growth: keep a bigger cached mapping */
#define KL_HUGE_CACHED 4u	/* only a cached mapping that holds it */
void *kl_huge_alloc(size_t n, size_t align, unsigned flags);
void kl_huge_free(struct kl_huge *h);
void *kl_huge_realloc(struct kl_huge *h, size_t n, bool grow);
size_t kl_huge_purge(uint64_t older_than_ms);
extern KL_HIDDEN size_t kl_huge_bytes;	/* atomic */
extern KL_HIDDEN size_t kl_huge_count;
extern KL_HIDDEN size_t kl_huge_cached;	/* free mappings kept resident */
extern KL_HIDDEN size_t kl_huge_returned;

struct kl_segment *kl_segment_new(bool *huge_head);
void kl_segment_delete(struct kl_segment *seg);

#endif
