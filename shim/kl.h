/* The shim's whole environment: the types, constants and internal calls
 * every file of libkeel.so shares (raw system calls, locks, size classes,
 * segments, spans, thread caches). Everything here is hidden; only api.c
 * exports names. */
#ifndef KL_H
#define KL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KL_HIDDEN __attribute__((visibility("hidden")))
#define KL_LIKELY(x) __builtin_expect(!!(x), 1)
#define KL_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* --- primitive layer (sys.c): raw system calls, no errno ------------------ */
#define KL_PAGE 4096ul
#define KL_PAGE_SHIFT 12

long kl_syscall6(long n, long a, long b, long c, long d, long e, long f);
void *kl_mmap(void *addr, size_t len, int prot, int flags);
int kl_munmap(void *addr, size_t len);
void *kl_mmap_fd(size_t len, int prot, int fd);
int kl_unlink(const char *path);
void *kl_mremap(void *old, size_t oldlen, size_t newlen, int flags, void *na);
int kl_madvise(void *addr, size_t len, int advice);
long kl_write(int fd, const void *buf, size_t len);
int kl_open(const char *path, int flags, int mode);
int kl_close(int fd);
int kl_ftruncate(int fd, long len);
long kl_read(int fd, void *buf, size_t len);
struct statx;
/* statx of path, or of fd itself when path is "" (AT_EMPTY_PATH); never
 * follows a link. statx's layout is the same on every architecture. */
int kl_statx(int fd, const char *path, struct statx *out);
/* len random bytes from the kernel, without blocking; -errno on failure */
long kl_getrandom(void *buf, size_t len);
int kl_getpid(void);
unsigned kl_geteuid(void);
int kl_getppid(void);
int kl_memfd_create(const char *name, unsigned flags);
long kl_fcntl(int fd, int cmd, long arg);
int kl_dup3(int fd, int to, int flags);
long kl_readlink(const char *path, char *buf, size_t len);
/* returns only on failure, with -errno */
int kl_execve(const char *path, char *const argv[], char *const envp[]);
uint64_t kl_now_ms(void);
void kl_sleep_ms(uint64_t ms);
long kl_futex(volatile uint32_t *uaddr, int op, uint32_t val, uint64_t ms);
void kl_block_signals(void);
bool kl_is_err(void *p);

/* --- locks (lock.c): a futex mutex that spins a little first ------------- */
struct kl_lock {
	volatile uint32_t state;	/* 0 free, 1 locked, 2 locked + waiters */
};
void kl_lock_slow(struct kl_lock *l);
void kl_unlock_wake(struct kl_lock *l);

static inline void kl_lock(struct kl_lock *l)
{
	uint32_t zero = 0;
	if (KL_UNLIKELY(!__atomic_compare_exchange_n(&l->state, &zero, 1, 0,
			__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)))
		kl_lock_slow(l);
}

static inline void kl_unlock(struct kl_lock *l)
{
	if (KL_UNLIKELY(__atomic_exchange_n(&l->state, 0, __ATOMIC_RELEASE) == 2))
		kl_unlock_wake(l);
}

/* --- size classes (class.c) ---------------------------------------------- */
/* 16..128 in steps of 16, then 8 classes per doubling up to 32 KiB: a block
 * above 128 bytes wastes at most 1/9 of itself (the request is more than
 * the previous class, which is 8/9 of this one or more); up to 128 bytes the
 * 16-byte alignment malloc owes sets the step, at most 15 bytes. */
#define KL_NCLASS 72
#define KL_SMALL_MAX 32768ul
#define KL_LARGE_MAX (1ul << 20)	/* above this: huge, mapped directly */

static inline unsigned kl_class_of(size_t n)
{
	if (n <= 128)
		return n ? (unsigned)((n - 1) >> 4) : 0;
	size_t m = n - 1;
	unsigned k = 63 - (unsigned)__builtin_clzl(m);
	return 8 + (k - 7) * 8 + (unsigned)((m >> (k - 3)) & 7);
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
	uint8_t dirty;		/* free run still resident */
	uint16_t cls;
	struct kl_span *next, *prev;	/* class list or free bin */
	struct kl_span *dnext, *dprev;	/* dirty FIFO */
	uint64_t freed_ms;	/* when a free run became dirty */
	/* small spans */
	void *free;		/* intrusive list of free blocks */
	uintptr_t bump;		/* blocks never handed out start here */
	uint32_t used;		/* blocks out of the span (incl. caches) */
	uint8_t listed;		/* on its class's non-full list */
	uint8_t holes;		/* free blocks with resident pages (holes.c) */
	uint16_t arena;		/* whose class lists hold it (small.c) */
};

struct kl_segment {
	uint64_t magic;
	uint64_t pad[7];
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
	struct kl_huge *next;	/* free-mapping cache (huge.c) */
	uint64_t freed_ms;
};
#define KL_HUGE_FREE_MAGIC 0x6b65656c48465245ull

#define KL_REG_BITS (1ul << 26)	/* 2^48 bytes of address space / 4 MiB */
extern KL_HIDDEN uint64_t *kl_registry;

/* Does the heap own the 4 MiB boundary seg (a segment or huge header)? */
static inline bool kl_registry_has(uintptr_t seg)
{
	uint64_t *r = __atomic_load_n(&kl_registry, __ATOMIC_ACQUIRE);
	uintptr_t i = seg >> 22;
	if (KL_UNLIKELY(!r || i >= KL_REG_BITS))
		return false;
	return (__atomic_load_n(&r[i / 64], __ATOMIC_RELAXED) >> (i % 64)) & 1;
}

void kl_registry_set(uintptr_t seg, size_t len, bool on);

static inline uintptr_t kl_seg_of(const void *p)
{
	return ((uintptr_t)p - 1) & ~(KL_SEG_SIZE - 1);
}

extern KL_HIDDEN struct kl_lock kl_heap_lock;
/* _room: the caller holds no lock (the guard may check before a new
 * segment); kl_page_alloc: a class's span, under the class's lock */
struct kl_span *kl_page_alloc(size_t npages);
struct kl_span *kl_page_alloc_room(size_t npages, size_t room);
void kl_page_free(struct kl_span *s);
bool kl_page_grow(struct kl_span *s, size_t npages);
void kl_page_shrink(struct kl_span *s, size_t npages);
void kl_page_carve(struct kl_span *s, size_t off, size_t npages);
void kl_page_set_map(struct kl_span *s, unsigned pcls);
size_t kl_purge(uint64_t older_than_ms, size_t max_bytes);
void kl_page_after_free(uint64_t now);

struct kl_span *kl_span_new(void);
void kl_span_delete(struct kl_span *s);
void *kl_meta_alloc(size_t size);
void *kl_map_aligned(size_t len, size_t align);
extern KL_HIDDEN bool kl_purger_running;

/* page-level statistics, under kl_heap_lock */
struct kl_page_stats {
	size_t mapped;		/* segment bytes mapped */
	size_t dirty;		/* free runs still resident */
	size_t clean;		/* free runs returned */
	size_t large_in_use;
	size_t small_spans;	/* bytes in small spans */
	size_t segments;
	/* bytes purged, cumulative, by origin (0 large, class + 1 small) */
	size_t returned[KL_NCLASS + 1];
};
extern KL_HIDDEN struct kl_page_stats kl_pages;

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
struct kl_class {
	struct kl_lock lock;
	struct kl_span *nonfull, *nonfull_tail;	/* spans with free blocks */
	size_t spans;
	size_t used;		/* blocks out of spans */
	size_t nblocks;		/* capacity of all spans */
	size_t holes;		/* bytes of free blocks returned (holes.c) */
} __attribute__((aligned(64)));
extern KL_HIDDEN struct kl_class kl_classes[KL_NARENA][KL_NCLASS];
unsigned kl_small_take(unsigned arena, unsigned cls, void **head,
		       unsigned want);
void kl_small_give(unsigned cls, void *list);
void *kl_small_alloc_locked(unsigned cls);
void kl_small_free_one(unsigned cls, void *p);

/* --- holes (holes.c): the pages inside free blocks of partly used spans -- */
/* A free block of a class above a page may have whole pages past its first
 * 16 bytes (the list link and this mark): the purger returns them, and
 * marks the block, so it is counted and returned once. */
#define KL_HOLE_MAGIC 0x6b65656c484f4c45ull
static inline bool kl_class_holes(unsigned cls)
{
	return kl_class_size[cls] > KL_PAGE;
}
size_t kl_hole_len(uintptr_t p, unsigned cls, uintptr_t *start);
size_t kl_holes_purge(uint64_t older_than_ms);

/* --- thread caches (tcache.c) -------------------------------------------- */
struct kl_tbin {
	void *head;
	uint32_t count;
	uint32_t max;
};

struct kl_tcache {
	struct kl_tbin bin[KL_NCLASS];
	size_t bytes;
	struct kl_tcache *next, *prev;	/* registry of live caches */
	uint32_t arena;		/* the spans its refills come from */
	bool dead;
};

#define KL_TCACHE_DEAD ((struct kl_tcache *)1)
#define KL_TCACHE_BYTES_MAX (512u << 10)
extern KL_HIDDEN __thread struct kl_tcache *kl_tc;
extern KL_HIDDEN struct kl_lock kl_threads_lock;
extern KL_HIDDEN struct kl_tcache *kl_threads;
extern KL_HIDDEN uint32_t kl_nthreads;
struct kl_tcache *kl_tcache_init(void);
void *kl_tcache_refill(struct kl_tcache *tc, unsigned cls);
void kl_tcache_overflow(struct kl_tcache *tc, unsigned cls);
void kl_tcache_flush(struct kl_tcache *tc);
void kl_tcache_ctor(void);
void kl_tcache_fork_child(void);

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
int kl_trim(void);
void kl_boot(void);
void kl_set_errno(int e);

/* The fast paths, inlined into the API: a thread-cache pop or push and
 * nothing else; anything more goes to kl_alloc/kl_free. */
static inline void *kl_alloc_fast(size_t n)
{
	struct kl_tcache *tc = kl_tc;
	if (KL_LIKELY(n <= KL_SMALL_MAX && (uintptr_t)tc > 1)) {
		unsigned cls = kl_class_of(n);
		struct kl_tbin *b = &tc->bin[cls];
		void *p = b->head;
		if (KL_LIKELY(p)) {
			b->head = *(void **)p;
			b->count--;
			tc->bytes -= kl_class_size[cls];
			return p;
		}
	}
	return kl_alloc(n);
}

/* free(NULL) maps to a boundary past the registry, so it fails the
 * registry test; a huge block reads a zero class byte from its header
 * page (the header is smaller than the bytes before pcls): both fall
 * through to kl_free without extra tests here. */
_Static_assert(sizeof(struct kl_huge) <= offsetof(struct kl_segment, pcls),
	       "the huge header must leave the class bytes zero");

static inline void kl_free_fast(void *p)
{
	uintptr_t h = kl_seg_of(p);
	struct kl_tcache *tc = kl_tc;
	if (KL_LIKELY((uintptr_t)tc > 1 && kl_registry_has(h))) {
		struct kl_segment *seg = (struct kl_segment *)h;
		unsigned c = seg->pcls[((uintptr_t)p - h) >> KL_PAGE_SHIFT];
		if (KL_LIKELY(c)) {
			struct kl_tbin *b = &tc->bin[c - 1];
			*(void **)p = b->head;
			b->head = p;
			tc->bytes += kl_class_size[c - 1];
			if (KL_UNLIKELY(++b->count > b->max ||
					tc->bytes > KL_TCACHE_BYTES_MAX))
				kl_tcache_overflow(tc, c - 1);
			return;
		}
	}
	kl_free(p);
}

/* --- huge blocks (huge.c) ------------------------------------------------ */
#define KL_HUGE_ZERO 1u	/* calloc: clear a reused mapping */
#define KL_HUGE_GROW 2u	/* realloc growth: keep a bigger cached mapping */
void *kl_huge_alloc(size_t n, size_t align, unsigned flags);
void kl_huge_free(struct kl_huge *h);
void *kl_huge_realloc(struct kl_huge *h, size_t n);
size_t kl_huge_purge(uint64_t older_than_ms, size_t max_bytes);
void kl_huge_fork_lock(bool lock);
void kl_huge_fork_child(void);
extern KL_HIDDEN size_t kl_huge_bytes;	/* atomic */
extern KL_HIDDEN size_t kl_huge_count;
extern KL_HIDDEN size_t kl_huge_cached;	/* free mappings kept resident */
extern KL_HIDDEN size_t kl_huge_returned;

/* Free resident memory (dirty runs and cached huge mappings) may reach
 * max(8 MiB, 1/8 of the bytes in use in segments) before the oldest is
 * purged early, once older than KL_KEEP_MS (dirty runs, page.c) or
 * KL_HUGE_KEEP_MS (huge mappings, huge.c): what a busy program frees and
 * takes again at once is not faulted in again. On the seed pattern a 2 ms
 * grace cut page faults by a quarter for 5% more RSS; huge mappings, each
 * many pages, wait longer. */
#define KL_DIRTY_MIN (8ul << 20)
#define KL_KEEP_MS 2
#define KL_HUGE_KEEP_MS 50
static inline size_t kl_dirty_cap(void)
{
	size_t in_use = __atomic_load_n(&kl_pages.large_in_use,
					__ATOMIC_RELAXED) +
			__atomic_load_n(&kl_pages.small_spans, __ATOMIC_RELAXED);
	return in_use / 8 > KL_DIRTY_MIN ? in_use / 8 : KL_DIRTY_MIN;
}

/* --- configuration, messages, purger, stats, fork ------------------------ */
struct kl_config {
	uint64_t decay_ms;
	bool stats;
	bool on_limit_fail;
	const char *stats_dir;
};
extern KL_HIDDEN struct kl_config kl_cfg;
extern KL_HIDDEN bool kl_ctor_done;
void kl_config_read(void);

/* fork support, one pair per lock owner (life.c calls them in order) */
void kl_meta_fork_lock(bool lock);
void kl_meta_fork_child(void);
void kl_small_fork_lock(bool lock);

void kl_small_fork_child(void);
void kl_page_fork_child(void);
struct kl_segment *kl_segment_new(void);
void kl_segment_delete(struct kl_segment *seg);
void kl_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kl_format(char *buf, size_t cap, const char *fmt, va_list ap);
int kl_snprintf(char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void kl_purger_kick(void);
void kl_purger_fork_child(void);
bool kl_growth_denied(void);
void kl_stats_publish(void);
void kl_stats_open(void);
void kl_stats_map_control(void);
void kl_stats_grew(void);
void kl_heap_grew(void);
extern KL_HIDDEN bool kl_heap_grown;	/* a new segment since the last check */
/* the guard's check at growth (guard.c); the control file (publish.c) */
struct keel_control;
extern KL_HIDDEN struct keel_control *kl_control;
void kl_guard_setup(const struct keel_control *c, uint32_t owner);
bool kl_guard_grow(size_t bytes);
void kl_segment_grew(void);
extern KL_HIDDEN __thread bool kl_seg_checked;

/* Where no lock is held after taking pages: act on a new segment. */
static inline void kl_heap_check_growth(void)
{
	if (KL_UNLIKELY(__atomic_load_n(&kl_heap_grown, __ATOMIC_RELAXED)))
		kl_segment_grew();
}
/* A snapshot of the heap's counters (stats.c), for every report. */
struct kl_snapshot {
	size_t cls_used[KL_NCLASS];	/* blocks in use */
	size_t cls_free[KL_NCLASS];	/* bytes free in spans and caches */
	size_t small_in_use, small_free;
	size_t large_in_use, huge, huge_count;
	size_t dirty, clean, mapped;	/* dirty: free runs + huge_cached */
	size_t huge_cached;
	size_t returned[KL_NCLASS + 1];	/* by origin, as kl_pages.returned */
	size_t huge_returned;
};
void kl_stats_take(struct kl_snapshot *s);
void kl_stats_print(void);
void kl_stats_served(uint32_t epoch);
void kl_stats_fork_child(void);
void kl_stats_close(void);
void kl_stats_mallinfo(size_t out[10]);
void kl_fork_register(void);
extern KL_HIDDEN uint64_t kl_trims;

/* --- exec and spawn wrappers (preload.c, next.c) ------------------------ */
enum kl_exec_op {
	KL_EXECVE, KL_EXECVPE, KL_FEXECVE, KL_SPAWN, KL_SPAWNP, KL_SYSTEM,
	KL_POPEN, KL_EXEC_OPS
};
/* One exec or spawn: what api.c's wrappers pass on. */
struct kl_exec {
	enum kl_exec_op op;
	const char *path;	/* or the file execvpe searches */
	int fd;			/* fexecve */
	char *const *argv, *const *envp;
	int *pid;		/* posix_spawn */
	const void *actions, *attr;
};
void kl_preload_init(void);
int kl_exec(const struct kl_exec *x);
void kl_exec_mend(void);
void *kl_exec_next(enum kl_exec_op op);
void kl_exec_resolve(void);
char **kl_environ(void);
/* dlsym(RTLD_NEXT, name) without libdl; 0 when not found */
void *kl_next(const char *name);

void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
