/* Text from outside keel (a setting's value, a program name, a path)
 * made safe to quote in a one-line message: a control character could end
 * the line and forge another, or send the terminal an escape sequence.
 * Pure code with no libc calls, for keel and libkeel.so alike. */
#ifndef KEEL_PRINTABLE_H
#define KEEL_PRINTABLE_H

#include <stddef.h>

/* Room for one quoted value: longer text is cut (at a whole escape) and
 * ends in "...". */
#define KEEL_PRINTABLE_MAX 256

/* Copies s into buf (len bytes, NUL-terminated), with \n, \r, \t, the
 * backslash as \\ and every other control character (C0, DEL, and C1 as
 * UTF-8 writes it) as \xNN; other bytes, UTF-8 included, as they are.
 * Returns buf, for use as a printf argument. */
const char *printable(char *buf, size_t len, const char *s);

/* The same for at most n bytes of s (a "%.*s" argument). */
const char *printable_n(char *buf, size_t len, const char *s, size_t n);

#endif
