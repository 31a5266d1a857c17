/* statstable: the collector (see statstable.h). /proc gives every process
 * of the namespace and its memory; the keel instances give the published
 * heaps, read through heapscan with every check PID 1 makes; what is left
 * without a heap gets the reason, from what /proc says of it. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/allocators.h"
#include "init/heapscan.h"
#include "init/inject.h"
#include "init/procinfo.h"
#include "init/statstable.h"

/* A namespace holds at most this many processes for keel stats (a row
 * is 2.5 KB): past it the rest are left out rather than let a fork bomb
 * take all memory. */
#define STATS_MAX_ROWS 16384

static int statstable_by_pid(const void *a, const void *b)
{
	const struct stats_row *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int statstable_by_rss(const void *a, const void *b)
{
	const struct stats_row *x = a, *y = b;

	if (x->rss != y->rss)
		return x->rss < y->rss ? 1 : -1;
	return statstable_by_pid(a, b);
}

/* While collecting, rows are in pid order. */
static struct stats_row *statstable_find(struct stats_table *t, uint32_t pid)
{
	struct stats_row key = { .pid = pid };

	if (!t->nrows)
		return NULL;
	return bsearch(&key, t->rows, t->nrows, sizeof(*t->rows),
		       statstable_by_pid);
}

const struct stats_keel *statstable_keel(const struct stats_table *t,
					 uint32_t pid)
{
	for (int i = 0; i < t->nkeels; i++)
		if (t->keels[i].pid == pid)
			return &t->keels[i];
	return NULL;
}

void statstable_set_heap(struct stats_row *r, const struct keel_heap_stats *st)
{
	/* the heap is anonymous memory; kernels before 4.5 have no RssAnon;
	 * no RSS at all: a process that is gone, taken as published */
	uint64_t res = r->rss_anon ? r->rss_anon : r->rss ? r->rss :
		       st->in_use + st->free_resident;

	r->have_heap = 1;
	r->heap = *st;
	r->no_heap = NULL;
	r->rejected = NULL;
	/* the shim counts blocks, the kernel pages: a block never written
	 * is in use but not resident, and the figures may be older than
	 * RSS. What the kernel does not count is shown apart, so that in
	 * use + free-resident never exceed RSS. */
	r->in_use = st->in_use < res ? st->in_use : res;
	r->free_resident = st->free_resident < res - r->in_use ?
			   st->free_resident : res - r->in_use;
	r->not_resident = st->in_use + st->free_resident - r->in_use -
			  r->free_resident;
	r->fragmentation = r->in_use ? (double)(r->in_use + r->free_resident) /
				       (double)r->in_use : 0;
}

int statstable_row(struct stats_row *r, uint32_t pid, int with_pss)
{
	struct keel_proc_stat ps;
	struct proc_memory pm;

	memset(r, 0, sizeof(*r));
	if (proc_stat((pid_t)pid, &ps) < 0 || ps.state == 'Z' ||
	    ps.state == 'X' || proc_memory((pid_t)pid, &pm) < 0)
		return -1;
	r->pid = pid;
	r->ppid = ps.ppid;
	r->start_time = ps.start_time;
	r->rss = pm.rss;
	r->rss_anon = pm.rss_anon;
	r->rss_file = pm.rss_file;
	r->rss_shmem = pm.rss_shmem;
	r->threads = pm.threads;
	r->have_pss = with_pss && proc_pss((pid_t)pid, &r->pss) == 0;
	proc_comm((pid_t)pid, r->command, sizeof(r->command));
	return 0;
}

static void statstable_procs(struct stats_table *t, int with_pss)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	uint64_t pid;

	if (!d)
		return;
	while ((de = readdir(d)) && t->nrows < STATS_MAX_ROWS) {
		char *end;

		pid = strtoull(de->d_name, &end, 10);
		if (*end || !pid || pid > 0x7fffffff)
			continue;
		if (t->nrows == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 64;
			struct stats_row *rows = realloc(t->rows,
							 cap * sizeof(*rows));
			if (!rows)
				break;
			t->rows = rows;
			t->cap = cap;
		}
		if (statstable_row(&t->rows[t->nrows], (uint32_t)pid,
				    with_pss) == 0)
			t->nrows++;
	}
	closedir(d);
	if (t->nrows)
		qsort(t->rows, t->nrows, sizeof(*t->rows), statstable_by_pid);
}

static void statstable_on_heap(const struct keel_heap_stats *st, void *arg)
{
	struct stats_row *r = statstable_find(arg, st->pid);

	/* the file named the process it was checked against; the row is
	 * that process unless its pid was reused since /proc was read */
	if (r && !r->have_heap &&
	    (!st->start_time || st->start_time == r->start_time))
		statstable_set_heap(r, st);
}

static void statstable_on_reject(pid_t pid, const char *why, void *arg)
{
	struct stats_row *r = statstable_find(arg, (uint32_t)pid);

	if (r && !r->have_heap) {
		r->no_heap = "statistics rejected";
		r->rejected = why;	/* a literal of heapfile.c */
	}
}

static void statstable_on_keel(uint32_t keel_pid, int dirfd,
			       const struct keel_control *ctl, void *arg)
{
	struct stats_table *t = arg;

	if (t->nkeels < STATS_MAX_KEELS) {
		t->keels[t->nkeels].pid = keel_pid;
		t->keels[t->nkeels].ctl = *ctl;
		t->nkeels++;
	}
	heapscan_each_reject(dirfd, 0, statstable_on_heap,
			     statstable_on_reject, t, NULL);
}

/* The keel a process descends from: up the parents, at most as many
 * steps as there are rows (a cycle cannot hold, but a bound costs
 * nothing). */
static uint32_t statstable_ancestor_keel(struct stats_table *t,
					 const struct stats_row *r)
{
	uint32_t pid = r->pid;

	for (size_t i = 0; i <= t->nrows && pid; i++) {
		const struct stats_row *p;

		if (statstable_keel(t, pid))
			return pid;
		p = statstable_find(t, pid);
		if (!p)
			return 0;
		pid = p->ppid;
	}
	return 0;
}

static sigjmp_buf statstable_bus_jmp;

static void statstable_on_bus(int sig)
{
	(void)sig;
	siglongjmp(statstable_bus_jmp, 1);
}

/* What the process's program file says (common/elfinfo.h): whether it
 * defines malloc itself, links an allocator library, is 32-bit...
 * inject_inspect maps the file, and a running executable can be truncated
 * by another process (Linux 6.11 stopped denying writes to it): a read
 * past its new end is SIGBUS, which here means "unknown", KEEL_ELF_DYNAMIC
 * (the mapping is left behind: keel stats is short-lived, PID 1 never
 * comes here). */
static enum keel_elf_kind statstable_exe_kind(uint32_t pid)
{
	struct sigaction sa = { .sa_handler = statstable_on_bus }, old;
	volatile enum keel_elf_kind kind = KEEL_ELF_DYNAMIC;
	char exe[64];

	snprintf(exe, sizeof(exe), "/proc/%u/exe", pid);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &old) < 0)
		return kind;
	if (!sigsetjmp(statstable_bus_jmp, 1))
		kind = inject_inspect(exe, NULL, 0);
	sigaction(SIGBUS, &old, NULL);
	return kind;
}

/* Why a process has no published heap, from what /proc tells this user. */
static const char *statstable_reason(const struct stats_table *t,
				     const struct stats_row *r)
{
	int shim;

	if (statstable_keel(t, r->pid))
		return "keel itself";
	if (r->pid == (uint32_t)getpid())
		return "this keel stats";
	if (r->no_heap)
		return r->no_heap;
	/* known from /proc/<pid>/stat, which anyone may read */
	if (t->nkeels && !r->keel_pid)
		return "not started by keel";
	shim = proc_maps_has((pid_t)r->pid, "libkeel.so");
	if (shim < 0)
		return "not readable by this user";
	if (proc_is_static((pid_t)r->pid) == 1)
		return "static binary";
	/* the program's own malloc comes before any preloaded one */
	switch (statstable_exe_kind(r->pid)) {
	case KEEL_ELF_OWN_MALLOC:
	case KEEL_ELF_LINKED_MALLOC:
		return "own allocator";
	case KEEL_ELF_FOREIGN:
		return "32-bit binary";
	default:
		break;
	}
	if (shim)
		return t->nkeels ? "heap below the publishing threshold" :
		       "no keel statistics folder found";
	for (size_t i = 0; i < KEEL_ALLOCATOR_NLIBS; i++)
		if (proc_maps_has((pid_t)r->pid, keel_allocator_libs[i]) == 1)
			return "own allocator";
	return "not shimmed (KEEL_MALLOC=off or LD_PRELOAD changed)";
}

static void statstable_cgroup(struct stats_table *t)
{
	struct keel_cgroup cg;

	if (cgroup_find("/", &cg) < 0 || cgroup_usage(&cg, &t->usage) < 0)
		return;
	t->cgroup_version = cg.version;
	t->limit = cg.limit;
	t->have_memory_stat = cgroup_memory_stat(&cg, &t->ms) == 0;
	t->have_oom_kills = cgroup_oom_kills(&cg, &t->oom_kills) == 0;
}

int statstable_collect(struct stats_table *t, int with_pss)
{
	memset(t, 0, sizeof(*t));
	clock_gettime(CLOCK_REALTIME, &t->time);
	statstable_cgroup(t);
	statstable_procs(t, with_pss);
	statsfind_each(statstable_on_keel, t);
	for (size_t i = 0; i < t->nrows; i++) {
		struct stats_row *r = &t->rows[i];

		r->keel_pid = statstable_ancestor_keel(t, r);
		if (!r->have_heap)
			r->no_heap = statstable_reason(t, r);
		t->rss += r->rss;
		t->pss += r->have_pss ? r->pss : 0;
		t->rss_anon += r->rss_anon;
		if (r->have_heap) {
			t->heaps++;
			t->in_use += r->in_use;
			t->free_resident += r->free_resident;
		}
	}
	if (t->nrows)
		qsort(t->rows, t->nrows, sizeof(*t->rows), statstable_by_rss);
	return t->cgroup_version || t->nrows ? 0 : -1;
}

void statstable_free(struct stats_table *t)
{
	free(t->rows);
	t->rows = NULL;
	t->nrows = t->cap = 0;
}
