/* Reads just enough of the target's ELF file to know whether a preloaded
 * allocator can work there (common/elfinfo.h says why not), and resolves
 * the program through PATH as execvp will. */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/elfinfo.h"
#include "init/inject.h"

enum keel_elf_kind inject_inspect(const char *path, char *lib, size_t len)
{
	enum keel_elf_kind kind = KEEL_ELF_DYNAMIC;
	struct keel_elf f;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	const char *linked = NULL;

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
	kind = keel_elf_inspect(&f, &linked);
	if (linked && len)
		snprintf(lib, len, "%s", linked);
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
