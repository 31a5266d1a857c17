/* Test helper: prints its blocked and ignored signal sets (SigBlk, SigIgn
 * of /proc/self/status) and how many signals have a non-default action, so
 * a test can check that keel gave the child a clean signal state. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	int odd = 0;

	if (!f)
		return 2;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "SigBlk:", 7) || !strncmp(line, "SigIgn:", 7))
			fputs(line, stdout);
	fclose(f);
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;

		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL)
			odd++;
	}
	printf("non-default: %d\n", odd);
	return 0;
}
