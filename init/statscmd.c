/* statscmd: `keel stats` (see statscmd.h). Any process in the container
 * can write into the statistics folders, so it finds keel's instance by
 * the control file only keel can write, and reads every process's file
 * through heapscan, as PID 1 does. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/heapstats.h"
#include "common/parse.h"
#include "init/heapscan.h"
#include "init/log.h"
#include "init/procinfo.h"
#include "init/statscmd.h"

const char *stats_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

struct stats_print {
	int json;
	int rows;
	int instances;		/* keels found this round */
	uint32_t keel_pid;	/* the instance being printed */
};

static void stats_print_one(const struct keel_heap_stats *st, void *arg)
{
	struct stats_print *pr = arg;
	char comm[32], rss_s[24], use_s[24], free_s[24], ret_s[24];
	uint64_t rss = 0, vsize;
	double frag = st->in_use ?
		      (double)st->resident / (double)st->in_use : 0;

	proc_comm((pid_t)st->pid, comm, sizeof(comm));
	proc_statm((pid_t)st->pid, &vsize, &rss);
	pr->rows++;
	if (pr->json) {
		printf("{\"keel_pid\":%u,\"pid\":%u,\"command\":\"%s\",\"rss\":%llu,\"in_use\":%llu,\"free_resident\":%llu,\"returned\":%llu,\"resident\":%llu,\"mapped\":%llu,\"fragmentation\":%.2f,\"threads\":%u,\"trims\":%llu,\"trim_epoch\":%u,\"classes\":[",
		       pr->keel_pid, st->pid, comm, (unsigned long long)rss,
		       (unsigned long long)st->in_use,
		       (unsigned long long)st->free_resident,
		       (unsigned long long)st->returned,
		       (unsigned long long)st->resident,
		       (unsigned long long)st->mapped, frag, st->threads,
		       (unsigned long long)st->trims, st->trim_epoch_done);
		for (uint32_t i = 0, first = 1; i < st->nclasses; i++) {
			const struct keel_class_stats *c = &st->classes[i];
			if (!c->blocks_in_use && !c->bytes_free_resident)
				continue;
			printf("%s{\"size\":%llu,\"in_use\":%llu,\"free_resident\":%llu}",
			       first ? "" : ",",
			       (unsigned long long)c->block_size,
			       (unsigned long long)(c->block_size *
						    c->blocks_in_use),
			       (unsigned long long)c->bytes_free_resident);
			first = 0;
		}
		printf("]}\n");
		return;
	}
	printf("%7u %-15s %11s %11s %13s %11s ", st->pid, comm,
	       stats_size(rss, rss_s, sizeof(rss_s)),
	       stats_size(st->in_use, use_s, sizeof(use_s)),
	       stats_size(st->free_resident, free_s, sizeof(free_s)),
	       stats_size(st->returned, ret_s, sizeof(ret_s)));
	if (st->in_use)
		printf("%6.2f", frag);
	else
		printf("%6s", "-");
	printf(" %7u\n", st->threads);
}

/* Whether folder name in dirfd is a live keel's instance: its control
 * file belongs to the folder's owner, who alone can write it, and names a
 * keel that is still running (pid and start time). 0 and the keel's pid
 * and the folder's descriptor, or -1. */
static int stats_instance(int dirfd, const char *name, uint32_t *keel_pid,
			  int *out_fd)
{
	struct keel_control ctl;
	struct keel_proc_stat ps;
	struct stat dsb, fsb;
	int fd, cfd, ok = 0;

	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return -1;
	cfd = openat(fd, KEEL_CONTROL_FILE, O_RDONLY | O_NONBLOCK |
		     O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (cfd >= 0) {
		ok = fstat(fd, &dsb) == 0 && fstat(cfd, &fsb) == 0 &&
		     S_ISREG(fsb.st_mode) && fsb.st_uid == dsb.st_uid &&
		     !(fsb.st_mode & 022) &&
		     fsb.st_size == (off_t)sizeof(ctl) &&
		     pread(cfd, &ctl, sizeof(ctl), 0) == (ssize_t)sizeof(ctl) &&
		     ctl.magic == KEEL_CONTROL_MAGIC &&
		     ctl.size == sizeof(ctl) && ctl.keel_pid &&
		     ctl.keel_pid <= 0x7fffffff &&
		     proc_stat((pid_t)ctl.keel_pid, &ps) == 0 &&
		     ps.state != 'Z' && ps.start_time == ctl.keel_start_time;
		close(cfd);
	}
	if (!ok) {
		close(fd);
		return -1;
	}
	*keel_pid = ctl.keel_pid;
	*out_fd = fd;
	return 0;
}

static void stats_print_instance(struct stats_print *pr, int fd,
				 uint32_t keel_pid)
{
	pr->instances++;
	pr->keel_pid = keel_pid;
	/* several keels share a PID namespace (a pod's shared process
	 * namespace): each table says whose processes it lists */
	if (!pr->json && (pr->instances > 1 || keel_pid != 1))
		printf("%skeel pid %u:\n", pr->instances > 1 ? "\n" : "",
		       keel_pid);
	if (!pr->json)
		printf("%7s %-15s %11s %11s %13s %11s %6s %7s\n", "PID",
		       "COMMAND", "RSS", "IN-USE", "FREE-RESIDENT", "RETURNED",
		       "FRAG", "THREADS");
	heapscan_each(fd, 0, stats_print_one, pr, NULL);
	pr->rows = 0;
}

/* Every live instance in base that belongs to this PID namespace: its
 * name starts with the namespace's number. */
static void stats_print_base(struct stats_print *pr, const char *base)
{
	char prefix[32];
	struct dirent *de;
	uint32_t keel_pid;
	int basefd, fd;
	DIR *d;

	basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (basefd < 0)
		return;
	d = fdopendir(basefd);
	if (!d) {
		close(basefd);
		return;
	}
	snprintf(prefix, sizeof(prefix), "%llu.",
		 (unsigned long long)proc_pid_namespace());
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) ||
		    stats_instance(basefd, de->d_name, &keel_pid, &fd) < 0)
			continue;
		stats_print_instance(pr, fd, keel_pid);
		close(fd);
	}
	closedir(d);
}

/* KEEL_STATS_DIR: keel's instance itself (the variable as the child got
 * it), or a base folder to search; otherwise every default base. */
static void stats_print_all(struct stats_print *pr)
{
	static const char *const defaults[] = KEEL_STATS_DIR_DEFAULTS;
	const char *dir = getenv(KEEL_STATS_DIR_ENV);
	uint32_t keel_pid;
	int fd;

	pr->rows = 0;
	pr->instances = 0;
	if (dir && *dir) {
		if (stats_instance(AT_FDCWD, dir, &keel_pid, &fd) == 0) {
			stats_print_instance(pr, fd, keel_pid);
			close(fd);
		} else {
			stats_print_base(pr, dir);
		}
		return;
	}
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		stats_print_base(pr, defaults[i]);
}

static int stats_usage(const char *why, const char *arg)
{
	fatal("stats: %s%s (usage: keel stats [--json] [--watch [SECONDS]])",
	      why, arg);
	return 2;
}

int stats_main(int argc, char **argv)
{
	struct stats_print pr = { 0 };
	uint64_t watch_ms = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--json") == 0 || strcmp(a, "-j") == 0) {
			pr.json = 1;
		} else if (strcmp(a, "--watch") == 0 || strcmp(a, "-w") == 0 ||
			   strncmp(a, "--watch=", 8) == 0) {
			/* -w N, --watch N and --watch=N; a bare one is 2 s */
			const char *v = a[1] == '-' && a[7] == '=' ? a + 8 :
					i + 1 < argc && argv[i + 1][0] >= '0' &&
					argv[i + 1][0] <= '9' ? argv[++i] : "2";
			if (parse_duration_ms(v, 1000, &watch_ms) < 0 ||
			    watch_ms < 100 || watch_ms > 3600000) {
				fatal("stats: --watch %s: not a refresh period (accepted: 0.1-3600 seconds)",
				      v);
				return 2;
			}
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			printf("usage: keel stats [--json] [--watch [SECONDS]]\n"
			       "Prints the heap statistics of every keel-shimmed process:\n"
			       "pid, command, RSS, bytes in use, free but resident, returned\n"
			       "to the OS, fragmentation (resident heap / in use), threads.\n"
			       "--json prints one JSON object per process per line.\n");
			return 0;
		} else {
			return stats_usage("unknown argument: ", a);
		}
	}
	for (;;) {
		stats_print_all(&pr);
		if (!pr.instances)
			warning("stats: no keel found: run it in the container keel started, with the same KEEL_STATS_DIR");
		if (!watch_ms)
			return pr.instances ? 0 : 1;
		if (!pr.json)
			printf("\n");
		fflush(stdout);
		struct timespec ts = { (time_t)(watch_ms / 1000),
				       (long)(watch_ms % 1000) * 1000000 };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}
