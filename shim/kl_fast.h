/* The inline fast paths: malloc and free as a thread-cache pop or push,
 * and the check for a heap that grew, where no lock is held. Anything more
 * goes to the heap's functions. */
#ifndef KL_FAST_H
#define KL_FAST_H

#include "kl_heap.h"
#include "kl_decay.h"
#include "kl_guard.h"

/* The fast paths, inlined into the API: a thread-cache pop or push and
 * nothing else; anything more goes to kl_alloc/kl_free. */
static inline void *kl_alloc_fast(size_t n)
{
	struct kl_tcache *tc = kl_tc;
	if (KL_LIKELY(n <= KL_SMALL_MAX && (uintptr_t)tc > 1)) {
		size_t cls = kl_class_of(n);	/* size_t: no extension */
		struct kl_tbin *b = &tc->bin[cls];
		if (KL_LIKELY(kl_tc_enter(tc))) {
			void *p = b->head;
			if (KL_LIKELY(p)) {
				void *next = *(void **)p;
				b->head = next;
				/* the next malloc's load of next's link is
				 * a cache miss where the blocks came back
				 * in the order another part of the program
				 * freed them (a cache's, a transfer
				 * batch's): started now, it overlaps the
				 * program's own work */
				__builtin_prefetch(next, 1);
				b->room++;
				tc->bytes -= kl_class_size[cls];
				kl_tc_leave(tc, p);
				return p;
			}
			kl_tc_leave(tc, 0);
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
	if (KL_LIKELY((uintptr_t)tc > 1 && kl_registry_has_mapped(h))) {
		struct kl_segment *seg = (struct kl_segment *)h;
		/* size_t: c - 1 folds into the addresses below */
		size_t c = seg->pcls[((uintptr_t)p - h) >> KL_PAGE_SHIFT];
		if (KL_LIKELY(c && kl_tc_enter(tc))) {
			struct kl_tbin *b = &tc->bin[c - 1];
			*(void **)p = b->head;
			b->head = p;
			tc->bytes += kl_class_size[c - 1];
			if (KL_UNLIKELY(--b->room < 0 ||
					tc->bytes > __atomic_load_n(
						&tc->cap, __ATOMIC_RELAXED)))
				/* leaves, as its tail call */
				kl_tcache_overflow(tc, (unsigned)c - 1);
			else
				kl_tc_leave(tc, p);
			return;
		}
	}
	kl_free(p);
}

/* Where no lock is held after taking pages: act on a new segment. */
static inline void kl_heap_grew_check(void)
{
	if (KL_UNLIKELY(__atomic_load_n(&kl_heap_grew_pending,
					 __ATOMIC_RELAXED)))
		kl_guard_heap_grew();
}

#endif
