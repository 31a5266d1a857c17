/* Returning pages in batches. Each madvise(MADV_DONTNEED) call flushes the
 * TLB of every core that runs a thread of the process, an interrupt to each
 * and a wait for all: 14-16 us a range here while a second thread runs,
 * 2 us with one thread. process_madvise takes many ranges in one call and
 * flushes once for them all (Linux 6.18 here): 1.6-1.9 us a range in
 * batches of 64, with or without the other thread (batches are of 32: a
 * purge runs on whichever thread frees, whose stack may be small). It names the process
 * by a pidfd; the sentinel for "this process" (PIDFD_SELF, Linux 6.15)
 * needs no descriptor, so none is held open where a program might close
 * or reuse it. Where the kernel or a seccomp filter refuses the call,
 * every range gets its own madvise, as before. */
#include "kl_heap.h"

#include <asm/unistd.h>
#include <linux/mman.h>

#ifndef __NR_process_madvise
#define __NR_process_madvise 440	/* the same on x86_64 and aarch64 */
#endif
#define KL_PIDFD_SELF (-10001)		/* PIDFD_SELF_THREAD_GROUP */

/* 0 untried or working, 1 refused: ranges go one by one */
static uint32_t release_refused;

static void release_each(const struct kl_range *r, unsigned n, size_t skip)
{
	for (unsigned i = 0; i < n; i++) {
		if (skip >= r[i].len) {
			skip -= r[i].len;
			continue;
		}
		kl_madvise((char *)r[i].base + skip, r[i].len - skip,
			   MADV_DONTNEED);
		skip = 0;
	}
}

void kl_release_flush(struct kl_release *b)
{
	size_t total = 0;
	long done = 0;

	for (unsigned i = 0; i < b->n; i++)
		total += b->r[i].len;
	if (b->n)
		kl_pages_freed(kl_now_ms());
	if (b->n && !__atomic_load_n(&release_refused, __ATOMIC_RELAXED)) {
		do
			done = kl_syscall6(__NR_process_madvise, KL_PIDFD_SELF,
					   (long)b->r, b->n, MADV_DONTNEED, 0,
					   0);
		while (done == -KL_EINTR || done == -KL_EAGAIN);
		/* an old kernel (EBADF, EINVAL) or a filter (EPERM,
		 * ENOSYS) will refuse it again: not tried again */
		if (done == -KL_EPERM || done == -KL_EBADF ||
		    done == -KL_EINVAL || done == -KL_ENOSYS)
			__atomic_store_n(&release_refused, 1,
					 __ATOMIC_RELAXED);
		if (done < 0)
			done = 0;
	}
	/* what the call did not reach (all of it, or after a short count) */
	if ((size_t)done < total)
		release_each(b->r, b->n, (size_t)done);
	b->n = 0;
}

void kl_release_add(struct kl_release *b, void *base, size_t len)
{
	kl_hugepage_split((uintptr_t)base, len);
	if (b->n == KL_RELEASE_MAX)
		kl_release_flush(b);
	b->r[b->n].base = base;
	b->r[b->n].len = len;
	b->n++;
}
