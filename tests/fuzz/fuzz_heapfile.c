/* Fuzzes the statistics reader PID 1 runs on files any process in the
 * container can write (init/heapfile.c), and the /proc text parsers it
 * checks them against (common/procstat.c): as a copy in memory and as a
 * real file read through heapfile_read. Beyond memory errors, each accepted
 * input must satisfy what the reader promises its callers. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/procstat.h"
#include "init/heapfile.h"
#include "tests/fuzz/fuzz.h"

/* Input: a byte of flags, a byte that says what the file is, the process
 * (pid, start time, four uids, vsize: FUZZ_HEAD_BYTES in all), then the
 * file (zero-padded or cut to its size). The whole input is also /proc
 * text and a file name. */
#define FUZZ_FIX_HEADER 0x01	/* magic, version, size as a shim writes */
#define FUZZ_FIX_PROCESS 0x02	/* pid and start time of proc */
#define FUZZ_EVEN_SEQ 0x04	/* not inside the writer's seqlock */
#define FUZZ_OWNER 0x08		/* the file's owner is one of proc's uids */
#define FUZZ_HEAD_BYTES 38
/* The second byte: bits 0-1 what the name is (a file, a link to it, a
 * FIFO, a folder), bits 2-4 how many top classes to ask for, bits 6-7
 * which of proc's uids owns the file (with FUZZ_OWNER). */
enum { FUZZ_FILE, FUZZ_LINK, FUZZ_FIFO, FUZZ_FOLDER };

/* The largest address space the kernel reports: 57-bit (five-level
 * paging) user space. heapfile_check's overflow reasoning rests on it. */
#define FUZZ_VSIZE_MAX ((1ull << 57) - 1)

static int fuzz_dirfd = -1;
static char fuzz_dir[64];

static void fuzz_cleanup(void)
{
	if (fuzz_dirfd >= 0) {
		unlinkat(fuzz_dirfd, "1.a", 0);
		unlinkat(fuzz_dirfd, "1.a", AT_REMOVEDIR);
		unlinkat(fuzz_dirfd, "data", 0);
		close(fuzz_dirfd);
		rmdir(fuzz_dir);
	}
}

/* A private folder on tmpfs when there is one: a file per run is cheap. */
static void fuzz_setup(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/keel-fuzz-XXXXXX", base);
	if (!mkdtemp(fuzz_dir))
		FUZZ_FAIL("cannot make a temporary folder in %s", base);
	fuzz_dirfd = open(fuzz_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fuzz_dirfd < 0)
		FUZZ_FAIL("cannot open %s", fuzz_dir);
	atexit(fuzz_cleanup);
}

static uint64_t fuzz_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t fuzz_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* What an accepted file promises report.c and heapscan.c. */
static void fuzz_accepted(const struct keel_heap_stats *st,
			  const struct heapfile_proc *proc)
{
	uint64_t classes = 0;

	FUZZ_ASSERT(st->magic == KEEL_STATS_MAGIC && st->size == sizeof(*st));
	FUZZ_ASSERT(!(st->seq & 1) && st->pid == (uint32_t)proc->pid);
	FUZZ_ASSERT(st->nclasses <= KEEL_STATS_MAX_CLASSES && st->threads);
	FUZZ_ASSERT(st->in_use <= st->resident && st->resident <= st->mapped);
	FUZZ_ASSERT(st->huge_in_use <= st->in_use);
	for (uint32_t i = 0; i < st->nclasses; i++) {
		const struct keel_class_stats *c = &st->classes[i];

		FUZZ_ASSERT(c->block_size &&
			    c->blocks_in_use <= UINT64_MAX / c->block_size);
		classes += c->block_size * c->blocks_in_use;
		FUZZ_ASSERT(classes <= st->in_use);
	}
}

/* heapfile_top_classes on an accepted file: the n biggest nonempty
 * classes, each index once, biggest first. */
static void fuzz_top_classes(const struct keel_heap_stats *st, int n)
{
	int idx[8], k, bigger = 0;
	uint64_t last = UINT64_MAX, smallest;

	k = heapfile_top_classes(st, idx, n);
	FUZZ_ASSERT(k >= 0 && k <= n);
	for (int i = 0; i < k; i++) {
		const struct keel_class_stats *c;
		uint64_t bytes;

		FUZZ_ASSERT(idx[i] >= 0 && (uint32_t)idx[i] < st->nclasses);
		c = &st->classes[idx[i]];
		bytes = c->block_size * c->blocks_in_use;
		FUZZ_ASSERT(bytes && bytes <= last);
		for (int j = 0; j < i; j++)
			FUZZ_ASSERT(idx[j] != idx[i]);
		last = bytes;
	}
	/* none left out is bigger than the smallest taken (or, when fewer
	 * than n were taken, none nonempty was left out) */
	smallest = k == n ? last : 0;
	for (uint32_t i = 0; i < st->nclasses; i++) {
		uint64_t bytes = st->classes[i].block_size *
				 st->classes[i].blocks_in_use;
		int taken = 0;

		for (int j = 0; j < k; j++)
			taken |= idx[j] == (int)i;
		if (!taken && bytes > smallest)
			bigger++;
	}
	FUZZ_ASSERT(bigger == 0);
}

/* The /proc text parsers on text the process partly chose. */
static void fuzz_procstat(const uint8_t *data, size_t size)
{
	struct keel_proc_stat ps;
	uint32_t uids[4];
	const char *last = NULL;

	for (size_t i = 0; i < size; i++)
		if (data[i] == ')')
			last = (const char *)data + i;
	if (procstat_parse((const char *)data, size, &ps) == 0)
		/* the state is the second byte after the last ")" */
		FUZZ_ASSERT(last && ps.state == last[2]);
	procstat_parse_uids((const char *)data, size, uids);
	/* keel stats' status and smaps_rollup fields: a key found is at the
	 * start of a line */
	for (const char *const *k = (const char *const[]){ "VmRSS:",
		"Threads:", "Pss:", NULL }; *k; k++) {
		uint64_t v;

		procstat_field((const char *)data, size, *k, &v);
	}
}

/* The name check, on a NUL-terminated copy of the input. */
static void fuzz_name(const uint8_t *data, size_t size)
{
	char *name = malloc(size + 1);
	const char *dot;
	pid_t pid = 0;

	if (!name)
		return;
	memcpy(name, data, size);
	name[size] = 0;
	if (heapfile_name_pid(name, &pid) == 0) {
		dot = strchr(name, '.');
		FUZZ_ASSERT(pid > 0 && dot && dot > name && dot - name <= 10);
		FUZZ_ASSERT(strlen(dot + 1) >= 1 && strlen(dot + 1) <= 16);
		FUZZ_ASSERT(strspn(dot + 1, "0123456789abcdef") ==
			    strlen(dot + 1));
		FUZZ_ASSERT((uint64_t)strtoull(name, NULL, 10) ==
			    (uint64_t)pid);
	}
	free(name);
}

/* The same bytes as a file in the folder, read by heapfile_read: the file
 * is the input's stats part as is (any size), so short, long and empty
 * files are read too; or "1.a" is a link to it, a FIFO or a folder. Run
 * as root, the file is given to the owner the input names. */
static void fuzz_read(const uint8_t *file, size_t len, int kind,
		      uint32_t owner, const struct heapfile_proc *proc,
		      const struct keel_heap_stats *copy)
{
	static struct keel_heap_stats out;
	struct stat sb;
	int fd, rc;

	if (fuzz_dirfd < 0)
		fuzz_setup();
	unlinkat(fuzz_dirfd, "1.a", 0);
	unlinkat(fuzz_dirfd, "1.a", AT_REMOVEDIR);
	unlinkat(fuzz_dirfd, "data", 0);
	fd = openat(fuzz_dirfd, "data", O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0600);
	if (fd < 0)
		FUZZ_FAIL("cannot write %s/data", fuzz_dir);
	if (write(fd, file, len) != (ssize_t)len)
		FUZZ_FAIL("short write to %s/data", fuzz_dir);
	/* -1 leaves the owner as it is; fstat says who it is */
	if (geteuid() == 0 && fchown(fd, owner, (gid_t)-1) < 0)
		FUZZ_FAIL("cannot give %s/data to uid %u", fuzz_dir, owner);
	if (fstat(fd, &sb) < 0)
		FUZZ_FAIL("cannot stat %s/data", fuzz_dir);
	owner = (uint32_t)sb.st_uid;
	close(fd);
	if ((kind == FUZZ_FILE &&
	     renameat(fuzz_dirfd, "data", fuzz_dirfd, "1.a") < 0) ||
	    (kind == FUZZ_LINK && symlinkat("data", fuzz_dirfd, "1.a") < 0) ||
	    (kind == FUZZ_FIFO && mkfifoat(fuzz_dirfd, "1.a", 0600) < 0) ||
	    (kind == FUZZ_FOLDER && mkdirat(fuzz_dirfd, "1.a", 0700) < 0))
		FUZZ_FAIL("cannot make %s/1.a", fuzz_dir);
	rc = heapfile_read(fuzz_dirfd, "1.a", proc, &out);
	if (kind != FUZZ_FILE || len != sizeof(out) ||
	    !heapfile_owner_ok(owner, proc)) {
		FUZZ_ASSERT(rc < 0 && *heapfile_why);
		return;
	}
	/* an unchanging file of the right size reads as the copy checks */
	FUZZ_ASSERT((rc == 0) == (heapfile_check(copy, proc) == 0));
	if (rc == 0)
		FUZZ_ASSERT(memcmp(&out, copy, sizeof(out)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct keel_heap_stats st;
	struct heapfile_proc proc;
	const uint8_t *file;
	uint8_t flags, kind;
	uint32_t owner;
	size_t len;

	fuzz_procstat(data, size);
	fuzz_name(data, size);
	if (size < FUZZ_HEAD_BYTES)
		return 0;
	flags = data[0];
	kind = data[1];
	memset(&proc, 0, sizeof(proc));
	proc.pid = (pid_t)fuzz_u32(data + 2);
	proc.start_time = fuzz_u64(data + 6);
	for (int i = 0; i < 4; i++)
		proc.uids[i] = fuzz_u32(data + 14 + 4 * i);
	proc.vsize = fuzz_u64(data + 30) & FUZZ_VSIZE_MAX;
	/* the file's owner: one of the process's users, or one past the
	 * first (root's files pass whatever the process) */
	owner = flags & FUZZ_OWNER ? proc.uids[kind >> 6] : proc.uids[0] + 1;
	if (geteuid() != 0 && (flags & FUZZ_OWNER))
		proc.uids[kind >> 6] = (uint32_t)geteuid();
	file = data + FUZZ_HEAD_BYTES;
	len = size - FUZZ_HEAD_BYTES;

	memset(&st, 0, sizeof(st));
	memcpy(&st, file, len < sizeof(st) ? len : sizeof(st));
	if (flags & FUZZ_FIX_HEADER) {
		st.magic = KEEL_STATS_MAGIC;
		st.version = KEEL_STATS_VERSION;
		st.size = sizeof(st);
	}
	if (flags & FUZZ_FIX_PROCESS) {
		st.pid = (uint32_t)proc.pid;
		st.start_time = proc.start_time;
	}
	if (flags & FUZZ_EVEN_SEQ)
		st.seq &= ~1ull;
	if (heapfile_check(&st, &proc) == 0) {
		fuzz_accepted(&st, &proc);
		fuzz_top_classes(&st, 1 + (kind >> 2) % 8);
		fuzz_top_classes(&st, 8);
	} else {
		FUZZ_ASSERT(*heapfile_why);
	}
	/* the file as the input wrote it, or as the fixed copy */
	if (flags & (FUZZ_FIX_HEADER | FUZZ_FIX_PROCESS | FUZZ_EVEN_SEQ))
		fuzz_read((const uint8_t *)&st, sizeof(st), kind & 3, owner,
			  &proc, &st);
	else
		fuzz_read(file, len, kind & 3, owner, &proc, &st);
	return 0;
}
