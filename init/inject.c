/* Allocator injection: picks the file KEEL_MALLOC names, or libkeel.so as
 * a file (the installed copy, else a private copy: inject_file.c), or, when
 * no file system can hold one, keel's embedded copy in a memfd, and
 * prepends it to LD_PRELOAD. The memfd sits at a high fd, inherited across
 * exec, so the app's low fds stay as it expects and /proc/self/fd/N works
 * on a read-only root for any user; a program that closes it before it
 * execs gets it back from the shim's exec wrappers (shim/preload.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/printable.h"
#include "init/inject.h"
#include "init/log.h"
#include "init/options.h"

extern const char keel_shim_start[], keel_shim_end[];

/* Highest fd we place the memfd at: far from the app's range, but not so
 * high that the kernel grows every fd table of the app to reach it. */
#define INJECT_FD_CAP 1023
/* Linux 6.3: what vm.memfd_noexec=2 demands (not in musl's headers); it
 * keeps the memfd from being exec'd, not from being mapped by ld.so. */
#define INJECT_MFD_NOEXEC_SEAL 0x0008U

/* The embedded copy in a memfd moved to a high fd; writes its path. */
static int inject_memfd(char *buf, size_t len)
{
	size_t size = (uintptr_t)keel_shim_end - (uintptr_t)keel_shim_start;
	struct rlimit rl;
	int fd, target = INJECT_FD_CAP;
	size_t done = 0;

	fd = memfd_create("libkeel.so", MFD_ALLOW_SEALING);
	if (fd < 0 && (errno == EINVAL || errno == EACCES))
		fd = memfd_create("libkeel.so", MFD_ALLOW_SEALING |
				  INJECT_MFD_NOEXEC_SEAL);
	if (fd < 0) {
		error("unable to create a memfd for libkeel.so: %s",
		      strerror(errno));
		return -1;
	}
	while (done < size) {
		ssize_t w = write(fd, keel_shim_start + done, size - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			error("unable to write libkeel.so to a memfd: %s",
			      strerror(errno));
			goto out_close;
		}
		done += (size_t)w;
	}
	/* Sealed, so the app cannot change what its children preload. */
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
		  F_SEAL_SEAL);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur - 1 < (rlim_t)target)
		target = (int)rl.rlim_cur - 1;
	while (target > fd && fcntl(target, F_GETFD) >= 0)
		target--;
	if (target > fd) {
		if (dup2(fd, target) < 0) {
			error("unable to move the libkeel.so memfd to fd %d: %s",
			      target, strerror(errno));
			goto out_close;
		}
		close(fd);
		fd = target;
	}
	snprintf(buf, len, "/proc/self/fd/%d", fd);
	return 0;
out_close:
	close(fd);
	return -1;
}

/* LD_PRELOAD=path, then what the user had, unless path is there already. */
static int inject_prepend(const char *path)
{
	const char *old = getenv("LD_PRELOAD");
	char *value, q[KEEL_PRINTABLE_MAX];
	size_t n;

	if (old && *old) {
		n = strlen(path);
		if (!strncmp(old, path, n) && (!old[n] || old[n] == ' ' ||
					       old[n] == ':'))
			return 0;
		n += strlen(old) + 2;
		value = malloc(n);
		if (!value)
			return -1;
		snprintf(value, n, "%s %s", path, old);
	} else {
		value = strdup(path);
		if (!value)
			return -1;
	}
	if (setenv("LD_PRELOAD", value, 1)) {
		free(value);
		return -1;
	}
	free(value);
	debug("LD_PRELOAD=%s", printable(q, sizeof(q), getenv("LD_PRELOAD")));
	return 0;
}

static const char inject_accepted[] =
	" (accepted: keel, off, none, a readable .so path, or an installed library's soname)";
/* what a program misses without libkeel.so, said at -v */
static const char inject_off[] =
	"keel's allocator features (trims at the soft limit, keel stats, KEEL_STATS, KEEL_DECAY_MS, KEEL_ON_LIMIT=fail in the app) are off";

/* KEEL_MALLOC as a file to preload instead of keel's: the path, or the
 * soname found; 0, or 2 after a fatal message (bad input). */
static int inject_other(char *buf, size_t len)
{
	const char *given = options_given(&keel_opts.malloc);
	const char *name = keel_opts.malloc.text;

	if (keel_opts.malloc.word == KEEL_MALLOC_SONAME) {
		if (inject_find_soname(name, buf, len) == 0)
			return 0;
		fatal("%s: no such library in LD_LIBRARY_PATH or the usual library folders%s",
		      given, inject_accepted);
		return 2;
	}
	if (access(name, R_OK)) {
		fatal("%s: unable to read: %s%s",
		      given, strerror(errno), inject_accepted);
		return 2;
	}
	snprintf(buf, len, "%s", name);
	return 0;
}

int inject_prepare(void)
{
	int which = keel_opts.malloc.word;
	char prog[PATH_MAX], shim[PATH_MAX], q[KEEL_PRINTABLE_MAX];
	char lib[256], ql[KEEL_PRINTABLE_MAX];
	const char *target;
	int rc;

	if (which == KEEL_MALLOC_OFF || which == KEEL_MALLOC_NONE) {
		info("%s: no allocator preloaded; %s",
		     options_given(&keel_opts.malloc), inject_off);
		return 0;
	}
	if (which != KEEL_MALLOC_KEEL &&
	    (rc = inject_other(shim, sizeof(shim))))
		return rc;
	target = inject_resolve(keel_opts.argv[0], prog, sizeof(prog));
	if (target) {
		switch (inject_inspect(target, lib, sizeof(lib))) {
		case KEEL_ELF_STATIC:
			info("%s is a static executable: the allocator cannot be injected into it",
			     printable(q, sizeof(q), target));
			return 0;
		case KEEL_ELF_FOREIGN:
			info("%s is a 32-bit or another machine's executable: the allocator cannot be injected into it",
			     printable(q, sizeof(q), target));
			return 0;
		case KEEL_ELF_OWN_MALLOC:
			warning("%s defines its own malloc: not injecting the allocator",
				printable(q, sizeof(q), target));
			return 0;
		case KEEL_ELF_LINKED_MALLOC:
			warning("%s links %s, an allocator of its own: not injecting the allocator",
				printable(q, sizeof(q), target),
				printable(ql, sizeof(ql), lib));
			return 0;
		case KEEL_ELF_DYNAMIC:
			break;
		}
	}
	/* A file first: its path works in every process, whatever it closes.
	 * A private copy is removed when keel exits, so not in exec mode. */
	if (which != KEEL_MALLOC_KEEL) {
		info("%s: preloading %s; %s; the guard still watches and reports",
		     options_given(&keel_opts.malloc),
		     printable(q, sizeof(q), shim), inject_off);
	} else if (inject_installed(shim, sizeof(shim)) == 0) {
		debug("using %s", shim);
	} else if (keel_opts.mode.word != KEEL_MODE_EXEC &&
		   inject_private_copy(shim, sizeof(shim)) == 0) {
		debug("using a private copy: %s", shim);
	} else if (inject_memfd(shim, sizeof(shim))) {
		/* A container that starts without the allocator beats one
		 * that does not start. */
		warning("starting %s without the allocator",
			printable(q, sizeof(q), keel_opts.argv[0]));
		return 0;
	}
	if (inject_prepend(shim)) {
		error("unable to set LD_PRELOAD: %s", strerror(errno));
		return 1;
	}
	return 0;
}
