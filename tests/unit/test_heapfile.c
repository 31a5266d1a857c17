/* The statistics reader as an attacker meets it: names, layout and figure
 * checks, what the reader refuses to open (FIFOs, links, other sizes,
 * other owners), a scan over a folder of junk that sweeps what is stale
 * and keeps what is live; and the report helpers. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "init/heapfile.h"
#include "init/heapscan.h"
#include "init/log.h"
#include "init/procinfo.h"
#include "init/report.h"
#include "init/statscmd.h"
#include "init/statsformat.h"
#include "init/statstable.h"
#include "common/procstat.h"

/* A valid file for this very process, which /proc describes. */
static void heap_fill(struct keel_heap_stats *st, struct heapfile_proc *proc)
{
	struct keel_proc_stat ps;
	uint64_t rss;

	memset(proc, 0, sizeof(*proc));
	proc->pid = getpid();
	proc_stat(proc->pid, &ps);
	proc->start_time = ps.start_time;
	proc_uids(proc->pid, proc->uids);
	proc_statm(proc->pid, &proc->vsize, &rss);
	memset(st, 0, sizeof(*st));
	st->magic = KEEL_STATS_MAGIC;
	st->version = KEEL_STATS_VERSION;
	st->size = sizeof(*st);
	st->pid = (uint32_t)proc->pid;
	st->start_time = proc->start_time;
	st->threads = 1;
	/* a small static test program has a few MiB of address space */
	st->mapped = 4 << 16;
	st->in_use = 3 << 16;
	st->free_resident = 1 << 16;
	st->resident = 4 << 16;
	st->nclasses = 2;
	st->classes[0] = (struct keel_class_stats){ 16, 1000, 4096 };
	st->classes[1] = (struct keel_class_stats){ 4096, 40, 0 };
}

static int heap_write(int dirfd, const char *name, const void *p, size_t n)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int ok = fd >= 0 && write(fd, p, n) == (ssize_t)n;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

TEST(heapfile_names)
{
	pid_t pid = 0;

	CHECK(heapfile_name_pid("12.a3f", &pid) == 0 && pid == 12);
	CHECK(heapfile_name_pid("12.0123456789abcdef", &pid) == 0);
	CHECK(heapfile_name_pid("12.0123456789abcdef0", &pid) < 0);
	CHECK(heapfile_name_pid("12", &pid) < 0);
	CHECK(heapfile_name_pid("12.", &pid) < 0);
	CHECK(heapfile_name_pid("12.A3F", &pid) < 0);
	CHECK(heapfile_name_pid("0.1", &pid) < 0);
	CHECK(heapfile_name_pid("99999999999.1", &pid) < 0);
	CHECK(heapfile_name_pid("control", &pid) < 0);
	CHECK(heapfile_name_pid(".1", &pid) < 0);
}

TEST(heapfile_checks_every_field)
{
	static struct keel_heap_stats st;
	struct heapfile_proc proc;

	heap_fill(&st, &proc);
	CHECK(heapfile_check(&st, &proc) == 0);
#define REFUSED(field, value) do {                                    \
		heap_fill(&st, &proc);                                \
		st.field = value;                                     \
		CHECK(heapfile_check(&st, &proc) < 0);                \
	} while (0)
	REFUSED(magic, 7);
	REFUSED(version, 1);
	REFUSED(size, 64);
	REFUSED(seq, 3);
	REFUSED(pid, 1);
	REFUSED(start_time, proc.start_time + 1);
	REFUSED(threads, 0);
	REFUSED(nclasses, KEEL_STATS_MAX_CLASSES + 1);
	REFUSED(mapped, proc.vsize + 1);
	REFUSED(in_use, (4 << 16) + 1);
	REFUSED(resident, 5 << 16);
	REFUSED(huge_in_use, (3 << 16) + 1);
	REFUSED(returned, UINT64_MAX);
	REFUSED(classes[0].block_size, 0);
	REFUSED(classes[0].blocks_in_use, UINT64_MAX / 8);
	REFUSED(classes[1].blocks_in_use, 100);	/* 400 KiB > in use */
	REFUSED(classes[0].bytes_free_resident, 2 << 16);
	/* a start time of 0: the shim had no /proc; taken */
	heap_fill(&st, &proc);
	st.start_time = 0;
	CHECK(heapfile_check(&st, &proc) == 0);
	/* root's files speak for anyone; another user's only for itself */
	CHECK(heapfile_owner_ok(0, &proc));
	CHECK(heapfile_owner_ok(proc.uids[1], &proc));
	proc.uids[0] = proc.uids[1] = proc.uids[2] = proc.uids[3] = 1000;
	CHECK(!heapfile_owner_ok(1001, &proc));
}

TEST(heapfile_read_refuses_what_is_not_a_file)
{
	static struct keel_heap_stats st, out;
	struct heapfile_proc proc;
	char dir[] = "/tmp/keel-unit-heapfile-XXXXXX";
	int dfd;

	CHECK(mkdtemp(dir) != NULL);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	heap_fill(&st, &proc);
	CHECK(heap_write(dfd, "1.a", &st, sizeof(st)) == 0);
	CHECK(heapfile_read(dfd, "1.a", &proc, &out) == 0);
	CHECK(out.in_use == 3 << 16);
	/* short, long, and a writer that died inside the seqlock */
	CHECK(heap_write(dfd, "1.b", &st, 100) == 0);
	CHECK(heapfile_read(dfd, "1.b", &proc, &out) < 0);
	CHECK(heap_write(dfd, "1.c", &st, sizeof(st)) == 0);
	{
		char big[sizeof(st) + 1];
		memcpy(big, &st, sizeof(st));
		CHECK(heap_write(dfd, "1.c", big, sizeof(big)) == 0);
	}
	CHECK(heapfile_read(dfd, "1.c", &proc, &out) < 0);
	st.seq = 3;
	CHECK(heap_write(dfd, "1.d", &st, sizeof(st)) == 0);
	CHECK(heapfile_read(dfd, "1.d", &proc, &out) < 0);
	/* a FIFO is neither blocked on nor read; a link is not followed */
	CHECK(mkfifoat(dfd, "1.e", 0644) == 0);
	CHECK(heapfile_read(dfd, "1.e", &proc, &out) < 0);
	CHECK(symlinkat("1.a", dfd, "1.f") == 0);
	CHECK(heapfile_read(dfd, "1.f", &proc, &out) < 0);
	/* owned by a user the process is not */
	heap_fill(&st, &proc);
	proc.uids[0] = proc.uids[1] = proc.uids[2] = proc.uids[3] = 4242;
	if (geteuid() != 0) {
		CHECK(heapfile_read(dfd, "1.a", &proc, &out) < 0);
	} else {
		CHECK(fchownat(dfd, "1.a", 4243, 0, 0) == 0);
		CHECK(heapfile_read(dfd, "1.a", &proc, &out) < 0);
	}
	for (const char *n = "abcdef"; *n; n++) {
		char name[4] = { '1', '.', *n, 0 };
		unlinkat(dfd, name, 0);
	}
	close(dfd);
	CHECK(rmdir(dir) == 0);
}

static void heap_count(const struct keel_heap_stats *st, void *arg)
{
	(void)st;
	(*(int *)arg)++;
}

/* A folder an attacker filled: only this process's freshest file is seen;
 * the sweep removes the older copy, a dead pid's file and old junk, and
 * keeps fresh junk (it might be a file a shim is filling in). */
TEST(heapscan_sweeps_a_hostile_folder)
{
	static struct keel_heap_stats st;
	struct heapfile_proc proc;
	struct heapscan_result res;
	char dir[] = "/tmp/keel-unit-heapscan-XXXXXX", name[64];
	struct timespec old[2] = { { 1, 0 }, { 1, 0 } };
	int dfd, seen = 0;

	CHECK(mkdtemp(dir) != NULL);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	heap_fill(&st, &proc);
	st.updated_ms = 10;
	snprintf(name, sizeof(name), "%d.1", (int)getpid());
	CHECK(heap_write(dfd, name, &st, sizeof(st)) == 0);
	st.updated_ms = 20;
	snprintf(name, sizeof(name), "%d.2", (int)getpid());
	CHECK(heap_write(dfd, name, &st, sizeof(st)) == 0);
	/* the live one is mapped, as a shim maps its file */
	int lfd = openat(dfd, name, O_RDONLY);
	void *live = mmap(NULL, sizeof(st), PROT_READ, MAP_SHARED, lfd, 0);
	close(lfd);
	CHECK(live != MAP_FAILED);
	CHECK(heap_write(dfd, "2147483646.3", &st, sizeof(st)) == 0);
	CHECK(heap_write(dfd, "junk-new", "x", 1) == 0);
	CHECK(mkfifoat(dfd, "junk-fifo", 0644) == 0);
	CHECK(symlinkat("/proc/1/mem", dfd, "1.9") == 0);
	CHECK(mkdirat(dfd, "nested", 0755) == 0);
	CHECK(heap_write(dfd, KEEL_CONTROL_FILE, "c", 1) == 0);
	/* junk older than the age limit; ctime cannot be set back, so a
	 * scan without sweeping shows it is left, and the age rule itself
	 * is checked by the pid1 hostile test */
	utimensat(dfd, "junk-fifo", old, AT_SYMLINK_NOFOLLOW);

	CHECK(heapscan_each(dfd, 0, heap_count, &seen, 0, &res) == 0);
	CHECK(seen == 1 && res.processes == 1 && res.removed == 0);
	CHECK(res.entries == 10);	/* 8 names and . and .. */
	seen = 0;
	CHECK(heapscan_each(dfd, HEAPSCAN_SWEEP, heap_count, &seen, 0, &res) == 0);
	CHECK(seen == 1);
	CHECK(res.removed == 2);	/* the older copy, the dead pid's */
	snprintf(name, sizeof(name), "%d.1", (int)getpid());
	CHECK(faccessat(dfd, name, F_OK, 0) < 0);
	snprintf(name, sizeof(name), "%d.2", (int)getpid());
	CHECK(faccessat(dfd, name, F_OK, 0) == 0);
	CHECK(faccessat(dfd, "junk-new", F_OK, 0) == 0);
	CHECK(faccessat(dfd, KEEL_CONTROL_FILE, F_OK, 0) == 0);
	/* the post-mortem's lookup finds the same file, by what /proc said
	 * of the process (it may be reaped by the time it looks) */
	CHECK(heapscan_identify(getpid(), &proc) == 0);
	CHECK(heapscan_find(dfd, &proc, &st) == 0 && st.updated_ms == 20);
	proc.start_time++;	/* an earlier process with this pid */
	CHECK(heapscan_find(dfd, &proc, &st) < 0);
	CHECK(heapscan_identify(2147483645, &proc) < 0);
	/* a reaped OOM victim's file stays until its post-mortem read it */
	CHECK(heap_write(dfd, "2147483646.4", &st, sizeof(st)) == 0);
	heapscan_spare(2147483646);
	CHECK(heapscan_each(dfd, HEAPSCAN_SWEEP, NULL, NULL, 0, &res) == 0);
	CHECK(faccessat(dfd, "2147483646.4", F_OK, 0) == 0);
	heapscan_spare(0);
	CHECK(heapscan_each(dfd, HEAPSCAN_SWEEP, NULL, NULL, 0, &res) == 0);
	CHECK(res.removed == 1 && faccessat(dfd, "2147483646.4", F_OK, 0) < 0);

	munmap(live, sizeof(st));
	/* unmapped, the file is a former program's: swept */
	CHECK(heapscan_each(dfd, HEAPSCAN_SWEEP, heap_count, &seen, 0, &res) == 0);
	CHECK(res.processes == 0 && res.removed == 1);
	CHECK(faccessat(dfd, name, F_OK, 0) < 0);
	unlinkat(dfd, "junk-new", 0);
	unlinkat(dfd, "junk-fifo", 0);
	unlinkat(dfd, "1.9", 0);
	unlinkat(dfd, KEEL_CONTROL_FILE, 0);
	unlinkat(dfd, "nested", AT_REMOVEDIR);
	close(dfd);
	CHECK(rmdir(dir) == 0);
}

TEST(heapfile_top_classes_order)
{
	static struct keel_heap_stats st;
	int idx[3];

	memset(&st, 0, sizeof(st));
	st.nclasses = 5;
	st.classes[0] = (struct keel_class_stats){ 16, 10, 0 };	/* 160 */
	st.classes[1] = (struct keel_class_stats){ 1024, 100, 0 }; /* 102400 */
	st.classes[2] = (struct keel_class_stats){ 64, 0, 4096 };	/* 0 */
	st.classes[3] = (struct keel_class_stats){ 4096, 1, 0 };  /* 4096 */
	st.classes[4] = (struct keel_class_stats){ 32, 1000, 0 }; /* 32000 */
	CHECK(heapfile_top_classes(&st, idx, 3) == 3);
	CHECK(idx[0] == 1 && idx[1] == 4 && idx[2] == 3);
	CHECK(heapfile_top_classes(&st, idx, 1) == 1 && idx[0] == 1);
	st.nclasses = 1;
	CHECK(heapfile_top_classes(&st, idx, 3) == 1 && idx[0] == 0);
	st.nclasses = 0;
	CHECK(heapfile_top_classes(&st, idx, 3) == 0);
}

TEST(stats_size_text)
{
	char b[24];

	CHECK(strcmp(stats_size(0, b, sizeof(b)), "0 B") == 0);
	CHECK(strcmp(stats_size(1023, b, sizeof(b)), "1023 B") == 0);
	CHECK(strcmp(stats_size(1536, b, sizeof(b)), "1.5 KiB") == 0);
	CHECK(strcmp(stats_size(301ull << 20, b, sizeof(b)), "301.0 MiB") == 0);
	CHECK(strcmp(stats_size(3ull << 30, b, sizeof(b)), "3.0 GiB") == 0);
}

/* A count of one reads "1 trim", not "1 trims". */
TEST(stats_text_counts)
{
	static struct stats_table t;
	struct stats_format fmt = { 0, 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	t.nkeels = 2;
	t.keels[0] = (struct stats_keel){ .pid = 1 };
	t.keels[0].ctl.trims = 1;
	t.keels[0].ctl.reports = 1;
	t.keels[1] = (struct stats_keel){ .pid = 7 };
	t.keels[1].ctl.trims = 2;
	f = open_memstream(&text, &len);
	CHECK(f != NULL);
	if (!f)
		return;
	statstext_print(f, &t, &fmt);
	fclose(f);
	CHECK(strstr(text, "keel pid 1: soft limit none, 1 trim (last never), 1 report (last never)\n"));
	CHECK(strstr(text, "keel pid 7: soft limit none, 2 trims (last never), 0 reports (last never)\n"));
	free(text);
}

TEST(stats_main_arguments)
{
	char *bad[] = { "stats", "--frobnicate", NULL };
	char *bad_watch[] = { "stats", "--watch=0", NULL };
	char *bad_watch2[] = { "stats", "--watch=soon", NULL };
	int saved = log_verbosity;

	log_verbosity = -1;

	CHECK(stats_main(2, bad) == 2);
	CHECK(stats_main(2, bad_watch) == 2);
	CHECK(stats_main(2, bad_watch2) == 2);
	char *bad_format[] = { "stats", "--format", "xml", NULL };
	char *prom_watch[] = { "stats", "--format=prometheus", "-w", "1", NULL };
	CHECK(stats_main(3, bad_format) == 2);
	CHECK(stats_main(4, prom_watch) == 2);
	log_verbosity = saved;
}

/* In use + free-resident never exceed what the kernel counts resident:
 * the rest of the shim's count is "not resident", and nothing is lost. */
TEST(stats_heap_within_rss)
{
	static struct keel_heap_stats st;
	static struct stats_row r;
	static const uint64_t rss_anon[] = { 4096, 50 << 20, 99 << 20,
					     100 << 20, 1ull << 40 };

	st.in_use = 80 << 20;
	st.free_resident = 20 << 20;
	for (size_t i = 0; i < sizeof(rss_anon) / sizeof(rss_anon[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.rss_anon = rss_anon[i];
		r.rss = rss_anon[i] + 4096;
		statstable_set_heap(&r, &st);
		CHECK(r.have_heap);
		CHECK(r.in_use + r.free_resident <= r.rss_anon);
		CHECK(r.in_use + r.free_resident + r.not_resident ==
		      st.in_use + st.free_resident);
	}
	/* all resident: the figures as published */
	CHECK(r.in_use == st.in_use && r.free_resident == st.free_resident &&
	      r.not_resident == 0);
	CHECK(r.fragmentation > 1.24 && r.fragmentation < 1.26);
	/* no RSS known (a process that is gone): as published */
	memset(&r, 0, sizeof(r));
	statstable_set_heap(&r, &st);
	CHECK(r.in_use == st.in_use && r.free_resident == st.free_resident &&
	      r.not_resident == 0);
}

TEST(procstat_status_fields)
{
	static const char status[] =
		"Name:\tVmRSS: 999 kB\nUmask:\t0022\nVmRSS:\t   51200 kB\n"
		"RssAnon:\t  40000 kB\nThreads:\t3\n";
	uint64_t v = 0;

	CHECK(procstat_field(status, sizeof(status) - 1, "VmRSS:", &v) == 0 &&
	      v == 51200);
	CHECK(procstat_field(status, sizeof(status) - 1, "Threads:", &v) == 0 &&
	      v == 3);
	CHECK(procstat_field(status, sizeof(status) - 1, "RssFile:", &v) < 0);
	/* the key at the very end, with no number: absent */
	CHECK(procstat_field("Pss:", 4, "Pss:", &v) < 0);
	CHECK(procstat_field("Pss: 12", 7, "Pss:", &v) == 0 && v == 12);
}

/* This process's memory as /proc/self/status says it: each line into its
 * field, in bytes, and the thread count as it is; none of a pid not there. */
TEST(proc_memory_self)
{
	struct proc_memory m;

	CHECK(proc_memory(getpid(), &m) == 0);
	CHECK(m.rss > 0 && m.rss % 1024 == 0);
	CHECK(m.rss_anon > 0 && m.rss_anon <= m.rss);
	CHECK(m.rss_anon + m.rss_file + m.rss_shmem == m.rss);
	CHECK(m.threads >= 1);
	CHECK(proc_memory(0x7ffffff0, &m) < 0);
}

/* A scan's budget for reading maps: what a look reads comes off it; a
 * look past it is unknown (-1), and with none left nothing is read. The
 * test's own maps name "[stack]" near their end. */
TEST(proc_maps_budget)
{
	size_t all = 1u << 20, tiny = 64, none = 0;

	CHECK(proc_maps_has_within(getpid(), "[stack]", &all) == 1);
	CHECK(all < 1u << 20);
	CHECK(proc_maps_has_within(getpid(), "no such mapping", &tiny) == -1);
	CHECK(tiny == 0);
	CHECK(proc_maps_has_within(getpid(), "[stack]", &none) == -1);
	CHECK(none == 0);
	CHECK(proc_maps_has(getpid(), "no such mapping") == 0);
}

TEST(report_destinations)
{
	int saved = log_verbosity;

	log_verbosity = -1;
	static char long_path[5000];
	struct keel_choice off = { KEEL_REPORT_OFF, "OFF" };
	struct keel_choice err = { KEEL_REPORT_STDERR, "stderr" };
	struct keel_choice log = { KEEL_REPORT_PATH, "/var/log/keel.log" };
	struct keel_choice missing = { KEEL_REPORT_PATH, "/nonexistent/dir/r" };
	struct keel_choice longp = { KEEL_REPORT_PATH, long_path };

	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	CHECK(report_configure(&err, "KEEL_REPORT=stderr") == 0);
	CHECK(report_configure(&off, "KEEL_REPORT=OFF") == 0);
	CHECK(report_configure(&log, "--report /var/log/keel.log") == 0);
	CHECK(report_configure(&missing, "KEEL_REPORT=/nonexistent/dir/r") < 0);
	CHECK(report_configure(&longp, "KEEL_REPORT=/aaa...") < 0);
	CHECK(report_configure(&err, "KEEL_REPORT=stderr") == 0);
	log_verbosity = saved;
}

/* The post-mortem's heap line: "1 thread", "1 trim". */
TEST(report_counts)
{
	static struct keel_heap_stats st;
	char path[] = "/tmp/keel-unit-report.XXXXXX", text[4096];
	struct keel_choice file = { KEEL_REPORT_PATH, path };
	struct keel_choice err = { KEEL_REPORT_STDERR, "stderr" };
	int saved = log_verbosity, fd = mkstemp(path);
	ssize_t n;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	log_verbosity = -1;
	st.in_use = 1 << 20;
	st.threads = 1;
	st.trims = 1;
	CHECK(report_configure(&file, "KEEL_REPORT=file") == 0);
	report_oom_kill("app", 2, 64 << 20, &st);
	st.threads = 3;
	st.trims = 0;
	report_oom_kill("app", 2, 64 << 20, &st);
	n = read(fd, text, sizeof(text) - 1);
	text[n > 0 ? n : 0] = 0;
	CHECK(strstr(text, ", 1 thread on the heap, 1 trim\n"));
	CHECK(strstr(text, ", 3 threads on the heap, 0 trims\n"));
	close(fd);
	unlink(path);
	CHECK(report_configure(&err, "KEEL_REPORT=stderr") == 0);
	log_verbosity = saved;
}

TEST(procstat_parses_hostile_names)
{
	static const char s1[] = "42 (a) b) c) S 7 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 12345 100 10";
	static const char s2[] = "42 (x) S 7";
	static const char st[] = "Name:\tx\nUmask:\t0022\nState:\tS\nUid:\t1000\t1001\t1002\t1003\nGid:\t0\n";
	struct keel_proc_stat ps;
	uint32_t uids[4];

	CHECK(procstat_parse(s1, sizeof(s1) - 1, &ps) == 0);
	CHECK(ps.state == 'S' && ps.ppid == 7 && ps.start_time == 12345);
	CHECK(ps.threads == 1);
	CHECK(procstat_parse(s2, sizeof(s2) - 1, &ps) < 0);
	CHECK(procstat_parse("", 0, &ps) < 0);
	CHECK(procstat_parse(")", 1, &ps) < 0);
	CHECK(procstat_parse_uids(st, sizeof(st) - 1, uids) == 0);
	CHECK(uids[0] == 1000 && uids[3] == 1003);
	CHECK(procstat_parse_uids(st, 20, uids) < 0);
}
