/* Reads just enough of the target's ELF file to know whether a preloaded
 * allocator can work there: a static executable loads no .so, and one that
 * defines malloc itself has crashed under preloaded allocators elsewhere. */
#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "init/inject.h"

static int inject_read(int fd, void *buf, size_t len, uint64_t off)
{
	return pread(fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -1;
}

/* Looks through .dynsym for a defined "malloc". */
static int inject_defines_malloc(int fd, const Elf64_Ehdr *eh)
{
	Elf64_Shdr sh, str;

	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (inject_read(fd, &sh, sizeof(sh),
				eh->e_shoff + (uint64_t)i * eh->e_shentsize))
			return 0;
		if (sh.sh_type != SHT_DYNSYM || sh.sh_entsize != sizeof(Elf64_Sym))
			continue;
		if (sh.sh_link >= eh->e_shnum ||
		    inject_read(fd, &str, sizeof(str),
				eh->e_shoff + (uint64_t)sh.sh_link * eh->e_shentsize))
			return 0;
		for (uint64_t off = 0; off + sizeof(Elf64_Sym) <= sh.sh_size;
		     off += sizeof(Elf64_Sym)) {
			Elf64_Sym sym;
			char name[8];

			if (inject_read(fd, &sym, sizeof(sym), sh.sh_offset + off))
				return 0;
			if (sym.st_shndx == SHN_UNDEF || sym.st_name >= str.sh_size ||
			    ELF64_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			if (pread(fd, name, sizeof(name),
				  (off_t)(str.sh_offset + sym.st_name)) < 7)
				continue;
			if (!memcmp(name, "malloc", 7))
				return 1;
		}
	}
	return 0;
}

enum inject_target inject_inspect(const char *path)
{
	enum inject_target kind = INJECT_TARGET_DYNAMIC;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int interp = 0;

	if (fd < 0)
		return kind;
	/* Only 64-bit ELF is read; anything else (scripts, 32-bit) is
	 * preloaded as asked and the loader decides. */
	if (inject_read(fd, &eh, sizeof(eh), 0) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr))
		goto out_close;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (inject_read(fd, &ph, sizeof(ph),
				eh.e_phoff + (uint64_t)i * sizeof(ph)))
			goto out_close;
		if (ph.p_type == PT_INTERP)
			interp = 1;
	}
	if (!interp)
		kind = INJECT_TARGET_STATIC;
	else if (eh.e_shentsize == sizeof(Elf64_Shdr) &&
		 inject_defines_malloc(fd, &eh))
		kind = INJECT_TARGET_OWN_MALLOC;
out_close:
	close(fd);
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
