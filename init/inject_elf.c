/* Reads just enough of the target's ELF file to know whether a preloaded
 * allocator can work there: a static executable loads no .so, one that
 * defines malloc itself has crashed under preloaded allocators elsewhere,
 * and one linked with an allocator library calls that library's own API
 * (jemalloc's sdallocx, mimalloc's mi_free, tcmalloc's tc_free) on blocks
 * that, with keel's malloc preloaded, are keel's. */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/allocators.h"
#include "init/inject.h"

/* The file, mapped read-only: only the pages looked at are read. */
struct inject_file {
	const unsigned char *data;
	uint64_t size;
};

/* A pointer to len bytes at off, or NULL when they are not in the file. */
static const void *inject_at(const struct inject_file *f, uint64_t off,
			     uint64_t len)
{
	if (off > f->size || len > f->size - off)
		return NULL;
	return f->data + off;
}

/* The same for a table of ELF structures, which must also be aligned (a
 * damaged offset may not be). */
static const void *inject_table(const struct inject_file *f, uint64_t off,
				uint64_t len)
{
	return off % 8 ? NULL : inject_at(f, off, len);
}

/* A section of type's entries, and the string table it links to, when
 * both lie in the file: the entry count, else 0. */
static uint64_t inject_section(const struct inject_file *f,
			       const Elf64_Ehdr *eh, unsigned i,
			       uint32_t type, uint64_t entsize,
			       const void **ents, const char **strs,
			       uint64_t *strsize)
{
	const Elf64_Shdr *sh = inject_table(f, eh->e_shoff,
					    (uint64_t)eh->e_shnum * sizeof(*sh));

	if (!sh || sh[i].sh_type != type || sh[i].sh_entsize != entsize ||
	    sh[i].sh_link >= eh->e_shnum)
		return 0;
	const Elf64_Shdr *str = &sh[sh[i].sh_link];
	*ents = inject_table(f, sh[i].sh_offset, sh[i].sh_size);
	*strs = inject_at(f, str->sh_offset, str->sh_size);
	*strsize = str->sh_size;
	return *ents && *strs ? sh[i].sh_size / entsize : 0;
}

/* The NUL-terminated string at off of a string table, or NULL. */
static const char *inject_string(const char *strs, uint64_t size,
				 uint64_t off)
{
	if (off >= size || !memchr(strs + off, 0, size - off))
		return NULL;
	return strs + off;
}

/* Looks through .dynsym for a defined function "malloc". */
static int inject_defines_malloc(const struct inject_file *f,
				 const Elf64_Ehdr *eh)
{
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		const Elf64_Sym *sym;
		const char *strs;
		uint64_t size, n = inject_section(f, eh, i, SHT_DYNSYM,
						  sizeof(*sym),
						  (const void **)&sym, &strs,
						  &size);
		for (uint64_t k = 0; k < n; k++) {
			const char *name = inject_string(strs, size,
							 sym[k].st_name);
			if (sym[k].st_shndx != SHN_UNDEF &&
			    ELF64_ST_TYPE(sym[k].st_info) == STT_FUNC &&
			    name && !strcmp(name, "malloc"))
				return 1;
		}
	}
	return 0;
}

/* The first allocator library among the program's DT_NEEDED entries. */
static const char *inject_links_allocator(const struct inject_file *f,
					  const Elf64_Ehdr *eh)
{
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		const Elf64_Dyn *dyn;
		const char *strs;
		uint64_t size, n = inject_section(f, eh, i, SHT_DYNAMIC,
						  sizeof(*dyn),
						  (const void **)&dyn, &strs,
						  &size);
		for (uint64_t k = 0; k < n && dyn[k].d_tag != DT_NULL; k++) {
			const char *name = dyn[k].d_tag != DT_NEEDED ? NULL :
				inject_string(strs, size, dyn[k].d_un.d_val);
			if (name && keel_allocator_lib(name))
				return name;
		}
	}
	return NULL;
}

enum inject_target inject_inspect(const char *path, char *lib, size_t len)
{
	enum inject_target kind = INJECT_TARGET_DYNAMIC;
	struct inject_file f;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int interp = 0;
	const char *linked;

	if (fd < 0)
		return kind;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		close(fd);
		return kind;
	}
	f.size = (uint64_t)st.st_size;
	f.data = mmap(NULL, f.size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (f.data == MAP_FAILED)
		return kind;
	/* Only 64-bit ELF is read; anything else (scripts, 32-bit) is
	 * preloaded as asked and the loader decides. */
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f.data;
	const Elf64_Phdr *ph = inject_table(&f, eh->e_phoff,
					    (uint64_t)eh->e_phnum * sizeof(*ph));
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || !ph)
		goto out;
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_INTERP)
			interp = 1;
	if (!interp) {
		kind = INJECT_TARGET_STATIC;
	} else if (eh->e_shentsize != sizeof(Elf64_Shdr)) {
		/* no section headers to read */
	} else if (inject_defines_malloc(&f, eh)) {
		kind = INJECT_TARGET_OWN_MALLOC;
	} else if ((linked = inject_links_allocator(&f, eh))) {
		kind = INJECT_TARGET_LINKED_MALLOC;
		if (len)
			snprintf(lib, len, "%s", linked);
	}
out:
	munmap((void *)f.data, f.size);
	return kind;
}

const char *inject_resolve(const char *prog, char *buf, unsigned long len)
{
	const char *path = getenv("PATH");

	if (strchr(prog, '/'))
		return prog;
	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin";
	while (*path) {
		const char *end = strchr(path, ':');
		size_t n = end ? (size_t)(end - path) : strlen(path);

		if (n + strlen(prog) + 2 <= len) {
			if (n)
				memcpy(buf, path, n);
			else
				buf[n++] = '.';
			buf[n] = '/';
			strcpy(buf + n + 1, prog);
			if (access(buf, X_OK) == 0)
				return buf;
		}
		path += n + (end ? 1 : 0);
		if (!end)
			break;
	}
	return NULL;
}
