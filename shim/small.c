/* Small blocks (up to 32 KiB): spans of a few pages per class with an
 * intrusive free list and a bump pointer (a fresh span faults in only what is
 * used). Allocation takes from the oldest non-full span and a span that regains
 * space joins at the tail, so emptier spans drain and go back whole. */
#include "kl_heap.h"
#include "kl_fast.h"

KL_HIDDEN struct kl_class kl_classes[KL_NCLASS];

static void class_list_append(struct kl_class *k, struct kl_span *s)
{
	s->next = 0;
	s->prev = k->nonfull_tail;
	if (k->nonfull_tail)
		k->nonfull_tail->next = s;
	else
		k->nonfull = s;
	k->nonfull_tail = s;
	s->listed = 1;
}

static void class_list_remove(struct kl_class *k, struct kl_span *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		k->nonfull = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		k->nonfull_tail = s->prev;
	s->listed = 0;
}

/* A new span for class cls, with the class lock held. */
static struct kl_span *class_span_new(unsigned cls)
{
	struct kl_class *k = &kl_classes[cls];
	struct kl_span *s = kl_page_alloc(kl_class_pages[cls]);
	if (!s)
		return 0;
	s->kind = KL_SMALL;
	s->cls = (uint16_t)cls;
	s->free = 0;
	s->bump = s->base;
	s->used = 0;
	kl_page_set_map(s, cls + 1);
	__atomic_fetch_add(&kl_pages.small_spans, s->npages * KL_PAGE,
			   __ATOMIC_RELAXED);
	k->spans++;
	k->nblocks += kl_class_blocks[cls];
	class_list_append(k, s);
	return s;
}

static inline void *span_pop(struct kl_span *s, unsigned cls)
{
	void *p = s->free;
	if (p) {
		s->free = *(void **)p;
	} else {
		p = (void *)s->bump;
		s->bump += kl_class_size[cls];
	}
	s->used++;
	return p;
}

static inline bool span_full(const struct kl_span *s, unsigned cls)
{
	return s->used == kl_class_blocks[cls];
}

/* Up to want blocks of class cls as a list linked through their first
 * word; returns how many (0 when out of memory). */
unsigned kl_small_take(unsigned cls, void **head, unsigned want)
{
	struct kl_class *k = &kl_classes[cls];
	void *list = 0;
	unsigned n = 0;

	kl_lock(&k->lock);
	while (n < want) {
		struct kl_span *s = k->nonfull;
		if (!s && !(s = class_span_new(cls)))
			break;
		while (n < want && !span_full(s, cls)) {
			void *p = span_pop(s, cls);
			*(void **)p = list;
			list = p;
			n++;
		}
		if (span_full(s, cls))
			class_list_remove(k, s);
	}
	k->used += n;
	kl_unlock(&k->lock);
	kl_heap_grew_check();
	*head = list;
	return n;
}

void *kl_small_alloc_locked(unsigned cls)
{
	void *p;
	return kl_small_take(cls, &p, 1) ? p : 0;
}

/* Give a list of n blocks of class cls back to their spans. Spans that
 * become empty go back to the page allocator after the lock is dropped. */
void kl_small_give(unsigned cls, void *list, unsigned n)
{
	struct kl_class *k = &kl_classes[cls];
	struct kl_span *empty = 0;

	kl_lock(&k->lock);
	while (list) {
		void *p = list;
		list = *(void **)p;
		struct kl_segment *seg = (struct kl_segment *)kl_seg_of(p);
		struct kl_span *s =
			seg->map[((uintptr_t)p - (uintptr_t)seg) >> KL_PAGE_SHIFT];
		*(void **)p = s->free;
		s->free = p;
		s->used--;
		if (s->used == 0) {
			if (s->listed)
				class_list_remove(k, s);
			k->spans--;
			k->nblocks -= kl_class_blocks[cls];
			s->next = empty;
			empty = s;
		} else if (!s->listed) {
			class_list_append(k, s);
		}
	}
	k->used -= n;
	kl_unlock(&k->lock);
	while (empty) {
		struct kl_span *s = empty;
		empty = s->next;
		__atomic_fetch_sub(&kl_pages.small_spans, s->npages * KL_PAGE,
				   __ATOMIC_RELAXED);
		/* every page of the span still maps to it: clear the class
		 * bytes so a stale free of these pages is caught; the origin
		 * bytes say whose pages a later purge returns */
		struct kl_segment *seg = (struct kl_segment *)kl_seg_of(
			(void *)(s->base + 1));
		size_t f = (s->base - (uintptr_t)seg) >> KL_PAGE_SHIFT;
		for (size_t i = 0; i < s->npages; i++) {
			seg->pcls[f + i] = 0;
			seg->origin[f + i] = (uint8_t)(cls + 1);
		}
		kl_page_free(s);
	}
}

void kl_small_free_one(unsigned cls, void *p)
{
	*(void **)p = 0;
	kl_small_give(cls, p, 1);
}

void kl_small_fork_lock(bool lock)
{
	for (unsigned c = 0; c < KL_NCLASS; c++) {
		if (lock)
			kl_lock(&kl_classes[c].lock);
		else
			kl_unlock(&kl_classes[c].lock);
	}
}

void kl_small_fork_child(void)
{
	for (unsigned c = 0; c < KL_NCLASS; c++)
		kl_classes[c].lock.state = 0;
}
