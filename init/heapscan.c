/* heapscan: the folder pass (see heapscan.h). What /proc says of each live
 * pid is looked up once per pass and kept in a small open-addressing
 * table, with the freshest valid copy of its statistics; dead pids are not
 * kept, so the table is bounded by the processes that really exist. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "init/clock.h"
#include "init/heapfile.h"
#include "init/heapscan.h"
#include "init/log.h"
#include "init/procinfo.h"

/* What one pass may read of all the processes' maps together: a
 * process decides how many mappings it has, and reading 256 KiB of one's
 * maps took 0.7-1 ms here (3,000 mappings or more), so a thousand such
 * processes with statistics files would hold PID 1 for a second a pass.
 * Past the budget a process counts as mapping its file, as when its maps
 * are not keel's to read. */
#define HEAPSCAN_MAPS_BUDGET (4u << 20)

/* A pass with a time bound reads the clock once per this many entries
 * (3-10 us each when planted junk fills the folder). */
#define HEAPSCAN_CLOCK_EVERY 64

/* heapscan_find reads the folder this long at most: files planted under
 * the victim's pid are each opened and read (1-10 us), and the guard's
 * thread, which makes the post-mortem, trims nothing meanwhile. */
#define HEAPSCAN_FIND_MS 250

/* The pid of an OOM kill's victim, reaped, whose post-mortem has not
 * read its file yet: sweeps leave the file alone (heapscan_spare). */
static pid_t heapscan_spared;

struct heapscan_pid {
	struct heapfile_proc proc;	/* proc.pid 0: an empty slot */
	int zombie;
	char best[32];			/* the freshest valid file's name */
	struct keel_heap_stats *st;	/* its contents, or NULL */
};

struct heapscan {
	int dirfd;
	unsigned flags;
	long resume;			/* telldir's position to start at, or 0 */
	long long until_ms;		/* clock_now_ms to stop at, or 0 */
	pid_t only;			/* heapscan_find's pid, or 0 */
	heapscan_reject_fn reject;
	void *arg;
	struct heapscan_pid *slot;
	size_t cap, used;		/* cap: a power of two */
	struct heapscan_result res;
	struct timespec now;
};

static size_t heapscan_hash(pid_t pid, size_t cap)
{
	return ((uint32_t)pid * 2654435761u) & (cap - 1);
}

static struct heapscan_pid *heapscan_slot(struct heapscan *hs, pid_t pid)
{
	size_t i = heapscan_hash(pid, hs->cap);

	while (hs->slot[i].proc.pid && hs->slot[i].proc.pid != pid)
		i = (i + 1) & (hs->cap - 1);
	return &hs->slot[i];
}

/* Keeps the table at most half full; 0, or -1 out of memory. */
static int heapscan_grow(struct heapscan *hs)
{
	struct heapscan_pid *old = hs->slot;
	size_t oldcap = hs->cap, cap = oldcap ? oldcap * 2 : 64;

	if (hs->used + 1 <= oldcap / 2)
		return 0;
	hs->slot = calloc(cap, sizeof(*hs->slot));
	if (!hs->slot) {
		hs->slot = old;
		return -1;
	}
	hs->cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].proc.pid)
			*heapscan_slot(hs, old[i].proc.pid) = old[i];
	free(old);
	return 0;
}

int heapscan_identify(pid_t pid, struct heapfile_proc *who)
{
	struct keel_proc_stat ps;

	if (proc_stat(pid, &ps) < 0)
		return -1;
	memset(who, 0, sizeof(*who));
	who->pid = pid;
	who->start_time = ps.start_time;
	if (proc_uids(pid, who->uids) < 0)
		memset(who->uids, 0xff, sizeof(who->uids));
	return ps.state == 'Z' || ps.state == 'X';
}

/* A new table entry for a process known by who; NULL when the table
 * cannot grow. */
static struct heapscan_pid *heapscan_add(struct heapscan *hs,
					 const struct heapfile_proc *who,
					 int zombie)
{
	struct heapscan_pid *e;

	if (heapscan_grow(hs) < 0)
		return NULL;
	e = heapscan_slot(hs, who->pid);
	memset(e, 0, sizeof(*e));
	e->proc = *who;
	e->zombie = zombie;
	hs->used++;
	return e;
}

/* The table entry of a live pid, looked up in /proc on first sight;
 * NULL for a pid that is gone (or a table that cannot grow). */
static struct heapscan_pid *heapscan_pid(struct heapscan *hs, pid_t pid)
{
	struct heapfile_proc who;
	struct heapscan_pid *e;
	uint64_t rss;
	int zombie;

	if (hs->cap && heapscan_slot(hs, pid)->proc.pid == pid)
		return heapscan_slot(hs, pid);
	zombie = heapscan_identify(pid, &who);
	if (zombie < 0 || !(e = heapscan_add(hs, &who, zombie)))
		return NULL;
	if (e->zombie || proc_statm(pid, &e->proc.vsize, &rss) < 0)
		e->proc.vsize = 0;
	return e;
}

static void heapscan_remove(struct heapscan *hs, const char *name)
{
	if ((hs->flags & HEAPSCAN_SWEEP) && unlinkat(hs->dirfd, name, 0) == 0)
		hs->res.removed++;
}

/* Anything that is not a valid file of a live process: removed once it is
 * old enough that no shim can still be filling it in. Folders are left
 * alone (a nested keel's instance). */
static void heapscan_junk(struct heapscan *hs, const char *name)
{
	struct stat sb;

	if (!(hs->flags & HEAPSCAN_SWEEP) ||
	    fstatat(hs->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
	    S_ISDIR(sb.st_mode) ||
	    sb.st_ctim.tv_sec + HEAPSCAN_JUNK_AGE_S > hs->now.tv_sec)
		return;
	heapscan_remove(hs, name);
}

/* One folder entry. */
static void heapscan_entry(struct heapscan *hs, const char *name)
{
	struct keel_heap_stats st;
	struct heapscan_pid *e;
	pid_t pid;

	hs->res.entries++;
	if (!strcmp(name, ".") || !strcmp(name, "..") ||
	    !strcmp(name, KEEL_CONTROL_FILE) || !strcmp(name, KEEL_WAKE_FILE))
		return;
	if (heapfile_name_pid(name, &pid) < 0) {
		heapscan_junk(hs, name);
		return;
	}
	if (hs->only && pid != hs->only)
		return;
	e = heapscan_pid(hs, pid);
	if (!e) {
		/* the process is gone, and no post-mortem waits for it */
		if (pid != __atomic_load_n(&heapscan_spared, __ATOMIC_RELAXED))
			heapscan_remove(hs, name);
		return;
	}
	if (heapfile_read(hs->dirfd, name, &e->proc, &st) < 0) {
		debug("statistics file %s: %s", name, heapfile_why);
		/* a shim filling its file in, unless it never finishes */
		if (!strcmp(heapfile_why, HEAPFILE_UNFINISHED)) {
			heapscan_junk(hs, name);
			return;
		}
		snprintf(hs->res.rejected_name, sizeof(hs->res.rejected_name),
			 "%s", name);
		hs->res.rejected_why = heapfile_why;
		if (!strcmp(heapfile_why, "left by an earlier process with this pid"))
			heapscan_remove(hs, name);
		else
			heapscan_junk(hs, name);
		hs->res.rejected++;
		if (hs->reject)
			hs->reject(pid, heapfile_why, hs->arg);
		return;
	}
	/* of one process's files (one per program it exec'd into) the one
	 * updated last is the live one */
	if (e->st && st.updated_ms <= e->st->updated_ms) {
		heapscan_remove(hs, name);
		return;
	}
	if (!e->st && !(e->st = malloc(sizeof(*e->st))))
		return;
	if (e->best[0])
		heapscan_remove(hs, e->best);
	*e->st = st;
	snprintf(e->best, sizeof(e->best), "%s", name);
}

static int heapscan_by_pid(const void *a, const void *b)
{
	const struct heapscan_pid *x = a, *y = b;

	return (x->proc.pid > y->proc.pid) - (x->proc.pid < y->proc.pid);
}

/* The pass itself; the caller frees hs->slot and the copies. */
static int heapscan_run(struct heapscan *hs)
{
	struct dirent *de;
	DIR *d;
	int fd;

	/* a descriptor of our own: the caller's keeps its position */
	fd = openat(hs->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &hs->now);
	if (hs->resume)
		seekdir(d, hs->resume);
	hs->resume = 0;
	for (unsigned n = 1; (de = readdir(d)); n++) {
		heapscan_entry(hs, de->d_name);
		if (hs->until_ms && n % HEAPSCAN_CLOCK_EVERY == 0 &&
		    clock_now_ms() >= hs->until_ms) {
			hs->resume = telldir(d);
			hs->res.cut = true;
			break;
		}
	}
	closedir(d);
	return 0;
}

static void heapscan_free(struct heapscan *hs)
{
	for (size_t i = 0; i < hs->cap; i++)
		free(hs->slot[i].st);
	free(hs->slot);
}

/* One pass: the folder read (from hs->resume, until hs->until_ms), then
 * the live processes' files in pid order. */
static int heapscan_pass(struct heapscan *hs, heapscan_fn fn,
			 struct heapscan_result *res)
{
	char needle[40];
	size_t n = 0, maps_budget = HEAPSCAN_MAPS_BUDGET;

	if (heapscan_run(hs) < 0)
		return -1;
	/* the live ones first in the table, then in pid order */
	for (size_t i = 0; i < hs->cap; i++)
		if (hs->slot[i].st)
			hs->slot[n++] = hs->slot[i];
	for (size_t i = n; i < hs->cap; i++)
		hs->slot[i].st = NULL;	/* moved, or never had one */
	/* an empty folder leaves no table: qsort's array may not be NULL
	 * even when empty (C11 7.1.4, 7.22.5) */
	if (n)
		qsort(hs->slot, n, sizeof(*hs->slot), heapscan_by_pid);
	for (size_t i = 0; i < n; i++) {
		struct heapscan_pid *e = &hs->slot[i];

		/* a live process maps its file: one it does not map was
		 * left by the program it was before an exec (into one
		 * without the shim, say). Unknown (maps not ours to read,
		 * as for root without CAP_SYS_PTRACE, or past the pass's
		 * budget) counts as mapped. */
		snprintf(needle, sizeof(needle), "/%s\n", e->best);
		if (!e->zombie && proc_maps_has_within(e->proc.pid, needle,
							&maps_budget) == 0) {
			heapscan_remove(hs, e->best);
			continue;
		}
		hs->res.processes++;
		if (fn)
			fn(e->st, hs->arg);
	}
	heapscan_free(hs);
	if (res)
		*res = hs->res;
	return 0;
}

int heapscan_each_reject(int dirfd, unsigned flags, heapscan_fn fn,
			 heapscan_reject_fn reject, void *arg,
			 struct heapscan_result *res)
{
	struct heapscan hs = { .dirfd = dirfd, .flags = flags,
			       .reject = reject, .arg = arg };

	return heapscan_pass(&hs, fn, res);
}

int heapscan_each(int dirfd, unsigned flags, heapscan_fn fn, void *arg,
		  long long until_ms, struct heapscan_result *res)
{
	struct heapscan hs = { .dirfd = dirfd, .flags = flags, .arg = arg,
			       .until_ms = until_ms };

	return heapscan_pass(&hs, fn, res);
}

int heapscan_sweep_step(int dirfd, long *resume, long long until_ms,
			struct heapscan_result *res)
{
	struct heapscan hs = { .dirfd = dirfd, .flags = HEAPSCAN_SWEEP,
			       .resume = *resume, .until_ms = until_ms };
	int rc = heapscan_pass(&hs, NULL, res);

	*resume = hs.resume;
	return rc;
}

void heapscan_spare(pid_t pid)
{
	__atomic_store_n(&heapscan_spared, pid, __ATOMIC_RELAXED);
}

int heapscan_find(int dirfd, const struct heapfile_proc *who,
		  struct keel_heap_stats *out)
{
	struct heapscan hs = { .dirfd = dirfd, .only = who->pid,
			       .until_ms = clock_now_ms() + HEAPSCAN_FIND_MS };
	int ret = -1;

	/* known already: the process may be reaped by now */
	if (heapscan_add(&hs, who, 1) && heapscan_run(&hs) == 0) {
		const struct heapscan_pid *e = heapscan_slot(&hs, who->pid);

		if (e->st) {
			*out = *e->st;
			ret = 0;
		}
	}
	heapscan_free(&hs);
	return ret;
}
