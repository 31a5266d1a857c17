/* Huge blocks (over 1 MiB): one mapping each, with a small header at a
 * 4 MiB boundary so free() finds it like a segment header; realloc moves
 * pages with mremap, and freed mappings wait in a cache for reuse (a
 * fresh mapping costs a page fault per page touched). */

#include "kl_heap.h"
#include "kl_decay.h"
#include "kl_guard.h"
#include "kl_config.h"
#include <linux/mman.h>

/* A cached mapping stays resident until it is older than KEEL_DECAY_MS,
 * or until free resident memory is over its cap (kl_dirty_cap) and it has
 * waited kl_huge_keep_ms(); then it is unmapped. A reused mapping keeps its
 * resident pages past the request (slack) up to the request again: cut at
 * 1/4, they were faulted in again by the next bigger request (the mixed
 * benchmark, 16 B-4 MiB blocks: 0.75 s and 400,000 faults, now 0.28 s and
 * 120,000 for 4% more peak RSS). Near keel's soft limit the cut is at 1/4
 * again; a realloc growing into it keeps slack by KEEL_DECAY_MS (below). */
/* 32 bound the cache before the cap did once KEEL_DECAY_MS raised it: on
 * the seed pattern at 4000 ms, 256 ran 1.2-1.3x as fast (1.49x -> 1.54x
 * live), and the mixed benchmark at 2000 ms took 0.6 s, not 0.76. */
#define KL_HUGE_CACHE_MAX 256
/* Mappings unmapped per pass with the lock dropped: a small array on the
 * stack of whichever thread frees (a thread's stack may be 16 KiB). */
#define KL_HUGE_BATCH 16
/* A cut-off tail bigger than this is kept (cache_cut). */
#define KL_HUGE_TAIL_MIN KL_LARGE_MAX
/* The most room a growing buffer reserves past its end (grow_room). */
#define KL_HUGE_ROOM_MAX (32ul << 20)

KL_HIDDEN size_t kl_huge_bytes;
KL_HIDDEN size_t kl_huge_count;
KL_HIDDEN size_t kl_huge_cached;
KL_HIDDEN size_t kl_huge_returned;

/* The cache, oldest first. Each mapping's length and age sit beside its
 * address: a search reads this array, not a header page per mapping
 * (each a cache and TLB miss; walking a list through the headers was 7%
 * of the mixed benchmark's time). */
struct huge_slot {
	struct kl_huge *h;
	size_t len;
	uint64_t freed_ms;
};
static struct huge_slot huge_slots[KL_HUGE_CACHE_MAX];
static unsigned huge_ncached;

static void huge_unmap(struct kl_huge *h, size_t len)
{
	kl_registry_set((uintptr_t)h, len, false);
	kl_munmap(h, len);
}

/* The room a buffer that realloc grows to len bytes reserves past its
 * end: address space up to the 4 MiB boundary past twice len, at most
 * 32 MiB. It grows into it with no system call, and a move later takes
 * the room along in one mapping (mremap in place fails as soon as
 * another mapping follows). On the realloc benchmark 889 system calls
 * -> 539; where each costs tens of microseconds (a hypervisor that
 * shadows page tables) that was 1.64x mimalloc's time -> 1.02x. Only
 * touched pages cost memory; no room under transparent huge pages
 * "always" (or a setting that cannot be read): a fault anywhere in a
 * 2 MiB range of the room would bring a whole huge page, and a buffer's
 * room would be filled up to the next 2 MiB boundary (the seed pattern at
 * 16 MiB live under a 48 MiB limit: 36 MiB of huge pages, OOM-killed). */
static size_t grow_room(size_t len)
{
	if (kl_thp_always())
		return 0;
	size_t end = (2 * len + KL_SEG_SIZE - 1) & ~(KL_SEG_SIZE - 1);
	size_t room = end - len;
	return room < KL_HUGE_ROOM_MAX ? room : KL_HUGE_ROOM_MAX;
}

/* Unmap h's room: before it is freed, cut or moved. */
static void huge_drop_room(struct kl_huge *h)
{
	if (h->room) {
		kl_munmap((char *)h + h->map_len, h->room);
		h->room = 0;
	}
}

/* Remove slot i from the cache; kl_locks.huge held. */
static struct huge_slot cache_remove(unsigned i)
{
	struct huge_slot v = huge_slots[i];
	huge_ncached--;
	memmove(&huge_slots[i], &huge_slots[i + 1],
		(huge_ncached - i) * sizeof(huge_slots[0]));
	__atomic_fetch_sub(&kl_huge_cached, v.len, __ATOMIC_RELAXED);
	return v;
}

/* Unmaps the n cached mappings taken out of the cache (no lock held);
 * returns their bytes. */
static size_t huge_return(const struct huge_slot *victims, unsigned n)
{
	size_t done = 0;
	for (unsigned i = 0; i < n; i++) {
		huge_unmap(victims[i].h, victims[i].len);
		done += victims[i].len;
	}
	__atomic_fetch_add(&kl_huge_returned, done, __ATOMIC_RELAXED);
	return done;
}

/* Unmap the oldest cached mappings while free resident memory (with the
 * dirty runs) is over its cap and the oldest has waited more than
 * kl_huge_keep_ms(): a mapping that steady churn takes again within that
 * is not given back early, a mapping nobody asks for goes soon after the
 * cap is passed. */
static void cache_shrink(uint64_t now)
{
	size_t cap = kl_dirty_cap(now);
	uint64_t keep = kl_huge_keep_ms();
	unsigned n;
	do {
		struct huge_slot victims[KL_HUGE_BATCH];
		n = 0;
		kl_lock(&kl_locks.huge);
		while (huge_ncached && n < KL_HUGE_BATCH) {
			size_t free_res = __atomic_load_n(&kl_pages.dirty,
							  __ATOMIC_RELAXED) +
					  kl_huge_cached;
			if (free_res <= cap ||
			    now - huge_slots[0].freed_ms < keep)
				break;
			victims[n++] = cache_remove(0);
		}
		kl_unlock(&kl_locks.huge);
		huge_return(victims, n);
	} while (n == KL_HUGE_BATCH);
}

/* Put free mapping h of len bytes in the cache (the oldest goes when it
 * is full), then trim the cache. */
static void cache_add(struct kl_huge *h, size_t len, uint64_t freed_ms,
		      uint64_t now)
{
	struct huge_slot old;
	bool full;
	kl_lock(&kl_locks.huge);
	full = huge_ncached == KL_HUGE_CACHE_MAX;
	if (full)
		old = cache_remove(0);
	huge_slots[huge_ncached++] = (struct huge_slot){ h, len, freed_ms };
	__atomic_fetch_add(&kl_huge_cached, len, __ATOMIC_RELAXED);
	kl_unlock(&kl_locks.huge);
	if (full)
		huge_return(&old, 1);
	cache_shrink(now);
}

/* Move the pages of the old bytes at src into a new mapping of len bytes
 * at a 4 MiB boundary (mremap moves page table entries: resident pages
 * stay resident); returns it, or 0 with src untouched. */
static char *huge_move(void *src, size_t old, size_t len)
{
	size_t rl;
	if (__builtin_add_overflow(len, KL_SEG_SIZE, &rl))
		return 0;
	char *res = kl_mmap(0, rl, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
	if (kl_is_err(res))
		return 0;
	char *a = (char *)(((uintptr_t)res + KL_SEG_SIZE - 1) &
			   ~(KL_SEG_SIZE - 1));
	void *r = kl_mremap(src, old, len, MREMAP_MAYMOVE | MREMAP_FIXED, a);
	if (kl_is_err(r)) {
		kl_munmap(res, rl);
		return 0;
	}
	if (a > res)
		kl_munmap(res, (size_t)(a - res));
	if (res + rl > a + len)
		kl_munmap(a + len, (size_t)(res + rl - (a + len)));
	return a;
}

/* Cut cached mapping h to len bytes. A tail big enough to serve a huge
 * block again moves to a mapping of its own and waits in the cache: its
 * pages are resident, and unmapped they would be faulted in again by the
 * next request (the mixed benchmark cut and regrew 150-300 MiB). A growing
 * buffer's tail is kept too where faults are dear: a buffer that outgrows
 * its mapping moves into one it fits by copying there (alloc.c), so the
 * tails serve the growers (the realloc benchmark: 48,000 faults -> 40,000
 * and 0.87 s -> 0.80 s for 4% more peak RSS). Where growers fault their
 * pages in, the tails only add to the peak (the realloc benchmark: 120-126
 * MiB against 87-88 unmapped, in the same time). */
static void cache_cut(struct kl_huge *h, size_t len, bool grow,
		      uint64_t freed_ms)
{
	size_t tail = h->map_len - len;
	char *t = 0;
	if (tail > KL_HUGE_TAIL_MIN && kl_cfg.decay_ms &&
	    !kl_guard_near_limit() && (!grow || kl_faults_dear()))
		t = huge_move((char *)h + len, tail, tail);
	if (t) {
		struct kl_huge *n = (struct kl_huge *)t;
		/* a header page reads zero class bytes (kl_free_fast); this
		 * one held a block's bytes */
		memset(n, 0, KL_PAGE);
		n->magic = KL_HUGE_FREE_MAGIC;
		n->map_len = tail;
		n->offset = KL_PAGE;
		n->touched = h->touched > len + KL_PAGE ? h->touched - len :
						       KL_PAGE;
		kl_registry_set((uintptr_t)n, tail, true);
		cache_add(n, tail, freed_ms, kl_now_ms());
	} else {
		kl_munmap((char *)h + len, tail);
		__atomic_fetch_add(&kl_huge_returned, tail, __ATOMIC_RELAXED);
	}
	h->map_len = len;
	if (h->touched > len)
		h->touched = len;
}

/* How many resident bytes past a request of len a reused mapping may
 * keep: the request again, or 1/4 of it while this process finds usage
 * near keel's soft limit. A growing buffer (realloc's) keeps KEEL_DECAY_MS
 * / 1000 of it, at most as much again (a quarter of that where faults are
 * cheap: kl_faults_dear): it grows into those pages with no
 * fault, but it stops growing at a size no one knows, and what it does not
 * fill is held until it is freed. That makes the knob move the seed
 * pattern along one curve: at 500 ms (1/2), 1.63x live at 0.84M appends/s,
 * where a cut to the request gave 1.57x at 0.68M. At 2000 ms, twice the
 * request held more than jemalloc at 450 MiB live (1.69x, jemalloc 1.40x,
 * for 1.15x its speed); as much again holds 1.35x at 0.94-1.01x. */
static size_t slack_room(size_t len, bool grow)
{
	if (kl_guard_near_limit())
		return len / 4;
	if (grow) {
		uint64_t d = kl_cfg.decay_ms < 1000 ? kl_cfg.decay_ms : 1000;
		/* where growers fault their pages in, a quarter of that:
		 * the slack spares only faults then, not moves (the seed
		 * pattern at 450 MiB live 1.16x -> 1.12x live, for 0-10%
		 * fewer appends a second) */
		return kl_faults_dear() ? len / 1000 * d : len / 4000 * d;
	}
	return len;
}

/* The cached mapping that costs fewest page faults for a block of len
 * bytes: the smallest of at least len (a cut drops its pages past the
 * slack allowed) or the largest below len (the caller grows it with
 * mremap: its new pages fault); 0 when the cache is empty. With fit_only,
 * only one that holds len: within the slack for a block the page heap
 * could serve, which must not cut up the mappings that bigger blocks need
 * (the mixed benchmark faulted 280,000 times instead of 50,000); any
 * bigger one, cut, for a growing buffer that moves by copying (alloc.c):
 * when only one within its slack would do, it grew with mremap into fresh
 * pages while the bigger ones aged out (the realloc benchmark: 36,000
 * faults -> 30,000, 0.74 s -> 0.59 s, peak RSS 86 -> 83 MiB). */
static struct kl_huge *cache_take(size_t len, bool grow, bool fit_only)
{
	int best = -1, below = -1;
	if (!__atomic_load_n(&huge_ncached, __ATOMIC_RELAXED))
		return 0;
	size_t slack = slack_room(len, grow);
	kl_lock(&kl_locks.huge);
	for (unsigned i = huge_ncached; i-- > 0;) {	/* newest first */
		size_t l = huge_slots[i].len;
		if (l >= len && (!fit_only || grow || l - len <= slack)) {
			if (best < 0 || l < huge_slots[best].len)
				best = (int)i;
		} else if (l < len && !fit_only &&
			   (below < 0 || l > huge_slots[below].len)) {
			below = (int)i;
		}
	}
	if (below >= 0 && best >= 0) {
		size_t b = huge_slots[best].len;
		size_t cut = b - len > slack ? b - len : 0;
		if (len - huge_slots[below].len < cut)
			best = below;
	} else if (best < 0) {
		best = below;
	}
	struct huge_slot v = { 0, 0, 0 };
	if (best >= 0)
		v = cache_remove((unsigned)best);
	kl_unlock(&kl_locks.huge);
	/* a growing buffer keeps its slack; another block is cut to size,
	 * its slack being only there to spare the cut */
	if (v.h && v.len > len && v.len - len > slack) {
		size_t keep = grow ? kl_page_up(len + slack) : len;
		if (keep < v.len)
			cache_cut(v.h, keep, grow, v.freed_ms);
	}
	return v.h;
}

/* touched: the bytes from h known resident */
static void *huge_publish(struct kl_huge *h, size_t len, size_t off,
			  size_t room, size_t touched)
{
	h->touched = touched;
	h->magic = KL_HUGE_MAGIC;
	h->map_len = len;
	h->offset = off;
	h->size = len - off;
	h->slack = 0;
	h->room = room;
	h->born = kl_handout_tick(h->size);
	__atomic_fetch_add(&kl_huge_bytes, h->size, __ATOMIC_RELAXED);
	__atomic_fetch_add(&kl_huge_count, 1, __ATOMIC_RELAXED);
	return (char *)h + off;
}

void *kl_huge_alloc(size_t n, size_t align, unsigned flags)
{
	size_t off = align <= KL_PAGE ? KL_PAGE : align;
	size_t lead = 0;

	if (off > KL_SEG_SIZE) {
		lead = off - KL_SEG_SIZE;
		off = KL_SEG_SIZE;
	}
	if (n > KL_REQUEST_MAX || align > KL_REQUEST_MAX ||
	    kl_growth_denied())
		return 0;
	size_t len = off + kl_page_up(n);
	if (!lead && off == KL_PAGE) {
		struct kl_huge *h = cache_take(len, flags & KL_HUGE_GROW,
					       flags & KL_HUGE_CACHED);
		if (h) {
			/* keep what the cut left: its pages are resident */
			size_t have = h->map_len - off;
			void *p = huge_publish(h, h->map_len, off, 0,
					       h->touched);
			if (h->map_len < len &&
			    !(p = kl_huge_realloc(h, n, flags & KL_HUGE_GROW))) {
				kl_huge_free(h);
				goto fresh;
			}
			h = (struct kl_huge *)((char *)p - off);	/* moved */
			if (h->map_len > len)
				h->slack = h->map_len - len;
			/* grown pages are fresh, already zero */
			if (flags & KL_HUGE_ZERO)
				memset(p, 0, have < n ? have : n);
			return p;
		}
	}
fresh:
	if (flags & KL_HUGE_CACHED)
		return 0;
	/* new memory: the guard's check first, with no lock held */
	if (!kl_guard_grow(len))
		return 0;
	size_t room = flags & KL_HUGE_GROW ? grow_room(len) : 0;
	char *m = kl_map_aligned(lead + len + room,
				 lead ? align : KL_SEG_SIZE);
	if (!m && room) {
		room = 0;	/* no address space to spare (RLIMIT_AS) */
		m = kl_map_aligned(lead + len, lead ? align : KL_SEG_SIZE);
	}
	if (!m)
		return 0;
	if (lead)
		kl_munmap(m, lead);
	struct kl_huge *h = (struct kl_huge *)(m + lead);
	kl_registry_set((uintptr_t)h, len, true);
	void *p = huge_publish(h, len, off, room, off);
	kl_heap_grew();
	return p;
}

void kl_huge_free(struct kl_huge *h)
{
	__atomic_fetch_sub(&kl_huge_bytes, h->size, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&kl_huge_count, 1, __ATOMIC_RELAXED);
	huge_drop_room(h);
	/* a mapping bigger than the whole free-resident cap is not kept, nor
	 * any while KEEL_ON_LIMIT=fail refuses growth: a program that sheds
	 * its load must bring usage under the limit to grow again */
	uint64_t now = kl_now_ms();
	if (kl_cfg.decay_ms == 0 || h->offset != KL_PAGE ||
	    h->map_len > kl_dirty_cap(now) || kl_guard_refusing()) {
		huge_unmap(h, h->map_len);
		return;
	}
	h->magic = KL_HUGE_FREE_MAGIC;
	cache_add(h, h->map_len, now, now);
	kl_page_after_free(now);
}

/* Unmap the cached mappings freed at or before older_than_ms; returns
 * the bytes unmapped. */
size_t kl_huge_purge(uint64_t older_than_ms)
{
	size_t done = 0;
	unsigned n;
	do {
		struct huge_slot victims[KL_HUGE_BATCH];
		unsigned kept = 0;
		n = 0;
		if (!__atomic_load_n(&huge_ncached, __ATOMIC_RELAXED))
			break;
		kl_lock(&kl_locks.huge);
		for (unsigned i = 0; i < huge_ncached; i++) {
			struct huge_slot v = huge_slots[i];
			if (n < KL_HUGE_BATCH && v.freed_ms <= older_than_ms) {
				victims[n++] = v;
				__atomic_fetch_sub(&kl_huge_cached, v.len,
						   __ATOMIC_RELAXED);
			} else {
				huge_slots[kept++] = v;
			}
		}
		huge_ncached = kept;
		kl_unlock(&kl_locks.huge);
		done += huge_return(victims, n);
	} while (n == KL_HUGE_BATCH);
	return done;
}

/* Grow h, of old bytes, to len: into its room, else in place with new
 * room (mremap), else moved to a new mapping with it; the room dropped
 * when there is no address space for it. Returns the header, or 0 with
 * h's block untouched (its room may be gone). */
static struct kl_huge *huge_grow(struct kl_huge *h, size_t old, size_t len,
				 bool grow)
{
	size_t have = old + h->room;
	if (len <= have) {
		h->room = have - len;
		return h;
	}
	size_t room = grow ? grow_room(len) : 0;
	if (!kl_is_err(kl_mremap(h, have, len + room, 0, 0))) {
		h->room = room;
		return h;
	}
	if (room && !kl_is_err(kl_mremap(h, have, len, 0, 0))) {
		h->room = 0;
		return h;
	}
	/* the old boundary leaves the registry before the move unmaps it:
	 * another thread may map it at once */
	huge_drop_room(h);
	kl_registry_set((uintptr_t)h, old, false);
	char *a = huge_move(h, old, len + room);
	if (!a && room) {
		room = 0;
		a = huge_move(h, old, len);
	}
	if (!a) {
		kl_registry_set((uintptr_t)h, old, true);
		return 0;
	}
	struct kl_huge *nh = (struct kl_huge *)a;
	nh->room = room;
	kl_registry_set((uintptr_t)nh, len, true);
	return nh;
}

/* Resize to n bytes (n > 32 KiB); a growing buffer (grow) gets room to
 * grow into. Returns the new user pointer or 0 with the block untouched. */
void *kl_huge_realloc(struct kl_huge *h, size_t n, bool grow)
{
	size_t off = h->offset, old = h->map_len;
	if (n > KL_REQUEST_MAX)
		return 0;	/* kl_page_up would wrap */
	size_t len = off + kl_page_up(n);
	struct kl_huge *nh = h;

	if (len == old)
		return (char *)h + off;
	h->slack = 0;	/* resized to the request: grown pages are fresh */
	if (len > old) {
		if (kl_growth_denied() || !kl_guard_grow(len - old))
			return 0;
		if (!(nh = huge_grow(h, old, len, grow)))
			return 0;
	} else {
		huge_drop_room(h);
		void *r = kl_mremap(h, old, len, 0, 0);
		if (kl_is_err(r))
			return 0;
		if (h->touched > len)
			h->touched = len;
	}
	__atomic_fetch_add(&kl_huge_bytes, (len - off) - nh->size,
			   __ATOMIC_RELAXED);
	nh->map_len = len;
	nh->size = len - off;
	return (char *)nh + off;
}
