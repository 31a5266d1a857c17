/* The primitive layer: every system call the shim makes, as raw inline asm
 * for x86_64 and aarch64, plus the memory routines gcc may call. The shim
 * links no libc, so nothing here touches errno or allocates. */

#include "kl_os.h"
#include <linux/futex.h>
#include <asm/unistd.h>

#if defined(__x86_64__)
long kl_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
long kl_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}
#else
#error "libkeel: unsupported architecture (x86_64 and aarch64 only)"
#endif

#define SC(n, a, b, c, d, e, f) \
	kl_syscall6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), \
		    (long)(f))

bool kl_is_err(void *p)
{
	return (uintptr_t)p > (uintptr_t)-4096;
}

void *kl_mmap(void *addr, size_t len, int prot, int flags)
{
	return (void *)SC(__NR_mmap, addr, len, prot, flags, -1, 0);
}

void *kl_mmap_fd(size_t len, int prot, int fd)
{
	return (void *)SC(__NR_mmap, 0, len, prot, 1 /* MAP_SHARED */, fd, 0);
}

long kl_unshare(long flags, long unused)
{
	(void)unused;
	return SC(__NR_unshare, flags, 0, 0, 0, 0, 0);
}

long kl_setns(long fd, long nstype)
{
	return SC(__NR_setns, fd, nstype, 0, 0, 0, 0);
}

int kl_unlink(const char *path)
{
	return (int)SC(__NR_unlinkat, -100 /* AT_FDCWD */, path, 0, 0, 0, 0);
}

int kl_munmap(void *addr, size_t len)
{
	return (int)SC(__NR_munmap, addr, len, 0, 0, 0, 0);
}

void *kl_mremap(void *old, size_t oldlen, size_t newlen, int flags, void *na)
{
	return (void *)SC(__NR_mremap, old, oldlen, newlen, flags, na, 0);
}

int kl_madvise(void *addr, size_t len, int advice)
{
	return (int)SC(__NR_madvise, addr, len, advice, 0, 0, 0);
}

long kl_write(int fd, const void *buf, size_t len)
{
	return SC(__NR_write, fd, buf, len, 0, 0, 0);
}

int kl_open(const char *path, int flags, int mode)
{
	return (int)SC(__NR_openat, -100 /* AT_FDCWD */, path, flags, mode, 0,
		       0);
}

int kl_close(int fd)
{
	return (int)SC(__NR_close, fd, 0, 0, 0, 0, 0);
}

long kl_read(int fd, void *buf, size_t len)
{
	return SC(__NR_read, fd, buf, len, 0, 0, 0);
}

long kl_pread(int fd, void *buf, size_t len, long off)
{
	return SC(__NR_pread64, fd, buf, len, off, 0, 0);
}

int kl_statx(int fd, const char *path, struct statx *out)
{
	const int flags = 0x100 /* AT_SYMLINK_NOFOLLOW */ |
			  (*path ? 0 : 0x1000 /* AT_EMPTY_PATH */);
	return (int)SC(__NR_statx, fd, path, flags, 0x7ff /* STATX_BASIC_STATS */,
		       out, 0);
}

/* statx of path with its links followed, as exec follows them */
int kl_statx_follow(const char *path, struct statx *out)
{
	return (int)SC(__NR_statx, -100 /* AT_FDCWD */, path, 0,
		       0x7ff /* STATX_BASIC_STATS */, out, 0);
}

long kl_getrandom(void *buf, size_t len)
{
	return SC(__NR_getrandom, buf, len, 1 /* GRND_NONBLOCK */, 0, 0, 0);
}

int kl_getpid(void)
{
	return (int)SC(__NR_getpid, 0, 0, 0, 0, 0, 0);
}

int kl_gettid(void)
{
	return (int)SC(__NR_gettid, 0, 0, 0, 0, 0, 0);
}

/* Whether thread tid of this process is still in the kernel's list of its
 * threads (tgkill with signal 0 finds it until it is released). */
bool kl_thread_alive(int tid)
{
	return SC(__NR_tgkill, kl_getpid(), tid, 0, 0, 0, 0) == 0;
}

void kl_yield(void)
{
	SC(__NR_sched_yield, 0, 0, 0, 0, 0, 0);
}

unsigned kl_geteuid(void)
{
	return (unsigned)SC(__NR_geteuid, 0, 0, 0, 0, 0, 0);
}

int kl_getppid(void)
{
	return (int)SC(__NR_getppid, 0, 0, 0, 0, 0, 0);
}

int kl_memfd_create(const char *name, unsigned flags)
{
	return (int)SC(__NR_memfd_create, name, flags, 0, 0, 0, 0);
}

long kl_fcntl(int fd, int cmd, long arg)
{
	return SC(__NR_fcntl, fd, cmd, arg, 0, 0, 0);
}

int kl_dup3(int fd, int to, int flags)
{
	return (int)SC(__NR_dup3, fd, to, flags, 0, 0, 0);
}

long kl_readlink(const char *path, char *buf, size_t len)
{
	return SC(__NR_readlinkat, -100 /* AT_FDCWD */, path, buf, len, 0, 0);
}

int kl_execve(const char *path, char *const argv[], char *const envp[])
{
	return (int)SC(__NR_execve, path, argv, envp, 0, 0, 0);
}

struct kl_timespec {
	long sec, nsec;
};

/* libc's clock_gettime reads the vDSO (about 30 ns here, the system call
 * about 300): the page allocator reads the clock at every page-level
 * free. Neither glibc's nor musl's allocates. */
extern int clock_gettime(int clock, struct kl_timespec *ts)
	__attribute__((weak));

/* clock 1 is CLOCK_MONOTONIC, 3 CLOCK_THREAD_CPUTIME_ID */
static uint64_t clock_ns(int clock)
{
	struct kl_timespec ts = { 0, 0 };
	if (!clock_gettime || clock_gettime(clock, &ts))
		SC(__NR_clock_gettime, clock, &ts, 0, 0, 0, 0);
	return (uint64_t)ts.sec * 1000000000 + (uint64_t)ts.nsec;
}

uint64_t kl_now_ms(void)
{
	return clock_ns(1) / 1000000;
}

uint64_t kl_now_ns(void)
{
	return clock_ns(1);
}

/* The CPU time the calling thread has used, in nanoseconds: time another
 * process takes from it on a busy machine is not counted, nor time it
 * waits for a lock. */
uint64_t kl_thread_cpu_ns(void)
{
	return clock_ns(3);
}

void kl_sleep_ms(uint64_t ms)
{
	struct kl_timespec ts = { (long)(ms / 1000), (long)(ms % 1000) * 1000000 };
	SC(__NR_nanosleep, &ts, 0, 0, 0, 0, 0);
}

/* ms == 0 waits without a timeout; op may carry FUTEX_PRIVATE_FLAG. */
long kl_futex(volatile uint32_t *uaddr, int op, uint32_t val, uint64_t ms)
{
	struct kl_timespec ts = { (long)(ms / 1000), (long)(ms % 1000) * 1000000 };
	return SC(__NR_futex, uaddr, op, val, ms ? &ts : 0, 0, 0);
}

/* A memory barrier on every thread of this process that is running now
 * (the others pass one as they are switched in): membarrier's private
 * expedited command, registered when the kernel says it is not (first
 * use; a child of fork may not inherit it). False where the kernel or a
 * seccomp filter refuses it. */
bool kl_membarrier(void)
{
	enum { PRIVATE_EXPEDITED = 8, REGISTER_PRIVATE_EXPEDITED = 16 };
	static bool refused;
	if (__atomic_load_n(&refused, __ATOMIC_RELAXED))
		return false;
	long r = SC(__NR_membarrier, PRIVATE_EXPEDITED, 0, 0, 0, 0, 0);
	if (r == -1 /* EPERM: not registered */ &&
	    SC(__NR_membarrier, REGISTER_PRIVATE_EXPEDITED, 0, 0, 0, 0, 0) == 0)
		r = SC(__NR_membarrier, PRIVATE_EXPEDITED, 0, 0, 0, 0, 0);
	if (r != 0)
		__atomic_store_n(&refused, true, __ATOMIC_RELAXED);
	return r == 0;
}

/* The purger must not take the application's signals. Signals 32-34 stay
 * open: glibc and musl use them internally (setuid() in a threaded process
 * signals every thread and waits for each to answer). */
void kl_block_signals(void)
{
	uint64_t all = ~0ull & ~(7ull << 31);
	SC(__NR_rt_sigprocmask, 0 /* SIG_BLOCK */, &all, 0, 8, 0, 0);
}

/* gcc emits calls to these for struct copies and loops; the shim has no
 * libc, so it brings its own (hidden). The attribute keeps gcc from turning
 * their own loops back into calls to themselves. */
#define KL_NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

KL_NO_LIBCALL void *memcpy(void *d, const void *s, size_t n)
{
#if defined(__x86_64__)
	void *ret = d;
	__asm__ volatile("rep movsb"
			 : "+D"(d), "+S"(s), "+c"(n)
			 :
			 : "memory");
	return ret;
#else
	unsigned char *dp = d;
	const unsigned char *sp = s;
	while (n >= 8) {
		uint64_t w;
		__builtin_memcpy(&w, sp, 8);
		__builtin_memcpy(dp, &w, 8);
		dp += 8, sp += 8, n -= 8;
	}
	while (n--)
		*dp++ = *sp++;
	return d;
#endif
}

/* Copies for realloc's moves of big blocks whose bytes are out of the
 * cache (alloc.c): stores that bypass the cache skip reading each
 * destination line in first. Cold 64 KiB-1 MiB copies cost 0.51 us a page
 * with SSE2 (every x86-64 has it), 0.50 with AVX2, 0.63 with rep movsb; in
 * the cache they would be 50% slower than rep movsb. */
void kl_copy_cold(void *d, const void *s, size_t n)
{
#if defined(__x86_64__)
	typedef long long v2 __attribute__((vector_size(16)));
	typedef long long v2u __attribute__((vector_size(16), aligned(1)));
	size_t head = (size_t)(-(uintptr_t)d & 15);
	if (head > n)
		head = n;
	memcpy(d, s, head);
	char *dp = (char *)d + head;
	const char *sp = (const char *)s + head;
	n -= head;
	for (; n >= 64; n -= 64, dp += 64, sp += 64)
		for (int i = 0; i < 64; i += 16)
			__builtin_ia32_movntdq((v2 *)(dp + i),
					       *(const v2u *)(sp + i));
	__builtin_ia32_sfence();	/* ordered before the block is handed out */
	memcpy(dp, sp, n);
#else
	memcpy(d, s, n);
#endif
}

KL_NO_LIBCALL void *memset(void *d, int c, size_t n)
{
#if defined(__x86_64__)
	void *ret = d;
	__asm__ volatile("rep stosb"
			 : "+D"(d), "+c"(n)
			 : "a"(c)
			 : "memory");
	return ret;
#else
	unsigned char *dp = d;
	while (n--)
		*dp++ = (unsigned char)c;
	return d;
#endif
}

KL_NO_LIBCALL void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

KL_NO_LIBCALL int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}
