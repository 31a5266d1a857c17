/* realloc moves a block it grows past 256 KiB to a mapping of its own,
 * where later growth is mremap and never a copy. The bytes survive every
 * move, and when the process may map nothing more (here RLIMIT_AS, in
 * life its map count) the growth is served from the page heap instead of
 * failing. Below 256 KiB, a page-heap block that must move to grow takes
 * a quarter of its size again as headroom, and keeps its run through
 * shrinks to half of it or more; a small block appended to takes a
 * quarter. With "scarce" (run at the default KEEL_DECAY_MS): in a heap
 * of over 256 MiB in use, where free resident memory is scarce, a buffer
 * grown past 64 KiB moves to a mapping of its own already; in a small
 * heap it stays in the page heap to 256 KiB, and so does one of 300 KiB
 * while 8,192 huge blocks are in use. Usage:
 * reallocmap [scarce] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <stdint.h>

extern int malloc_trim(size_t pad) __attribute__((weak));

static int rm_fail(const char *what)
{
	fprintf(stderr, "reallocmap: %s\n", what);
	return 1;
}

/* Appends to *buf until it holds to bytes, each byte its own index. */
static int rm_grow(unsigned char **buf, size_t *len, size_t to)
{
	while (*len < to) {
		size_t add = 700 + *len / 200;
		unsigned char *n = realloc(*buf, *len + add);
		if (!n)
			return -1;
		for (size_t i = 0; i < add; i++)
			n[*len + i] = (unsigned char)((*len + i) * 7);
		*buf = n;
		*len += add;
	}
	for (size_t i = 0; i < *len; i++)
		if ((*buf)[i] != (unsigned char)(i * 7))
			return -2;
	return 0;
}

/* Takes 64 KiB blocks until one lands right after p's run (so p cannot
 * grow in place); returns how many were taken, 0 if none landed there. */
static int rm_block_after(void *p, void **block, int max)
{
	unsigned char *end = (unsigned char *)p + malloc_usable_size(p);
	for (int n = 0; n < max;) {
		if (!(block[n] = malloc(64u << 10)))
			return 0;
		if (block[n++] == (void *)end)
			return n;
	}
	return 0;
}

/* A 100 KiB block hemmed in by a neighbour grows by one append: it moves
 * to a run of 1.25x the request or more (with none, every append past a
 * page would copy it all). Shrunk to 60% of that run it stays whole; to a
 * third (still a large block), it gives the rest back. */
static int rm_headroom(void)
{
	void *block[64];
	size_t len = 100u << 10, grown = len + 2000;
	unsigned char *buf = malloc(len);
	if (!buf)
		return rm_fail("malloc failed");
	memset(buf, 0x5a, len);
	int nblock = rm_block_after(buf, block, 64);
	if (!nblock)
		return rm_fail("setup: no block landed after the buffer");
	unsigned char *moved = realloc(buf, grown);
	if (!moved)
		return rm_fail("realloc failed");
	size_t room = malloc_usable_size(moved);
	if (moved == buf)
		return rm_fail("setup: the block grew in place, it never moved");
	if (room < grown + grown / 4)
		return rm_fail("a moved block took less than a quarter again");
	unsigned char *kept = realloc(moved, room * 6 / 10);
	if (kept != moved || malloc_usable_size(kept) != room)
		return rm_fail("a shrink to 60% of the run did not keep it");
	unsigned char *cut = realloc(kept, room / 3);
	if (cut != kept || malloc_usable_size(cut) >= room / 2)
		return rm_fail("a shrink to a third kept the whole run");
	for (size_t i = 0; i < room / 3 && i < len; i++)
		if (cut[i] != 0x5a)
			return rm_fail("moves and shrinks lost bytes");
	printf("headroom: %zu-byte request moved to a %zu-byte run\n", grown,
	       room);
	free(cut);
	for (int i = 0; i < nblock; i++)
		free(block[i]);
	return 0;
}

/* A small block appended to (grown by less than doubling) takes a quarter
 * of headroom and keeps its block while the appends fill it: 2 KiB to
 * 32 KiB in 2,000-byte appends moves at most 10 times (8 now; 16 when
 * every class it crossed meant a move);
 * a block that doubles gets its class, no more; a shrink by less than a
 * quarter keeps the block, one to a third of it does not. */
static int rm_small(void)
{
	unsigned char *buf = 0;
	size_t len = 0;
	int moves = 0;
	while (len + 2000 <= (32u << 10)) {
		unsigned char *n = realloc(buf, len + 2000);
		if (!n)
			return rm_fail("small: realloc failed");
		memset(n + len, (int)(len / 2000), 2000);
		moves += n != buf;
		buf = n;
		len += 2000;
	}
	for (size_t i = 0; i < len; i++)
		if (buf[i] != (unsigned char)(i / 2000))
			return rm_fail("small: appends lost bytes");
	if (moves > 10)
		return rm_fail("small: appends moved at every class");
	free(buf);
	unsigned char *v = malloc(4096);
	unsigned char *w = v ? realloc(v, 8192) : 0;
	if (!w || malloc_usable_size(w) != 8192)
		return rm_fail("small: a doubling block took headroom");
	size_t have = malloc_usable_size(w);
	unsigned char *kept = realloc(w, have - have / 8);
	if (kept != w)
		return rm_fail("small: a shrink by an eighth moved the block");
	unsigned char *cut = realloc(kept, have / 3);
	if (!cut || malloc_usable_size(cut) >= have / 2)
		return rm_fail("small: a shrink to a third kept the block");
	printf("small: 2 KiB to 32 KiB in 2000-byte appends: %d moves\n",
	       moves);
	free(cut);
	return 0;
}

/* Whether a page can be mapped at exactly addr (then it is unmapped). */
static int rm_free_at(uintptr_t addr)
{
	void *p = mmap((void *)addr, 4096, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	munmap(p, 4096);
	return p == (void *)addr;
}

/* A buffer realloc grows past 1 MiB reserves room up to the 4 MiB
 * boundary past twice its size, in its own mapping, and grows into it in
 * place; past the room (here a wall mapped right after it) it moves,
 * taking new room along, and the old room is unmapped. Not under
 * transparent huge pages "always", where keel reserves none. */
static int rm_room(void)
{
	char mode[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = 0;
		fclose(f);
	}
	if (!f || strstr(mode, "[always]")) {
		printf("room: not checked (transparent huge pages always)\n");
		return 0;
	}
	unsigned char *buf = 0;
	size_t len = 0;
	if (rm_grow(&buf, &len, 1200u << 10))
		return rm_fail("room: a growth chain to 1.2 MiB failed");
	uintptr_t slot = (uintptr_t)buf & ~(((uintptr_t)4 << 20) - 1);
	if (rm_free_at(slot + (3u << 20)))
		return rm_fail("room: nothing reserved 3 MiB into a growing "
			       "1.2 MiB buffer's mapping");
	unsigned char *in = realloc(buf, 3400u << 10);
	if (in != buf)
		return rm_fail("room: growing into the room moved the buffer");
	len = 3400u << 10;
	if (!rm_free_at(slot + (4u << 20)))
		return rm_fail("room: reserved past the 4 MiB boundary");
	void *wall = mmap((void *)(slot + (4u << 20)), 4096, PROT_READ,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			  -1, 0);
	if (wall != (void *)(slot + (4u << 20)))
		return rm_fail("room: setup: no wall after the room");
	for (size_t i = 1200u << 10; i < len; i++)
		in[i] = (unsigned char)(i * 7);
	if (rm_grow(&in, &len, 4500u << 10))
		return rm_fail("room: growing past the room failed or lost bytes");
	if ((uintptr_t)in >> 22 == slot >> 22)
		return rm_fail("room: grew through a wall");
	if (!rm_free_at(slot + (3u << 20)))
		return rm_fail("room: the old room stayed mapped after a move");
	printf("room: 1.2 MiB -> 3.3 MiB in place, 4.4 MiB moved to %p\n",
	       (void *)in);
	munmap(wall, 4096);
	free(in);
	return 0;
}

/* Whether p lies in a mapping of its own: one that begins with a header
 * page right before it (/proc/self/maps), where a page-heap block lies
 * inside a segment's mapping. -1 if p is in no mapping. */
static int rm_own_mapping(const void *p)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi;
	char line[512];
	int own = -1;
	if (!f)
		return -1;
	while (own < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    lo <= (uintptr_t)p && (uintptr_t)p < hi)
			own = lo == (uintptr_t)p - 4096;
	fclose(f);
	return own;
}

/* A buffer grown to 80 KiB, hemmed in by a neighbour, then grown to
 * `to` bytes (it must move): in a mapping of its own (1), in the page
 * heap (0), or -1 if the growth failed or lost bytes. */
static int rm_grown_mapped(size_t to)
{
	unsigned char *buf = 0;
	size_t len = 0;
	void *block[64];
	if (rm_grow(&buf, &len, 80u << 10))
		return -1;
	int nblock = rm_block_after(buf, block, 64);
	int own = nblock && !rm_grow(&buf, &len, to) ?
		  rm_own_mapping(buf) : -1;
	for (int i = 0; i < nblock; i++)
		free(block[i]);
	free(buf);
	return own;
}

/* In a small heap a growing buffer stays in the page heap to 256 KiB;
 * with 300 MiB in use (handed out, never touched: no memory), it moves to
 * a mapping of its own past 64 KiB. With 8,192 huge blocks in use (each a
 * mapping: the kernel caps them per process), one the page heap can hold
 * stays there, even past 256 KiB. */
static int rm_scarce(void)
{
	if (rm_grown_mapped(128u << 10) != 0)
		return rm_fail("scarce: in a small heap a 128 KiB buffer that "
			       "moved left the page heap (or failed)");
	void *big = malloc(300u << 20);
	if (!big)
		return rm_fail("scarce: malloc(300 MiB) failed");
	int own = rm_grown_mapped(128u << 10);
	free(big);
	if (own != 1)
		return rm_fail("scarce: with 300 MiB in use a 128 KiB buffer "
			       "that moved stayed in the page heap (or failed)");
	enum { RM_MAPS = 8192 };
	static void *maps[RM_MAPS];
	int n = 0;
	while (n < RM_MAPS && (maps[n] = malloc(1100u << 10)))
		n++;
	own = n == RM_MAPS ? rm_grown_mapped(300u << 10) : -1;
	while (n)
		free(maps[--n]);
	if (own != 0)
		return rm_fail("scarce: with 8192 huge blocks in use a 300 KiB "
			       "buffer that moved left the page heap (or failed)");
	printf("scarce: a buffer grown to 128 KiB: page heap in a small heap, "
	       "a mapping of its own with 300 MiB in use; one of 300 KiB in "
	       "the page heap beside 8192 huge blocks\n");
	return 0;
}

/* The process's address space in bytes (VmSize). */
static long rm_vmsize(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = -1;
	if (f) {
		if (fscanf(f, "%ld", &pages) != 1)
			pages = -1;
		fclose(f);
	}
	return pages * 4096;
}

int main(int argc, char **argv)
{
	unsigned char *buf = 0;
	size_t len = 0;

	if (argc > 1 && !strcmp(argv[1], "scarce"))
		return rm_scarce();
	if (rm_small() || rm_headroom() || rm_room())
		return 1;
	/* page heap to a mapping of its own: the bytes move with it */
	if (rm_grow(&buf, &len, 900u << 10))
		return rm_fail("a growth chain to 900 KiB lost bytes or failed");
	free(buf);
	/* its mapping waits in the cache, where the next growth would find
	 * it without mapping: gone */
	if (malloc_trim)
		malloc_trim(0);

	/* free runs in the page heap, then no room to map anything more */
	void *warm[8];
	for (int i = 0; i < 8; i++)
		if (!(warm[i] = malloc(600u << 10)))
			return rm_fail("malloc failed");
	for (int i = 0; i < 8; i++)
		free(warm[i]);
	/* a page-heap block past 256 KiB (malloc does not map it) */
	len = 300u << 10;
	if (!(buf = malloc(len)))
		return rm_fail("malloc failed");
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7);
	/* a neighbour right after it, so the growth cannot stay in place:
	 * blocks are taken until one lands there */
	void *block[64];
	int nblock = rm_block_after(buf, block, 64);
	if (!nblock)
		return rm_fail("setup: no block landed after the buffer");
	unsigned char *before = buf;
	long vm = rm_vmsize();
	struct rlimit rl = { (rlim_t)vm + (256u << 10), (rlim_t)vm + (256u << 10) };
	if (vm <= 0 || setrlimit(RLIMIT_AS, &rl))
		return rm_fail("setrlimit(RLIMIT_AS) failed");
	int r = rm_grow(&buf, &len, 700u << 10);
	if (r == -1)
		return rm_fail("realloc past 256 KiB failed with no room to map: "
			       "the page heap had room");
	if (r)
		return rm_fail("a growth chain with no room to map lost bytes");
	if (buf == before)
		return rm_fail("setup: the block grew in place, it never moved");
	for (int i = 0; i < nblock; i++)
		free(block[i]);
	printf("ok %zu bytes at %p (was %p)\n", len, (void *)buf, (void *)before);
	free(buf);
	return 0;
}
