/* Whether a program a shimmed process is about to exec must start without
 * the shim: one that links a sanitizer's runtime. ASan refuses to start
 * when a library is preloaded before it ("ASan runtime does not come first
 * in initial library list"), and the others would not see the heap's
 * blocks. keel's PID 1 does not inject the shim into such a program
 * (init/inject_elf.c); this is the same check for one that a script or a
 * program started under keel execs. Raw system calls only, nothing
 * allocated: this runs in vfork children. */

#pragma GCC optimize("Os")	/* cold: once per exec */

#include "kl_os.h"
#include "common/elfinfo.h"
#include <linux/fcntl.h>
#include <linux/stat.h>

#define KL_IFMT 0170000
#define KL_IFREG 0100000
#define KL_PATH_MAX 4096

/* The file open at fd: whether it links a sanitizer's runtime. */
static bool target_fd_sanitized(int fd)
{
	struct statx st;
	const char *linked = 0;

	if (kl_statx(fd, "", &st) < 0 || (st.stx_mode & KL_IFMT) != KL_IFREG ||
	    st.stx_size < sizeof(Elf64_Ehdr))
		return false;
	struct keel_elf f = { kl_mmap_fd(st.stx_size, 1 /* PROT_READ */, fd),
			      st.stx_size };
	if (kl_is_err((void *)f.data))
		return false;
	/* MAP_SHARED of a file opened read-only: nothing can be written */
	bool sanitized = keel_elf_inspect(&f, &linked) ==
			 KEEL_ELF_LINKED_MALLOC && keel_sanitizer_lib(linked);
	kl_munmap((void *)f.data, st.stx_size);
	return sanitized;
}

/* Whether path names a regular file (links followed), looked at without
 * opening it for reading: opening a device can do something. */
static bool target_regular(const char *path)
{
	struct statx st;
	int fd = kl_open(path, O_PATH | O_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool regular = kl_statx(fd, "", &st) == 0 &&
		       (st.stx_mode & KL_IFMT) == KL_IFREG;
	kl_close(fd);
	return regular;
}

static bool target_path_sanitized(const char *path)
{
	if (!target_regular(path))
		return false;
	int fd = kl_open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
	if (fd < 0)
		return false;
	bool sanitized = target_fd_sanitized(fd);
	kl_close(fd);
	return sanitized;
}

/* file through PATH, as execvp searches it: the first regular file. */
static bool target_search_sanitized(const char *file, const char *path)
{
	char buf[KL_PATH_MAX];
	size_t flen = 0;

	while (file[flen])
		flen++;
	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin";
	for (const char *d = path;; d++) {
		const char *e = d;
		while (*e && *e != ':')
			e++;
		size_t dlen = (size_t)(e - d);
		if (dlen + flen + 2 <= sizeof(buf)) {
			memcpy(buf, dlen ? d : ".", dlen ? dlen : 1);
			size_t n = dlen ? dlen : 1;
			buf[n] = '/';
			memcpy(buf + n + 1, file, flen + 1);
			if (target_regular(buf))
				return target_path_sanitized(buf);
		}
		if (!*e)
			return false;
		d = e;
	}
}

bool kl_exec_target_sanitized(const char *file, int fd, bool search,
			      const char *path_var)
{
	if (!file)
		return fd >= 0 && target_fd_sanitized(fd);
	for (const char *c = file; *c; c++)
		if (*c == '/')
			return target_path_sanitized(file);
	return search ? target_search_sanitized(file, path_var) :
			target_path_sanitized(file);
}
