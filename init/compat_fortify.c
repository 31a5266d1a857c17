/* compat fortify: Debian's libseccomp.a is built against glibc with
 * _FORTIFY_SOURCE, so it calls __fprintf_chk, which musl lacks. This is
 * that symbol on top of vfprintf (it is only reached by seccomp_export_pfc,
 * which keel never calls). */
#include <stdarg.h>
#include <stdio.h>

int __fprintf_chk(FILE *stream, int flag, const char *fmt, ...);

/* glibc's flag asks for extra %n checks; musl's vfprintf does the work. */
int __fprintf_chk(FILE *stream, int flag, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)flag;
	va_start(ap, fmt);
	n = vfprintf(stream, fmt, ap);
	va_end(ap);
	return n;
}
