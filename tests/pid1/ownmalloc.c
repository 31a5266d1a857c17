/* Test helper: a program that brings its own malloc (as some browsers and
 * Rust programs do); keel must not preload an allocator into it. Prints
 * LD_PRELOAD as it found it; with an argument, then sleeps that many
 * seconds (keel stats must call it "own allocator"). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char arena[1 << 20];
static size_t used;

void *malloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (used + n > sizeof(arena))
		return NULL;
	p = arena + used;
	used += n;
	return p;
}

void free(void *p)
{
	(void)p;
}

void *calloc(size_t a, size_t b)
{
	return malloc(a * b); /* the arena is zeroed and never reused */
}

void *realloc(void *p, size_t n)
{
	(void)p;
	return malloc(n);
}

int main(int argc, char **argv)
{
	const char *v = getenv("LD_PRELOAD");

	printf("LD_PRELOAD=[%s]\n", v ? v : "");
	fflush(stdout);
	if (argc > 1)
		sleep((unsigned)atoi(argv[1]));
	return 0;
}
