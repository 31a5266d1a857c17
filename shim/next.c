/* The next definition of a function: what dlsym(RTLD_NEXT, name) returns,
 * without libdl (glibc before 2.34 keeps dlsym there) and without malloc.
 * The exec wrappers (preload.c) forward to libc's own execvpe, posix_spawn,
 * system and popen through it. dl_iterate_phdr lists the loaded objects in
 * load order; each one after the shim is searched by its GNU (else SysV)
 * hash table, and only a symbol's default version counts. */

#pragma GCC optimize("Os")	/* cold: once per exec */

#include "kl_exec.h"
#include <linux/elf.h>

#define KL_DT_GNU_HASH 0x6ffffef5
#define KL_VERSYM_HIDDEN 0x8000

extern const char __ehdr_start[] __attribute__((visibility("hidden")));

struct next_search {
	const char *name;
	uint32_t gnu, sysv;	/* the name's two hashes */
	bool past_self;
	void *found;
};

static uint32_t next_gnu_hash(const char *s)
{
	uint32_t h = 5381;
	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

static uint32_t next_sysv_hash(const char *s)
{
	uint32_t h = 0;
	for (; *s; s++) {
		h = (h << 4) + (unsigned char)*s;
		h ^= (h >> 24) & 0xf0;
	}
	return h & 0x0fffffff;
}

static bool next_same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* The object's tables. glibc relocates the addresses in a writable
 * dynamic section, musl does not: a value below the base is an offset. */
struct next_object {
	uintptr_t base;
	const Elf64_Sym *sym;
	const char *str;
	const uint16_t *versym;
	const uint32_t *gnu, *sysv;
};

static uintptr_t next_addr(uintptr_t base, uint64_t v)
{
	return v < base ? base + v : v;
}

static bool next_object(struct kl_dl_info *info, struct next_object *o)
{
	const Elf64_Dyn *dyn = 0;

	for (uint16_t i = 0; i < info->phnum; i++)
		if (info->phdr[i].p_type == PT_DYNAMIC)
			dyn = (const Elf64_Dyn *)(info->addr +
						  info->phdr[i].p_vaddr);
	if (!dyn)
		return false;
	*o = (struct next_object){ .base = info->addr };
	for (; dyn->d_tag != DT_NULL; dyn++) {
		uintptr_t v = next_addr(o->base, dyn->d_un.d_ptr);
		switch (dyn->d_tag) {
		case DT_SYMTAB: o->sym = (const Elf64_Sym *)v; break;
		case DT_STRTAB: o->str = (const char *)v; break;
		case DT_VERSYM: o->versym = (const uint16_t *)v; break;
		case DT_HASH: o->sysv = (const uint32_t *)v; break;
		case KL_DT_GNU_HASH: o->gnu = (const uint32_t *)v; break;
		}
	}
	return o->sym && o->str && (o->gnu || o->sysv);
}

/* A defined function of that name, in its default version. */
static void *next_match(const struct next_object *o, uint32_t i,
			const char *name)
{
	const Elf64_Sym *s = &o->sym[i];
	unsigned type = ELF64_ST_TYPE(s->st_info);

	if (s->st_shndx == SHN_UNDEF || type != STT_FUNC ||
	    (o->versym && (o->versym[i] & KL_VERSYM_HIDDEN)) ||
	    !next_same(o->str + s->st_name, name))
		return 0;
	return (void *)(o->base + s->st_value);
}

static void *next_lookup(const struct next_object *o,
			 const struct next_search *q)
{
	if (o->gnu) {
		uint32_t nbuckets = o->gnu[0], symoffset = o->gnu[1];
		uint32_t bloom_size = o->gnu[2], shift = o->gnu[3];
		const uint64_t *bloom = (const uint64_t *)(o->gnu + 4);
		const uint32_t *buckets = (const uint32_t *)(bloom + bloom_size);
		const uint32_t *chain = buckets + nbuckets;
		uint64_t word, mask;

		if (!nbuckets || !bloom_size)
			return 0;
		word = bloom[(q->gnu / 64) % bloom_size];
		mask = (1ull << (q->gnu % 64)) |
		       (1ull << ((q->gnu >> shift) % 64));
		if ((word & mask) != mask)
			return 0;
		uint32_t i = buckets[q->gnu % nbuckets];
		if (i < symoffset)
			return 0;
		for (;; i++) {
			uint32_t h = chain[i - symoffset];
			void *p;
			if ((h | 1) == (q->gnu | 1) &&
			    (p = next_match(o, i, q->name)))
				return p;
			if (h & 1)
				return 0;
		}
	}
	uint32_t nbucket = o->sysv[0];
	const uint32_t *bucket = o->sysv + 2, *chain = bucket + nbucket;
	if (!nbucket)
		return 0;
	for (uint32_t i = bucket[q->sysv % nbucket]; i; i = chain[i]) {
		void *p = next_match(o, i, q->name);
		if (p)
			return p;
	}
	return 0;
}

static int next_visit(struct kl_dl_info *info, size_t size, void *data)
{
	struct next_search *q = data;
	struct next_object o;

	(void)size;
	if (info->addr == (uintptr_t)__ehdr_start) {
		q->past_self = true;
		return 0;
	}
	if (!q->past_self || !next_object(info, &o))
		return 0;
	q->found = next_lookup(&o, q);
	return q->found != 0;
}

void *kl_next(const char *name)
{
	struct next_search q = { name, next_gnu_hash(name),
				 next_sysv_hash(name), false, 0 };

	if (!dl_iterate_phdr)
		return 0;
	dl_iterate_phdr(next_visit, &q);
	/* the shim not listed (never seen so far): every other object */
	if (!q.past_self) {
		q.past_self = true;
		dl_iterate_phdr(next_visit, &q);
	}
	return q.found;
}
