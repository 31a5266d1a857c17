/* Value parsers shared by keel and libkeel.so.
 * Pure functions with no libc calls, so the shim can use them while it
 * bootstraps. Each returns 0 and stores the value, or -1 for bad text. */
#ifndef KEEL_PARSE_H
#define KEEL_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* 1/0, true/false, yes/no, on/off (any case). */
int parse_bool(const char *s, bool *out);

/* A decimal integer with no sign, no suffix. */
int parse_u64(const char *s, uint64_t *out);

/* Bytes: "4096", "512K", "1.5G", "2MiB", "512Mi", "64kb"; K/M/G/T are
 * powers of 1024 with or without "i", "B" or "iB" (docker and Kubernetes
 * write them so). */
int parse_size(const char *s, uint64_t *out);

/* A percentage "85%" or "12.5%", stored in hundredths of a percent
 * (8500, 1250); accepted range 0%-100%. */
int parse_percent(const char *s, uint32_t *out_centi);

/* A duration in milliseconds: "250ms", "5s", "2m", "1.5s"; a bare number
 * is in bare_unit_ms milliseconds (1 for *_MS variables, 1000 for seconds). */
int parse_duration_ms(const char *s, uint64_t bare_unit_ms, uint64_t *out);

/* Case-insensitive equality of two NUL-terminated strings. */
bool parse_equal_nocase(const char *a, const char *b);

#endif
