/* A tiny test harness: TEST(name) { CHECK(cond); } registers a test; the
 * runner (main.c) runs them all and exits with the number of failures. */
#ifndef KEEL_CHECK_H
#define KEEL_CHECK_H

#include <stdio.h>

struct check_test {
	const char *name;
	void (*fn)(int *failures);
	struct check_test *next;
};

void check_register(struct check_test *t);

#define TEST(name)                                                           \
	static void test_##name(int *check_failures);                        \
	static struct check_test check_##name = { #name, test_##name, 0 };   \
	__attribute__((constructor)) static void register_##name(void)       \
	{                                                                    \
		check_register(&check_##name);                               \
	}                                                                    \
	static void test_##name(int *check_failures)

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			printf("  %s:%d: CHECK(%s) failed\n", __FILE__,      \
			       __LINE__, #cond);                             \
			(*check_failures)++;                                 \
		}                                                            \
	} while (0)

#endif
