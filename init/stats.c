/* stats: reads the heap statistics shimmed processes publish and prints
 * them for `keel stats`: the one-command answer to "where is the memory",
 * which used to need gdb injected into the process. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/parse.h"
#include "init/log.h"
#include "init/stats.h"

/* A writer holds the seqlock for a few hundred nanoseconds; this many
 * tries only fail for a writer that died inside (then the file is stale). */
#define STATS_SEQ_TRIES 1000

int stats_read(const char *path, struct keel_heap_stats *out)
{
	const struct keel_heap_stats *map;
	struct stat sb;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    (size_t)sb.st_size < sizeof(*map))
		goto out_close;
	map = mmap(NULL, sizeof(*map), PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		goto out_close;
	for (int i = 0; i < STATS_SEQ_TRIES; i++) {
		uint64_t s1 = __atomic_load_n(&map->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1) {
			sched_yield();
			continue;
		}
		memcpy(out, (const void *)map, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&map->seq, __ATOMIC_RELAXED) == s1) {
			ret = 0;
			break;
		}
	}
	munmap((void *)map, sizeof(*map));
	if (ret == 0 && (out->magic != KEEL_STATS_MAGIC ||
			 out->version != KEEL_STATS_VERSION ||
			 out->size != sizeof(*out) ||
			 out->nclasses > KEEL_STATS_MAX_CLASSES))
		ret = -1;
out_close:
	close(fd);
	return ret;
}

static int stats_alive(pid_t pid)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return access(path, F_OK) == 0;
}

/* A file outlives an exec into a program the shim is not in (a static
 * binary, or KEEL_MALLOC=off below): then its numbers are not this
 * process's. Unknown (maps not readable for us) counts as shimmed. */
static int stats_shimmed(pid_t pid)
{
	char path[40], line[512];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 1;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "libkeel") != NULL;
	fclose(f);
	return found;
}

/* "<pid>", or "<pid>.<uid>": a process that changed its uid after a file
 * "<pid>" was made by the old one cannot reopen it (the folder is sticky),
 * so the shim publishes under its uid too. 0 and *pid, or -1. */
int stats_name_pid(const char *name, pid_t *pid)
{
	char buf[32];
	const char *dot = strchr(name, '.');
	size_t n = dot ? (size_t)(dot - name) : strlen(name);
	uint64_t v, uid;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, name, n);
	buf[n] = 0;
	if (parse_u64(buf, &v) < 0 || v == 0 || v > 0x7fffffff)
		return -1;
	if (dot && (parse_u64(dot + 1, &uid) < 0 || uid > 0xffffffffu))
		return -1;
	*pid = (pid_t)v;
	return 0;
}

/* A pid can have two files: "<pid>" left by the image before an exec
 * that changed the uid, and "<pid>.<uid>" written by the new one. The one
 * updated last is the live one. */
int stats_latest(const char *dir, pid_t pid, char *path, size_t len,
		 struct keel_heap_stats *out)
{
	struct keel_heap_stats st;
	struct dirent *de;
	char cand[4096];
	int found = -1;
	pid_t p;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (stats_name_pid(de->d_name, &p) < 0 || p != pid)
			continue;
		snprintf(cand, sizeof(cand), "%s/%s", dir, de->d_name);
		if (stats_read(cand, &st) < 0 || st.pid != (uint32_t)pid)
			continue;
		if (found == 0 && st.updated_ms <= out->updated_ms)
			continue;
		*out = st;
		snprintf(path, len, "%s", cand);
		found = 0;
	}
	closedir(d);
	return found;
}

void stats_forget(const char *dir, pid_t pid)
{
	struct dirent *de;
	char path[4096];
	pid_t p;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (stats_name_pid(de->d_name, &p) == 0 && p == pid) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
	}
	closedir(d);
}

int stats_each(const char *dir, stats_visit_fn fn, void *arg)
{
	struct keel_heap_stats st;
	struct dirent *de;
	char path[4096], latest[4096];
	pid_t pid;
	int count = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		/* only "<pid>[.<uid>]" files; "control" and strays are not ours */
		if (stats_name_pid(de->d_name, &pid) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		/* threads 0: made at a fork, never published (a fork that
		 * exec'd, perhaps into another uid that cannot write it) */
		if (stats_read(path, &st) < 0 || st.pid != (uint32_t)pid ||
		    !st.threads || !stats_alive(pid) || !stats_shimmed(pid))
			continue;
		/* of a pid's two files, only the live one */
		if (stats_latest(dir, pid, latest, sizeof(latest), &st) < 0 ||
		    strcmp(latest, path))
			continue;
		fn(&st, arg);
		count++;
	}
	closedir(d);
	return count;
}

/* statm is "size resident shared ...", in pages: the second number.
 * Parsed by hand: sscanf would pull musl's whole scanf (12 KB) into keel. */
static int stats_statm_resident(const char *s, uint64_t *pages)
{
	uint64_t v = 0;
	const char *p = s;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p == s || *p++ != ' ' || *p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	*pages = v;
	return 0;
}

int stats_process_rss(pid_t pid, uint64_t *out)
{
	char path[64], buf[128];
	uint64_t rss;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	ok = fgets(buf, sizeof(buf), f) &&
	     stats_statm_resident(buf, &rss) == 0;
	fclose(f);
	if (!ok)
		return -1;
	*out = rss * (uint64_t)getpagesize();	/* not sysconf: 1 KB */
	return 0;
}

int stats_process_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(buf, len, "?");
		return -1;
	}
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		n = 0;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	/* comm is set by the program: keep JSON and columns intact */
	for (char *p = buf; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20 ||
		    *p == ' ')
			*p = '_';
	return 0;
}

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

static uint64_t stats_class_bytes(const struct keel_heap_stats *st, int i)
{
	return st->classes[i].block_size * st->classes[i].blocks_in_use;
}

int stats_top_classes(const struct keel_heap_stats *st, int *idx, int n)
{
	int k = 0, j;

	for (int i = 0; i < (int)st->nclasses; i++) {
		uint64_t bytes = stats_class_bytes(st, i);

		if (!bytes)
			continue;
		/* insertion into a short sorted list; when it is full, only
		 * a class bigger than its last one gets in */
		if (k == n) {
			if (bytes <= stats_class_bytes(st, idx[n - 1]))
				continue;
			j = n - 1;
		} else {
			j = k++;
		}
		for (; j > 0 && stats_class_bytes(st, idx[j - 1]) < bytes; j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
	}
	return k;
}

struct stats_print {
	int json;
	int rows;
	uint64_t now_ms;
};

static void stats_print_one(const struct keel_heap_stats *st, void *arg)
{
	struct stats_print *pr = arg;
	char comm[32], rss_s[24], use_s[24], free_s[24], ret_s[24];
	uint64_t rss = 0;
	double frag = st->in_use ?
		      (double)st->resident / (double)st->in_use : 0;

	stats_process_comm((pid_t)st->pid, comm, sizeof(comm));
	stats_process_rss((pid_t)st->pid, &rss);
	pr->rows++;
	if (pr->json) {
		printf("{\"pid\":%u,\"command\":\"%s\",\"rss\":%llu,\"in_use\":%llu,\"free_resident\":%llu,\"returned\":%llu,\"resident\":%llu,\"mapped\":%llu,\"fragmentation\":%.2f,\"threads\":%u,\"trims\":%llu,\"trim_epoch\":%u,\"classes\":[",
		       st->pid, comm, (unsigned long long)rss,
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
	if (pr->rows == 1)
		printf("%7s %-15s %11s %11s %13s %11s %6s %7s\n", "PID",
		       "COMMAND", "RSS", "IN-USE", "FREE-RESIDENT",
		       "RETURNED", "FRAG", "THREADS");
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

/* KEEL_STATS_DIR alone when set, otherwise every default folder. */
static int stats_print_all(struct stats_print *pr)
{
	static const char *const defaults[] = KEEL_STATS_DIR_DEFAULTS;
	const char *dir = getenv(KEEL_STATS_DIR_ENV);
	int found = 0, n;

	pr->rows = 0;
	if (dir && *dir)
		return stats_each(dir, stats_print_one, pr);
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		n = stats_each(defaults[i], stats_print_one, pr);
		if (n >= 0)
			found += n;
	}
	return found;
}

static int stats_usage(const char *why, const char *arg)
{
	fatal("stats: %s%s (usage: keel stats [--json] [--watch[=SECONDS]])",
	      why, arg);
	return 2;
}

int stats_main(int argc, char **argv)
{
	struct stats_print pr = { 0 };
	uint64_t watch_ms = 0;
	int n;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--json") == 0 || strcmp(a, "-j") == 0) {
			pr.json = 1;
		} else if (strcmp(a, "--watch") == 0 || strcmp(a, "-w") == 0) {
			watch_ms = 2000;
		} else if (strncmp(a, "--watch=", 8) == 0) {
			if (parse_duration_ms(a + 8, 1000, &watch_ms) < 0 ||
			    watch_ms < 100 || watch_ms > 3600000)
				return stats_usage("not a refresh period (accepted: 0.1-3600 seconds): ", a);
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			printf("usage: keel stats [--json] [--watch[=SECONDS]]\n"
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
		n = stats_print_all(&pr);
		if (n <= 0 && !pr.json)
			warning("stats: no shimmed process found: is the application started by keel with KEEL_MALLOC on, and KEEL_STATS_DIR the same?");
		if (!watch_ms)
			return n > 0 ? 0 : 1;
		if (!pr.json)
			printf("\n");
		fflush(stdout);
		struct timespec ts = { (time_t)(watch_ms / 1000),
				       (long)(watch_ms % 1000) * 1000000 };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}
