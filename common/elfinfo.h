/* What a program's ELF file says about preloading an allocator into it,
 * read from the file's bytes, which the caller maps: keel's PID 1 reads
 * its program (init/inject_elf.c); the shim, which reads a program about
 * to be exec'd with pread (shim/exectarget.c), takes keel_elf_native from
 * here. A 32-bit or another machine's program cannot load this 64-bit
 * library, a static executable loads no .so, one
 * that defines malloc itself has crashed under preloaded allocators
 * elsewhere, and one linked with an allocator library calls that
 * library's own API (jemalloc's sdallocx, mimalloc's mi_free, tcmalloc's
 * tc_free) on blocks that, with keel's malloc preloaded, are keel's. Every
 * offset comes from the file and is checked against its size. No libc:
 * the shim includes this too. */
#ifndef KEEL_ELFINFO_H
#define KEEL_ELFINFO_H

#include <elf.h>
#include <stdint.h>

#include "common/allocators.h"

enum keel_elf_kind {
	KEEL_ELF_DYNAMIC,	/* or not ELF at all, e.g. a #! script */
	KEEL_ELF_STATIC,	/* no PT_INTERP: nothing would load a .so */
	KEEL_ELF_OWN_MALLOC,	/* its .dynsym defines malloc */
	KEEL_ELF_LINKED_MALLOC,	/* it links an allocator library */
	KEEL_ELF_FOREIGN,	/* 32-bit, or another machine's: its loader
				 * refuses this 64-bit library with an error
				 * line in every such process */
};

#if defined(__x86_64__)
#define KEEL_ELF_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define KEEL_ELF_MACHINE EM_AARCH64
#endif

/* Whether len bytes begin with the ELF magic. */
static inline int keel_elf_magic(const unsigned char *ident, uint64_t len)
{
	return len >= SELFMAG && ident[EI_MAG0] == ELFMAG0 &&
	       ident[EI_MAG1] == ELFMAG1 && ident[EI_MAG2] == ELFMAG2 &&
	       ident[EI_MAG3] == ELFMAG3;
}

/* Whether an ELF header (its first 20 bytes, the same in both classes) is
 * of a program this machine's 64-bit loader runs; not ELF counts as yes. */
static inline int keel_elf_native(const unsigned char *ident, uint64_t len)
{
	if (len < 20 || !keel_elf_magic(ident, len))
		return 1;
	unsigned machine = ident[EI_DATA] == ELFDATA2MSB ?
		(unsigned)ident[18] << 8 | ident[19] :
		(unsigned)ident[19] << 8 | ident[18];
	return ident[EI_CLASS] == ELFCLASS64 && machine == KEEL_ELF_MACHINE;
}

struct keel_elf {
	const unsigned char *data;
	uint64_t size;
};

/* A pointer to len bytes at off, or 0 when they are not in the file. */
static inline const void *keel_elf_at(const struct keel_elf *f, uint64_t off,
				      uint64_t len)
{
	if (off > f->size || len > f->size - off)
		return 0;
	return f->data + off;
}

/* The same for a table of ELF structures, which must also be aligned (a
 * damaged offset may not be). */
static inline const void *keel_elf_table(const struct keel_elf *f,
					 uint64_t off, uint64_t len)
{
	return off % 8 ? 0 : keel_elf_at(f, off, len);
}

/* A section of type's entries, and the string table it links to, when
 * both lie in the file: the entry count, else 0. */
static inline uint64_t keel_elf_section(const struct keel_elf *f,
					const Elf64_Ehdr *eh, unsigned i,
					uint32_t type, uint64_t entsize,
					const void **ents, const char **strs,
					uint64_t *strsize)
{
	const Elf64_Shdr *sh = keel_elf_table(f, eh->e_shoff,
					      (uint64_t)eh->e_shnum *
					      sizeof(*sh));

	if (!sh || sh[i].sh_type != type || sh[i].sh_entsize != entsize ||
	    sh[i].sh_link >= eh->e_shnum)
		return 0;
	const Elf64_Shdr *str = &sh[sh[i].sh_link];
	*ents = keel_elf_table(f, sh[i].sh_offset, sh[i].sh_size);
	*strs = keel_elf_at(f, str->sh_offset, str->sh_size);
	*strsize = str->sh_size;
	return *ents && *strs ? sh[i].sh_size / entsize : 0;
}

/* The NUL-terminated string at off of a string table, or 0. */
static inline const char *keel_elf_string(const char *strs, uint64_t size,
					  uint64_t off)
{
	for (uint64_t k = off; k < size; k++)
		if (!strs[k])
			return strs + off;
	return 0;
}

/* Looks through .dynsym for a defined function "malloc". */
static inline int keel_elf_defines_malloc(const struct keel_elf *f,
					  const Elf64_Ehdr *eh)
{
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		const Elf64_Sym *sym;
		const char *strs;
		uint64_t size, n = keel_elf_section(f, eh, i, SHT_DYNSYM,
						    sizeof(*sym),
						    (const void **)&sym, &strs,
						    &size);
		for (uint64_t k = 0; k < n; k++) {
			const char *name = keel_elf_string(strs, size,
							   sym[k].st_name);
			if (sym[k].st_shndx != SHN_UNDEF &&
			    ELF64_ST_TYPE(sym[k].st_info) == STT_FUNC && name &&
			    name[0] == 'm' && name[1] == 'a' && name[2] == 'l' &&
			    name[3] == 'l' && name[4] == 'o' && name[5] == 'c' &&
			    !name[6])
				return 1;
		}
	}
	return 0;
}

/* The first allocator library among the program's DT_NEEDED entries. */
static inline const char *keel_elf_links_allocator(const struct keel_elf *f,
						   const Elf64_Ehdr *eh)
{
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		const Elf64_Dyn *dyn;
		const char *strs;
		uint64_t size, n = keel_elf_section(f, eh, i, SHT_DYNAMIC,
						    sizeof(*dyn),
						    (const void **)&dyn, &strs,
						    &size);
		for (uint64_t k = 0; k < n && dyn[k].d_tag != DT_NULL; k++) {
			const char *name = dyn[k].d_tag != DT_NEEDED ? 0 :
				keel_elf_string(strs, size, dyn[k].d_un.d_val);
			if (name && keel_allocator_lib(name))
				return name;
		}
	}
	return 0;
}

/* The file's kind; *linked (may be 0) gets the allocator library's
 * soname, pointing into the file's bytes, where it links one. What is not
 * ELF (scripts) counts as dynamic, and the loader decides. */
static inline enum keel_elf_kind keel_elf_inspect(const struct keel_elf *f,
						  const char **linked)
{
	const Elf64_Ehdr *eh = keel_elf_at(f, 0, sizeof(*eh));
	const char *lib;
	int interp = 0;

	if (!keel_elf_native(f->data, f->size))
		return KEEL_ELF_FOREIGN;
	if (!eh || !keel_elf_magic(f->data, f->size) ||
	    eh->e_phentsize != sizeof(Elf64_Phdr))
		return KEEL_ELF_DYNAMIC;
	const Elf64_Phdr *ph = keel_elf_table(f, eh->e_phoff,
					      (uint64_t)eh->e_phnum *
					      sizeof(*ph));
	if (!ph)
		return KEEL_ELF_DYNAMIC;
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_INTERP)
			interp = 1;
	if (!interp)
		return KEEL_ELF_STATIC;
	if (eh->e_shentsize != sizeof(Elf64_Shdr))
		return KEEL_ELF_DYNAMIC;	/* no section headers to read */
	if (keel_elf_defines_malloc(f, eh))
		return KEEL_ELF_OWN_MALLOC;
	if (!(lib = keel_elf_links_allocator(f, eh)))
		return KEEL_ELF_DYNAMIC;
	if (linked)
		*linked = lib;
	return KEEL_ELF_LINKED_MALLOC;
}

#endif
