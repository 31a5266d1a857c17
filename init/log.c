/* The message sink (see log.h). Formats into a stack buffer and writes once,
 * so lines from keel and the application never interleave mid-line, and
 * saves errno so a caller can log and then still report the error. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "init/log.h"

int log_verbosity = 1;

void log_at(int level, const char *tag, const char *fmt, ...)
{
	char buf[1024];
	int saved = errno;
	va_list ap;

	if (level > log_verbosity) {
		errno = saved;
		return;
	}
	int n = snprintf(buf, sizeof(buf), "keel: %s: ", tag);
	va_start(ap, fmt);
	int m = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	log_write_all(STDERR_FILENO, buf, (size_t)n);
	errno = saved;
}

void log_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}
