/* setuid() in a threaded process: libc signals every thread (glibc with
 * signal 33, musl with 34) and waits for each to answer, so the shim's
 * purger thread must not block those signals. Frees enough to start the
 * purger, checks it is there, then calls setgid/setuid. Usage: setxid */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int threads(void)
{
	char line[256];
	int n = 0;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Threads:", 8))
			n = atoi(line + 8);
	if (f)
		fclose(f);
	return n;
}

int main(void)
{
	void *v[40];
	for (int i = 0; i < 40; i++) {
		v[i] = malloc(100000);
		memset(v[i], 1, 100000);
	}
	for (int i = 0; i < 40; i++)
		free(v[i]);
	struct timespec ts = { 0, 100000000 };
	nanosleep(&ts, NULL);
	int n = threads();
	if (setgid(getgid()) || setuid(getuid())) {
		perror("setxid");
		return 1;
	}
	printf("setxid: ok with %d threads\n", n);
	return 0;
}
