/* Heap statistics: derived on demand from span and page counters minus
 * what thread caches hold (nothing is counted on the fast path). They feed
 * malloc_stats(), mallinfo2(), the KEEL_STATS exit table and the file
 * "<KEEL_STATS_DIR>/<pid>" that keel reads from outside the process. */
#include "kl.h"
#include "common/heapstats.h"

#include <linux/fcntl.h>
#include <linux/mman.h>

KL_HIDDEN struct keel_control *kl_control;
static struct keel_heap_stats *stats_pub;
static char stats_path[256];
static uint32_t stats_writing;	/* a publish is under way */
static size_t stats_heap_published;	/* the heap's size at the last publish */

struct kl_snapshot {
	size_t cls_used[KL_NCLASS];	/* blocks in use */
	size_t cls_free[KL_NCLASS];	/* bytes free in spans and caches */
	size_t small_in_use, small_free;
	size_t large_in_use, huge, huge_count;
	size_t dirty, clean, mapped;	/* dirty: free runs + huge_cached */
	size_t huge_cached;
	size_t returned[KL_NCLASS + 1];	/* by origin, as kl_pages.returned */
	size_t huge_returned;
};

static void stats_take(struct kl_snapshot *s)
{
	size_t cached[KL_NCLASS] = { 0 };
	kl_lock(&kl_threads_lock);
	for (struct kl_tcache *tc = kl_threads; tc; tc = tc->next)
		for (unsigned c = 0; c < KL_NCLASS; c++)
			cached[c] += __atomic_load_n(&tc->bin[c].count,
						     __ATOMIC_RELAXED);
	kl_unlock(&kl_threads_lock);
	s->small_in_use = s->small_free = 0;
	for (unsigned c = 0; c < KL_NCLASS; c++) {
		struct kl_class *k = &kl_classes[c];
		size_t used = __atomic_load_n(&k->used, __ATOMIC_RELAXED);
		size_t cap = __atomic_load_n(&k->nblocks, __ATOMIC_RELAXED);
		size_t u = used > cached[c] ? used - cached[c] : 0;
		s->cls_used[c] = u;
		s->cls_free[c] = (cap - u) * kl_class_size[c];
		s->small_in_use += u * kl_class_size[c];
		s->small_free += s->cls_free[c];
	}
	s->large_in_use = __atomic_load_n(&kl_pages.large_in_use,
					  __ATOMIC_RELAXED);
	s->huge = __atomic_load_n(&kl_huge_bytes, __ATOMIC_RELAXED);
	s->huge_count = __atomic_load_n(&kl_huge_count, __ATOMIC_RELAXED);
	s->huge_cached = __atomic_load_n(&kl_huge_cached, __ATOMIC_RELAXED);
	s->dirty = __atomic_load_n(&kl_pages.dirty, __ATOMIC_RELAXED) +
		   s->huge_cached;
	s->clean = __atomic_load_n(&kl_pages.clean, __ATOMIC_RELAXED);
	for (unsigned c = 0; c <= KL_NCLASS; c++)
		s->returned[c] = __atomic_load_n(&kl_pages.returned[c],
						 __ATOMIC_RELAXED);
	s->huge_returned = __atomic_load_n(&kl_huge_returned,
					   __ATOMIC_RELAXED);
	/* cached huge mappings count as mapped and free resident */
	s->mapped = __atomic_load_n(&kl_pages.mapped, __ATOMIC_RELAXED) +
		    s->huge_cached;
}

/* mallinfo2 in glibc's field order. */
void kl_stats_mallinfo(size_t out[10])
{
	struct kl_snapshot s;
	stats_take(&s);
	memset(out, 0, 10 * sizeof(size_t));
	out[0] = s.mapped;			/* arena */
	out[1] = 1;				/* ordblks */
	out[3] = s.huge_count;			/* hblks */
	out[4] = s.huge;			/* hblkhd */
	out[7] = s.small_in_use + s.large_in_use; /* uordblks */
	out[8] = s.small_free + s.dirty;	/* fordblks */
}

static size_t kib(size_t b)
{
	return (b + 1023) / 1024;
}

static void stats_row(const char *name, size_t blocks, size_t in_use,
		      size_t free, size_t returned)
{
	char line[160], num[16] = "";
	if (blocks != (size_t)-1)
		kl_snprintf(num, sizeof(num), "%zu", blocks);
	int n = kl_snprintf(line, sizeof(line),
			    "libkeel: %8s %12s %12zu %12zu %12zu\n", name, num,
			    kib(in_use), kib(free), kib(returned));
	kl_write(2, line, (size_t)n);
}

/* The per-class table and the totals, to stderr. "returned" is
 * cumulative: every purge counts each page to the class that used it last
 * (a per-page origin byte in the segment header), so the rows add up to
 * the total. Purges are whole pages: the KiB add up too. */
void kl_stats_print(void)
{
	struct kl_snapshot s;
	char line[192], name[16];
	stats_take(&s);
	kl_write(2, line, (size_t)kl_snprintf(line, sizeof(line),
		 "libkeel: %8s %12s %12s %12s %12s\n", "class", "blocks",
		 "in use KiB", "free KiB", "returned KiB"));
	size_t returned = s.huge_returned;
	for (unsigned c = 0; c < KL_NCLASS; c++) {
		returned += s.returned[c + 1];
		if (!s.cls_used[c] && !s.cls_free[c] && !s.returned[c + 1])
			continue;
		kl_snprintf(name, sizeof(name), "%u", kl_class_size[c]);
		stats_row(name, s.cls_used[c], s.cls_used[c] * kl_class_size[c],
			  s.cls_free[c], s.returned[c + 1]);
	}
	returned += s.returned[0];
	/* dirty runs have no class: their free bytes are on the large row */
	stats_row("large", (size_t)-1, s.large_in_use,
		  s.dirty - s.huge_cached, s.returned[0]);
	stats_row("huge", s.huge_count, s.huge, s.huge_cached,
		  s.huge_returned);
	int n = kl_snprintf(line, sizeof(line),
			    "libkeel: total KiB: mapped %zu, in use %zu, free resident %zu, free not resident %zu, returned %zu\n",
			    kib(s.mapped + s.huge),
			    kib(s.small_in_use + s.large_in_use + s.huge),
			    kib(s.small_free + s.dirty), kib(s.clean),
			    kib(returned));
	kl_write(2, line, (size_t)n);
}

/* Map the control file keel writes, if there is one: at start, so that
 * KEEL_ON_LIMIT=fail holds from the first allocation. */
void kl_stats_map_control(void)
{
	if (!kl_cfg.stats_dir)
		return;
	char path[256];
	kl_snprintf(path, sizeof(path), "%s/%s", kl_cfg.stats_dir,
		    KEEL_CONTROL_FILE);
	int fd = kl_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	struct keel_control *c = kl_mmap_fd(sizeof(*c), PROT_READ, fd);
	kl_close(fd);
	if (kl_is_err(c))
		return;
	if (c->magic != KEEL_CONTROL_MAGIC || c->size < sizeof(*c)) {
		kl_munmap(c, sizeof(*c));
		return;
	}
	kl_control = c;
}

/* Create "<dir>/<pid>" and map it; no descriptor stays open. A program
 * that changed user and exec'd keeps its pid, and the file its root-owned
 * former self made cannot be reopened in the sticky folder: then the file
 * is "<dir>/<pid>.<euid>" (keel stats reads the newer of the two). */
static void stats_create(void)
{
	const int flags = O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW;
	int pid = kl_getpid();
	kl_snprintf(stats_path, sizeof(stats_path), "%s/%d", kl_cfg.stats_dir,
		    pid);
	int fd = kl_open(stats_path, flags, 0644);
	if (fd == -13 /* EACCES */ || fd == -1 /* EPERM */) {
		kl_snprintf(stats_path, sizeof(stats_path), "%s/%d.%u",
			    kl_cfg.stats_dir, pid, kl_geteuid());
		fd = kl_open(stats_path, flags, 0644);
	}
	if (fd < 0) {
		kl_msg("libkeel: warning: unable to create %s: error %d; statistics not published",
		       stats_path, -fd);
		stats_path[0] = 0;
		return;
	}
	struct keel_heap_stats *p = 0;
	if (kl_ftruncate(fd, sizeof(*p)) == 0)
		p = kl_mmap_fd(sizeof(*p), PROT_READ | PROT_WRITE, fd);
	kl_close(fd);
	if (!p || kl_is_err(p))
		return;
	p->magic = KEEL_STATS_MAGIC;
	p->version = KEEL_STATS_VERSION;
	p->size = sizeof(*p);
	p->pid = (uint32_t)pid;
	p->nclasses = KL_NCLASS;
	for (unsigned c = 0; c < KL_NCLASS; c++)
		p->classes[c].block_size = kl_class_size[c];
	stats_pub = p;
}

/* Called once the process is worth watching (see purger.c). */
void kl_stats_open(void)
{
	if (!kl_cfg.stats_dir || stats_pub)
		return;
	stats_create();
	kl_stats_publish();
}

/* After the heap grew: publish again once it grew by a segment or more. */
void kl_stats_grew(void)
{
	size_t heap = __atomic_load_n(&kl_pages.mapped, __ATOMIC_RELAXED) +
		      __atomic_load_n(&kl_huge_bytes, __ATOMIC_RELAXED);
	if (stats_pub && heap >= __atomic_load_n(&stats_heap_published,
						 __ATOMIC_RELAXED) + KL_SEG_SIZE)
		kl_stats_publish();
}

/* Write the snapshot under the seqlock (odd while writing). */
void kl_stats_publish(void)
{
	struct keel_heap_stats *p = stats_pub;
	struct kl_snapshot s;
	uint32_t idle = 0;
	/* one writer at a time (purger tick or a trim); a second one skips:
	 * the first publishes numbers just as fresh */
	if (!p || !__atomic_compare_exchange_n(&stats_writing, &idle, 1, 0,
					       __ATOMIC_ACQUIRE,
					       __ATOMIC_RELAXED))
		return;
	stats_take(&s);
	__atomic_store_n(&stats_heap_published, s.mapped + s.huge,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&p->seq, p->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	p->threads = kl_nthreads;
	p->updated_ms = kl_now_ms();
	p->mapped = s.mapped + s.huge;
	p->in_use = s.small_in_use + s.large_in_use + s.huge;
	p->free_resident = s.small_free + s.dirty;
	p->resident = p->in_use + p->free_resident;
	p->returned = s.clean;
	p->huge_in_use = s.huge;
	p->trims = kl_trims;
	for (unsigned c = 0; c < KL_NCLASS; c++) {
		p->classes[c].blocks_in_use = s.cls_used[c];
		p->classes[c].bytes_free_resident = s.cls_free[c];
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&p->seq, p->seq + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&stats_writing, 0, __ATOMIC_RELEASE);
}

void kl_stats_served(uint32_t epoch)
{
	if (stats_pub)
		__atomic_store_n(&stats_pub->trim_epoch_done, epoch,
				 __ATOMIC_RELEASE);
}

/* KEEL_ON_LIMIT=fail: keel says the heap may not grow. */
bool kl_growth_denied(void)
{
	struct keel_control *c = kl_control;
	return kl_cfg.on_limit_fail && c &&
	       __atomic_load_n(&c->deny_growth, __ATOMIC_RELAXED);
}

/* The parent's file is not the child's: the child makes its own when its
 * purger starts (most children exec first and never do). */
void kl_stats_fork_child(void)
{
	stats_writing = 0;
	stats_heap_published = 0;
	if (stats_pub) {
		kl_munmap(stats_pub, sizeof(*stats_pub));
		stats_pub = 0;
	}
}

/* At exit the file goes away: a process that is gone has no heap. */
void kl_stats_close(void)
{
	if (stats_pub && stats_path[0])
		kl_unlink(stats_path);
}
