/* libkeel.so as a file every process can open by path, whatever it does
 * with its descriptors: the installed copy (beside keel, or PREFIX/lib/keel
 * where make install puts it), else a private copy keel writes into a new
 * folder of its own on a file system that allows exec. ld.so opens that
 * path again at every exec, as every user: whoever could replace the file
 * or rename a folder on its path would run code in every process, root's
 * too. So every component must belong to root or keel's user and be
 * writable by no one else (a sticky folder may be). */
#include <errno.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "init/inject.h"
#include "init/log.h"

extern const char keel_shim_start[], keel_shim_end[];

#if defined(__x86_64__)
#define INJECT_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define INJECT_MACHINE EM_AARCH64
#endif

/* Where a private copy may go, in order. /dev serves a root keel in a
 * container whose root is read-only (Docker's /dev is a tmpfs of its own
 * that allows exec); /tmp a keel of another user. Never /dev/shm: the
 * containers of a pod share it, and root in another container could
 * change the copy under this one's processes. */
static const char *const inject_copy_bases[] = {
	"/run", "/dev", "/tmp",
};

static struct {
	int dir_fd;		/* the private folder, or -1 */
	char dir[64];
} copy = { .dir_fd = -1 };

/* Why a file or folder must not be trusted, or NULL: not owned by root or
 * keel's user, or writable by others (a folder may be, when sticky). */
static const char *inject_owner_problem(const struct stat *sb)
{
	if (sb->st_uid != 0 && sb->st_uid != geteuid())
		return "owned by another user";
	if (S_ISDIR(sb->st_mode))
		return (sb->st_mode & 022) && !(sb->st_mode & S_ISVTX) ?
			       "a folder others can write in" :
			       NULL;
	return sb->st_mode & 022 ? "writable by others" : NULL;
}

/* Checks every component of an absolute path without links: "/", then
 * each folder, then the last one (a regular file when file is set). */
static const char *inject_path_problem(const char *path, int file)
{
	char part[PATH_MAX];
	const char *why, *slash = path;
	struct stat sb;

	for (;;) {
		size_t n = slash == path ? 1 : (size_t)(slash - path);

		if (n >= sizeof(part))
			return "path too long";
		memcpy(part, path, n);
		part[n] = '\0';
		if (lstat(part, &sb) < 0)
			return strerror(errno);
		if (!*slash)
			break;
		if (!S_ISDIR(sb.st_mode))
			return "not a folder";
		if ((why = inject_owner_problem(&sb)))
			return why;
		slash = strchrnul(slash + 1, '/');
	}
	if (file ? !S_ISREG(sb.st_mode) : !S_ISDIR(sb.st_mode))
		return file ? "not a regular file" : "not a folder";
	return inject_owner_problem(&sb);
}

/* Is it a shared object this machine loads? */
static const char *inject_elf_problem(const char *path)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return strerror(errno);
	n = read(fd, &eh, sizeof(eh));
	close(fd);
	if (n != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_DYN ||
	    eh.e_machine != INJECT_MACHINE)
		return "not a shared object for this machine";
	return NULL;
}

/* One candidate, checked. 0 and the path in buf; 1 when there is no such
 * file; -1 when there is one that must not be used (with a warning). Its
 * folders come from /proc/self/exe, so they hold no link; a link below
 * (lib/keel, the file) is refused rather than followed. */
static int inject_try_file(const char *path, char *buf, size_t len)
{
	const char *why;

	if (access(path, F_OK) < 0)
		return 1;
	if (!(why = inject_path_problem(path, 1)))
		why = inject_elf_problem(path);
	if (why || strlen(path) >= len) {
		warning("not preloading %s: %s", path,
			why ? why : "path too long");
		return -1;
	}
	strcpy(buf, path);
	return 0;
}

int inject_installed(char *buf, size_t len)
{
	char exe[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	if (!(slash = strrchr(exe, '/')))
		return -1;
	*slash = '\0';
	/* beside keel: the build folder, an image that copies both */
	snprintf(path, sizeof(path), "%s/libkeel.so", exe);
	if (inject_try_file(path, buf, len) == 0)
		return 0;
	/* PREFIX/bin/keel and PREFIX/lib/keel/libkeel.so (make install) */
	if ((slash = strrchr(exe, '/'))) {
		*slash = '\0';
		snprintf(path, sizeof(path), "%s/lib/keel/libkeel.so", exe);
		if (inject_try_file(path, buf, len) == 0)
			return 0;
	}
	return -1;
}

static void inject_remove_copy(void)
{
	if (copy.dir_fd < 0)
		return;
	unlinkat(copy.dir_fd, "libkeel.so", 0);
	close(copy.dir_fd);
	copy.dir_fd = -1;
	rmdir(copy.dir);
}

/* Writes the embedded library into fd and checks that it may be mapped
 * for execution there (noexec mounts and security modules refuse it). */
static const char *inject_write_copy(int fd)
{
	size_t size = (uintptr_t)keel_shim_end - (uintptr_t)keel_shim_start,
	       done = 0;
	void *p;

	while (done < size) {
		ssize_t w = write(fd, keel_shim_start + done, size - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? strerror(errno) : "short write";
		done += (size_t)w;
	}
	p = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return "no exec mapping allowed there";
	munmap(p, size);
	return NULL;
}

/* "<base>/keel.<random>/libkeel.so": the folder is made 0700 under a new
 * name (nothing else can be in it), checked to be ours, filled, then
 * opened to 0755 so that every user can read the 0644 file. */
static const char *inject_copy_in(const char *base, char *buf, size_t len)
{
	const char *why = NULL;
	struct statvfs vfs;
	struct stat sb;
	uint64_t r;
	int base_fd, fd;

	if ((why = inject_path_problem(base, 0)))
		return why;
	base_fd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (base_fd < 0)
		return strerror(errno);
	if (fstatvfs(base_fd, &vfs) == 0 && (vfs.f_flag & (ST_RDONLY | ST_NOEXEC))) {
		close(base_fd);
		return vfs.f_flag & ST_RDONLY ? "read-only" : "mounted noexec";
	}
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull ^ (uintptr_t)&r;
	snprintf(copy.dir, sizeof(copy.dir), "%s/keel.%016llx", base,
		 (unsigned long long)r);
	if (mkdirat(base_fd, strrchr(copy.dir, '/') + 1, 0700) < 0) {
		why = strerror(errno);
		close(base_fd);
		return why;
	}
	copy.dir_fd = openat(base_fd, strrchr(copy.dir, '/') + 1,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(base_fd);
	if (copy.dir_fd < 0 || fstat(copy.dir_fd, &sb) < 0 ||
	    sb.st_uid != geteuid()) {
		why = copy.dir_fd < 0 ? strerror(errno) : "folder not ours";
		goto fail;
	}
	fd = openat(copy.dir_fd, "libkeel.so", O_RDWR | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		why = strerror(errno);
		goto fail;
	}
	if (fchmod(fd, 0644) < 0)
		why = strerror(errno);
	else
		why = inject_write_copy(fd);
	close(fd);
	if (!why && fchmod(copy.dir_fd, 0755) < 0)
		why = strerror(errno);
	if (why)
		goto fail;
	snprintf(buf, len, "%s/libkeel.so", copy.dir);
	return NULL;
fail:
	if (copy.dir_fd < 0)
		rmdir(copy.dir);
	inject_remove_copy();
	return why;
}

int inject_private_copy(char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(inject_copy_bases) /
			       sizeof(inject_copy_bases[0]); i++) {
		const char *why = inject_copy_in(inject_copy_bases[i], buf, len);

		if (!why) {
			atexit(inject_remove_copy);
			return 0;
		}
		debug("no copy of libkeel.so in %s: %s", inject_copy_bases[i],
		      why);
	}
	return -1;
}
