/* Unit test runner: runs every TEST() linked in, prints one line per test
 * and "N passed, M failed"; the exit status is the number of failures. */
#include "check.h"

static struct check_test *tests;

void check_register(struct check_test *t)
{
	t->next = tests;
	tests = t;
}

int main(void)
{
	int passed = 0, failed = 0;

	for (struct check_test *t = tests; t; t = t->next) {
		int failures = 0;
		t->fn(&failures);
		printf("%s %s\n", failures ? "FAIL" : "ok", t->name);
		if (failures)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed > 125 ? 125 : failed;
}
