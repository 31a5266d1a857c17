/* clock: the time base of keel's deadlines, CLOCK_MONOTONIC in
 * milliseconds (it never steps with the wall clock). Signed, so a
 * deadline minus now may go below 0. */
#ifndef KEEL_CLOCK_H
#define KEEL_CLOCK_H

#include <time.h>

static inline long long clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
