/* The purger: a thread that returns pages free for KEEL_DECAY_MS to the OS,
 * so an idle process shrinks without calling the allocator, and that serves
 * keel's trim requests (a shared futex in the control file). Started lazily,
 * with no lock held, once there is something to purge or, under keel's
 * memory guard, once the heap passes one segment: the many small processes
 * of a container (shells, forks about to exec) never pay for a thread or a
 * statistics file, and a thread created before a program changes its user
 * (setpriv, gosu) cannot make glibc's setxid fail. */
#include "kl.h"
#include "common/heapstats.h"

#include <linux/futex.h>

extern int pthread_create(void *thread, const void *attr,
			  void *(*fn)(void *), void *arg) __attribute__((weak));
extern int *__errno_location(void) __attribute__((weak));

#define KL_PURGER_MIN_DIRTY (1ul << 20)
#define KL_PURGER_MIN_HEAP KL_SEG_SIZE

KL_HIDDEN bool kl_ctor_done;
KL_HIDDEN bool kl_heap_grown;
KL_HIDDEN uint64_t kl_trims;
static uint32_t purger_state;	/* 0 not started, 1 starting/running, 2 failed */

static uint64_t purger_tick_ms(void)
{
	uint64_t t = kl_cfg.decay_ms / 2;
	if (t < 20)
		t = 20;
	if (t > 1000)
		t = 1000;
	return t;
}

static void *purger_main(void *arg)
{
	(void)arg;
	kl_block_signals();
	uint32_t seen = kl_control ? kl_control->trim_epoch : 0;
	for (;;) {
		uint64_t tick = purger_tick_ms();
		struct keel_control *c = kl_control;
		if (c)
			kl_futex(&c->trim_epoch, FUTEX_WAIT, seen, tick);
		else
			kl_sleep_ms(tick);
		uint64_t now = kl_now_ms();
		if (now >= kl_cfg.decay_ms) {
			kl_purge(now - kl_cfg.decay_ms, SIZE_MAX);
			kl_huge_purge(now - kl_cfg.decay_ms, SIZE_MAX);
			kl_holes_purge(now - kl_cfg.decay_ms);
		}
		c = kl_control;
		if (c) {
			uint32_t e = __atomic_load_n(&c->trim_epoch,
						     __ATOMIC_ACQUIRE);
			if (e != seen) {
				kl_trim();
				seen = e;
				kl_stats_served(e);
			}
		}
		kl_stats_publish();
	}
	return 0;
}

static void purger_start(void)
{
	uint32_t zero = 0;
	if (!__atomic_compare_exchange_n(&purger_state, &zero, 1, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return;
	int saved = __errno_location ? *__errno_location() : 0;
	unsigned long tid[4];	/* pthread_t is an unsigned long or pointer */
	kl_stats_open();
	if (pthread_create && pthread_create(tid, 0, purger_main, 0) == 0)
		__atomic_store_n(&kl_purger_running, true, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&purger_state, 2, __ATOMIC_RELEASE);
	if (__errno_location)
		*__errno_location() = saved;
}

static bool purger_worth_it(void)
{
	size_t dirty = __atomic_load_n(&kl_pages.dirty, __ATOMIC_RELAXED) +
		       __atomic_load_n(&kl_huge_cached, __ATOMIC_RELAXED);
	size_t heap = __atomic_load_n(&kl_pages.mapped, __ATOMIC_RELAXED) +
		      __atomic_load_n(&kl_huge_bytes, __ATOMIC_RELAXED);
	if (kl_cfg.decay_ms && dirty >= KL_PURGER_MIN_DIRTY)
		return true;
	/* spans of classes above a page, whose holes it returns */
	if (kl_cfg.decay_ms && __atomic_load_n(&kl_pages.small_spans,
			__ATOMIC_RELAXED) >= KL_PURGER_MIN_HEAP)
		return true;
	return kl_cfg.stats_dir && heap > KL_PURGER_MIN_HEAP;
}

/* Called with no lock held after pages were freed or the heap grew. */
void kl_purger_kick(void)
{
	if (!__atomic_load_n(&kl_ctor_done, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&purger_state, __ATOMIC_RELAXED) ||
	    !purger_worth_it())
		return;
	purger_start();
}

/* The heap took new memory from the OS (no lock held): the purger may be
 * due, and the published numbers follow a fast grower between ticks, so
 * a post-mortem after an OOM kill is close to what the process held. */
void kl_heap_grew(void)
{
	__atomic_store_n(&kl_heap_grown, false, __ATOMIC_RELAXED);
	if (!__atomic_load_n(&purger_state, __ATOMIC_RELAXED))
		kl_purger_kick();
	kl_stats_grew();
}

/* The child of fork has no purger; a later free or growth starts one. */
void kl_purger_fork_child(void)
{
	purger_state = 0;
	kl_purger_running = false;
}
