/* The guard's check at growth: the shim sees a heap grow before anyone.
 * Where the cgroup gives keel no threshold event (v2, or v1 mounted
 * read-only as Docker does) keel polls usage every 50 ms, and a program
 * growing at GiB/s goes from the soft limit to the OOM killer in between.
 * So each time the heap takes a new segment or huge mapping it reads usage
 * (the file keel names in the control file) and, near the soft limit,
 * trims itself, and past it wakes keel through the wake FIFO and waits,
 * at most KL_GUARD_WAIT_MS, until keel has trimmed everyone and reported;
 * under KEEL_ON_LIMIT=fail growth is refused while usage stays over it.
 * Only that slow path pays: one open, read and close per 4 MiB or more. */
#include "kl_decay.h"
#include "kl_guard.h"
#include "kl_config.h"
#include "common/heapstats.h"
#include "common/parse.h"

#include <linux/fcntl.h>
#include <linux/futex.h>
#include <linux/stat.h>

#define KL_IFMT 0170000
#define KL_IFIFO 0010000

/* Long enough for keel's report (50 ms after its trim) on a busy machine;
 * short enough that a keel that never answers costs a stall, not a hang. */
#define KL_GUARD_WAIT_MS 250

static char guard_path[KEEL_USAGE_PATH_MAX];
static uint32_t guard_owner;	/* keel's uid: the control file's owner */
/* usage when this process last trimmed itself near the limit, 0 when it
 * has been under since */
static uint64_t guard_acted;
/* usage was within a quarter of the soft limit at the last growth */
static bool guard_near;
/* KEEL_ON_LIMIT=fail: this process refuses growth until usage has room */
static bool guard_deny;
/* wake_served + 1 when a wait for keel ran out, 0 otherwise */
static uint64_t guard_unanswered;
/* the pid of the process one of whose threads is acting, 0 for none: a
 * fork child inherits a parent's busy word and sees another pid in it */
static uint32_t guard_busy;
/* this thread is acting: growth inside its own trim (a purger starting)
 * is not checked again */
static __thread bool guard_inside;
/* the segment this thread mapped last was checked before (page.c) */
KL_HIDDEN __thread bool kl_seg_checked;

/* The control file is mapped (publish.c): keel's uid, and the usage file
 * it names, copied so that the string is ours and ends. */
void kl_guard_setup(const struct keel_control *c, uint32_t owner)
{
	size_t i;

	for (i = 0; i + 1 < sizeof(guard_path) && c->usage_path[i]; i++)
		guard_path[i] = c->usage_path[i];
	guard_path[i] = 0;
	guard_owner = owner;
}

/* Usage in bytes, or -1. A file that cannot be opened for good (gone, not
 * ours to read) is not tried again. */
static int guard_usage(uint64_t *out)
{
	char buf[32];
	long n;
	int fd;

	if (!guard_path[0])
		return -1;
	fd = kl_open(guard_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
		     O_NONBLOCK, 0);
	if (fd < 0) {
		/* ENOENT, EACCES, EPERM, ENOTDIR, ELOOP */
		if (fd == -2 || fd == -13 || fd == -1 || fd == -20 || fd == -40)
			guard_path[0] = 0;
		return -1;
	}
	n = kl_read(fd, buf, sizeof(buf) - 1);
	kl_close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	for (long i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = 0;
	return parse_u64(buf, out);
}

/* One byte into keel's FIFO: keel's own (a FIFO owned by keel's user, in
 * keel's sticky folder), opened without blocking, never waiting on it; a
 * full pipe (EAGAIN) means keel has a wake-up to read already. Whether
 * keel will look. */
static bool guard_wake_keel(void)
{
	char path[KEEL_STATS_PATH_MAX];
	struct statx st;
	long n = -1;
	int fd;

	if (kl_snprintf(path, sizeof(path), "%s/%s", kl_cfg.stats_dir,
			KEEL_WAKE_FILE) >= (int)sizeof(path))
		return false;
	/* no reader (ENXIO): no keel to wait for */
	fd = kl_open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW |
		     O_NOCTTY, 0);
	if (fd < 0)
		return false;
	if (kl_statx(fd, "", &st) == 0 &&
	    (st.stx_mode & KL_IFMT) == KL_IFIFO && st.stx_uid == guard_owner)
		n = kl_write(fd, "w", 1);
	kl_close(fd);
	return n == 1 || n == -KL_EAGAIN;
}

/* Whether keel still has to act on usage: it trims again when usage rose
 * by a twentieth of the soft limit since its last trim, and a report it
 * has yet to write is worth waiting for. */
static bool guard_keel_due(const struct keel_control *c, uint64_t usage,
			   uint64_t soft)
{
	uint64_t t = __atomic_load_n(&c->trim_usage, __ATOMIC_RELAXED);

	return usage >= soft &&
	       (!t || usage > t + soft / 20 ||
		__atomic_load_n(&c->report_pending, __ATOMIC_RELAXED));
}

/* Wake keel and wait until it answered (wake_served moves): it has looked
 * at usage after this, and if it trimmed, its report is out. A keel that
 * let a wait run out is not waited for again until it answers something:
 * a stuck one costs one wait, not one per segment. */
static void guard_wait_keel(const struct keel_control *c)
{
	uint32_t seen = __atomic_load_n(&c->wake_served, __ATOMIC_ACQUIRE);
	uint64_t t0 = kl_now_ms(), waited;

	if (!guard_wake_keel() ||
	    (guard_unanswered && seen == guard_unanswered - 1))
		return;
	while (__atomic_load_n(&c->wake_served, __ATOMIC_ACQUIRE) == seen) {
		waited = kl_now_ms() - t0;
		if (waited >= KL_GUARD_WAIT_MS) {
			guard_unanswered = (uint64_t)seen + 1;
			return;
		}
		kl_futex((volatile uint32_t *)&c->wake_served, FUTEX_WAIT,
			 seen, KL_GUARD_WAIT_MS - waited);
	}
	guard_unanswered = 0;
}

/* One thread acts for the process; the others wait until it is done
 * (bounded), then judge the usage they read again. */
static bool guard_enter(uint32_t me)
{
	uint32_t cur = 0;
	uint64_t t0 = kl_now_ms(), waited;

	for (;;) {
		if (__atomic_compare_exchange_n(&guard_busy, &cur, me, 0,
						__ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
		if (cur != me)
			continue;	/* the parent's, before a fork */
		waited = kl_now_ms() - t0;
		if (waited >= 2 * KL_GUARD_WAIT_MS)
			return false;
		kl_futex(&guard_busy, FUTEX_WAIT_PRIVATE, me,
			 2 * KL_GUARD_WAIT_MS - waited);
		if (__atomic_load_n(&guard_busy, __ATOMIC_RELAXED) != me)
			return false;	/* the other thread acted */
		cur = 0;
	}
}

static void guard_leave(void)
{
	__atomic_store_n(&guard_busy, 0, __ATOMIC_RELEASE);
	kl_futex(&guard_busy, FUTEX_WAKE_PRIVATE, 0x7fffffff, 0);
}

/* The heap takes bytes from the OS (before a huge mapping, or just after a
 * segment); no lock held. Near the soft limit: trim, wake keel if it has
 * to act, and under KEEL_ON_LIMIT=fail say whether the growth may go on. */
bool kl_guard_grow(size_t bytes)
{
	const struct keel_control *c = kl_control;
	uint64_t soft, usage;

	if (!c || !guard_path[0] ||
	    !(soft = __atomic_load_n(&c->limit_bytes, __ATOMIC_RELAXED)) ||
	    guard_usage(&usage) < 0)
		return true;
	bool near = usage + bytes > soft - soft / 4;
	if (__atomic_load_n(&guard_near, __ATOMIC_RELAXED) != near)
		__atomic_store_n(&guard_near, near, __ATOMIC_RELAXED);
	if (usage + bytes <= soft) {
		/* room: nothing to do, and a refusal is over */
		if (__atomic_load_n(&guard_acted, __ATOMIC_RELAXED))
			__atomic_store_n(&guard_acted, 0, __ATOMIC_RELAXED);
		if (__atomic_load_n(&guard_deny, __ATOMIC_RELAXED))
			__atomic_store_n(&guard_deny, false, __ATOMIC_RELAXED);
		return true;
	}
	uint64_t acted = __atomic_load_n(&guard_acted, __ATOMIC_RELAXED);
	bool self = !acted || usage > acted + soft / 20;
	if (!guard_inside && (self || guard_keel_due(c, usage, soft))) {
		if (guard_enter((uint32_t)kl_getpid())) {
			guard_inside = true;
			/* what this process holds free goes first: it is
			 * the one growing, and its trim needs no one else */
			if (self) {
				__atomic_store_n(&guard_acted, usage,
						 __ATOMIC_RELAXED);
				kl_trim();
			}
			if (guard_keel_due(c, usage, soft))
				guard_wait_keel(c);
			guard_inside = false;
			guard_leave();
		}
		/* after the trims, or another thread's */
		if (guard_usage(&usage) < 0)
			return true;
	}
	/* KEEL_ON_LIMIT=fail: over the soft limit after everyone trimmed
	 * (keel answered only once they had time to), as keel's own
	 * deny_growth says 50 ms after a trim */
	if (kl_cfg.on_limit.word != KEEL_ON_LIMIT_FAIL || usage < soft) {
		if (__atomic_load_n(&guard_deny, __ATOMIC_RELAXED))
			__atomic_store_n(&guard_deny, false, __ATOMIC_RELAXED);
		return true;
	}
	__atomic_store_n(&guard_deny, true, __ATOMIC_RELAXED);
	return false;
}

/* KEEL_ON_LIMIT=fail refuses this process growth (its own check, or
 * keel's deny_growth): what it frees must go back at once, or usage stays
 * over the limit and the refusals go on after the program shed its load. */
bool kl_guard_refusing(void)
{
	const struct keel_control *c = kl_control;

	if (kl_cfg.on_limit.word != KEEL_ON_LIMIT_FAIL || !c)
		return false;
	return __atomic_load_n(&guard_deny, __ATOMIC_RELAXED) ||
	       __atomic_load_n(&c->deny_growth, __ATOMIC_RELAXED);
}

/* KEEL_ON_LIMIT=fail, asked before the heap takes memory from the OS,
 * under its locks: keel says the heap may not grow, or this process
 * refused growth and usage is still over the soft limit (one read each
 * time, only while refusing). */
bool kl_growth_denied(void)
{
	const struct keel_control *c = kl_control;	/* set once, never reset */
	uint64_t usage;

	if (!kl_guard_refusing())
		return false;
	if (__atomic_load_n(&c->deny_growth, __ATOMIC_RELAXED))
		return true;
	/* this process's own refusal ends once usage is back under */
	if (guard_usage(&usage) == 0 &&
	    usage < __atomic_load_n(&c->limit_bytes, __ATOMIC_RELAXED)) {
		__atomic_store_n(&guard_deny, false, __ATOMIC_RELAXED);
		__atomic_store_n(&guard_acted, 0, __ATOMIC_RELAXED);
		return false;
	}
	return true;
}

/* This process found usage within a quarter of keel's soft limit or over
 * it at its last growth, or is refusing growth: memory it holds beyond
 * what it must is costly now. A quarter ahead, because the slack a reused
 * huge mapping keeps is held until the block is freed (guard_seed_oom
 * under 96 MiB: peaks of 91-94 MiB, and an OOM kill once; from a quarter
 * ahead, 91-92 in six runs). */
bool kl_guard_near_limit(void)
{
	return __atomic_load_n(&guard_near, __ATOMIC_RELAXED) ||
	       __atomic_load_n(&guard_acted, __ATOMIC_RELAXED) ||
	       __atomic_load_n(&guard_deny, __ATOMIC_RELAXED);
}

/* A new segment was mapped (no lock held now): the purger and the
 * published statistics, then the check if the page allocator could not
 * run it before (a class's span, under the class's lock): late by one
 * segment, it may refuse only the next. */
void kl_guard_heap_grew(void)
{
	bool checked = kl_seg_checked;

	kl_seg_checked = false;
	kl_heap_grew();
	if (!checked)
		kl_guard_grow(KL_SEG_SIZE);
}
