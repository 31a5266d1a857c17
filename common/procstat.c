/* /proc/<pid>/stat and status parsers (see procstat.h). Every number is
 * bounded and every step checks the end of the buffer: the text of a
 * process's own files is partly chosen by that process (its command). */
#include "procstat.h"

/* A decimal number at *p (before end); advances *p past it. */
static int procstat_number(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s >= end || *s < '0' || *s > '9')
		return -1;
	while (s < end && *s >= '0' && *s <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s++ - '0');
	}
	*p = s;
	*out = v;
	return 0;
}

int procstat_parse(const char *buf, size_t len, struct keel_proc_stat *out)
{
	const char *end = buf + len, *p = 0;
	uint64_t v;

	for (const char *q = buf; q < end; q++)
		if (*q == ')')
			p = q;
	/* ") S ppid" : the state is field 3, the threads field 20, the start
	 * time field 22 */
	if (!p || end - p < 4 || p[1] != ' ' || p[3] != ' ')
		return -1;
	out->state = p[2];
	p += 4;
	for (int field = 4; field <= 22; field++) {
		/* fields 4-22 are numbers, some of them negative */
		if (p < end && *p == '-')
			p++;
		if (procstat_number(&p, end, &v) < 0)
			return -1;
		if (field == 4) {
			if (v > UINT32_MAX)
				return -1;
			out->ppid = (uint32_t)v;
		}
		if (field == 20) {
			if (v > UINT32_MAX)
				return -1;
			out->threads = (uint32_t)v;
		}
		if (field == 22) {
			out->start_time = v;
			return 0;
		}
		if (p >= end || *p++ != ' ')
			return -1;
	}
	return -1;
}

int procstat_parse_uids(const char *buf, size_t len, uint32_t uids[4])
{
	static const char key[] = "\nUid:";
	const char *end = buf + len;
	uint64_t v;

	for (const char *p = buf; p + sizeof(key) - 1 <= end; p++) {
		size_t i = 0;

		while (i < sizeof(key) - 1 && p[i] == key[i])
			i++;
		if (i < sizeof(key) - 1)
			continue;
		p += i;
		for (int k = 0; k < 4; k++) {
			while (p < end && (*p == '\t' || *p == ' '))
				p++;
			if (procstat_number(&p, end, &v) < 0 || v > UINT32_MAX)
				return -1;
			uids[k] = (uint32_t)v;
		}
		return 0;
	}
	return -1;
}

int procstat_field(const char *buf, size_t len, const char *key,
		   uint64_t *out)
{
	const char *end = buf + len;
	size_t klen = 0;

	while (key[klen])
		klen++;
	for (const char *p = buf; p < end; p++) {
		if ((p != buf && p[-1] != '\n') || (size_t)(end - p) < klen)
			continue;
		size_t i = 0;

		while (i < klen && p[i] == key[i])
			i++;
		if (i < klen)
			continue;
		p += i;
		while (p < end && (*p == '\t' || *p == ' '))
			p++;
		return procstat_number(&p, end, out);
	}
	return -1;
}
