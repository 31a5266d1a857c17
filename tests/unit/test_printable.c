/* Outside text quoted in messages: control characters, DEL, the C1
 * controls as UTF-8 writes them and the backslash escaped, everything
 * else (UTF-8 included) kept, and a cut never splits an escape and ends
 * in "...". */
#include <string.h>

#include "check.h"
#include "common/printable.h"

static int quoted(const char *s, const char *want)
{
	char buf[KEEL_PRINTABLE_MAX];

	return !strcmp(printable(buf, sizeof(buf), s), want);
}

TEST(printable_escapes)
{
	CHECK(quoted("5s", "5s"));
	CHECK(quoted("", ""));
	CHECK(quoted("a\nb\rc\td", "a\\nb\\rc\\td"));
	CHECK(quoted("a\\nb", "a\\\\nb"));
	CHECK(quoted("\033[31mred", "\\x1b[31mred"));
	CHECK(quoted("\001\037\177", "\\x01\\x1f\\x7f"));
	/* UTF-8 stays; U+009B (CSI) is escaped, both of its bytes */
	CHECK(quoted("caf\xc3\xa9", "caf\xc3\xa9"));
	CHECK(quoted("\xc2\x9b" "2J", "\\xc2\\x9b2J"));
	CHECK(quoted("\xc2\xa0", "\xc2\xa0"));
}

TEST(printable_cut)
{
	char buf[6];

	/* room for 5 bytes and a NUL: "ab\n" fits, "\x1b" after it does
	 * not, and the mark goes after "ab", the last whole escape before
	 * 2 bytes; text that fits exactly has no mark */
	CHECK(!strcmp(printable(buf, sizeof(buf), "ab\n\033"), "ab..."));
	CHECK(!strcmp(printable(buf, sizeof(buf), "abcdefgh"), "ab..."));
	CHECK(!strcmp(printable(buf, sizeof(buf), "\nabcd"), "\\n..."));
	CHECK(!strcmp(printable(buf, sizeof(buf), "abcde"), "abcde"));
	CHECK(!strcmp(printable(buf, 1, "abc"), ""));
	CHECK(!strcmp(printable(buf, 3, "abc"), "ab"));
	/* n bytes at most, and a C1 pair cut by n is not read past n */
	CHECK(!strcmp(printable_n(buf, sizeof(buf), "KEY=1", 3), "KEY"));
	CHECK(!strcmp(printable_n(buf, sizeof(buf), "\xc2\x9b", 1), "\xc2"));
}
