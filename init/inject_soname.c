/* Another allocator named as people write it in LD_PRELOAD: a soname such
 * as libjemalloc.so.2, found where the dynamic loader would look, so that a
 * name that cannot load stops keel at start instead of being ignored by
 * the loader with a warning the app's log may never show. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init/inject.h"

/* Debian's multiarch folders, which its loader searches (ld.so.conf). */
#if defined(__x86_64__)
#define INJECT_MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define INJECT_MULTIARCH "aarch64-linux-gnu"
#elif defined(__i386__)
#define INJECT_MULTIARCH "i386-linux-gnu"
#endif

/* After LD_LIBRARY_PATH: glibc's and musl's default folders and the
 * usual ld.so.conf entries. */
static const char *const inject_lib_dirs[] = {
	"/usr/local/lib",
#ifdef INJECT_MULTIARCH
	"/lib/" INJECT_MULTIARCH,
	"/usr/lib/" INJECT_MULTIARCH,
#endif
	"/lib",
	"/usr/lib",
	"/lib64",
	"/usr/lib64",
};

/* dir/name, when it is a readable regular file: 0 and the path in buf. */
static int inject_try(const char *dir, size_t dlen, const char *name,
		      char *buf, size_t len)
{
	struct stat sb;
	int n;

	if (!dlen)
		return -1;
	n = snprintf(buf, len, "%.*s/%s", (int)dlen, dir, name);
	if (n < 0 || (size_t)n >= len)
		return -1;
	if (stat(buf, &sb) || !S_ISREG(sb.st_mode) || access(buf, R_OK))
		return -1;
	return 0;
}

int inject_find_soname(const char *name, char *buf, size_t len)
{
	const char *p = getenv("LD_LIBRARY_PATH");

	/* keel runs the child with this environment: its loader searches
	 * these folders first */
	while (p && *p) {
		size_t n = strcspn(p, ":;");

		if (inject_try(p, n, name, buf, len) == 0)
			return 0;
		p += n + (p[n] ? 1 : 0);
	}
	for (size_t i = 0; i < sizeof(inject_lib_dirs) / sizeof(*inject_lib_dirs);
	     i++)
		if (inject_try(inject_lib_dirs[i], strlen(inject_lib_dirs[i]),
			       name, buf, len) == 0)
			return 0;
	errno = ENOENT;
	return -1;
}
