/* seccomp no-pfc: libseccomp's seccomp_export_pfc prints a filter as
 * text, and its object (gen_pfc.o) drags fdopen and stdio's FILE
 * machinery into keel. keel never exports a filter, so this stands in for
 * that one internal symbol and says "not supported". Should a libseccomp
 * need gen_pfc.o for another symbol, the link fails loudly (a duplicate),
 * it never breaks quietly. */
#if KEEL_HAVE_SECCOMP
#include <errno.h>

struct db_filter_col;

int gen_pfc_generate(const struct db_filter_col *col, int fd);

int gen_pfc_generate(const struct db_filter_col *col, int fd)
{
	(void)col;
	(void)fd;
	return -EOPNOTSUPP;
}
#endif
