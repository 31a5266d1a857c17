/* The shim's OS glue, the whole environment every file of libkeel.so
 * stands on: visibility and branch hints, raw system calls (sys.c), the
 * futex lock (lock.c), the message sink (msg.c), and the string functions
 * the compiler may call. Nothing here is exported. */
#ifndef KL_OS_H
#define KL_OS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KL_HIDDEN __attribute__((visibility("hidden")))
#define KL_LIKELY(x) __builtin_expect(!!(x), 1)
#define KL_UNLIKELY(x) __builtin_expect(!!(x), 0)
/* For the child of fork: a write to a page it still shares with the parent
 * copies the page (a fault: 13 us under a hypervisor that shadows page
 * tables), a read does not. State that is mostly reset already is reset
 * with this. */
#define KL_CHILD_RESET(var, val) do { \
		if ((var) != (val)) \
			(var) = (val); \
	} while (0)

/* --- primitive layer (sys.c): raw system calls, no errno ------------------ */
#define KL_PAGE 4096ul
#define KL_PAGE_SHIFT 12

static inline uintptr_t kl_page_up(uintptr_t a)
{
	return (a + KL_PAGE - 1) & ~(KL_PAGE - 1);
}

/* Raw system calls return -errno; the numbers the shim tests (the same on
 * x86_64 and aarch64). */
#define KL_EPERM 1
#define KL_EINTR 4
#define KL_EBADF 9
#define KL_EAGAIN 11
#define KL_ENOMEM 12
#define KL_EACCES 13
#define KL_EINVAL 22
#define KL_ENOSYS 38
#define KL_EUSERS 87

long kl_syscall6(long n, long a, long b, long c, long d, long e, long f);
void *kl_mmap(void *addr, size_t len, int prot, int flags);
int kl_munmap(void *addr, size_t len);
void *kl_mmap_fd(size_t len, int prot, int fd);
int kl_unlink(const char *path);
/* unshare(2) and setns(2), in one shape for kl_alone_call */
long kl_unshare(long flags, long unused);
long kl_setns(long fd, long nstype);
void *kl_mremap(void *old, size_t oldlen, size_t newlen, int flags, void *na);
int kl_madvise(void *addr, size_t len, int advice);
/* Map the pages of [p, p + len) in one call (populate.c): they are about
 * to be written. False where that failed or is refused. fresh: none of
 * them is resident yet, so the call times what a fresh page costs. */
bool kl_populate(void *p, size_t len, bool fresh);
/* A fresh page costs this machine more than moving a block's bytes into
 * freed memory does (KEEL_FAULT_COST, or measured: populate.c). */
bool kl_faults_dear(void);
/* The measured price in nanoseconds, 0 before any. */
uint64_t kl_fault_price_ns(void);
/* The kernel or a seccomp filter refused it once: it will again. */
bool kl_populate_refused(void);
/* Pages to give back, gathered so that one call returns them all
 * (release.c): kl_release_add queues a range (flushing when full),
 * kl_release_flush returns what is queued. A range is struct iovec's
 * layout, which process_madvise reads. */
#define KL_RELEASE_MAX 32	/* 520 bytes on the caller's stack */
struct kl_range {
	void *base;
	size_t len;
};
struct kl_release {
	unsigned n;
	struct kl_range r[KL_RELEASE_MAX];
};
void kl_release_add(struct kl_release *b, void *base, size_t len);
void kl_release_flush(struct kl_release *b);
long kl_write(int fd, const void *buf, size_t len);
int kl_open(const char *path, int flags, int mode);
int kl_close(int fd);
long kl_read(int fd, void *buf, size_t len);
long kl_pread(int fd, void *buf, size_t len, long off);
struct statx;
/* statx of path, or of fd itself when path is "" (AT_EMPTY_PATH); never
 * follows a link. statx's layout is the same on every architecture. */
int kl_statx(int fd, const char *path, struct statx *out);
int kl_statx_follow(const char *path, struct statx *out);
/* len random bytes from the kernel, without blocking; -errno on failure */
long kl_getrandom(void *buf, size_t len);
int kl_getpid(void);
int kl_gettid(void);
bool kl_thread_alive(int tid);
void kl_yield(void);
unsigned kl_geteuid(void);
int kl_getppid(void);
int kl_memfd_create(const char *name, unsigned flags);
long kl_fcntl(int fd, int cmd, long arg);
int kl_dup3(int fd, int to, int flags);
long kl_readlink(const char *path, char *buf, size_t len);
/* returns only on failure, with -errno */
int kl_execve(const char *path, char *const argv[], char *const envp[]);
uint64_t kl_now_ms(void);
uint64_t kl_now_ns(void);
uint64_t kl_thread_cpu_ns(void);
void kl_sleep_ms(uint64_t ms);
long kl_futex(volatile uint32_t *uaddr, int op, uint32_t val, uint64_t ms);
bool kl_membarrier(void);
void kl_block_signals(void);
bool kl_is_err(void *p);

/* --- locks (lock.c): a futex mutex that spins a little first ------------- */
struct kl_lock {
	volatile uint32_t state;	/* 0 free, 1 locked, 2 locked + waiters */
};
void kl_lock_slow(struct kl_lock *l);
void kl_unlock_wake(struct kl_lock *l);

static inline void kl_lock(struct kl_lock *l)
{
	uint32_t zero = 0;
	if (KL_UNLIKELY(!__atomic_compare_exchange_n(&l->state, &zero, 1, 0,
			__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)))
		kl_lock_slow(l);
}

static inline void kl_unlock(struct kl_lock *l)
{
	if (KL_UNLIKELY(__atomic_exchange_n(&l->state, 0, __ATOMIC_RELEASE) == 2))
		kl_unlock_wake(l);
}

/* --- messages (msg.c): one line to stderr, never allocating ------------- */
void kl_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kl_format(char *buf, size_t cap, const char *fmt, va_list ap);
int kl_snprintf(char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void kl_copy_cold(void *d, const void *s, size_t n);

#endif
