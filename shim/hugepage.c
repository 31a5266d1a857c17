/* Transparent huge pages under the page heap. The first write to a page
 * of fresh memory costs an exception into the kernel: 4 KiB at a time,
 * 13-14 us each where the hypervisor shadows page tables, 0.5-1 us on
 * bare metal. One huge page maps 2 MiB with one fault. So once the heap
 * has 16 MiB of segments, each 2 MiB half of a new segment is backed by
 * a huge page: the first as the segment is mapped, before its header is
 * written (segment.c), the second when the heap first hands out pages of
 * it while all of it is clean (page.c); what the request does not take
 * becomes free resident pages. A heap grown to 256 MiB of 16 B-64 KiB
 * blocks took 67,900 page faults, now 3,960.
 *
 * Segments stay MADV_NOHUGEPAGE otherwise: no huge page appears where
 * keel did not ask for one (THP "always", khugepaged). Memory goes back
 * 4 KiB at a time as before, once the huge page is split
 * (kl_hugepage_split). Not for a smaller heap (a small program would
 * hold up to 4 MiB it never fills), near keel's limit, or with
 * KEEL_HUGEPAGES=off.
 *
 * Nor while the program gives memory back: a huge page pays where the
 * heap grows and stays, and one that is split to return part of it costs
 * more than it saved. A split maps the pages that hold only zeros to the
 * kernel's shared zero page (Linux 6.12 on): free room not yet handed
 * out, blocks calloc'd and not yet written. The next write to each is a
 * fault that also flushes the TLB of every CPU the process runs on. Node
 * worker threads churning Buffers (calloc'd, 0-5 KB) ran 4.0 s where
 * glibc took 1.8-2.1 and KEEL_HUGEPAGES=off 2.3; 101 huge pages were
 * backed and split. With none backed within KL_HUGEPAGE_QUIET_MS of a
 * return of pages to the OS: 3.1 s (2.7-3.2); the huge pages left were
 * those of the first growth, before the first return (the decay's half
 * second). So the clock starts at the first span the program frees:
 * the same program, on a machine where a fault costs 1.3 us, 0.65-0.69 s
 * against 0.81-0.96 s before (KEEL_HUGEPAGES=off 0.65-0.69, glibc
 * 0.85-0.92, mimalloc 0.61-0.70), with no huge page (65-88 before). A
 * heap grown to 256 MiB and freed (the grow benchmark, 0.12 s where
 * faults are dear against 1.03 s without huge pages) frees nothing while
 * it grows, and still takes 126 huge pages; the seed pattern (450 MiB
 * live), which frees from its start, takes 6-10 instead of about 40, at
 * the same speed and RSS.
 *
 * Nor while huge pages cost more than small ones. A virtual machine whose
 * balloon reports free memory to its host (free page reporting, as a
 * Firecracker guest's does) hands the host back the free 2 MiB blocks a
 * huge page is made of; the next write to one faults every 4 KiB of it
 * in again on the host. Here, 3 s after the last process freed its heap,
 * a huge page took 4.7 ms of the thread's CPU time to back, where it
 * takes 0.09 ms: the grow benchmark ran 0.62-0.65 s, against 0.13 s with
 * KEEL_HUGEPAGES=off and for glibc (small pages come from memory the
 * guest used last). Direct compaction, where the kernel must move pages
 * to make a huge page, stalls the same way. So a huge page whose backing
 * costs the thread more than KL_HUGEPAGE_SLOW_US is the last keel asks
 * for in KL_HUGEPAGE_SLOW_MS (but those other threads are backing at that
 * moment): it pays for one slow huge page in that time, not for each.
 * Slow ones come in runs, not alone: six grow runs between other
 * allocators' runs backed 85-220 us huge pages while the guest's recently
 * freed blocks lasted, then 4.6-6.7 ms ones for every one after, so a
 * rule that waited for a second slow one would only pay one more. */
#include "kl_heap.h"
#include "kl_config.h"
#include "kl_guard.h"
#include <linux/fcntl.h>
#include <linux/mman.h>

/* The heap must have this much mapped before it asks for huge pages. */
#define KL_HUGEPAGE_HEAP_MIN (16ul << 20)
/* ... and have taken back no pages from the program, and returned none,
 * for this long. */
#define KL_HUGEPAGE_QUIET_MS 1000
/* A huge page that costs this much CPU time to back (512 small pages
 * cost 0.1-0.9 ms where a fault costs 0.2-1.7 us) ... */
#define KL_HUGEPAGE_SLOW_US 1000
/* ... stops them for this long. */
#define KL_HUGEPAGE_SLOW_MS 10000

/* when a huge page last took over KL_HUGEPAGE_SLOW_US (0: never) */
static uint64_t hugepage_slow_ms;

_Static_assert(KL_SEG_SIZE == 2 * KL_HUGEPAGE,
	       "a segment's halves are huge pages");

/* The kernel's setting, and THP_2M where its huge page is 2 MiB */
enum { THP_UNKNOWN, THP_UNREADABLE, THP_NEVER, THP_MADVISE, THP_ALWAYS,
       THP_MODE = 7, THP_2M = 8 };

/* Up to len - 1 bytes of a sysfs file, NUL-terminated; 0 if unreadable. */
static long thp_read(const char *path, char *buf, long len)
{
	long n = -1;
	int fd = kl_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd >= 0) {
		n = kl_read(fd, buf, (size_t)len - 1);
		kl_close(fd);
	}
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return n;
}

static bool thp_has(const char *buf, long n, const char *word)
{
	long w = 0;
	while (word[w])
		w++;
	for (long i = 0; i + w <= n; i++)
		if (!memcmp(buf + i, word, (size_t)w))
			return true;
	return false;
}

/* The kernel's setting ("[always] madvise never" names the one in use)
 * and whether a huge page is 2 MiB (not on an arm64 kernel with 64 KiB
 * pages, where it is 512 MiB), read once. */
static int thp_setting(void)
{
	static int cached = THP_UNKNOWN;
	int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
	if (v != THP_UNKNOWN)
		return v;
	char buf[128];
	long n = thp_read("/sys/kernel/mm/transparent_hugepage/enabled",
			  buf, sizeof(buf));
	v = !n ? THP_UNREADABLE :
	    thp_has(buf, n, "[always]") ? THP_ALWAYS :
	    thp_has(buf, n, "[madvise]") ? THP_MADVISE : THP_NEVER;
	n = thp_read("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size",
		     buf, sizeof(buf));
	if (thp_has(buf, n, "2097152"))
		v |= THP_2M;
	__atomic_store_n(&cached, v, __ATOMIC_RELAXED);
	return v;
}

bool kl_thp_always(void)
{
	int m = thp_setting() & THP_MODE;
	return m == THP_ALWAYS || m == THP_UNREADABLE;
}

/* Asked for, offered by the kernel, 2 MiB, and populated on request
 * (MADV_POPULATE_WRITE: Linux 5.14, and no filter refusing it; without
 * it the pages past the request would be counted resident and not be). */
bool kl_hugepage_offered(void)
{
	if (!kl_cfg.hugepages || kl_populate_refused())
		return false;
	int v = thp_setting(), m = v & THP_MODE;
	return (m == THP_ALWAYS || m == THP_MADVISE) && (v & THP_2M);
}

/* Whether no pages went back to the heap or to the OS for
 * KL_HUGEPAGE_QUIET_MS. */
static bool hugepage_quiet(void)
{
	uint64_t freed = __atomic_load_n(&kl_pages.freed_ms, __ATOMIC_RELAXED);
	uint64_t slow = __atomic_load_n(&hugepage_slow_ms, __ATOMIC_RELAXED);
	uint64_t now = kl_now_ms();
	return (!freed || now - freed > KL_HUGEPAGE_QUIET_MS) &&
	       (!slow || now - slow > KL_HUGEPAGE_SLOW_MS);
}

bool kl_hugepage_wanted(void)
{
	return kl_pages.mapped >= KL_HUGEPAGE_HEAP_MIN &&
	       kl_hugepage_offered() && !kl_guard_near_limit() &&
	       hugepage_quiet();
}

bool kl_hugepage_back(uintptr_t p)
{
	/* allowed for these 2 MiB while they are populated, then refused
	 * again: the two calls split the segment's mapping and merge it */
	if (kl_madvise((void *)p, KL_HUGEPAGE, MADV_HUGEPAGE) != 0)
		return false;
	uint64_t t0 = kl_thread_cpu_ns() / 1000;
	bool ok = kl_populate((void *)p, KL_HUGEPAGE, false);
	uint64_t spent = kl_thread_cpu_ns() / 1000 - t0;
	kl_madvise((void *)p, KL_HUGEPAGE, MADV_NOHUGEPAGE);
	if (ok && spent > KL_HUGEPAGE_SLOW_US) {
		uint64_t now = kl_now_ms();
		__atomic_store_n(&hugepage_slow_ms, now ? now : 1,
				 __ATOMIC_RELAXED);
		__atomic_fetch_add(&kl_pages.hugepages_slow, 1,
				   __ATOMIC_RELAXED);
	}
	if (ok) {
		struct kl_segment *seg =
			(struct kl_segment *)(p & ~(KL_SEG_SIZE - 1));
		__atomic_fetch_or(&seg->huge_halves, 1u << (p != (uintptr_t)seg),
				  __ATOMIC_RELAXED);
		__atomic_fetch_add(&kl_pages.hugepages, 1, __ATOMIC_RELAXED);
	}
	return ok;
}

/* A purge of part of a huge page unmaps those pages, but the kernel keeps
 * the whole huge page, charged to the cgroup, until memory pressure makes
 * it split it (its deferred split queue): after a burst of 400 MiB freed
 * to 43 MiB, VmRSS was 43 MiB and the cgroup's usage 260. MADV_COLD over
 * part of a huge page splits it at once (and marks those pages, about to
 * go, as the first to reclaim); the purge then frees its 4 KiB pages as
 * usual. Once per huge page: after that the half is ordinary pages. */
void kl_hugepage_split(uintptr_t p, size_t len)
{
	struct kl_segment *seg = (struct kl_segment *)(p & ~(KL_SEG_SIZE - 1));
	uintptr_t end = p + len;
	if (!__atomic_load_n(&seg->huge_halves, __ATOMIC_RELAXED))
		return;
	for (unsigned h = 0; h < 2; h++) {
		uintptr_t a = (uintptr_t)seg + h * KL_HUGEPAGE;
		uintptr_t b = a + KL_HUGEPAGE;
		uintptr_t from = p > a ? p : a, to = end < b ? end : b;
		if (from >= to || !(__atomic_fetch_and(&seg->huge_halves,
						       ~(1u << h),
						       __ATOMIC_RELAXED) &
				    (1u << h)))
			continue;
		/* all of it: the purge frees the huge page whole */
		if (to - from < KL_HUGEPAGE)
			kl_madvise((void *)from, to - from, MADV_COLD);
	}
}
