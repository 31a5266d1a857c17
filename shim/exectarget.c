/* Whether a program a shimmed process is about to exec must start without
 * the shim, as keel's PID 1 would not inject it (init/inject_elf.c): a
 * 32-bit or another machine's executable, whose loader refuses this
 * library with "ERROR: ld.so: object ... cannot be preloaded (wrong ELF
 * class: ELFCLASS64)" in every such process, and one that links a
 * sanitizer's runtime: ASan refuses to start when a library is preloaded
 * before it ("ASan runtime does not come first in initial library list"),
 * and the others would not see the heap's blocks.
 *
 * The file is read with pread, a few small pieces, never mapped: another
 * process may truncate it meanwhile, and a read past the end of a mapping
 * is SIGBUS in the program. The needed libraries are found through the
 * program headers (PT_DYNAMIC, its DT_STRTAB's address through PT_LOAD),
 * as the loader finds them. Raw system calls only, nothing allocated:
 * this runs in vfork children. */

#pragma GCC optimize("Os")	/* cold: once per exec */

#include "kl_os.h"
#include "common/elfinfo.h"
#include <linux/fcntl.h>
#include <linux/stat.h>

#define KL_IFMT 0170000
#define KL_IFREG 0100000
#define KL_PATH_MAX 4096
#define TARGET_PHDRS 32		/* program headers read; more is unusual */
#define TARGET_DYNS 64		/* dynamic entries read at a time */
#define TARGET_DYNS_MAX 4096	/* looked at in all (real ones: under 100) */
#define TARGET_NAME 64		/* bytes of a needed library's name */

/* len bytes at off, all of them, or false */
static bool target_read(int fd, void *buf, size_t len, uint64_t off)
{
	return kl_pread(fd, buf, len, (long)off) == (long)len;
}

/* The file offset of address addr, from the PT_LOAD headers; 0 if none
 * holds it (offset 0 is the ELF header, never a string table). */
static uint64_t target_offset(const Elf64_Phdr *ph, unsigned n, uint64_t addr)
{
	for (unsigned i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && addr >= ph[i].p_vaddr &&
		    addr - ph[i].p_vaddr < ph[i].p_filesz)
			return ph[i].p_offset + (addr - ph[i].p_vaddr);
	return 0;
}

/* Whether one of the needed libraries, listed in the dynamic section at
 * dyn_off (dyn_len bytes), is a sanitizer's runtime. */
static bool target_needs_sanitizer(int fd, const Elf64_Phdr *ph, unsigned n,
				   uint64_t dyn_off, uint64_t dyn_len)
{
	Elf64_Dyn dyn[TARGET_DYNS];
	uint64_t strtab = 0, count = dyn_len / sizeof(Elf64_Dyn);

	if (count > TARGET_DYNS_MAX)
		count = TARGET_DYNS_MAX;

	/* the string table's address first: DT_STRTAB may follow the names;
	 * the section ends at DT_NULL, whatever size its header claims */
	for (uint64_t at = 0; at < count && !strtab; at += TARGET_DYNS) {
		uint64_t k = count - at < TARGET_DYNS ? count - at : TARGET_DYNS;
		if (!target_read(fd, dyn, k * sizeof(*dyn),
				 dyn_off + at * sizeof(*dyn)))
			return false;
		for (uint64_t i = 0; i < k && !strtab; i++) {
			if (dyn[i].d_tag == DT_NULL)
				return false;
			if (dyn[i].d_tag == DT_STRTAB)
				strtab = target_offset(ph, n, dyn[i].d_un.d_ptr);
		}
	}
	if (!strtab)
		return false;
	for (uint64_t at = 0; at < count; at += TARGET_DYNS) {
		uint64_t k = count - at < TARGET_DYNS ? count - at : TARGET_DYNS;
		if (!target_read(fd, dyn, k * sizeof(*dyn),
				 dyn_off + at * sizeof(*dyn)))
			return false;
		for (uint64_t i = 0; i < k; i++) {
			char name[TARGET_NAME];
			if (dyn[i].d_tag == DT_NULL)
				return false;
			if (dyn[i].d_tag != DT_NEEDED)
				continue;
			long got = kl_pread(fd, name, sizeof(name) - 1,
					    (long)(strtab + dyn[i].d_un.d_val));
			if (got <= 0)
				continue;
			name[got] = '\0';	/* a longer name is cut: a prefix
						 * is what is compared */
			if (keel_sanitizer_lib(name))
				return true;
		}
	}
	return false;
}

/* The file open at fd: whether it must start without the shim. */
static bool target_fd_refused(int fd)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[TARGET_PHDRS];
	unsigned char ident[20];

	long got = kl_pread(fd, ident, sizeof(ident), 0);
	if (got <= 0)
		return false;
	if (!keel_elf_native(ident, (uint64_t)got))
		return true;
	if (!keel_elf_magic(ident, (uint64_t)got) ||
	    !target_read(fd, &eh, sizeof(eh), 0) ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || !eh.e_phnum ||
	    eh.e_phnum > TARGET_PHDRS ||
	    !target_read(fd, ph, eh.e_phnum * sizeof(*ph), eh.e_phoff))
		return false;	/* not ELF (a script), or not one to judge */
	for (unsigned i = 0; i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			return target_needs_sanitizer(fd, ph, eh.e_phnum,
						      ph[i].p_offset,
						      ph[i].p_filesz);
	return false;
}

/* The file at path, when it is a regular file (links followed, as exec
 * follows them): whether it must start without the shim; -1 when it is
 * not one (looked at before it is opened: opening a device for reading
 * can do something). */
static int target_path_refused(const char *path)
{
	struct statx st;

	if (kl_statx_follow(path, &st) < 0 ||
	    (st.stx_mode & KL_IFMT) != KL_IFREG)
		return -1;
	int fd = kl_open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
	if (fd < 0)
		return 0;
	bool refused = target_fd_refused(fd);
	kl_close(fd);
	return refused;
}

/* file through PATH, as execvp searches it: the first regular file. */
static bool target_search_refused(const char *file, const char *path)
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
			int refused = target_path_refused(buf);
			if (refused >= 0)
				return refused;
		}
		if (!*e)
			return false;
		d = e;
	}
}

bool kl_exec_target_refused(const char *file, int fd, bool search,
			    const char *path_var)
{
	if (!file)
		return fd >= 0 && target_fd_refused(fd);
	for (const char *c = file; *c; c++)
		if (*c == '/')
			return target_path_refused(file) > 0;
	return search ? target_search_refused(file, path_var) :
			target_path_refused(file) > 0;
}
