/* Value parsers shared by keel and libkeel.so (see parse.h).
 * Written without libc: the shim reads its configuration before any libc
 * service can be trusted, and both programs must accept the same text. */
#include "parse.h"

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool parse_equal_nocase(const char *a, const char *b)
{
	while (*a && lower(*a) == lower(*b)) {
		a++;
		b++;
	}
	return lower(*a) == lower(*b);
}

int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };

	if (!s)
		return -1;
	for (unsigned i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (parse_equal_nocase(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (parse_equal_nocase(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* Reads digits [. digits] into a whole part and a fraction scaled to 1e6
 * (digits past the sixth are read and dropped).
 * Returns the first unread character, or 0 on overflow or no digits. */
static const char *read_decimal(const char *s, uint64_t *whole, uint64_t *frac)
{
	const char *start = s;
	uint64_t w = 0, f = 0, scale = 100000;

	while (*s >= '0' && *s <= '9') {
		uint64_t d = (uint64_t)(*s - '0');
		if (w > (UINT64_MAX - d) / 10)
			return 0;
		w = w * 10 + d;
		s++;
	}
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9') {
			f += (uint64_t)(*s - '0') * scale;
			scale /= 10;
			s++;
		}
	}
	if (s == start)
		return 0;
	*whole = w;
	*frac = f;
	return s;
}

/* whole.frac * unit, failing on overflow; fractions are truncated. */
static int scale_decimal(uint64_t whole, uint64_t frac, uint64_t unit,
			 uint64_t *out)
{
	if (unit && whole > UINT64_MAX / unit)
		return -1;
	uint64_t v = whole * unit;
	/* frac < 2^20 and unit <= 2^40 keep this product inside 64 bits. */
	uint64_t part = frac * unit / 1000000;
	if (v > UINT64_MAX - part)
		return -1;
	*out = v + part;
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		uint64_t d = (uint64_t)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	uint64_t whole, frac, unit = 1;

	if (!s)
		return -1;
	s = read_decimal(s, &whole, &frac);
	if (!s)
		return -1;
	switch (lower(*s)) {
	case 'k': unit = 1ull << 10; s++; break;
	case 'm': unit = 1ull << 20; s++; break;
	case 'g': unit = 1ull << 30; s++; break;
	case 't': unit = 1ull << 40; s++; break;
	case 'b': if (!s[1]) s++; break; /* a bare "B" after the number */
	default: break;
	}
	/* "Mi" is how Kubernetes writes MiB; "MB" and "M" are MiB too, as
	 * docker -m takes them */
	if (unit > 1) {
		if (lower(*s) == 'i' && lower(s[1]) == 'b')
			s += 2;
		else if (lower(*s) == 'i' || lower(*s) == 'b')
			s++;
	}
	if (*s)
		return -1;
	return scale_decimal(whole, frac, unit, out);
}

int parse_percent(const char *s, uint32_t *out_centi)
{
	uint64_t whole, frac, v;

	if (!s)
		return -1;
	s = read_decimal(s, &whole, &frac);
	if (!s || s[0] != '%' || s[1])
		return -1;
	if (scale_decimal(whole, frac, 100, &v) || v > 10000)
		return -1;
	*out_centi = (uint32_t)v;
	return 0;
}

int parse_duration_ms(const char *s, uint64_t bare_unit_ms, uint64_t *out)
{
	uint64_t whole, frac, unit = bare_unit_ms;

	if (!s)
		return -1;
	s = read_decimal(s, &whole, &frac);
	if (!s)
		return -1;
	if (lower(s[0]) == 'm' && lower(s[1]) == 's') {
		unit = 1;
		s += 2;
	} else if (lower(s[0]) == 's') {
		unit = 1000;
		s++;
	} else if (lower(s[0]) == 'm') {
		unit = 60000;
		s++;
	} else if (lower(s[0]) == 'h') {
		unit = 3600000;
		s++;
	}
	if (*s)
		return -1;
	return scale_decimal(whole, frac, unit, out);
}
