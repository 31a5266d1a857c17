/* usage_watch: how the guard hears that usage moved without reading it:
 * v1's threshold event (an eventfd the kernel signals when usage crosses a
 * threshold, in either direction) and v2's memory.events (POLLPRI on high,
 * max and oom events). Where neither works the guard polls usage. */
#ifndef KEEL_USAGE_WATCH_H
#define KEEL_USAGE_WATCH_H

#include <stdint.h>

/* v1: registers threshold on usage_fd (memory.usage_in_bytes) through
 * dir/cgroup.event_control. Returns the eventfd (poll it for POLLIN), or
 * -errno (EROFS where the cgroup is mounted read-only, as Docker does). */
int usage_watch_threshold(const char *dir, int usage_fd, uint64_t threshold);

/* v1: moves the threshold of the eventfd fd. The new eventfd takes fd's
 * number, so the poll loop keeps its fd, and closing the old one removes
 * its threshold. 0, or -errno with the old threshold still in place. */
int usage_watch_move(int fd, const char *dir, int usage_fd,
		     uint64_t threshold);

/* v2: dir/memory.events, to poll for POLLPRI; -1 when it cannot be
 * opened. */
int usage_watch_events(const char *dir);

/* After a wake-up: reads the eventfd's count, or memory.events from the
 * start (which re-arms its notification). */
void usage_watch_drain(int fd, int is_eventfd);

#endif
