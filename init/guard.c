/* guard: keeps the cgroup under the soft limit without the OOM killer. On a
 * crossing it bumps the control file's trim_epoch and wakes every shimmed
 * process's purger (a shared futex), then reports once they had time to
 * trim. Prefers kernel notifications; polls one open fd where it must, and
 * looks at once when a shim, which sees growth first, writes to the wake
 * FIFO (shim/guard.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/heapstats.h"
#include "common/printable.h"
#include "init/cgroup.h"
#include "init/clock.h"
#include "init/guard.h"
#include "init/heapscan.h"
#include "init/log.h"
#include "init/report.h"
#include "init/postmortem.h"
#include "init/statsdir.h"
#include "init/usage_watch.h"

/* v2 has no usage threshold event, so usage is polled: one pread of an
 * open fd every 50 ms keeps the trim inside 100 ms of the crossing. */
#define GUARD_POLL_MS 50
/* While above the limit, v1 also polls, to see usage fall and grow. */
#define GUARD_ABOVE_MS 250
/* Shimmed processes trim within milliseconds: KEEL_ON_LIMIT=fail judges
 * "still over after trimming" this long after a trim... */
#define GUARD_SETTLE_MS 50
/* ...and the report, which reads every process's statistics, waits as
 * long, so it shows the state after the trim (shims serve a trim in about
 * 5 ms here) and still comes out before a fast grower meets the OOM killer. */
#define GUARD_REPORT_DELAY_MS 50
/* ...unless a shimmed process has not served the trim yet (a slow
 * machine, a busy process): then the report waits for it, looking again
 * this often, up to this long after the trim. A shim that woke keel waits
 * for the report for at most 250 ms (shim/guard.c). */
#define GUARD_REPORT_RECHECK_MS 10
#define GUARD_REPORT_WAIT_MAX_MS 200
/* The looks of one report together may cost keel this much CPU. */
#define GUARD_REPORT_SCAN_MAX_MS 100
/* Reports at most this often, unless usage rose by a tenth since. */
#define GUARD_REPORT_EVERY_MS 10000
/* A wake-up through the FIFO is only a hint to look at usage now: keel
 * acts on what it reads itself. Anyone can write there, so after each
 * wake-up the FIFO is left unwatched this long: a process writing in a
 * loop costs PID 1 at most a thousand reads of usage a second. */
#define GUARD_WAKE_QUIET_MS 1
/* Limits change while the container runs (Kubernetes' in-place resize
 * writes a new memory.max) and no kernel event says so: they are read
 * again this often. */
#define GUARD_LIMIT_RECHECK_MS 1000

enum guard_watch { GUARD_WATCH_NONE, GUARD_WATCH_POLL, GUARD_WATCH_EVENTFD };

static struct {
	struct keel_cgroup cg;
	const char *root;	/* where /proc and /sys are: "/" */
	struct keel_limit rss_limit;	/* KEEL_RSS_LIMIT */
	uint64_t limit_due_ms;	/* the next look at the limits */
	uint64_t soft;
	int usage_fd;
	int watch;		/* enum guard_watch */
	int notify_fd;		/* v1 eventfd or v2 memory.events */
	int fail;		/* KEEL_ON_LIMIT=fail */
	int above;
	uint64_t last_trim_usage;
	uint64_t settle_due_ms;
	uint64_t report_due_ms;
	uint64_t report_trim_ms;	/* when the trim it reports on was asked */
	uint64_t report_scan_us;	/* CPU its looks at the folder took */
	uint64_t last_report_ms;
	uint64_t last_report_usage;
	uint64_t oom_kills;	/* the cgroup's OOM-kill counter, last read */
	struct keel_control *ctl;
	int wake_fd;		/* the wake FIFO, or -1 */
	int wake_pending;	/* a wake-up not yet answered (wake_served) */
	uint64_t wake_quiet_until_ms;
} guard;	/* .bss, not 8 KB of .data: guard_init sets the fds to -1 */

/* clock id's time in microseconds */
static uint64_t guard_clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t guard_now_ms(void)
{
	return guard_clock_us(CLOCK_MONOTONIC) / 1000;
}

static int guard_next_timeout(void)
{
	uint64_t now = guard_now_ms();

	if (guard.usage_fd < 0)
		return -1;
	if (!guard.soft)	/* the limit went away: only look for a new one */
		return guard.limit_due_ms > now ?
		       (int)(guard.limit_due_ms - now) : 0;
	uint64_t due = guard.settle_due_ms;

	if (guard.report_due_ms && (!due || guard.report_due_ms < due))
		due = guard.report_due_ms;
	/* the FIFO is watched again when its quiet time is over */
	if (guard.wake_quiet_until_ms > now &&
	    (!due || guard.wake_quiet_until_ms < due))
		due = guard.wake_quiet_until_ms;
	if (guard.limit_due_ms && (!due || guard.limit_due_ms < due))
		due = guard.limit_due_ms;
	if (guard.watch == GUARD_WATCH_POLL && (!due || now + GUARD_POLL_MS < due))
		return GUARD_POLL_MS;
	if (guard.above && (!due || now + GUARD_ABOVE_MS < due))
		return GUARD_ABOVE_MS;
	if (!due)
		return -1;
	return due > now ? (int)(due - now) : 0;
}

/* Says to every shim waiting on wake_served that its wake-up has been
 * answered. */
static void guard_wake_answer(void)
{
	guard.wake_pending = 0;
	if (!guard.ctl)
		return;
	__atomic_add_fetch(&guard.ctl->wake_served, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &guard.ctl->wake_served, FUTEX_WAKE, INT_MAX, NULL,
		NULL, 0);
}

/* Whether a trim at usage now gets a report: at most one every 10 s,
 * unless usage rose by a tenth of the soft limit since the last. */
static int guard_report_wanted(uint64_t usage, uint64_t now)
{
	return !guard.last_report_ms ||
	       now - guard.last_report_ms >= GUARD_REPORT_EVERY_MS ||
	       usage > guard.last_report_usage + guard.soft / 10;
}

static void guard_trim(uint64_t usage)
{
	uint64_t now = guard_now_ms();

	guard.last_trim_usage = usage;
	/* deadlines already running cover this trim too: pushing them back
	 * on every re-trim would let a fast grower reach the OOM killer */
	if (guard.fail && !guard.settle_due_ms)
		guard.settle_due_ms = now + GUARD_SETTLE_MS;
	if (!guard.report_due_ms && guard_report_wanted(usage, now)) {
		guard.report_due_ms = now + GUARD_REPORT_DELAY_MS;
		guard.report_trim_ms = now;
		guard.report_scan_us = 0;
	}
	if (!guard.ctl)
		return;
	/* what a shim compares with before it wakes keel, and whether it
	 * should wait for a report */
	__atomic_store_n(&guard.ctl->trim_usage, usage, __ATOMIC_RELAXED);
	__atomic_store_n(&guard.ctl->report_pending, !!guard.report_due_ms,
			 __ATOMIC_RELAXED);
	__atomic_add_fetch(&guard.ctl->trims, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&guard.ctl->last_trim_time, (uint64_t)time(NULL),
			 __ATOMIC_RELAXED);
	__atomic_add_fetch(&guard.ctl->trim_epoch, 1, __ATOMIC_SEQ_CST);
	/* shared (not private) futex: the waiters are other processes that
	 * map the same file */
	syscall(SYS_futex, &guard.ctl->trim_epoch, FUTEX_WAKE, INT_MAX, NULL,
		NULL, 0);
	debug("memory guard: usage %llu over the soft limit %llu: trim epoch %u",
	      (unsigned long long)usage, (unsigned long long)guard.soft,
	      guard.ctl->trim_epoch);
}

static void guard_set_deny(int deny)
{
	if (guard.ctl && guard.fail &&
	    __atomic_load_n(&guard.ctl->deny_growth, __ATOMIC_RELAXED) !=
	    (uint32_t)deny)
		__atomic_store_n(&guard.ctl->deny_growth, (uint32_t)deny,
				 __ATOMIC_SEQ_CST);
}

/* v1: the threshold event moves with the soft limit; where it cannot,
 * the old threshold stays (a harmless early wake-up) and usage is polled. */
static void guard_rearm_v1(void)
{
	int err = -usage_watch_move(guard.notify_fd, guard.cg.dir,
				    guard.usage_fd, guard.soft);

	if (!err)
		return;
	guard.watch = GUARD_WATCH_POLL;
	warning("memory guard: unable to move the usage threshold event (%s); polling usage every 50 ms",
		strerror(err));
}

/* Reads the limits again; a new soft limit reaches the shims through the
 * control file at once. */
static void guard_limit_recheck(uint64_t now)
{
	struct keel_cgroup cg;
	uint64_t soft;

	if (!guard.limit_due_ms || now < guard.limit_due_ms)
		return;
	guard.limit_due_ms = now + GUARD_LIMIT_RECHECK_MS;
	if (cgroup_find(guard.root, &cg) < 0 || cg.version != guard.cg.version ||
	    strcmp(cg.dir, guard.cg.dir) != 0 ||
	    (cg.limit == guard.cg.limit && cg.high == guard.cg.high))
		return;
	guard.cg.limit = cg.limit;
	guard.cg.high = cg.high;
	soft = cgroup_soft_limit(&guard.rss_limit, cgroup_guard_limit(&cg));
	info("memory guard: the cgroup limit is now %llu bytes%s: soft limit %llu bytes",
	     (unsigned long long)cg.limit, cg.high ? " (with memory.high)" : "",
	     (unsigned long long)soft);
	if (soft == guard.soft)
		return;
	guard.soft = soft;
	if (!soft)	/* no limit left to keep: heaps may grow */
		guard_set_deny(0);
	/* a crossing of the new limit trims at once */
	guard.above = 0;
	if (guard.ctl)
		__atomic_store_n(&guard.ctl->limit_bytes, soft, __ATOMIC_SEQ_CST);
	if (soft && guard.watch == GUARD_WATCH_EVENTFD)
		guard_rearm_v1();
}

static void guard_count_unserved(const struct keel_heap_stats *st, void *arg)
{
	uint32_t *unserved = arg;

	/* epochs wrap: compare their distance */
	if ((int32_t)(unserved[0] - st->trim_epoch_done) > 0)
		unserved[1]++;
}

/* Whether a process that published its heap has not yet served the last
 * trim (it says so in its file: trim_epoch_done). The looks for one
 * report may take GUARD_REPORT_SCAN_MAX_MS of keel's CPU in all; past
 * that (a folder of planted junk, or processes with huge maps to read)
 * the report goes out. CPU time, not the clock's: while the shims trim,
 * keel may wait for a CPU. In all, not per look: a cap of 5 ms a look
 * let the report go out at once in a VM of 2 emulated CPUs, where one
 * look took longer than that, showing a heap before its trim (which took
 * 97-144 ms). */
static int guard_trims_pending(void)
{
	uint32_t unserved[2] = { 0, 0 };	/* the epoch, the count */
	uint64_t start = guard_clock_us(CLOCK_THREAD_CPUTIME_ID);

	if (!guard.ctl || statsdir_fd() < 0)
		return 0;
	unserved[0] = __atomic_load_n(&guard.ctl->trim_epoch, __ATOMIC_RELAXED);
	/* one look is cut at the whole budget, in the clock's time */
	heapscan_each(statsdir_fd(), 0, guard_count_unserved, unserved,
		      clock_now_ms() + GUARD_REPORT_SCAN_MAX_MS, NULL);
	guard.report_scan_us += guard_clock_us(CLOCK_THREAD_CPUTIME_ID) - start;
	if (guard.report_scan_us > GUARD_REPORT_SCAN_MAX_MS * 1000)
		return 0;
	debug("memory guard: the report waits: %u %s not served trim epoch %u",
	      unserved[1],
	      KEEL_PLURAL(unserved[1], "process has", "processes have"),
	      unserved[0]);
	return unserved[1] > 0;
}

/* Whether the OOM killer struck since the last report (or since keel
 * started; the count goes into the report). A kill just before the trim
 * counts too: usage read at the limit then was the victim's, still being
 * freed. The report would show a victim without memory while its pages
 * are still charged, and reading every process's files and writing the
 * report charge more, at the limit, while the kernel may already look for
 * its next victim: the post-mortem (postmortem.c) says what happened
 * instead. A kill no report followed costs the next report, once. */
static int guard_oom_killed(void)
{
	uint64_t kills;

	if (cgroup_oom_kills(&guard.cg, &kills) < 0 || kills == guard.oom_kills)
		return 0;
	guard.oom_kills = kills;
	return 1;
}

static int guard_check(void)
{
	uint64_t usage, now;

	guard_limit_recheck(guard_now_ms());
	if (!guard.soft || cgroup_read_fd(guard.usage_fd, &usage) < 0)
		return guard_next_timeout();
	if (usage >= guard.soft) {
		/* trim on the crossing, and again when usage keeps rising */
		if (!guard.above ||
		    usage > guard.last_trim_usage + guard.soft / 20)
			guard_trim(usage);
		guard.above = 1;
	} else {
		guard.above = 0;
		guard_set_deny(0);
		if (guard.ctl && guard.ctl->trim_usage)
			__atomic_store_n(&guard.ctl->trim_usage, 0,
					 __ATOMIC_RELAXED);
	}
	now = guard_now_ms();
	if (guard.settle_due_ms && now >= guard.settle_due_ms) {
		guard.settle_due_ms = 0;
		/* still above after the trim: the heap may not grow */
		guard_set_deny(guard.above);
	}
	if (guard.report_due_ms && now >= guard.report_due_ms &&
	    now < guard.report_trim_ms + GUARD_REPORT_WAIT_MAX_MS &&
	    guard_trims_pending())
		guard.report_due_ms = now + GUARD_REPORT_RECHECK_MS;
	if (guard.report_due_ms && now >= guard.report_due_ms) {
		guard.report_due_ms = 0;
		guard.last_report_ms = now;
		guard.last_report_usage = usage;
		if (guard_oom_killed()) {
			debug("memory guard: the OOM killer came first: no report (the victim's memory is still being freed)");
		} else {
			report_memory(&guard.cg, guard.soft,
				      guard.last_trim_usage, usage,
				      guard.oom_kills, statsdir_fd(),
				      guard.above ?
				      "over the soft limit after trimming" :
				      "soft limit crossed, trimmed");
			if (guard.ctl) {
				__atomic_add_fetch(&guard.ctl->reports, 1,
						   __ATOMIC_RELAXED);
				__atomic_store_n(&guard.ctl->last_report_time,
						 (uint64_t)time(NULL),
						 __ATOMIC_RELAXED);
			}
		}
		if (guard.ctl)
			__atomic_store_n(&guard.ctl->report_pending, 0,
					 __ATOMIC_RELAXED);
	}
	/* a shim that woke keel waits until usage was looked at and, if
	 * that trimmed, the report is out: it comes before the OOM kill
	 * of a program that grows faster than anyone can trim */
	if (guard.wake_pending && !guard.report_due_ms)
		guard_wake_answer();
	return guard_next_timeout();
}

int guard_on_event(void)
{
	debug("memory guard: notification");
	usage_watch_drain(guard.notify_fd, guard.watch == GUARD_WATCH_EVENTFD);
	return guard_check();
}

int guard_on_timeout(void)
{
	return guard_check();
}

int guard_wake_fd(void)
{
	return guard.wake_quiet_until_ms > guard_now_ms() ? -1 : guard.wake_fd;
}

int guard_on_wake(void)
{
	char buf[4096];

	/* a pipe holds 64 KiB at most: a bounded drain */
	for (int i = 0; i < 16; i++)
		if (read(guard.wake_fd, buf, sizeof(buf)) <= 0)
			break;
	debug("memory guard: woken through the FIFO");
	guard.wake_pending = 1;
	guard.wake_quiet_until_ms = guard_now_ms() + GUARD_WAKE_QUIET_MS;
	return guard_check();
}

/* The check at growth: the shims read usage from the file keel reads,
 * named in the control file, and wake keel through the FIFO. Whether
 * both are there. */
static int guard_growth_check(const char *usage_path)
{
	size_t n = strlen(usage_path);

	guard.wake_fd = statsdir_wake_fd();
	if (!guard.ctl || guard.wake_fd < 0)
		return 0;
	if (n >= sizeof(guard.ctl->usage_path)) {
		info("memory guard: %s: a path too long for the shims; usage is not checked at growth",
		     usage_path);
		return 0;
	}
	/* the child has not started: no shim reads the file yet */
	memcpy(guard.ctl->usage_path, usage_path, n + 1);
	return 1;
}

int guard_init(const struct keel_guard_config *cfg, int *fd, short *events,
	       int *timeout_ms)
{
	char path[PATH_MAX + 32];
	const char *root = cfg->root ? cfg->root : "/";
	int have_cg, growth_check, v1_error = 0;

	guard.usage_fd = -1;
	guard.notify_fd = -1;
	guard.wake_fd = -1;
	*fd = -1;
	*events = 0;
	*timeout_ms = -1;
	guard.fail = cfg->on_limit == KEEL_ON_LIMIT_FAIL;
	if (report_configure(cfg->report, cfg->report_given) < 0 ||
	    statsdir_check_base(cfg->stats_dir))
		return 2;
	have_cg = cgroup_find(root, &guard.cg) == 0;
	guard.root = root;
	guard.rss_limit = *cfg->rss_limit;
	guard.soft = cgroup_soft_limit(cfg->rss_limit,
				       cgroup_guard_limit(&guard.cg));
	if (guard.soft && !have_cg) {
		warning("KEEL_RSS_LIMIT: no memory cgroup to watch usage in; the memory guard is off");
		guard.soft = 0;
	}
	postmortem_init(&guard.cg);
	cgroup_oom_kills(&guard.cg, &guard.oom_kills);
	statsdir_setup(cfg->stats_dir, guard.soft);
	guard.ctl = statsdir_control();
	if (!guard.soft) {
		info("memory guard: no limit to guard");
		return 0;
	}
	if (cgroup_usage_path(&guard.cg, path, sizeof(path)) < 0 ||
	    (guard.usage_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		warning("unable to open %s: %s; the memory guard is off", path,
			strerror(errno));
		guard.soft = 0;
		return 0;
	}
	growth_check = guard_growth_check(path);
	guard.watch = GUARD_WATCH_POLL;
	if (guard.cg.version == KEEL_CGROUP_V1) {
		int efd = usage_watch_threshold(guard.cg.dir, guard.usage_fd,
						guard.soft);
		if (efd >= 0) {
			guard.notify_fd = efd;
			guard.watch = GUARD_WATCH_EVENTFD;
			*events = POLLIN;
		} else {
			v1_error = -efd;
		}
	} else {
		/* v2 has no usage threshold: usage is polled, and
		 * memory.events wakes us early on high/max/oom events (keel
		 * never sets memory.high to get them: it is the user's) */
		guard.notify_fd = usage_watch_events(guard.cg.dir);
		*events = POLLPRI;
	}
	*fd = guard.notify_fd;
	info("memory guard: soft limit %llu bytes of %llu (%scgroup v%d, %s%s)",
	     (unsigned long long)guard.soft,
	     (unsigned long long)cgroup_guard_limit(&guard.cg),
	     cgroup_guard_limit(&guard.cg) != guard.cg.limit ?
	     "memory.high, " : "", guard.cg.version,
	     guard.watch == GUARD_WATCH_EVENTFD ? "threshold event" :
	     "polling every 50 ms",
	     growth_check ? ", checked at growth" : "");
	/* Without the threshold event a program growing at GiB/s goes from
	 * the soft limit to the OOM killer between two polls. The shims'
	 * check at growth makes up for it: then the fallback (v1 mounted
	 * read-only, as Docker does) is said at -v, as every Docker start
	 * on v1 would say it otherwise; without the check the gap is real,
	 * and said at the default verbosity. */
	/* a cgroup's name is chosen by whoever made it */
	char q[KEEL_PRINTABLE_MAX];
	printable(q, sizeof(q), guard.cg.dir);
	if (guard.cg.version == KEEL_CGROUP_V1 && v1_error && growth_check)
		info("memory guard: no usage threshold event (%s/cgroup.event_control: %s): polling usage every 50 ms, and shimmed processes check it as their heaps grow",
		     q, strerror(v1_error));
	else if (guard.cg.version == KEEL_CGROUP_V1 && v1_error)
		warning("memory guard: no usage threshold event (%s/cgroup.event_control: %s): polling usage every 50 ms only; a fast grower may meet the OOM killer first",
			q, strerror(v1_error));
	else if (guard.watch == GUARD_WATCH_POLL && !growth_check)
		warning("memory guard: polling usage every 50 ms only (shimmed processes cannot check it as their heaps grow); a fast grower may meet the OOM killer first");
	guard.limit_due_ms = guard_now_ms() + GUARD_LIMIT_RECHECK_MS;
	/* usage may be over already */
	*timeout_ms = guard_check();
	return 0;
}
