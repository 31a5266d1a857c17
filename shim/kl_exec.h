/* The exec and spawn wrappers' interface (preload.c, next.c): keeping a
 * memfd preload alive across exec, and the libc functions they call on. */
#ifndef KL_EXEC_H
#define KL_EXEC_H

#include "kl_os.h"
#include <linux/elf.h>

enum kl_exec_op {
	KL_EXECVE, KL_EXECVPE, KL_FEXECVE, KL_SPAWN, KL_SPAWNP, KL_SYSTEM,
	KL_POPEN, KL_EXEC_OPS
};
/* One exec or spawn: what api.c's wrappers pass on. */
struct kl_exec {
	enum kl_exec_op op;
	const char *path;	/* or the file execvpe searches */
	int fd;			/* fexecve */
	char *const *argv, *const *envp;
	int *pid;		/* posix_spawn */
	const void *actions, *attr;
};
void kl_preload_init(void);
int kl_exec(const struct kl_exec *x);
void kl_exec_mend(void);
void *kl_exec_next(enum kl_exec_op op);
void kl_exec_resolve(void);
char **kl_environ(void);
/* dlsym(RTLD_NEXT, name) without libdl; 0 when not found */
void *kl_next(const char *name);

/* The fields of struct dl_phdr_info that glibc and musl share. */
struct kl_dl_info {
	uintptr_t addr;
	const char *name;
	const Elf64_Phdr *phdr;
	uint16_t phnum;
};
extern int dl_iterate_phdr(int (*cb)(struct kl_dl_info *, size_t, void *),
			   void *data) __attribute__((weak));

/* Whether LD_PRELOAD names a library of this file name (as a path or a
 * file name). */
bool kl_preload_names(const char *file);

/* Whether the program an exec is about to start must not have the shim
 * preloaded (exectarget.c: a 32-bit or another machine's program, or one
 * linking a sanitizer's runtime): file as given (or searched through
 * path_var, as execvp does, with search), or the open fd when file is 0. */
bool kl_exec_target_refused(const char *file, int fd, bool search,
			    const char *path_var);

#endif
