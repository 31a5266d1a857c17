/* keel: PID 1 for containers. (Foundation placeholder: the init lands in
 * the next commits; this only proves the static musl build.) */
#include <stdio.h>

int main(void)
{
	fputs("keel: fatal: not built yet\n", stderr);
	return 1;
}
