/* Pointers that are not heap blocks (stack, static data, a private mmap)
 * given to free/realloc/malloc_usable_size under libkeel.so: each is
 * refused with a message on stderr, nothing is corrupted, the program goes
 * on. (glibc aborts here, so this program only runs under the shim.) */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static char data[4096];

int main(void)
{
	char stack[64];
	char *m = mmap(NULL, 1 << 22, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *blocks[100];
	for (int i = 0; i < 100; i++) {
		blocks[i] = malloc(100);
		memset(blocks[i], i, 100);
	}
	free(stack + 16);
	free(data + 32);
	free(m + 64);
	void *r = realloc(data + 48, 100);
	size_t u = malloc_usable_size(m + 128);
	int ok = 1;
	for (int i = 0; i < 100; i++) {
		for (int j = 0; j < 100; j++)
			if (blocks[i][j] != (char)i)
				ok = 0;
		free(blocks[i]);
	}
	printf("foreign: realloc %s, usable %zu, heap intact %d\n",
	       r ? "pointer" : "NULL", u, ok);
	return !ok;
}
