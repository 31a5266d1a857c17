/* Test helper: reports whether it owns the terminal's foreground, what it
 * sees as its process group, and that reading the terminal does not stop it. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	pid_t fg = tcgetpgrp(STDIN_FILENO);

	printf("foreground=%s\n", fg == getpgrp() ? "yes" : "no");
	printf("own-group=%s\n", getpgrp() == getpid() ? "yes" : "no");
	return 0;
}
