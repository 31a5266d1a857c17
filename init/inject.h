/* Allocator injection: decides which libkeel.so (or other allocator) the
 * child preloads and prepends it to LD_PRELOAD in keel's environment, which
 * the child inherits. */
#ifndef KEEL_INJECT_H
#define KEEL_INJECT_H

#include <stddef.h>

#include "common/elfinfo.h"

/* Reads keel_opts.malloc and PROGRAM (keel_opts.argv[0]). Returns 0 (also
 * when injection is skipped with a message), 2 for bad input (a KEEL_MALLOC
 * path that cannot be read, a soname not found), 1 for a system failure;
 * the error is logged. */
int inject_prepare(void);

/* A soname (libjemalloc.so.2) as the child's loader would find it: in
 * LD_LIBRARY_PATH, then the usual library folders. 0 and the path in buf,
 * else -1. (inject_soname.c) */
int inject_find_soname(const char *name, char *buf, size_t len);

/* What the ELF headers of a file say about preloading into it
 * (common/elfinfo.h); lib (len bytes, may be 0) gets the allocator
 * library's soname where the program links one. (inject_elf.c) */
enum keel_elf_kind inject_inspect(const char *path, char *lib, size_t len);


/* libkeel.so installed beside keel or in PREFIX/lib/keel, when every part
 * of its path is safe to trust: 0 and its real path in buf, else -1. */
int inject_installed(char *buf, size_t len);

/* A copy of the embedded libkeel.so in a new folder of keel's own on a
 * file system that allows exec, removed when keel exits: 0 and its path
 * in buf, else -1. */
int inject_private_copy(char *buf, size_t len);

/* PROGRAM resolved like execvp: as given when it has a '/', else through
 * PATH. Returns buf, or NULL when not found (execvp will say so). */
const char *inject_resolve(const char *prog, char *buf, unsigned long len);

#endif
