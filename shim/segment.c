/* Segments and metadata: 4 MiB aligned regions taken from the OS, a bitmap
 * registry of every 4 MiB boundary the heap owns (so free() can refuse a
 * foreign pointer without touching unmapped memory), and the pool that
 * span descriptors come from, kept apart from user memory. */

#include "kl_heap.h"
#include "kl_decay.h"
#include <linux/mman.h>

KL_HIDDEN uint64_t *kl_registry;
static char *kl_meta_cur, *kl_meta_end;
static struct kl_span *kl_span_pool;

/* Maps the registry on first use; false when there is no room for it. */
bool kl_registry_init(void)
{
	if (__atomic_load_n(&kl_registry, __ATOMIC_ACQUIRE))
		return true;
	void *p = kl_mmap(0, KL_REG_BITS / 8, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
	if (kl_is_err(p))
		return false;
	/* a few words of it are ever written: under THP "always" each
	 * would bring a 2 MiB page */
	kl_madvise(p, KL_REG_BITS / 8, MADV_NOHUGEPAGE);
	uint64_t *none = 0;
	/* huge blocks register without the heap lock: first one wins */
	if (!__atomic_compare_exchange_n(&kl_registry, &none, p, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		kl_munmap(p, KL_REG_BITS / 8);
	return true;
}


/* Only the 4 MiB boundary holding a header is marked: free() looks there.
 * The registry exists: the mapping came from kl_map_aligned(). */
void kl_registry_set(uintptr_t seg, size_t len, bool on)
{
	(void)len;
	if (!kl_registry)
		return;
	uintptr_t i = seg >> KL_SEG_SHIFT;
	if (i >= KL_REG_BITS)
		return;
	uint64_t bit = 1ull << (i % 64);
	if (on)
		__atomic_fetch_or(&kl_registry[i / 64], bit, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&kl_registry[i / 64], ~bit, __ATOMIC_RELEASE);
}

/* Map len bytes at an address aligned to align by mapping align more and
 * cutting the unaligned ends off. A len + align that wraps is refused: the
 * cuts computed from it would unmap whatever lies below the small mapping
 * it got. */
static void *map_over(size_t len, size_t align)
{
	size_t big;
	if (__builtin_add_overflow(len, align, &big))
		return 0;
	char *p = kl_mmap(0, big, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
	if (kl_is_err(p))
		return 0;
	uintptr_t a = ((uintptr_t)p + align - 1) & ~(align - 1);
	size_t head = a - (uintptr_t)p;
	if (head)
		kl_munmap(p, head);
	if (big - head - len)
		kl_munmap((char *)a + len, big - head - len);
	return (void *)a;
}

/* The same with no address space to spare for the cuts (RLIMIT_AS): len
 * bytes where the kernel puts them, if aligned, else at the boundary
 * below, if nothing is mapped there (a kernel without MAP_FIXED_NOREPLACE
 * takes it as a hint, so the address is checked). */
static void *map_exact(size_t len, size_t align)
{
	const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	char *p = kl_mmap(0, len, PROT_READ | PROT_WRITE, flags);
	if (kl_is_err(p))
		return 0;
	uintptr_t a = (uintptr_t)p & ~(align - 1);
	if (a == (uintptr_t)p)
		return p;
	kl_munmap(p, len);
	p = kl_mmap((void *)a, len, PROT_READ | PROT_WRITE,
		    flags | MAP_FIXED_NOREPLACE);
	if (kl_is_err(p))
		return 0;
	if ((uintptr_t)p == a)
		return p;
	kl_munmap(p, len);
	return 0;
}

/* Map len bytes at an address aligned to align (a power of two >= 4 MiB).
 * Every mapping the heap hands blocks from comes from here, so the
 * registry is mapped first: a block in a mapping the registry cannot mark
 * would be refused by free() as foreign (found under a tight RLIMIT_AS,
 * where the registry was the mapping that failed). With no address space
 * left, the cached free huge mappings go back and it tries again: a
 * program that freed its memory can allocate again. No lock of huge.c may
 * be held by the caller. */
void *kl_map_aligned(size_t len, size_t align)
{
	if (!kl_registry_init())
		return 0;
	void *p = map_over(len, align);
	if (!p && kl_huge_purge(UINT64_MAX))
		p = map_over(len, align);
	if (!p)
		p = map_exact(len, align);
	return p;
}

/* A new segment; its header pages are written, the rest is untouched and
 * costs no memory until used. With *huge_head, its first half is backed
 * by a huge page first (hugepage.c); *huge_head says whether it was.
 * Called with kl_locks.heap held. */
struct kl_segment *kl_segment_new(bool *huge_head)
{
	struct kl_segment *seg = kl_map_aligned(KL_SEG_SIZE, KL_SEG_SIZE);
	if (!seg) {
		*huge_head = false;
		return 0;
	}
	/* No transparent huge pages but where the page heap asks for one:
	 * under THP "always" a 2 MiB page would back spans that are mostly
	 * free, frees and trims would return nothing from it, and khugepaged
	 * would fill trimmed holes again. */
	kl_madvise(seg, KL_SEG_SIZE, MADV_NOHUGEPAGE);
	/* before the header's write faults in a page of its own */
	if (*huge_head)
		*huge_head = kl_hugepage_back((uintptr_t)seg);
	seg->magic = KL_SEG_MAGIC;
	kl_registry_set((uintptr_t)seg, KL_SEG_SIZE, true);
	kl_pages.mapped += KL_SEG_SIZE;
	kl_pages.segments++;
	__atomic_store_n(&kl_heap_grew_pending, true, __ATOMIC_RELAXED);
	return seg;
}

void kl_segment_delete(struct kl_segment *seg)
{
	kl_registry_set((uintptr_t)seg, KL_SEG_SIZE, false);
	kl_munmap(seg, KL_SEG_SIZE);
	kl_pages.mapped -= KL_SEG_SIZE;
	kl_pages.segments--;
}

/* Metadata: a bump allocator over 256 KiB mappings; never freed (span
 * descriptors and thread caches are recycled through their own lists). */
void *kl_meta_alloc(size_t size)
{
	size = (size + 63) & ~(size_t)63;
	kl_lock(&kl_locks.meta);
	if ((size_t)(kl_meta_end - kl_meta_cur) < size) {
		size_t len = size > (256u << 10) ? size : (256u << 10);
		char *p = kl_mmap(0, len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS);
		if (kl_is_err(p)) {
			kl_unlock(&kl_locks.meta);
			return 0;
		}
		kl_meta_cur = p;
		kl_meta_end = p + len;
	}
	void *r = kl_meta_cur;
	kl_meta_cur += size;
	kl_unlock(&kl_locks.meta);
	return r;
}

struct kl_span *kl_span_new(void)
{
	kl_lock(&kl_locks.meta);
	struct kl_span *s = kl_span_pool;
	if (s)
		kl_span_pool = s->next;
	kl_unlock(&kl_locks.meta);
	if (!s)
		s = kl_meta_alloc(sizeof(*s));
	if (s)
		memset(s, 0, sizeof(*s));
	return s;
}

void kl_span_delete(struct kl_span *s)
{
	kl_lock(&kl_locks.meta);
	s->kind = 0;
	s->next = kl_span_pool;
	kl_span_pool = s;
	kl_unlock(&kl_locks.meta);
}
