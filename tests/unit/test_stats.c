/* The published-statistics reader and report helpers: stats_read refuses
 * missing, short and wrong-layout files, the largest size classes come out
 * biggest first, sizes print in binary units, KEEL_REPORT values. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "init/log.h"
#include "init/report.h"
#include "init/stats.h"

static void stats_fill(struct keel_heap_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->magic = KEEL_STATS_MAGIC;
	st->version = KEEL_STATS_VERSION;
	st->size = sizeof(*st);
	st->pid = 42;
	st->in_use = 3 << 20;
}

static int stats_write(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int ok = fd >= 0 && write(fd, p, n) == (ssize_t)n;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

TEST(stats_read_layout_checks)
{
	char path[] = "/tmp/keel-unit-stats-XXXXXX";
	struct keel_heap_stats st, out;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	close(fd);
	stats_fill(&st);
	CHECK(stats_write(path, &st, sizeof(st)) == 0);
	CHECK(stats_read(path, &out) == 0);
	CHECK(out.pid == 42 && out.in_use == 3 << 20);

	st.magic = 7;
	CHECK(stats_write(path, &st, sizeof(st)) == 0);
	CHECK(stats_read(path, &out) < 0);
	stats_fill(&st);
	st.version = 2;
	CHECK(stats_write(path, &st, sizeof(st)) == 0);
	CHECK(stats_read(path, &out) < 0);
	stats_fill(&st);
	st.size = 64;
	CHECK(stats_write(path, &st, sizeof(st)) == 0);
	CHECK(stats_read(path, &out) < 0);
	stats_fill(&st);
	st.nclasses = KEEL_STATS_MAX_CLASSES + 1;
	CHECK(stats_write(path, &st, sizeof(st)) == 0);
	CHECK(stats_read(path, &out) < 0);
	/* short file */
	stats_fill(&st);
	CHECK(stats_write(path, &st, 100) == 0);
	CHECK(stats_read(path, &out) < 0);
	/* a writer that died inside the seqlock: never a torn copy */
	st.seq = 3;
	CHECK(stats_write(path, &st, sizeof(st)) == 0);
	CHECK(stats_read(path, &out) < 0);
	unlink(path);
	CHECK(stats_read(path, &out) < 0);
}

TEST(stats_top_classes_order)
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
	CHECK(stats_top_classes(&st, idx, 3) == 3);
	CHECK(idx[0] == 1 && idx[1] == 4 && idx[2] == 3);
	CHECK(stats_top_classes(&st, idx, 1) == 1 && idx[0] == 1);
	st.nclasses = 1;
	CHECK(stats_top_classes(&st, idx, 3) == 1 && idx[0] == 0);
	st.nclasses = 0;
	CHECK(stats_top_classes(&st, idx, 3) == 0);
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
	log_verbosity = saved;
}

TEST(report_destinations)
{
	int saved = log_verbosity;

	log_verbosity = -1;
	CHECK(report_configure(NULL) == 0);
	CHECK(report_configure("") == 0);
	CHECK(report_configure("stderr") == 0);
	CHECK(report_configure("OFF") == 0);
	CHECK(report_configure("/var/log/keel.log") == 0);
	CHECK(report_configure("relative/path") < 0);
	CHECK(report_configure("syslog") < 0);
	CHECK(report_configure(NULL) == 0);
	log_verbosity = saved;
}

TEST(stats_name_pid_forms)
{
	pid_t pid = 0;

	CHECK(stats_name_pid("12", &pid) == 0 && pid == 12);
	CHECK(stats_name_pid("12.1000", &pid) == 0 && pid == 12);
	CHECK(stats_name_pid("x", &pid) < 0);
	CHECK(stats_name_pid("12.", &pid) < 0);
	CHECK(stats_name_pid("0", &pid) < 0);
	CHECK(stats_name_pid("control", &pid) < 0);
}
