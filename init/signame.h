/* Signal names: one parser for -p, -r and KEEL_REWRITE, and one printer for
 * messages, so "TERM", "SIGTERM", "sigterm", "15" and "SIGRTMIN+2" all mean
 * what a user at a shell expects. */
#ifndef KEEL_SIGNAME_H
#define KEEL_SIGNAME_H

/* Stores the signal number (1..NSIG-1) and returns 0, or -1 for bad text. */
int signame_parse(const char *s, int *sig);

/* "SIGTERM", "SIGRTMIN+2", or "signal 99"; buf is for the last two. */
const char *signame_name(int sig, char *buf, unsigned long len);

#endif
