/* heapfile: reads and checks one published statistics file (see
 * heapfile.h). The checks are pure so that a fuzzer can drive them; the
 * reader adds only the system calls around them. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init/heapfile.h"

/* A writer holds the seqlock for a few microseconds; past this many tries
 * the file is taken for a writer that died inside it, or a hostile one. */
#define HEAPFILE_SEQ_TRIES 8

const char *heapfile_why = "";

static int heapfile_reject(const char *why)
{
	heapfile_why = why;
	return -1;
}

int heapfile_name_pid(const char *name, pid_t *pid)
{
	uint64_t v = 0;
	const char *p = name;
	int digits = 0;

	while (*p >= '0' && *p <= '9' && digits < 10) {
		v = v * 10 + (uint64_t)(*p++ - '0');
		digits++;
	}
	if (!digits || *p++ != '.' || v == 0 || v > 0x7fffffff)
		return -1;
	for (digits = 0; *p; p++, digits++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return -1;
	if (digits < 1 || digits > 16)
		return -1;
	*pid = (pid_t)v;
	return 0;
}

int heapfile_owner_ok(uint32_t uid, const struct heapfile_proc *proc)
{
	if (uid == 0)
		return 1;
	for (int i = 0; i < 4; i++)
		if (proc->uids[i] == uid)
			return 1;
	return 0;
}

int heapfile_check(const struct keel_heap_stats *st,
		   const struct heapfile_proc *proc)
{
	uint64_t classes = 0, limit;

	if (st->magic == 0)	/* the shim writes it last */
		return heapfile_reject(HEAPFILE_UNFINISHED);
	if (st->magic != KEEL_STATS_MAGIC || st->version != KEEL_STATS_VERSION ||
	    st->size != sizeof(*st))
		return heapfile_reject("not a statistics file of this keel");
	if (st->seq & 1)
		return heapfile_reject("being written");
	if (st->pid != (uint32_t)proc->pid)
		return heapfile_reject("names another pid");
	/* 0: the shim could not read its own start time (no /proc) */
	if (st->start_time && st->start_time != proc->start_time)
		return heapfile_reject("left by an earlier process with this pid");
	if (st->nclasses > KEEL_STATS_MAX_CLASSES || !st->threads)
		return heapfile_reject("bad class or thread count");
	/* a heap is never bigger than the address space it lives in; a
	 * zombie has none left, so 2^48 (x86_64 and aarch64 user space) */
	limit = proc->vsize ? proc->vsize : 1ull << 48;
	if (st->mapped > limit || st->in_use > st->mapped ||
	    st->free_resident > st->mapped || st->returned > st->mapped ||
	    st->resident != st->in_use + st->free_resident ||
	    st->resident > st->mapped || st->huge_in_use > st->in_use)
		return heapfile_reject("figures that do not add up");
	for (uint32_t i = 0; i < st->nclasses; i++) {
		const struct keel_class_stats *c = &st->classes[i];

		/* blocks * size <= in_use < 2^48: no sum below overflows */
		if (!c->block_size || c->block_size > (1u << 20) ||
		    c->blocks_in_use > st->in_use / c->block_size ||
		    c->bytes_free_resident > st->free_resident)
			return heapfile_reject("bad size class");
		classes += c->block_size * c->blocks_in_use;
		if (classes > st->in_use)
			return heapfile_reject("size classes over the total");
	}
	heapfile_why = "";
	return 0;
}

/* Whether fd is what a shim makes: a regular file of the exact size whose
 * owner may speak for the process. */
static int heapfile_stat_ok(int fd, const struct heapfile_proc *proc)
{
	struct stat sb;

	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return heapfile_reject("not a regular file");
	if (sb.st_size == 0)	/* created, not yet sized */
		return heapfile_reject(HEAPFILE_UNFINISHED);
	if (sb.st_size != (off_t)sizeof(struct keel_heap_stats))
		return heapfile_reject("wrong size");
	if (!heapfile_owner_ok(sb.st_uid, proc))
		return heapfile_reject("owned by a user the process is not");
	return 0;
}

int heapfile_read(int dirfd, const char *name,
		  const struct heapfile_proc *proc, struct keel_heap_stats *out)
{
	uint64_t seq;
	int fd, tries;

	fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
		    O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return heapfile_reject("cannot be opened");
	if (heapfile_stat_ok(fd, proc) < 0)
		goto fail;
	/* a copy, then the sequence again: unchanged and even means the copy
	 * is one consistent publish (a short read is a truncated file) */
	for (tries = 0; tries < HEAPFILE_SEQ_TRIES; tries++) {
		if (pread(fd, out, sizeof(*out), 0) != (ssize_t)sizeof(*out) ||
		    pread(fd, &seq, sizeof(seq),
			  offsetof(struct keel_heap_stats, seq)) !=
		    (ssize_t)sizeof(seq)) {
			heapfile_reject("truncated");
			goto fail;
		}
		if (!(seq & 1) && seq == out->seq)
			break;
		sched_yield();
	}
	close(fd);
	if (tries == HEAPFILE_SEQ_TRIES)
		return heapfile_reject("never consistent");
	return heapfile_check(out, proc);
fail:
	close(fd);
	return -1;
}

static uint64_t heapfile_class_bytes(const struct keel_heap_stats *st, int i)
{
	return st->classes[i].block_size * st->classes[i].blocks_in_use;
}

int heapfile_top_classes(const struct keel_heap_stats *st, int *idx, int n)
{
	int k = 0, j;

	for (int i = 0; i < (int)st->nclasses; i++) {
		uint64_t bytes = heapfile_class_bytes(st, i);

		if (!bytes)
			continue;
		/* insertion into a short sorted list; when it is full, only
		 * a class bigger than its last one gets in */
		if (k == n) {
			if (bytes <= heapfile_class_bytes(st, idx[n - 1]))
				continue;
			j = n - 1;
		} else {
			j = k++;
		}
		for (; j > 0 && heapfile_class_bytes(st, idx[j - 1]) < bytes; j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
	}
	return k;
}
