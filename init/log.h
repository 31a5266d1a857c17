/* keel's one message sink: "keel: LEVEL: text" to stderr in one write(2),
 * errno-safe, never allocating. Verbosity follows tini: 1 (the default)
 * shows fatal, error and warning; 2 adds info; 3 adds debug. */
#ifndef KEEL_LOG_H
#define KEEL_LOG_H

#include <stddef.h>

enum keel_log_level {
	KEEL_LOG_FATAL = 0,
	KEEL_LOG_ERROR = 1,
	KEEL_LOG_WARNING = 1,
	KEEL_LOG_INFO = 2,
	KEEL_LOG_DEBUG = 3,
};

extern int log_verbosity;

void log_at(int level, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* From here on keel's messages never block it: called just before the
 * application starts (see log.c). */
void log_sink_open(void);

/* A memory report, many lines at once, to the same sink. */
void log_report(const char *p, size_t n);

/* From here on the calling thread's lines go into fd, a non-blocking
 * pipe, whole or not at all (-1: to the sink again); log_drain writes out
 * what the pipe holds, in the thread that may wait for the sink. */
void log_divert(int fd);
void log_drain(int fd);

/* write(2) until done, retrying EINTR; stops quietly on an error. */
void log_write_all(int fd, const char *p, size_t n);

/* The noun for a count, in messages and in what keel stats prints:
 * "%u %s", n, KEEL_PLURAL(n, "thread", "threads") for "1 thread". */
#define KEEL_PLURAL(n, one, many) ((n) == 1 ? (one) : (many))

#define fatal(...) log_at(KEEL_LOG_FATAL, "fatal", __VA_ARGS__)
#define error(...) log_at(KEEL_LOG_ERROR, "error", __VA_ARGS__)
#define warning(...) log_at(KEEL_LOG_WARNING, "warning", __VA_ARGS__)
#define info(...) log_at(KEEL_LOG_INFO, "info", __VA_ARGS__)
#define debug(...) log_at(KEEL_LOG_DEBUG, "debug", __VA_ARGS__)

#endif
