/* Faulting in, in one system call, the pages a block is about to have
 * written: a realloc's copy and the bytes appended after it. Every page a
 * program touches first costs a fault, an exception into the kernel and
 * out; MADV_POPULATE_WRITE (Linux 5.14) maps a range's pages in one
 * call. Measured per 4 KiB page where the hypervisor shadows page
 * tables: a fault 9.3 us; populate 0.6-1.1 us in ranges of 16 KiB or
 * more, then 5 us at the first write (the host's own fault). */
#include "kl_os.h"
#include "kl_config.h"

#include <linux/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* 0 untried or working, 1 refused (an old kernel, a seccomp filter) */
static uint32_t populate_refused;

bool kl_populate_refused(void)
{
	return __atomic_load_n(&populate_refused, __ATOMIC_RELAXED);
}

/* What a fresh page costs, measured where keel populates pages it knows
 * are not resident: the call's CPU time per page (not the time it waits
 * for the address space's lock), plus the first read of one of them
 * afterwards (where the hypervisor shadows page tables, that read is the
 * host's own fault: 5 us on top of populate's 0.6-1.1), over the last
 * KL_PRICE_SAMPLES calls sampled: about 6 us there by those parts (a
 * fault 9.3), 2.6-3.4 measured here (a fault 2.7, a populated page 1.8).
 * Past KL_FAULT_DEAR_NS, growing huge buffers move into freed memory by
 * copying (0.3-0.5 us a page) rather than fault their pages in (alloc.c):
 * where faults took 10-16 us, growing in place ran the seed pattern at
 * 0.15x jemalloc's rate. Here moving trades memory for speed (each move
 * leaves a freed mapping of the old size behind): at 450 MiB live 1.25x
 * live at 1.04-1.15x jemalloc's rate, where growing in place holds 1.16x
 * at 0.9-1.03x. */
#define KL_PRICE_SAMPLES 8
#define KL_PRICE_MIN_PAGES 8
#define KL_FAULT_DEAR_NS 5000
static uint32_t price_ns[KL_PRICE_SAMPLES];
static uint32_t price_count;
static uint32_t price_median;	/* of the samples, 0 before any */

/* The median of the samples: a preempted call reads dearer, a range some
 * of whose pages were resident after all cheaper. */
static uint32_t price_of_samples(void)
{
	uint32_t n = __atomic_load_n(&price_count, __ATOMIC_RELAXED);
	uint32_t v[KL_PRICE_SAMPLES], m = 0;
	if (n > KL_PRICE_SAMPLES)
		n = KL_PRICE_SAMPLES;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t x = __atomic_load_n(&price_ns[i], __ATOMIC_RELAXED);
		if (!x)
			continue;	/* a sample not stored yet */
		uint32_t j = m++;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return m ? v[m / 2] : 0;
}

/* Every fresh range until there are samples, then one in 16: the clock
 * of a thread's CPU time is a system call. */
static bool price_due(void)
{
	static uint32_t calls;
	uint32_t n = __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
	return n < KL_PRICE_SAMPLES || n % 16 == 0;
}

static void price_record(uint64_t ns)
{
	uint32_t i = __atomic_fetch_add(&price_count, 1, __ATOMIC_RELAXED);
	if (!ns)
		ns = 1;
	__atomic_store_n(&price_ns[i % KL_PRICE_SAMPLES],
			 ns < UINT32_MAX ? (uint32_t)ns : UINT32_MAX,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&price_median, price_of_samples(), __ATOMIC_RELAXED);
}

uint64_t kl_fault_price_ns(void)
{
	return __atomic_load_n(&price_median, __ATOMIC_RELAXED);
}

bool kl_faults_dear(void)
{
	if (kl_cfg.fault_cost.word != KEEL_FAULT_COST_AUTO)
		return kl_cfg.fault_cost.word == KEEL_FAULT_COST_HIGH;
	return kl_fault_price_ns() > KL_FAULT_DEAR_NS;
}

bool kl_populate(void *p, size_t len, bool fresh)
{
	if (__atomic_load_n(&populate_refused, __ATOMIC_RELAXED))
		return false;
	uintptr_t a = (uintptr_t)p & ~(KL_PAGE - 1);
	uintptr_t e = kl_page_up((uintptr_t)p + len);
	size_t pages = (e - a) / KL_PAGE;
	fresh = fresh && pages >= KL_PRICE_MIN_PAGES && price_due();
	uint64_t t0 = fresh ? kl_thread_cpu_ns() : 0;
	int r = kl_madvise((void *)a, e - a, MADV_POPULATE_WRITE);
	if (r == 0 && fresh) {
		uint64_t t1 = kl_thread_cpu_ns(), w0 = kl_now_ns();
		(void)*(volatile const char *)(e - KL_PAGE);
		price_record((t1 - t0) / pages + (kl_now_ns() - w0));
	}
	/* ENOMEM, EINTR: the program's own writes fault what is missing */
	if (r == -KL_EINVAL || r == -KL_EPERM || r == -KL_ENOSYS)
		__atomic_store_n(&populate_refused, 1, __ATOMIC_RELAXED);
	return r == 0;
}
