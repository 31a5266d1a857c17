/* Escapes for quoting outside text in messages (see printable.h). Bytes
 * of 0x80 and up are kept so that UTF-8 names read as they are, except the
 * C1 controls (U+0080-U+009F, CSI among them), which some terminals act on. */
#include "printable.h"

const char *printable_n(char *buf, size_t len, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t out = 0, mark = 0;	/* mark: where "..." would still fit */

	if (!len)
		return buf;
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		size_t k = 0;

		if (c == '\\' || c == '\n' || c == '\r' || c == '\t') {
			esc[k++] = '\\';
			esc[k++] = c == '\\' ? '\\' : c == '\n' ? 'n' :
				   c == '\r' ? 'r' : 't';
		} else if (c < 0x20 || c == 0x7f ||
			   (c == 0xc2 && i + 1 < n &&
			    (unsigned char)s[i + 1] >= 0x80 &&
			    (unsigned char)s[i + 1] <= 0x9f)) {
			/* a C1 control is two bytes: both escaped */
			for (size_t j = 0; j < (c == 0xc2 ? 2u : 1u); j++) {
				unsigned char b = (unsigned char)s[i + j];

				esc[k++] = '\\';
				esc[k++] = 'x';
				esc[k++] = hex[b >> 4];
				esc[k++] = hex[b & 15];
			}
			i += c == 0xc2;
		} else {
			esc[k++] = (char)c;
		}
		if (out + k >= len) {
			/* cut: say so, after the last whole escape that
			 * leaves room for the mark */
			if (len > 3) {
				out = mark;
				for (int j = 0; j < 3; j++)
					buf[out++] = '.';
			}
			break;
		}
		for (size_t j = 0; j < k; j++)
			buf[out++] = esc[j];
		if (out + 3 < len)
			mark = out;
	}
	buf[out] = 0;
	return buf;
}

const char *printable(char *buf, size_t len, const char *s)
{
	return printable_n(buf, len, s, (size_t)-1);
}
