/* seccomp table: libseccomp's system call table, cut to the architectures
 * keel's filters use. libseccomp looks names and numbers up through three
 * internal functions, one column of a table that covers every architecture
 * it knows (58 KB); defining them here keeps its object out of keel, and
 * the rows come from that same table at build time (seccomp_table_gen), so
 * names and numbers, pseudo numbers included, stay libseccomp's own. A
 * column keel did not keep resolves nothing: keel adds no such
 * architecture to a filter. */
#if KEEL_HAVE_SECCOMP
#include <stddef.h>
#include <string.h>

#include "seccomp_table.h"

#define SCMP_ERROR (-1)	/* libseccomp's __NR_SCMP_ERROR */

struct arch_syscall_def {
	const char *name;
	unsigned int num;
};

int syscall_resolve_name(const char *name, int offset);
const char *syscall_resolve_num(int num, int offset);
const struct arch_syscall_def *syscall_iterate(unsigned int spot, int offset);

static int column(int offset)
{
	for (int a = 0; a < KEEL_SC_ARCHES; a++)
		if (keel_sc_offset[a] == offset)
			return a;
	return -1;
}

/* The rows are sorted by name. */
int syscall_resolve_name(const char *name, int offset)
{
	int a = column(offset);
	size_t lo = 0, hi = KEEL_SC_ROWS;

	if (a < 0 || !name)
		return SCMP_ERROR;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, keel_sc_names + keel_sc_name[mid]);
		if (c == 0)
			return keel_sc_nr[a][mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return SCMP_ERROR;
}

const char *syscall_resolve_num(int num, int offset)
{
	int a = column(offset);

	if (a < 0)
		return NULL;
	for (size_t i = 0; i < KEEL_SC_ROWS; i++)
		if (keel_sc_nr[a][i] == num)
			return keel_sc_names + keel_sc_name[i];
	return NULL;
}

/* As libseccomp's: past the last row, a row with no name. */
const struct arch_syscall_def *syscall_iterate(unsigned int spot, int offset)
{
	static struct arch_syscall_def def;
	int a = column(offset);

	if (a < 0 || spot >= KEEL_SC_ROWS) {
		def.name = NULL;
		def.num = (unsigned int)SCMP_ERROR;
	} else {
		def.name = keel_sc_names + keel_sc_name[spot];
		def.num = (unsigned int)keel_sc_nr[a][spot];
	}
	return &def;
}
#endif
