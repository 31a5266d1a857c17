/* The shared value parsers: every accepted form and the bad inputs. */
#include "check.h"
#include "common/parse.h"

TEST(parse_bool_forms)
{
	bool b;
	const char *yes[] = { "1", "true", "TRUE", "yes", "On" };
	const char *no[] = { "0", "false", "No", "off", "OFF" };
	for (unsigned i = 0; i < 5; i++) {
		b = false;
		CHECK(parse_bool(yes[i], &b) == 0 && b);
		b = true;
		CHECK(parse_bool(no[i], &b) == 0 && !b);
	}
	CHECK(parse_bool("", &b) == -1);
	CHECK(parse_bool("2", &b) == -1);
	CHECK(parse_bool("yess", &b) == -1);
	CHECK(parse_bool("tru", &b) == -1);
	CHECK(parse_bool(NULL, &b) == -1);
}

TEST(parse_u64_bounds)
{
	uint64_t v;
	CHECK(parse_u64("0", &v) == 0 && v == 0);
	CHECK(parse_u64("18446744073709551615", &v) == 0 && v == UINT64_MAX);
	CHECK(parse_u64("18446744073709551616", &v) == -1);
	CHECK(parse_u64("-1", &v) == -1);
	CHECK(parse_u64("", &v) == -1);
	CHECK(parse_u64("12a", &v) == -1);
	CHECK(parse_u64(" 1", &v) == -1);
}

TEST(parse_size_suffixes)
{
	uint64_t v;
	CHECK(parse_size("4096", &v) == 0 && v == 4096);
	CHECK(parse_size("512K", &v) == 0 && v == 512ull << 10);
	CHECK(parse_size("512k", &v) == 0 && v == 512ull << 10);
	CHECK(parse_size("2M", &v) == 0 && v == 2ull << 20);
	CHECK(parse_size("2MiB", &v) == 0 && v == 2ull << 20);
	CHECK(parse_size("2mb", &v) == 0 && v == 2ull << 20);
	CHECK(parse_size("1.5G", &v) == 0 && v == 3ull << 29);
	CHECK(parse_size("1T", &v) == 0 && v == 1ull << 40);
	CHECK(parse_size("100B", &v) == 0 && v == 100);
	CHECK(parse_size("12Q", &v) == -1);
	CHECK(parse_size("", &v) == -1);
	CHECK(parse_size("G", &v) == -1);
	CHECK(parse_size("1.G", &v) == -1);
	CHECK(parse_size("-5M", &v) == -1);
	CHECK(parse_size("5 M", &v) == -1);
	CHECK(parse_size("5MiBs", &v) == -1);
	CHECK(parse_size("99999999999T", &v) == -1);
}

TEST(parse_percent_range)
{
	uint32_t c;
	CHECK(parse_percent("85%", &c) == 0 && c == 8500);
	CHECK(parse_percent("12.5%", &c) == 0 && c == 1250);
	CHECK(parse_percent("100%", &c) == 0 && c == 10000);
	CHECK(parse_percent("0%", &c) == 0 && c == 0);
	CHECK(parse_percent("101%", &c) == -1);
	CHECK(parse_percent("85", &c) == -1);
	CHECK(parse_percent("%", &c) == -1);
	CHECK(parse_percent("85%%", &c) == -1);
}

TEST(parse_duration_units)
{
	uint64_t v;
	CHECK(parse_duration_ms("250", 1, &v) == 0 && v == 250);
	CHECK(parse_duration_ms("5", 1000, &v) == 0 && v == 5000);
	CHECK(parse_duration_ms("250ms", 1000, &v) == 0 && v == 250);
	CHECK(parse_duration_ms("1.5s", 1, &v) == 0 && v == 1500);
	CHECK(parse_duration_ms("2m", 1, &v) == 0 && v == 120000);
	CHECK(parse_duration_ms("1h", 1, &v) == 0 && v == 3600000);
	CHECK(parse_duration_ms("-1", 1, &v) == -1);
	CHECK(parse_duration_ms("5x", 1, &v) == -1);
	CHECK(parse_duration_ms("", 1, &v) == -1);
	CHECK(parse_duration_ms("s", 1, &v) == -1);
}
