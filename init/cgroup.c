/* cgroup: finds the container's memory cgroup and its tightest limit, and
 * reads usage, memory.stat and the OOM-kill counter. Every path is under a
 * root parameter so the tests can point it at fixture trees. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/parse.h"
#include "init/cgroup.h"
#include "init/log.h"

/* v1 writes "unlimited" as the largest page count (0x7ffffffffffff000 on
 * 4 KiB pages); anything this large is no limit at all. */
#define CGROUP_UNLIMITED (1ull << 62)

/* Reads a small file into buf (NUL-terminated); returns its length or -1. */
static ssize_t cgroup_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -1;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - (size_t)total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
	}
	close(fd);
	buf[total] = 0;
	return total;
}

/* "123\n" or "max\n" to a number; "max" and v1's huge values are
 * UINT64_MAX. */
static int cgroup_parse_value(char *s, uint64_t *out)
{
	size_t n = strcspn(s, " \t\n");

	s[n] = 0;
	if (strcmp(s, "max") == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	if (parse_u64(s, out) < 0)
		return -1;
	if (*out >= CGROUP_UNLIMITED)
		*out = UINT64_MAX;
	return 0;
}

static int cgroup_read_value(const char *path, uint64_t *out)
{
	char buf[64];

	if (cgroup_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	return cgroup_parse_value(buf, out);
}

/* A cgroup file read again from its start through a descriptor kept
 * open, as text; the length, or 0 or -1. */
static ssize_t cgroup_pread_text(int fd, char *buf, size_t len)
{
	ssize_t n;

	do
		n = pread(fd, buf, len - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		buf[n] = 0;
	return n;
}

int cgroup_read_fd(int fd, uint64_t *out)
{
	char buf[64];

	if (cgroup_pread_text(fd, buf, sizeof(buf)) <= 0)
		return -1;
	return cgroup_parse_value(buf, out);
}

/* Finds "key value" in a memory.stat-like text. */
static int cgroup_stat_key(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	char num[32];

	for (const char *p = text; *p; p += strcspn(p, "\n"), p += !!*p) {
		if (strncmp(p, key, klen) != 0 || p[klen] != ' ')
			continue;
		size_t n = strcspn(p + klen + 1, "\n");
		if (n >= sizeof(num))
			return -1;
		memcpy(num, p + klen + 1, n);
		num[n] = 0;
		return parse_u64(num, out);
	}
	return -1;
}

static uint64_t cgroup_stat_or_zero(const char *text, const char *key)
{
	uint64_t v;

	return cgroup_stat_key(text, key, &v) == 0 ? v : 0;
}

int cgroup_parse_memory_stat(int version, const char *text,
			     struct keel_memory_stat *st)
{
	static const char *const v2_kernel_parts[] = {
		"kernel_stack", "pagetables", "sec_pagetables", "percpu",
		"sock", "vmalloc", "slab",
	};
	uint64_t v;

	memset(st, 0, sizeof(*st));
	if (version == KEEL_CGROUP_V2) {
		if (cgroup_stat_key(text, "anon", &st->anon) < 0 ||
		    cgroup_stat_key(text, "file", &st->file) < 0)
			return -1;
		/* Kernels before 5.18 have no "kernel" line: add its parts. */
		if (cgroup_stat_key(text, "kernel", &st->kernel) < 0)
			for (size_t i = 0; i < sizeof(v2_kernel_parts) /
					       sizeof(v2_kernel_parts[0]); i++)
				st->kernel += cgroup_stat_or_zero(text,
							v2_kernel_parts[i]);
		return 0;
	}
	/* v1: the total_* lines include child cgroups, like usage does. */
	if (cgroup_stat_key(text, "total_rss", &v) == 0)
		st->anon = v;
	else if (cgroup_stat_key(text, "rss", &st->anon) < 0)
		return -1;
	if (cgroup_stat_key(text, "total_cache", &v) == 0)
		st->file = v;
	else if (cgroup_stat_key(text, "cache", &st->file) < 0)
		return -1;
	return 0;
}

/* root + a + b without doubled slashes. */
static int cgroup_join(char *buf, size_t len, const char *root, const char *a,
		       const char *b)
{
	size_t rl = strlen(root);
	int n;

	while (rl > 0 && root[rl - 1] == '/')
		rl--;
	while (*a == '/')
		a++;
	n = snprintf(buf, len, "%.*s/%s%s%s", (int)rl, root, a,
		     (*a && *b) ? "/" : "", b);
	if (n < 0 || (size_t)n >= len)
		return -1;
	/* drop a trailing slash left by an empty part */
	if (n > 1 && buf[n - 1] == '/')
		buf[n - 1] = 0;
	return 0;
}

static int cgroup_exists(const char *dir, const char *file)
{
	char path[PATH_MAX];
	struct stat st;

	if (cgroup_join(path, sizeof(path), dir, file, "") < 0)
		return 0;
	return stat(path, &st) == 0;
}

/* Reads the paths from a /proc/<pid>/cgroup file: the v1 memory line and
 * the v2 "0::" line. Missing ones stay empty. */
static int cgroup_proc_paths(const char *file, char *v1, char *v2, size_t len)
{
	char text[8192];

	v1[0] = v2[0] = 0;
	if (cgroup_read_file(file, text, sizeof(text)) < 0)
		return -1;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c2 = 0;
		const char *ctrl = c1 + 1, *p = c2 + 1;
		if (strncmp(line, "0:", 2) == 0 && *ctrl == 0) {
			snprintf(v2, len, "%s", p);
			continue;
		}
		/* controllers are comma-separated: "memory" or "cpu,memory" */
		for (const char *s = ctrl; *s; s += strcspn(s, ","), s += !!*s)
			if (strncmp(s, "memory", 6) == 0 &&
			    (s[6] == ',' || s[6] == 0))
				snprintf(v1, len, "%s", p);
	}
	return 0;
}

static int cgroup_self_paths(const char *root, char *v1, char *v2, size_t len)
{
	char path[PATH_MAX];

	if (cgroup_join(path, sizeof(path), root, "proc/self/cgroup", "") < 0)
		return -1;
	return cgroup_proc_paths(path, v1, v2, len);
}

int cgroup_path_of(int version, pid_t pid, char *buf, size_t len)
{
	char file[64], v1[PATH_MAX], v2[PATH_MAX];

	if (pid)
		snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	else
		snprintf(file, sizeof(file), "/proc/self/cgroup");
	if (version == KEEL_CGROUP_NONE ||
	    cgroup_proc_paths(file, v1, v2, sizeof(v1)) < 0)
		return -1;
	snprintf(buf, len, "%s", version == KEEL_CGROUP_V1 ? v1 : v2);
	return *buf ? 0 : -1;
}

int cgroup_path_within(const char *path, const char *top)
{
	size_t n = strlen(top);

	/* under a cgroup namespace, what lies outside it reads "/.." */
	if (!strcmp(top, "/"))
		return strncmp(path, "/..", 3) != 0 ||
		       (path[3] != 0 && path[3] != '/');
	return !strncmp(path, top, n) && (path[n] == 0 || path[n] == '/');
}

/* The cgroup folder: mount + path; when the path is not visible under the
 * mount (a cgroup namespace, or a runtime that mounts only the container's
 * own cgroup), the mount root is the container's cgroup. */
static int cgroup_locate(const char *mount, const char *path, const char *probe,
			 char *dir, size_t len)
{
	if (cgroup_join(dir, len, mount, path, "") == 0 &&
	    cgroup_exists(dir, probe))
		return 0;
	if (cgroup_join(dir, len, mount, "", "") == 0 &&
	    cgroup_exists(dir, probe))
		return 0;
	return -1;
}

/* The smallest value of file in dir and each parent up to mount. */
static uint64_t cgroup_walk_min(const char *mount, const char *dir,
				const char *file)
{
	char cur[PATH_MAX], path[PATH_MAX];
	size_t mlen = strlen(mount);
	uint64_t best = UINT64_MAX, v;

	snprintf(cur, sizeof(cur), "%s", dir);
	for (;;) {
		if (cgroup_join(path, sizeof(path), cur, file, "") == 0 &&
		    cgroup_read_value(path, &v) == 0 && v < best)
			best = v;
		char *slash = strrchr(cur, '/');
		if (strlen(cur) <= mlen || !slash || slash == cur)
			break;
		*slash = 0;
		if (strlen(cur) < mlen)
			break;
	}
	return best;
}

int cgroup_find(const char *root, struct keel_cgroup *cg)
{
	char v1[PATH_MAX], v2[PATH_MAX], mount[PATH_MAX], text[8192];
	uint64_t v;

	memset(cg, 0, sizeof(*cg));
	if (cgroup_self_paths(root, v1, v2, sizeof(v1)) < 0)
		return -1;
	if (v1[0] && cgroup_join(mount, sizeof(mount), root,
				 "sys/fs/cgroup/memory", "") == 0 &&
	    cgroup_locate(mount, v1, "memory.limit_in_bytes", cg->dir,
			  sizeof(cg->dir)) == 0) {
		cg->version = KEEL_CGROUP_V1;
		v = cgroup_walk_min(mount, cg->dir, "memory.limit_in_bytes");
		/* Ancestors hidden from us still bound us: the kernel says so
		 * in hierarchical_memory_limit. */
		char path[PATH_MAX];
		uint64_t h;
		if (cgroup_join(path, sizeof(path), cg->dir, "memory.stat",
				"") == 0 &&
		    cgroup_read_file(path, text, sizeof(text)) > 0 &&
		    cgroup_stat_key(text, "hierarchical_memory_limit", &h) == 0 &&
		    h < v)
			v = h;
		cg->limit = v >= CGROUP_UNLIMITED ? 0 : v;
		return 0;
	}
	if (!v2[0])
		return -1;
	/* unified mount at /sys/fs/cgroup, or /sys/fs/cgroup/unified when
	 * the machine is hybrid */
	if (cgroup_join(mount, sizeof(mount), root, "sys/fs/cgroup", "") < 0)
		return -1;
	if (!cgroup_exists(mount, "cgroup.controllers") &&
	    cgroup_join(mount, sizeof(mount), root, "sys/fs/cgroup/unified",
			"") < 0)
		return -1;
	if (cgroup_locate(mount, v2, "memory.current", cg->dir,
			  sizeof(cg->dir)) < 0)
		return -1;
	cg->version = KEEL_CGROUP_V2;
	v = cgroup_walk_min(mount, cg->dir, "memory.max");
	cg->limit = v >= CGROUP_UNLIMITED ? 0 : v;
	v = cgroup_walk_min(mount, cg->dir, "memory.high");
	cg->high = v >= CGROUP_UNLIMITED ? 0 : v;
	return 0;
}

uint64_t cgroup_guard_limit(const struct keel_cgroup *cg)
{
	if (cg->high && (!cg->limit || cg->high < cg->limit))
		return cg->high;
	return cg->limit;
}

int cgroup_usage_path(const struct keel_cgroup *cg, char *buf, size_t len)
{
	if (cg->version == KEEL_CGROUP_NONE)
		return -1;
	return cgroup_join(buf, len, cg->dir, cg->version == KEEL_CGROUP_V2 ?
			   "memory.current" : "memory.usage_in_bytes", "");
}

int cgroup_usage(const struct keel_cgroup *cg, uint64_t *out)
{
	char path[PATH_MAX];

	if (cgroup_usage_path(cg, path, sizeof(path)) < 0)
		return -1;
	return cgroup_read_value(path, out);
}

int cgroup_memory_stat(const struct keel_cgroup *cg,
		       struct keel_memory_stat *st)
{
	char path[PATH_MAX], text[8192];

	if (cg->version == KEEL_CGROUP_NONE ||
	    cgroup_join(path, sizeof(path), cg->dir, "memory.stat", "") < 0 ||
	    cgroup_read_file(path, text, sizeof(text)) <= 0 ||
	    cgroup_parse_memory_stat(cg->version, text, st) < 0)
		return -1;
	/* v1 keeps kernel memory apart from memory.stat */
	if (cg->version == KEEL_CGROUP_V1 &&
	    cgroup_join(path, sizeof(path), cg->dir,
			"memory.kmem.usage_in_bytes", "") == 0 &&
	    cgroup_read_value(path, &st->kernel) < 0)
		st->kernel = 0;
	return 0;
}

int cgroup_oom_kills_open(const struct keel_cgroup *cg)
{
	char path[PATH_MAX];

	if (cg->version == KEEL_CGROUP_NONE ||
	    cgroup_join(path, sizeof(path), cg->dir,
			cg->version == KEEL_CGROUP_V2 ? "memory.events" :
			"memory.oom_control", "") < 0)
		return -1;
	return open(path, O_RDONLY | O_CLOEXEC);
}

int cgroup_oom_kills_fd(int fd, uint64_t *out)
{
	char text[1024];

	if (cgroup_pread_text(fd, text, sizeof(text)) <= 0)
		return -1;
	return cgroup_stat_key(text, "oom_kill", out);
}

int cgroup_oom_kills(const struct keel_cgroup *cg, uint64_t *out)
{
	int fd = cgroup_oom_kills_open(cg), rc;

	if (fd < 0)
		return -1;
	rc = cgroup_oom_kills_fd(fd, out);
	close(fd);
	return rc;
}

/* The setting as the user wrote it, for messages: "KEEL_RSS_LIMIT=1G". */
static const char *cgroup_given(const struct keel_limit *lim)
{
	return lim->given ? lim->given : "KEEL_RSS_LIMIT";
}

uint64_t cgroup_soft_limit(const struct keel_limit *lim, uint64_t cgroup_limit)
{
	uint32_t centi = lim->centi_percent;

	if (centi) {
		/* The default is a share too: no limit is normal, not an
		 * error, so this is said at verbose level only. */
		if (!cgroup_limit) {
			info("%s: no cgroup memory limit to take a share of; the memory guard is off",
			     cgroup_given(lim));
			return 0;
		}
		return cgroup_limit / 10000 * centi +
		       cgroup_limit % 10000 * centi / 10000;
	}
	if (cgroup_limit && lim->bytes > cgroup_limit)
		warning("%s: above the cgroup limit of %llu bytes; the OOM killer may act first",
			cgroup_given(lim), (unsigned long long)cgroup_limit);
	return lim->bytes;
}
