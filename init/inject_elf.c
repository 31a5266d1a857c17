/* Reads just enough of the target's ELF file to know whether a preloaded
 * allocator can work there: a static executable loads no .so, and one that
 * defines malloc itself has crashed under preloaded allocators elsewhere. */
#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Looks through .dynsym for a defined function "malloc". */
static int inject_defines_malloc(const struct inject_file *f,
				 const Elf64_Ehdr *eh)
{
	const Elf64_Shdr *sh = inject_at(f, eh->e_shoff,
					 (uint64_t)eh->e_shnum * sizeof(*sh));

	if (!sh)
		return 0;
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_DYNSYM ||
		    sh[i].sh_entsize != sizeof(Elf64_Sym) ||
		    sh[i].sh_link >= eh->e_shnum)
			continue;
		const Elf64_Shdr *str = &sh[sh[i].sh_link];
		const Elf64_Sym *sym = inject_at(f, sh[i].sh_offset,
						 sh[i].sh_size);
		const char *names = inject_at(f, str->sh_offset, str->sh_size);
		if (!sym || !names || str->sh_size < 7)
			continue;
		for (uint64_t n = 0; n < sh[i].sh_size / sizeof(*sym); n++) {
			if (sym[n].st_shndx == SHN_UNDEF ||
			    ELF64_ST_TYPE(sym[n].st_info) != STT_FUNC ||
			    sym[n].st_name > str->sh_size - 7)
				continue;
			if (!memcmp(names + sym[n].st_name, "malloc", 7))
				return 1;
		}
	}
	return 0;
}

enum inject_target inject_inspect(const char *path)
{
	enum inject_target kind = INJECT_TARGET_DYNAMIC;
	struct inject_file f;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int interp = 0;

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
	const Elf64_Phdr *ph = inject_at(&f, eh->e_phoff,
					 (uint64_t)eh->e_phnum * sizeof(*ph));
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || !ph)
		goto out;
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_INTERP)
			interp = 1;
	if (!interp)
		kind = INJECT_TARGET_STATIC;
	else if (eh->e_shentsize == sizeof(Elf64_Shdr) &&
		 inject_defines_malloc(&f, eh))
		kind = INJECT_TARGET_OWN_MALLOC;
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
