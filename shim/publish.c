/* What the shim shares with keel: its heap statistics, in a file it creates
 * in keel's instance folder, and keel's control file, mapped read-only.
 * Other processes in the container can write into that folder too, so the
 * shim creates its file exclusively under a name no one can guess, and
 * maps the control file only when keel's user owns it and its folder. */
#include "kl_decay.h"
#include "kl_guard.h"
#include "kl_stats.h"
#include "kl_config.h"
#include "common/heapstats.h"
#include "common/procstat.h"

#include <linux/fcntl.h>
#include <linux/mman.h>
#include <linux/stat.h>

#define EEXIST 17
/* <sys/stat.h> is libc's; the mode bits are the kernel's */
#define KL_IFMT 0170000
#define KL_IFDIR 0040000
#define KL_IFREG 0100000
#define KL_ISVTX 01000

KL_HIDDEN struct keel_control *kl_control;
static struct keel_heap_stats *stats_pub;
static char stats_path[KEEL_STATS_PATH_MAX];
static uint32_t stats_writing;	/* a publish is under way */
static size_t stats_heap_published;	/* the heap's size at the last publish */

/* The control file is keel's when it and its folder have one owner, and
 * only that owner can write the file or rename it away: a sticky folder
 * or one no one else may write. Anything else may have been planted.
 * The owner is keel's user. */
static bool publish_control_trusted(int fd, const char *dir, uint32_t *owner)
{
	struct statx d, f;

	if (kl_statx(-100 /* AT_FDCWD */, dir, &d) < 0 ||
	    kl_statx(fd, "", &f) < 0)
		return false;
	*owner = f.stx_uid;
	return (d.stx_mode & KL_IFMT) == KL_IFDIR &&
	       (!(d.stx_mode & 022) || (d.stx_mode & KL_ISVTX)) &&
	       (f.stx_mode & KL_IFMT) == KL_IFREG && !(f.stx_mode & 022) &&
	       f.stx_uid == d.stx_uid &&
	       f.stx_size == sizeof(struct keel_control);
}

/* Map the control file keel writes, if there is one: at start, so that
 * KEEL_ON_LIMIT=fail holds from the first allocation. */
void kl_stats_map_control(void)
{
	char path[KEEL_STATS_PATH_MAX];

	if (!kl_cfg.stats_dir)
		return;
	if (kl_snprintf(path, sizeof(path), "%s/%s", kl_cfg.stats_dir,
			KEEL_CONTROL_FILE) >= (int)sizeof(path))
		return;
	int fd = kl_open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
			 0);
	if (fd < 0)
		return;
	struct keel_control *c = 0;
	uint32_t owner;
	if (publish_control_trusted(fd, kl_cfg.stats_dir, &owner))
		c = kl_mmap_fd(sizeof(*c), PROT_READ, fd);
	else
		kl_msg("libkeel: warning: %s is not keel's (owner or mode); trims and KEEL_ON_LIMIT are off",
		       path);
	kl_close(fd);
	if (!c || kl_is_err(c))
		return;
	if (c->magic != KEEL_CONTROL_MAGIC || c->size != sizeof(*c)) {
		kl_munmap(c, sizeof(*c));
		return;
	}
	kl_guard_setup(c, owner);
	kl_control = c;
}

int kl_self_stat(struct keel_proc_stat *ps)
{
	char buf[1024];
	long n = -1;
	int fd = kl_open("/proc/self/stat", O_RDONLY | O_CLOEXEC, 0);

	if (fd >= 0) {
		n = kl_read(fd, buf, sizeof(buf));
		kl_close(fd);
	}
	return n > 0 ? procstat_parse(buf, (size_t)n, ps) : -1;
}

/* This process's start time, as keel will read it from /proc/<pid>/stat:
 * with the pid it names the process, not a later one given the same pid. */
static uint64_t publish_start_time(void)
{
	struct keel_proc_stat ps;

	return kl_self_stat(&ps) == 0 ? ps.start_time : 0;
}

/* 64 random bits for the file name; without getrandom, bits no other
 * process can predict well enough to win more than one race. */
static uint64_t publish_random(void)
{
	uint64_t r = 0;

	if (kl_getrandom(&r, sizeof(r)) == sizeof(r))
		return r;
	r = kl_now_ms() * 0x9e3779b97f4a7c15ull ^ (uintptr_t)&r;
	return r ^ ((uint64_t)kl_getpid() << 32);
}

/* Create "<dir>/<pid>.<random hex>" exclusively and map it; no descriptor
 * stays open. O_EXCL|O_NOFOLLOW: a file or link someone else put there is
 * never opened, and a name that is taken is simply not used. */
static void publish_create(void)
{
	const int flags = O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
	int pid = kl_getpid(), fd = -EEXIST;

	for (int tries = 0; tries < 4 && fd == -EEXIST; tries++) {
		if (kl_snprintf(stats_path, sizeof(stats_path), "%s/%d.%lx",
				kl_cfg.stats_dir, pid,
				(unsigned long)publish_random()) >=
		    (int)sizeof(stats_path)) {
			fd = -36 /* ENAMETOOLONG */;
			break;
		}
		fd = kl_open(stats_path, flags, 0644);
	}
	if (fd < 0) {
		kl_msg("libkeel: warning: unable to create %s: error %d; statistics not published",
		       stats_path, -fd);
		stats_path[0] = 0;
		return;
	}
	/* written, not extended with ftruncate: a hole in a full tmpfs
	 * (/dev/shm is 64 MiB in Docker) is SIGBUS at the first store;
	 * not const: in .bss it adds nothing to the file */
	static struct keel_heap_stats zero;
	struct keel_heap_stats *p = 0;
	long w = kl_write(fd, &zero, sizeof(zero));
	if (w == (long)sizeof(zero))
		p = kl_mmap_fd(sizeof(*p), PROT_READ | PROT_WRITE, fd);
	kl_close(fd);
	if (!p || kl_is_err(p)) {
		if (w != (long)sizeof(zero))
			kl_msg("libkeel: warning: unable to write %s: error %ld; statistics not published",
			       stats_path, w < 0 ? -w : 28 /* ENOSPC */);
		kl_unlink(stats_path);
		stats_path[0] = 0;
		return;
	}
	/* the magic comes last (kl_stats_open): a reader that sees it sees
	 * a published file */
	p->version = KEEL_STATS_VERSION;
	p->size = sizeof(*p);
	p->pid = (uint32_t)pid;
	p->start_time = publish_start_time();
	p->nclasses = KL_NCLASS;
	for (unsigned c = 0; c < KL_NCLASS; c++)
		p->classes[c].block_size = kl_class_size[c];
	stats_pub = p;
}

/* Called once the process is worth watching (see decay.c). */
void kl_stats_open(void)
{
	if (!kl_cfg.stats_dir || stats_pub)
		return;
	publish_create();
	kl_stats_publish();
	if (stats_pub)
		__atomic_store_n(&stats_pub->magic, KEEL_STATS_MAGIC,
				 __ATOMIC_RELEASE);
}

/* After the heap grew: publish again once it grew by a segment or more. */
void kl_stats_heap_grew(void)
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
	kl_stats_take(&s);
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

/* The parent's file is not the child's: the child makes its own when its
 * purger starts (most children exec first and never do). */
void kl_stats_fork_child(void)
{
	KL_CHILD_RESET(stats_writing, 0);
	KL_CHILD_RESET(stats_heap_published, 0);
	KL_CHILD_RESET(stats_path[0], 0);
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
