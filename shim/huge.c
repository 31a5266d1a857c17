/* Huge blocks (over 1 MiB): one mapping each, with a small header at a
 * 4 MiB boundary so free() finds it like a segment header. realloc moves
 * the pages with mremap instead of copying them: in place when the address
 * space after the block is free, else into a fresh aligned reservation. */
#include "kl.h"

#include <linux/mman.h>

KL_HIDDEN size_t kl_huge_bytes;
KL_HIDDEN size_t kl_huge_count;

static size_t huge_round(size_t n)
{
	return (n + KL_PAGE - 1) & ~(KL_PAGE - 1);
}

void *kl_huge_alloc(size_t n, size_t align)
{
	size_t off = align <= KL_PAGE ? KL_PAGE : align;
	size_t lead = 0;

	if (off > KL_SEG_SIZE) {
		lead = off - KL_SEG_SIZE;
		off = KL_SEG_SIZE;
	}
	if (n > ((size_t)1 << 46) || kl_growth_denied())
		return 0;
	size_t len = off + huge_round(n);
	char *m = kl_map_aligned(lead + len, lead ? align : KL_SEG_SIZE);
	if (!m)
		return 0;
	if (lead)
		kl_munmap(m, lead);
	struct kl_huge *h = (struct kl_huge *)(m + lead);
	h->magic = KL_HUGE_MAGIC;
	h->map_len = len;
	h->offset = off;
	h->size = len - off;
	kl_registry_set((uintptr_t)h, len, true);
	__atomic_fetch_add(&kl_huge_bytes, h->size, __ATOMIC_RELAXED);
	__atomic_fetch_add(&kl_huge_count, 1, __ATOMIC_RELAXED);
	return (char *)h + off;
}

void kl_huge_free(struct kl_huge *h)
{
	__atomic_fetch_sub(&kl_huge_bytes, h->size, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&kl_huge_count, 1, __ATOMIC_RELAXED);
	kl_registry_set((uintptr_t)h, h->map_len, false);
	kl_munmap(h, h->map_len);
}

/* Resize to n bytes (n > 32 KiB); returns the new user pointer or 0 with
 * the block untouched. */
void *kl_huge_realloc(struct kl_huge *h, size_t n)
{
	size_t off = h->offset, old = h->map_len;
	size_t len = off + huge_round(n);
	struct kl_huge *nh = h;

	if (len == old)
		return (char *)h + off;
	if (len > old) {
		if (kl_growth_denied())
			return 0;
		void *r = kl_mremap(h, old, len, 0, 0);
		if (kl_is_err(r)) {
			/* reserve an aligned hole, then move the pages into it */
			size_t rl = len + KL_SEG_SIZE;
			char *res = kl_mmap(0, rl, PROT_NONE,
					    MAP_PRIVATE | MAP_ANONYMOUS |
					    MAP_NORESERVE);
			if (kl_is_err(res))
				return 0;
			char *a = (char *)(((uintptr_t)res + KL_SEG_SIZE - 1) &
					   ~(KL_SEG_SIZE - 1));
			r = kl_mremap(h, old, len, MREMAP_MAYMOVE | MREMAP_FIXED,
				      a);
			if (kl_is_err(r)) {
				kl_munmap(res, rl);
				return 0;
			}
			if (a > res)
				kl_munmap(res, (size_t)(a - res));
			if (res + rl > a + len)
				kl_munmap(a + len, (size_t)(res + rl - (a + len)));
			kl_registry_set((uintptr_t)h, old, false);
			nh = (struct kl_huge *)a;
			kl_registry_set((uintptr_t)nh, len, true);
		}
	} else {
		void *r = kl_mremap(h, old, len, 0, 0);
		if (kl_is_err(r))
			return 0;
	}
	__atomic_fetch_add(&kl_huge_bytes, (len - off) - nh->size,
			   __ATOMIC_RELAXED);
	nh->map_len = len;
	nh->size = len - off;
	return (char *)nh + off;
}
