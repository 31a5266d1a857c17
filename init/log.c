/* The message sink (see log.h). Formats into a stack buffer and writes once,
 * so lines from keel and the application never interleave mid-line, and
 * saves errno so a caller can log and then still report the error.
 *
 * keel's output never stops PID 1. stderr is shared with the application
 * (one open file description): a terminal whose output the application
 * stopped (tcflow(TCOOFF), or Ctrl-S at an attached terminal) or a pipe
 * nobody drains would hold keel's write(2), and with it all reaping and
 * forwarding, for as long as that lasts. So once the application is
 * about to start (log_sink_open), keel writes through a description of
 * its own on the same pipe or terminal, opened anew through
 * /proc/self/fd/2 (or /dev/tty) and non-blocking (the application's
 * stays as it was). A line that finds no room waits up to LOG_WAIT_MS,
 * then is dropped; after any wait keel does not wait again for
 * LOG_QUIET_MS, so however often a process makes keel write, at most 2%
 * of PID 1's time goes to waiting. The next line that gets through says
 * how many were dropped.
 * A regular file takes writes as before (it does not stall). Where keel
 * may not open the stream again (a pipe or FIFO of another user, as under
 * docker run --user 1000 without -t; a socket) it writes to fd 2 itself,
 * in a way that never waits whatever the description's mode. To a pipe:
 * each line goes into a pipe of keel's own, then splice(2) moves it on
 * with SPLICE_F_NONBLOCK, which between two pipes fails with EAGAIN where
 * the other is full (every kernel since 2.6.31; pwritev2's RWF_NOWAIT
 * does that for a pipe only from Linux 6.4, never for a FIFO). To a
 * socket (a journald stream under systemd): send(2) with MSG_DONTWAIT, a
 * flag of the call, not of the description, on every kernel (RWF_NOWAIT
 * there is newer). Otherwise pwritev2(RWF_NOWAIT). Where that is refused
 * (an older kernel, a filter) each write waits for room first with
 * poll(2); there a process that fills the stream between the poll and the
 * write can still hold that one write until the stream is read. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "init/log.h"

#define LOG_WAIT_MS 20
#define LOG_QUIET_MS 1000
#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x8
#endif

int log_verbosity = 1;

/* How keel's messages reach stderr. */
static enum {
	LOG_PLAIN,	/* write(2) to fd 2: before log_sink_open, a file */
	LOG_OWN,	/* log_fd: a non-blocking description of our own */
	LOG_SPLICE,	/* fd 2, a pipe: spliced from log_pipe, non-blocking */
	LOG_SEND,	/* fd 2, a socket: send(MSG_DONTWAIT) */
	LOG_NOWAIT,	/* fd 2, pwritev2(RWF_NOWAIT) */
	LOG_POLLED,	/* fd 2, each write after a poll for room */
} log_mode = LOG_PLAIN;
static int log_fd = STDERR_FILENO;
static int log_pipe[2] = { -1, -1 };	/* LOG_SPLICE's own pipe */
static unsigned log_dropped;		/* lines lost since the last one out */
static uint64_t log_no_wait_until;	/* ms: no waiting before this */
static int log_cut;			/* a line went out in part */

/* The reaper and the guard's thread both log; one line at a time, and
 * the state above is the lock's. Taken again by the thread that holds it
 * (the SIGSYS handler logs a refused call, maybe one made in here). A
 * holder waits LOG_WAIT_MS at most, so the reaper waits no longer. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int log_held;

/* The reaper's lines while the guard's thread runs: into a pipe of keel's
 * own, never waiting, and written out by that thread (log_drain). A write
 * to stderr can wait for a lock whatever its flags: a pipe's, which the
 * application holds for as long as it likes when it writes to the same
 * pipe from a page whose fault never ends (userfaultfd). Lines that find
 * the pipe full are counted in log_diverted_lost. */
static __thread int log_divert_fd = -1;
static unsigned log_diverted_lost;

static void log_enter(void)
{
	if (!log_held++)
		pthread_mutex_lock(&log_lock);
}

static void log_leave(void)
{
	if (!--log_held)
		pthread_mutex_unlock(&log_lock);
}

static uint64_t log_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* fd 2 opened anew, non-blocking, if path is the same pipe or terminal;
 * else -1. */
static int log_reopen(const char *path, const struct stat *err)
{
	struct stat own;
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd >= 0 && !fstat(fd, &own) && own.st_dev == err->st_dev &&
	    own.st_ino == err->st_ino && own.st_rdev == err->st_rdev)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

void log_sink_open(void)
{
	struct stat err;
	int fd;

	if (fstat(STDERR_FILENO, &err) || S_ISREG(err.st_mode) ||
	    S_ISBLK(err.st_mode))
		return;
	/* a terminal of another user (the runtime's, keel running as the
	 * app's user) opens as the controlling terminal, /dev/tty */
	fd = log_reopen("/proc/self/fd/2", &err);
	if (fd < 0 && S_ISCHR(err.st_mode))
		fd = log_reopen("/dev/tty", &err);
	if (fd >= 0) {
		log_fd = fd;
		log_mode = LOG_OWN;
	} else if (S_ISFIFO(err.st_mode) &&
		   !pipe2(log_pipe, O_NONBLOCK | O_CLOEXEC)) {
		log_mode = LOG_SPLICE;	/* LOG_NOWAIT where refused */
	} else if (S_ISSOCK(err.st_mode)) {
		log_mode = LOG_SEND;	/* LOG_NOWAIT where refused */
	} else {
		log_mode = LOG_NOWAIT;	/* LOG_POLLED where refused */
	}
}

/* A chunk (at most PIPE_BUF bytes) moved to fd 2 through keel's own pipe
 * without waiting: as write(2) would return, -1 with errno EAGAIN where
 * fd 2 has no room. The own pipe is empty before and after. */
static ssize_t log_splice(const char *p, size_t n)
{
	char drain[PIPE_BUF];
	ssize_t in = write(log_pipe[1], p, n), w;
	int err;

	if (in <= 0)
		return -1;
	w = splice(log_pipe[0], NULL, STDERR_FILENO, NULL, (size_t)in,
		   SPLICE_F_NONBLOCK);
	err = errno;
	/* what did not go stays out of the next line */
	while (read(log_pipe[0], drain, sizeof(drain)) > 0)
		;
	errno = err;
	return w;
}

/* To socket fd 2, without waiting: -1 with errno EAGAIN where it has no
 * room (no SIGPIPE where the reader has gone: EPIPE). */
static ssize_t log_send(const char *p, size_t n)
{
	return send(log_fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* A write to fd 2 that does not wait, whatever its description's mode:
 * -1 with errno EAGAIN where the stream has no room. */
static ssize_t log_pwrite_nowait(const char *p, size_t n)
{
	struct iovec v = { .iov_base = (void *)p, .iov_len = n };

	return syscall(SYS_pwritev2, log_fd, &v, 1, -1L, -1L, RWF_NOWAIT);
}

/* fd 2 written the way log_mode says, without waiting (LOG_SPLICE,
 * LOG_SEND, LOG_NOWAIT). */
static ssize_t log_write_nowait(const char *p, size_t n)
{
	switch (log_mode) {
	case LOG_SPLICE:
		return log_splice(p, n > PIPE_BUF ? PIPE_BUF : n);
	case LOG_SEND:
		return log_send(p, n);
	default:
		return log_pwrite_nowait(p, n);
	}
}

/* The kernel refuses RWF_NOWAIT for this stream (a FIFO, a pipe before
 * Linux 6.4) or pwritev2 (ENOSYS, EINVAL before 4.14; EPERM where a
 * seccomp filter denies it), or splice or send likewise (a socket that
 * send(2) cannot address: unconnected, ENOTCONN or EDESTADDRREQ): it will
 * again. */
static int log_nowait_refused(int err)
{
	return err == EOPNOTSUPP || err == ENOSYS || err == EINVAL ||
	       err == EPERM || err == ENOTCONN || err == EDESTADDRREQ ||
	       err == ENOTSOCK;
}

/* Whether fd takes a write before deadline (ms; one look when it has
 * passed). */
static int log_wait(int fd, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	for (;;) {
		uint64_t now = log_now_ms();
		int r = poll(&p, 1, deadline > now ? (int)(deadline - now) : 0);

		if (r > 0)
			return !(p.revents & (POLLERR | POLLNVAL));
		if (r == 0 || errno != EINTR)
			return 0;
	}
}

/* One line (or report) to the sink; whether all of it went out. */
static int log_emit(const char *p, size_t n)
{
	uint64_t start, deadline;
	size_t left = n;

	if (log_mode == LOG_PLAIN) {
		log_write_all(STDERR_FILENO, p, n);
		return 1;
	}
	start = log_now_ms();
	deadline = start >= log_no_wait_until ? start + LOG_WAIT_MS : start;
	while (left > 0) {
		size_t chunk = left;
		ssize_t w;

		/* after a poll, a pipe takes PIPE_BUF bytes without blocking */
		if (log_mode == LOG_POLLED) {
			if (!log_wait(log_fd, deadline))
				break;
			if (chunk > PIPE_BUF)
				chunk = PIPE_BUF;
		}
		if (log_mode == LOG_OWN || log_mode == LOG_POLLED) {
			w = write(log_fd, p, chunk);
		} else {
			w = log_write_nowait(p, chunk);
			/* the next way down: splice or send, then pwritev2,
			 * then a poll before each write */
			if (w < 0 && log_nowait_refused(errno)) {
				log_mode = log_mode == LOG_NOWAIT ? LOG_POLLED :
								    LOG_NOWAIT;
				continue;
			}
		}
		if (w > 0) {
			p += w;
			left -= (size_t)w;
		} else if (w < 0 && errno == EINTR) {
			continue;
		} else if (!(w < 0 && errno == EAGAIN &&
			     log_mode != LOG_POLLED &&
			     log_wait(log_fd, deadline))) {
			break;
		}
	}
	/* whatever made this line wait (or fail), the next second waits not */
	if (left || log_now_ms() > start + 1)
		log_no_wait_until = log_now_ms() + LOG_QUIET_MS;
	if (left && left < n)
		log_cut = 1;
	return !left;
}

/* Says how many lines were lost before the next one, once it can. */
static void log_say_dropped(void)
{
	char note[160];
	int d;

	log_dropped += __atomic_exchange_n(&log_diverted_lost, 0,
					   __ATOMIC_RELAXED);
	if (!log_dropped || (log_cut && !log_emit("\n", 1)))
		return;
	d = snprintf(note, sizeof(note),
		     "keel: warning: %u %s of keel's output dropped: its terminal or pipe took nothing for %d ms\n",
		     log_dropped, KEEL_PLURAL(log_dropped, "line", "lines"),
		     LOG_WAIT_MS);
	log_cut = 0;
	if (log_emit(note, (size_t)d))
		log_dropped = 0;
}

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
	if (log_divert_fd >= 0) {
		/* one write under PIPE_BUF: whole, or not at all */
		if (write(log_divert_fd, buf, (size_t)n) != n)
			__atomic_add_fetch(&log_diverted_lost, 1,
					   __ATOMIC_RELAXED);
		errno = saved;
		return;
	}
	log_enter();
	log_say_dropped();
	if (!log_emit(buf, (size_t)n))
		log_dropped++;
	log_leave();
	errno = saved;
}

void log_report(const char *p, size_t n)
{
	int saved = errno;

	log_enter();
	if (!log_emit(p, n))
		log_dropped++;
	log_leave();
	errno = saved;
}

void log_divert(int fd)
{
	log_divert_fd = fd;
}

void log_drain(int fd)
{
	/* whole lines only: the rest of one cut by a full buffer waits
	 * here, so no other line goes out in its middle */
	static char buf[2 * PIPE_BUF];
	static size_t held;
	int saved = errno;

	for (;;) {
		ssize_t n = read(fd, buf + held, sizeof(buf) - held);
		char *end;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		held += (size_t)n;
		end = memrchr(buf, '\n', held);
		if (!end)
			continue;
		size_t whole = (size_t)(end - buf) + 1;
		log_enter();
		log_say_dropped();
		if (!log_emit(buf, whole))
			log_dropped++;
		log_leave();
		held -= whole;
		memmove(buf, buf + whole, held);
	}
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
