/* Size classes: the block size of each class, how many pages its spans
 * take, and how many free blocks a thread may cache, computed once from the
 * class rule in kl_heap.h; and the table kl_class_of reads. */
#include "kl_heap.h"

/* Waste bound: a block wastes at most 15 bytes up to 128 bytes and at most
 * 1/9 of itself above (8 classes per doubling; see kl_heap.h); a span leaves
 * under 1/16 of its pages unused at its tail. Large blocks (32 KiB-1 MiB)
 * waste under a page; huge blocks under a page, plus up to 1/4 of the
 * request when a cached mapping is reused (huge.c). */

/* kl_class_of's table: the class of 16 * i bytes (kl_class_init). */
KL_HIDDEN uint8_t kl_class_table[KL_SMALL_MAX / 16 + 1];

/* The class rule (kl_heap.h): 16 bytes apart up to 128, then 8 classes
 * per doubling. */
static unsigned class_rule(size_t n)
{
	if (n <= 128)
		return n ? (unsigned)(n - 1) / 16 : 0;
	size_t m = n - 1;
	unsigned k = 63 - (unsigned)__builtin_clzl(m);
	return 8 + (k - 7) * 8 + (unsigned)((m >> (k - 3)) & 7);
}

KL_HIDDEN uint32_t kl_class_size[KL_NCLASS];
KL_HIDDEN uint16_t kl_class_pages[KL_NCLASS];
KL_HIDDEN uint16_t kl_class_blocks[KL_NCLASS];
KL_HIDDEN uint16_t kl_class_cache_max[KL_NCLASS];

/* Span size per class: the fewest pages that hold at least 8 blocks and
 * leave less than 1/16 of the span unused at its tail (a span of a class
 * that fits no page count well takes the best of up to 64 pages). */
static unsigned class_span_pages(uint32_t size)
{
	unsigned best = 1;
	size_t best_waste = (size_t)-1;

	for (unsigned np = 1; np <= 64; np++) {
		size_t bytes = np * KL_PAGE;
		size_t nb = bytes / size;
		size_t waste = bytes - nb * size;
		if (nb < 8)
			continue;
		if (waste * 16 < bytes)
			return np;
		if (waste * 64 / bytes < best_waste) {
			best_waste = waste * 64 / bytes;
			best = np;
		}
	}
	return best;
}

void kl_class_init(void)
{
	for (unsigned c = 0; c < KL_NCLASS; c++) {
		uint32_t size;
		if (c < 8) {
			size = 16 * (c + 1);
		} else {
			unsigned k = 7 + (c - 8) / 8, j = (c - 8) % 8;
			size = (1u << k) + (j + 1) * (1u << (k - 3));
		}
		kl_class_size[c] = size;
		kl_class_pages[c] = (uint16_t)class_span_pages(size);
		kl_class_blocks[c] =
			(uint16_t)(kl_class_pages[c] * KL_PAGE / size);
		/* about 32 KiB of each class per thread, 2..64 blocks */
		uint32_t m = 32768 / size;
		kl_class_cache_max[c] = (uint16_t)(m < 2 ? 2 : m > 64 ? 64 : m);
	}
	for (size_t i = 0; i <= KL_SMALL_MAX / 16; i++)
		kl_class_table[i] = (uint8_t)class_rule(16 * i);
}
