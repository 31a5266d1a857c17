/* What inject_inspect reads of a program's ELF file: a real dynamic
 * program, the same with an allocator library in DT_NEEDED, and thousands
 * of damaged copies (cut short, bytes changed in its headers and dynamic
 * tables), which must each get an answer, without a crash or a misaligned
 * read (the sanitizer run found one: a table at an odd offset). */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "init/inject.h"

struct elf_copy {
	unsigned char *data;
	size_t size;
	char path[64];
};

static int elf_read(const char *path, struct elf_copy *e)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		close(fd);
		return -1;
	}
	e->size = (size_t)st.st_size;
	e->data = malloc(e->size);
	if (!e->data || read(fd, e->data, e->size) != (ssize_t)e->size) {
		close(fd);
		free(e->data);
		return -1;
	}
	close(fd);
	return 0;
}

static int elf_write(struct elf_copy *e, const unsigned char *data,
		     size_t size)
{
	int fd = open(e->path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	int ok = fd >= 0 && write(fd, data, size) == (ssize_t)size;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* A dynamic program of this machine, copied to a file of our own. */
static int elf_sample(struct elf_copy *e)
{
	const char *progs[] = { "/bin/true", "/usr/bin/true", "/bin/sh" };
	int fd;

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		if (inject_inspect(progs[i], NULL, 0) != KEEL_ELF_DYNAMIC ||
		    elf_read(progs[i], e))
			continue;
		snprintf(e->path, sizeof(e->path), "/tmp/keel-unit-elf.XXXXXX");
		fd = mkstemp(e->path);
		if (fd >= 0) {
			close(fd);
			if (elf_write(e, e->data, e->size) == 0)
				return 0;
			unlink(e->path);
		}
		free(e->data);
	}
	return -1;
}

/* Points the first DT_NEEDED entry at a string of .dynstr rewritten to
 * soname: the program now links that library as far as its file says. */
static int elf_link(unsigned char *d, size_t size, const char *soname)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)d;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(d + eh->e_shoff);
	size_t need = strlen(soname) + 1;

	if (eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) > size)
		return -1;
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_DYNAMIC)
			continue;
		Elf64_Dyn *dyn = (Elf64_Dyn *)(d + sh[i].sh_offset);
		char *strs = (char *)d + sh[sh[i].sh_link].sh_offset;
		size_t strsize = sh[sh[i].sh_link].sh_size;
		/* a string long enough to hold soname: a symbol's name */
		size_t at = 1;
		while (at < strsize && strlen(strs + at) + 1 < need)
			at += strlen(strs + at) + 1;
		if (at >= strsize)
			return -1;
		memcpy(strs + at, soname, need);
		for (size_t k = 0; k < sh[i].sh_size / sizeof(*dyn); k++)
			if (dyn[k].d_tag == DT_NEEDED) {
				dyn[k].d_un.d_val = at;
				return 0;
			}
	}
	return -1;
}

TEST(inject_elf_linked_allocator)
{
	struct elf_copy e;
	char lib[64] = "";
	unsigned char *d;

	CHECK(elf_sample(&e) == 0);
	if (!e.data)
		return;
	CHECK(inject_inspect(e.path, lib, sizeof(lib)) ==
	      KEEL_ELF_DYNAMIC);
	d = malloc(e.size);
	CHECK(d != NULL);
	/* a sanitizer's runtime counts: it brings a malloc of its own */
	const char *libs[] = { "libmimalloc.so.2", "libjemalloc.so.2",
			       "libtcmalloc_minimal.so.4", "libasan.so.8" };
	for (size_t i = 0; d && i < sizeof(libs) / sizeof(libs[0]); i++) {
		memcpy(d, e.data, e.size);
		CHECK(elf_link(d, e.size, libs[i]) == 0);
		CHECK(elf_write(&e, d, e.size) == 0);
		CHECK(inject_inspect(e.path, lib, sizeof(lib)) ==
		      KEEL_ELF_LINKED_MALLOC);
		CHECK(!strcmp(lib, libs[i]));
		CHECK(keel_sanitizer_lib(lib) == (i == 3));
		/* cut to fit the caller's buffer, still NUL-terminated */
		CHECK(inject_inspect(e.path, lib, 5) ==
		      KEEL_ELF_LINKED_MALLOC && strlen(lib) == 4 &&
		      !strncmp(lib, libs[i], 4));
	}
	/* a library whose name only contains an allocator's is not one */
	if (d) {
		memcpy(d, e.data, e.size);
		CHECK(elf_link(d, e.size, "libnotjemalloc.so.1") == 0);
		CHECK(elf_write(&e, d, e.size) == 0);
		CHECK(inject_inspect(e.path, lib, sizeof(lib)) ==
		      KEEL_ELF_DYNAMIC);
		/* 32-bit, or another machine's: its loader would refuse a
		 * 64-bit library */
		memcpy(d, e.data, e.size);
		d[EI_CLASS] = ELFCLASS32;
		CHECK(elf_write(&e, d, e.size) == 0);
		CHECK(inject_inspect(e.path, NULL, 0) == KEEL_ELF_FOREIGN);
		memcpy(d, e.data, e.size);
		((Elf64_Ehdr *)d)->e_machine = KEEL_ELF_MACHINE == EM_X86_64 ?
					       EM_AARCH64 : EM_X86_64;
		CHECK(elf_write(&e, d, e.size) == 0);
		CHECK(inject_inspect(e.path, NULL, 0) == KEEL_ELF_FOREIGN);
	}
	free(d);
	free(e.data);
	unlink(e.path);
}

/* Where a damaged byte tells most: the ELF header, the section table and
 * the sections inject_inspect reads (.dynamic, .dynsym, string tables). */
static size_t elf_regions(const unsigned char *d, size_t size,
			  size_t off[], size_t len[], size_t max)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)d;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(d + eh->e_shoff);
	size_t n = 0;

	off[n] = 0, len[n++] = sizeof(*eh);
	if (eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) > size)
		return n;
	off[n] = eh->e_shoff, len[n++] = (size_t)eh->e_shnum * sizeof(*sh);
	for (unsigned i = 0; i < eh->e_shnum && n < max; i++)
		if ((sh[i].sh_type == SHT_DYNAMIC ||
		     sh[i].sh_type == SHT_DYNSYM ||
		     sh[i].sh_type == SHT_STRTAB) && sh[i].sh_size &&
		    sh[i].sh_offset + sh[i].sh_size <= size)
			off[n] = sh[i].sh_offset, len[n++] = sh[i].sh_size;
	return n;
}

TEST(inject_elf_damaged)
{
	struct elf_copy e;
	uint64_t s = 0x9e3779b97f4a7c15ull;
	size_t off[16], len[16], nreg;
	unsigned char *d;
	enum keel_elf_kind k;

	CHECK(elf_sample(&e) == 0);
	if (!e.data)
		return;
	d = malloc(e.size);
	CHECK(d != NULL);
	nreg = elf_regions(e.data, e.size, off, len, 16);
	CHECK(nreg >= 5);
	/* cut short anywhere in the first pages, then every 4 KiB */
	for (size_t n = 0; d && n < e.size; n += n < 8192 ? 61 : 4093) {
		CHECK(elf_write(&e, e.data, n) == 0);
		k = inject_inspect(e.path, NULL, 0);
		CHECK(k <= KEEL_ELF_FOREIGN);
	}
	/* one to eight bytes changed in those regions */
	for (int round = 0; d && round < 4000; round++) {
		memcpy(d, e.data, e.size);
		for (int i = 0; i < 1 + round % 8; i++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			size_t r = (s >> 33) % nreg;
			d[off[r] + (s >> 12) % len[r]] = (unsigned char)(s >> 56);
		}
		CHECK(elf_write(&e, d, e.size) == 0);
		k = inject_inspect(e.path, NULL, 0);
		CHECK(k <= KEEL_ELF_FOREIGN);
	}
	free(d);
	free(e.data);
	unlink(e.path);
}
