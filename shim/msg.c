/* The shim's one message sink: formats into a stack buffer without
 * allocating, writes the line to stderr with one write(2), refuses to
 * re-enter itself and falls silent after a few messages, so a broken heap
 * or a bad setting cannot flood the application's stderr. */
#include "kl_os.h"

#define KL_MSG_MAX 20

static uint32_t msg_count;
static __thread int msg_busy __attribute__((tls_model("initial-exec")));

struct kl_out {
	char *buf;
	size_t cap, len;
};

static void out_char(struct kl_out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

static void out_str(struct kl_out *o, const char *s)
{
	if (!s)
		s = "(null)";
	while (*s)
		out_char(o, *s++);
}

static void out_num(struct kl_out *o, uint64_t v, unsigned base, bool neg)
{
	char tmp[24];
	int n = 0;
	if (neg)
		out_char(o, '-');
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n)
		out_char(o, tmp[--n]);
}

/* printf subset: %s %c %d %u %x %p %% with l, ll, z modifiers and an
 * optional width (right-aligned, spaces). */
int kl_format(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct kl_out o = { buf, cap, 0 };
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out_char(&o, *fmt);
			continue;
		}
		fmt++;
		unsigned width = 0;
		bool left = false;
		if (*fmt == '-') {
			left = true;
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (unsigned)(*fmt++ - '0');
		int lng = 0;
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		char tmp[64];
		struct kl_out t = { tmp, sizeof(tmp), 0 };
		const char *str = 0;
		switch (*fmt) {
		case 's':
			str = va_arg(ap, const char *);
			break;
		case 'c':
			out_char(&t, (char)va_arg(ap, int));
			break;
		case 'd': {
			int64_t v = lng ? va_arg(ap, long) : va_arg(ap, int);
			out_num(&t, v < 0 ? -(uint64_t)v : (uint64_t)v, 10,
				v < 0);
			break;
		}
		case 'u':
		case 'x': {
			uint64_t v = lng ? va_arg(ap, unsigned long)
					 : va_arg(ap, unsigned);
			out_num(&t, v, *fmt == 'x' ? 16 : 10, false);
			break;
		}
		case 'p':
			out_str(&t, "0x");
			out_num(&t, (uintptr_t)va_arg(ap, void *), 16, false);
			break;
		case '%':
			out_char(&t, '%');
			break;
		default:
			return -1;
		}
		size_t len = 0;
		if (str)
			while (str[len])
				len++;
		else
			len = t.len < sizeof(tmp) ? t.len : sizeof(tmp) - 1;
		if (!left)
			for (size_t i = len; i < width; i++)
				out_char(&o, ' ');
		for (size_t i = 0; i < len; i++)
			out_char(&o, str ? str[i] : tmp[i]);
		if (left)
			for (size_t i = len; i < width; i++)
				out_char(&o, ' ');
	}
	if (o.cap)
		o.buf[o.len < o.cap ? o.len : o.cap - 1] = 0;
	return (int)o.len;
}

int kl_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kl_format(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}

/* One line to stderr; the newline is added here. */
void kl_msg(const char *fmt, ...)
{
	char buf[512];
	if (msg_busy ||
	    __atomic_fetch_add(&msg_count, 1, __ATOMIC_RELAXED) >= KL_MSG_MAX)
		return;
	msg_busy = 1;
	va_list ap;
	va_start(ap, fmt);
	int n = kl_format(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n >= 0) {
		size_t len = (size_t)n < sizeof(buf) - 2 ? (size_t)n
							  : sizeof(buf) - 2;
		buf[len++] = '\n';
		kl_write(2, buf, len);
	}
	msg_busy = 0;
}
