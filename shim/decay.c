/* The decay policy: when free memory goes back to the OS. After every
 * page-level free (kl_page_after_free), at malloc_trim or keel's trim
 * request (kl_trim), and in the purger: a thread that returns pages free
 * for KEEL_DECAY_MS to the OS, so an idle process shrinks without calling
 * the allocator, and that serves keel's trim requests (a shared futex in
 * the control file). Started lazily, with no lock held, once there is
 * something to purge or, under keel's memory guard, once the heap passes
 * one segment: the many small processes of a container (shells, forks
 * about to exec) never pay for a thread or a statistics file, and a thread
 * created before a program changes its user (setpriv, gosu) cannot make
 * glibc's setxid fail. */
#include "kl_decay.h"
#include "kl_guard.h"
#include "kl_stats.h"
#include "kl_config.h"
#include "common/heapstats.h"
#include "common/procstat.h"

#include <linux/futex.h>

extern int pthread_create(void *thread, const void *attr,
			  void *(*fn)(void *), void *arg) __attribute__((weak));
extern int pthread_attr_init(void *attr) __attribute__((weak));
extern int pthread_attr_setstacksize(void *attr, size_t size)
	__attribute__((weak));
extern int pthread_attr_destroy(void *attr) __attribute__((weak));
extern int pthread_detach(unsigned long thread) __attribute__((weak));
extern int *__errno_location(void) __attribute__((weak));

/* The purger's stack. libc's default (8 MiB in glibc) is a mapping where
 * transparent huge pages "always" puts a 2 MiB page under the few KiB the
 * thread touches; below 2 MiB no huge page fits. */
#define KL_PURGER_STACK (256u << 10)

#define KL_PURGER_MIN_DIRTY (1ul << 20)
#define KL_PURGER_MIN_HEAP KL_SEG_SIZE

KL_HIDDEN bool kl_ctor_done;
KL_HIDDEN bool kl_purger_running;
KL_HIDDEN bool kl_heap_grew_pending;
KL_HIDDEN uint64_t kl_trims;
static uint32_t purger_state;	/* 0 not started, 1 running, 2 failed or ended */
static uint32_t purger_quit;	/* kl_purger_stop asks it to end */
static int purger_tid;		/* the running purger's thread id */

static uint64_t purger_tick_ms(void)
{
	uint64_t t = kl_cfg.decay_ms / 2;
	if (t < 20)
		t = 20;
	if (t > 1000)
		t = 1000;
	return t;
}

/* Whether the purger is the last live thread: a program whose main thread
 * called pthread_exit ends when its last thread does, and the purger must
 * not keep it alive. /proc/self/stat describes the group's leader, a
 * zombie once main has gone, still counted among the threads. */
static bool purger_alone(void)
{
	struct keel_proc_stat ps;

	if (kl_self_stat(&ps) < 0)
		return false;
	return ps.threads == 1 || (ps.state == 'Z' && ps.threads == 2);
}

static void *purger_main(void *arg)
{
	(void)arg;
	kl_block_signals();
	__atomic_store_n(&purger_tid, kl_gettid(), __ATOMIC_RELEASE);
	uint32_t seen = kl_control ? kl_control->trim_epoch : 0;
	/* trims asked before this process had a purger are not its to serve:
	 * keel's report must not wait for them */
	kl_stats_served(seen);
	uint64_t last_tick = 0;
	for (;;) {
		uint64_t tick = purger_tick_ms();
		struct keel_control *c = kl_control;
		/* keel's shared word cannot carry purger_quit: a stop asked
		 * just before this wait is seen here, or woken again */
		if (__atomic_load_n(&purger_quit, __ATOMIC_ACQUIRE))
			break;
		if (c)
			kl_futex(&c->trim_epoch, FUTEX_WAIT, seen, tick);
		else
			kl_futex(&purger_quit, FUTEX_WAIT | FUTEX_PRIVATE_FLAG,
				 0, tick);
		if (__atomic_load_n(&purger_quit, __ATOMIC_ACQUIRE))
			break;
		uint64_t now = kl_now_ms();
		kl_xfer_drain(false, last_tick);
		last_tick = now;
		kl_tcache_reclaim(now, false);
		if (now >= kl_cfg.decay_ms) {
			kl_purge(now - kl_cfg.decay_ms, SIZE_MAX);
			kl_huge_purge(now - kl_cfg.decay_ms);
			kl_holes_purge(now - kl_cfg.decay_ms, true);
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
		if (purger_alone())
			break;
	}
	__atomic_store_n(&kl_purger_running, false, __ATOMIC_RELEASE);
	if (__atomic_load_n(&purger_quit, __ATOMIC_ACQUIRE)) {
		/* asked to end (kl_purger_stop): a later free starts one */
		__atomic_store_n(&purger_quit, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&purger_state, 0, __ATOMIC_RELEASE);
		kl_futex(&purger_state, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, 0);
		return 0;
	}
	/* never started again: the process is ending */
	__atomic_store_n(&purger_state, 2, __ATOMIC_RELEASE);
	return 0;
}

/* pthread_create with a small stack where libc lets us set one; the
 * attribute object is opaque (56 bytes in glibc and musl). Detached: no
 * one joins it, and libc takes its stack back when it ends. */
static int purger_create(void)
{
	union { char bytes[128]; long align; } attr;
	unsigned long tid[4];	/* pthread_t is an unsigned long or pointer */
	int err = -1;

	if (!pthread_create)
		return -1;
	if (pthread_attr_init && pthread_attr_setstacksize &&
	    pthread_attr_init(&attr) == 0) {
		err = pthread_attr_setstacksize(&attr, KL_PURGER_STACK) ||
		      pthread_create(tid, &attr, purger_main, 0);
		if (pthread_attr_destroy)
			pthread_attr_destroy(&attr);
	}
	if (err && pthread_create(tid, 0, purger_main, 0))
		return -1;
	if (pthread_detach)
		pthread_detach(tid[0]);
	return 0;
}

static void purger_start(void)
{
	uint32_t zero = 0;
	if (!__atomic_compare_exchange_n(&purger_state, &zero, 1, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return;
	int saved = __errno_location ? *__errno_location() : 0;
	kl_stats_open();
	if (purger_create() == 0)
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
	__atomic_store_n(&kl_heap_grew_pending, false, __ATOMIC_RELAXED);
	if (!__atomic_load_n(&purger_state, __ATOMIC_RELAXED))
		kl_purger_kick();
	kl_stats_heap_grew();
}

/* The child of fork has no purger; a later free or growth starts one. */
void kl_purger_fork_child(void)
{
	KL_CHILD_RESET(purger_state, 0);
	KL_CHILD_RESET(kl_purger_running, false);
	KL_CHILD_RESET(purger_quit, 0);
}

/* Ends the purger and waits until its thread is gone from the kernel's
 * list of the process's threads (2 s at most for its loop, which may be
 * returning pages: it ends later then); a later free or growth starts a
 * new one. Returns whether it had been running and is gone. */
bool kl_purger_stop(void)
{
	if (__atomic_load_n(&purger_state, __ATOMIC_ACQUIRE) != 1 ||
	    !__atomic_load_n(&kl_purger_running, __ATOMIC_ACQUIRE))
		return false;
	__atomic_store_n(&purger_quit, 1, __ATOMIC_RELEASE);
	kl_futex(&purger_quit, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, 0);
	/* Under keel it waits on keel's shared word instead, and a wake
	 * sent before it got there is lost (a fork right after the purger
	 * started took a whole tick, 250 ms): woken again each millisecond.
	 * Other processes' purgers wake too, find no new trim request and
	 * wait again. */
	struct keel_control *c = kl_control;
	for (int ms = 0; ms < 2000 &&
	     __atomic_load_n(&purger_state, __ATOMIC_ACQUIRE) == 1; ms++) {
		if (c)
			kl_futex(&c->trim_epoch, FUTEX_WAKE, 0x7fffffff, 0);
		kl_futex(&purger_state, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 1, 1);
	}
	if (__atomic_load_n(&purger_state, __ATOMIC_ACQUIRE) == 1)
		return false;
	/* its loop has ended (its id was stored before the loop began);
	 * libc's thread exit takes a few microseconds more */
	int tid = __atomic_load_n(&purger_tid, __ATOMIC_ACQUIRE);
	for (int i = 0; tid > 0 && kl_thread_alive(tid); i++) {
		if (i > 100000)
			return false;
		kl_yield();
	}
	return true;
}

static size_t recent_peak;	/* the most bytes in use seen lately */
static uint64_t recent_peak_ms;	/* when */

/* The most bytes in use seen at a page-level free within the last
 * KEEL_DECAY_MS, given in_use now (kl_dirty_cap's burst). Threads race on
 * the pair without a lock: a peak lost or kept a little long only moves
 * the cap for one decay. */
size_t kl_in_use_recent(size_t in_use, uint64_t now)
{
	size_t peak = __atomic_load_n(&recent_peak, __ATOMIC_RELAXED);
	uint64_t at = __atomic_load_n(&recent_peak_ms, __ATOMIC_RELAXED);
	/* another thread's clock may be ahead of ours: at > now */
	if (in_use >= peak || (now > at && now - at > kl_cfg.decay_ms)) {
		__atomic_store_n(&recent_peak, in_use, __ATOMIC_RELAXED);
		__atomic_store_n(&recent_peak_ms, now, __ATOMIC_RELAXED);
		return in_use;
	}
	return peak;
}

/* After every page-level free: purge at once when the decay is 0 or while
 * KEEL_ON_LIMIT=fail refuses growth (kl_guard_refusing: usage must come
 * under the limit), purge the oldest when dirty memory passes its cap, and
 * start the purger (or, without one, purge what has aged). Over the cap,
 * runs freed in the last kl_keep_ms() stay: a busy program takes them
 * again at once (purging them made the seed pattern and the mixed
 * benchmark fault most of their pages in again), and an idle one gives
 * them back at the decay time. */
void kl_page_after_free(uint64_t now)
{
	size_t dirty = __atomic_load_n(&kl_pages.dirty, __ATOMIC_RELAXED);
	size_t cached = __atomic_load_n(&kl_huge_cached, __ATOMIC_RELAXED);
	if (!dirty && !cached)
		return;
	if (kl_cfg.decay_ms == 0 || kl_guard_refusing()) {
		kl_purge(UINT64_MAX, SIZE_MAX);
		return;
	}
	size_t cap = kl_dirty_cap(now);
	uint64_t keep = kl_keep_ms();
	if (dirty > cap && now >= keep)
		kl_purge(now - keep, dirty - cap / 2);
	if (!kl_purger_running) {
		kl_purger_kick();
		if (!kl_purger_running && now >= kl_cfg.decay_ms) {
			kl_purge(now - kl_cfg.decay_ms, SIZE_MAX);
			kl_huge_purge(now - kl_cfg.decay_ms);
		}
	}
}

/* Return every free byte that can go: every thread's cache, then all dirty
 * pages and the holes of partly used spans. Reports whether anything was
 * released (malloc_trim's result). */
int kl_trim(void)
{
	size_t before = kl_pages.small_spans + kl_pages.dirty;
	kl_tcache_reclaim(kl_now_ms(), true);
	kl_xfer_drain(true, 0);
	size_t done = kl_purge(UINT64_MAX, SIZE_MAX);
	done += kl_huge_purge(UINT64_MAX);
	done += kl_holes_purge(UINT64_MAX, false);
	size_t after = kl_pages.small_spans + kl_pages.dirty;
	__atomic_fetch_add(&kl_trims, 1, __ATOMIC_RELAXED);
	kl_stats_publish();
	return done > 0 || after < before;
}

/* unshare(CLONE_NEWUSER), and setns into a user or mount namespace, refuse
 * a process with a second thread (EINVAL; a time namespace: EUSERS):
 * bubblewrap, unshare -U, a Python program calling os.unshare. The purger
 * is the shim's thread, not the program's: when the call needs the
 * process alone and was refused, the purger ends (kl_purger_stop waits
 * until its thread is gone), the call is made again, and a later free
 * starts a new purger. */
long kl_alone_call(long (*call)(long, long), long a, long b, bool alone)
{
	long r = call(a, b);
	if ((r != -KL_EINVAL && r != -KL_EUSERS) || !alone ||
	    !kl_purger_stop())
		return r;
	return call(a, b);
}
