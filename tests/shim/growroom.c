/* growroom: one buffer realloc grows in appends of 1000 bytes from
 * nothing to 1 MiB, as the seed pattern's audio buffers grow. Once it is
 * past 300 KiB (a huge block), every 16th append counts the pages past
 * its length, within its usable size, that are resident (mincore): room
 * the buffer holds before the program writes it. Prints "resident past
 * the end: at most N pages"; every byte is checked at the end. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define GR_PAGE 4096ul
#define GR_APPEND 1000
#define GR_TOTAL (1ul << 20)
#define GR_HUGE (300ul << 10)

/* pages of [from, to) that are resident */
static size_t resident_pages(uintptr_t from, uintptr_t to)
{
	static unsigned char vec[GR_TOTAL / GR_PAGE * 2];
	size_t n = (to - from) / GR_PAGE, count = 0;

	if (!n)
		return 0;
	if (n > sizeof(vec) || mincore((void *)from, n * GR_PAGE, vec)) {
		fprintf(stderr, "growroom: mincore failed\n");
		exit(1);
	}
	for (size_t i = 0; i < n; i++)
		count += vec[i] & 1;
	return count;
}

int main(void)
{
	unsigned char *buf = 0;
	size_t len = 0, most = 0;

	for (unsigned k = 0; len < GR_TOTAL; k++) {
		unsigned char *p = realloc(buf, len + GR_APPEND);
		if (!p) {
			fprintf(stderr, "growroom: realloc failed\n");
			return 1;
		}
		buf = p;
		memset(buf + len, (int)(len / GR_APPEND), GR_APPEND);
		len += GR_APPEND;
		if (len < GR_HUGE || k % 16)
			continue;
		uintptr_t end = ((uintptr_t)buf + len + GR_PAGE - 1) &
				~(GR_PAGE - 1);
		uintptr_t cap = ((uintptr_t)buf + malloc_usable_size(buf)) &
				~(GR_PAGE - 1);
		size_t r = cap > end ? resident_pages(end, cap) : 0;
		if (r > most)
			most = r;
	}
	for (size_t i = 0; i < len; i++)
		if (buf[i] != (unsigned char)(i / GR_APPEND)) {
			fprintf(stderr, "growroom: byte %zu changed\n", i);
			return 1;
		}
	free(buf);
	printf("resident past the end: at most %zu pages\n", most);
	return 0;
}
