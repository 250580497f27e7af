/* list: an intrusive, circular, doubly linked list (the shape of the Linux kernel's list_head).
 *
 * A struct list_node is embedded in whatever is listed; a struct list is the head, a sentinel node
 * that is never an element. The list owns nothing: linking and unlinking never allocate or free,
 * and freeing an element is its owner's business (unlink it first). Every operation is O(1), and
 * list_remove needs only the node, not the list it is on, so an element can leave its list from
 * anywhere (a closing connection leaving the flush list, a job leaving whichever queue holds it).
 *
 * A node that is on no list has next == NULL (a zeroed node is such a node, so structures from
 * calloc start unlinked); list_linked tells. Heads must be list_init'ed before use and must not be
 * moved (copied) while they hold elements: the first and last elements point at the head. */
#ifndef CHARLA_BASE_LIST_H
#define CHARLA_BASE_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_node {
	struct list_node *prev, *next;
};

struct list {
	struct list_node head;
};

/* The structure that holds `node` as its member `field`. */
#define list_entry(node, type, field) ((type *)(void *)((char *)(node) - offsetof(type, field)))
/* The same for a node one may only read. */
#define list_entry_const(node, type, field)                                                       \
	((const type *)(const void *)((const char *)(node) - offsetof(type, field)))

static inline void list_init(struct list *l)
{
	l->head.prev = l->head.next = &l->head;
}

static inline bool list_empty(const struct list *l)
{
	return l->head.next == &l->head;
}

static inline bool list_linked(const struct list_node *n)
{
	return n->next != NULL;
}

static inline void list_insert_between(struct list_node *n, struct list_node *prev,
				       struct list_node *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

/* Appends n (which must be on no list). */
static inline void list_push_back(struct list *l, struct list_node *n)
{
	list_insert_between(n, l->head.prev, &l->head);
}

/* Prepends n (which must be on no list). */
static inline void list_push_front(struct list *l, struct list_node *n)
{
	list_insert_between(n, &l->head, l->head.next);
}

/* Unlinks n from whatever list holds it; a no-op for a node on no list. */
static inline void list_remove(struct list_node *n)
{
	if (!n->next)
		return;
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = NULL;
}

/* The first or last node, or NULL when the list is empty. */
static inline struct list_node *list_first(const struct list *l)
{
	return list_empty(l) ? NULL : l->head.next;
}

static inline struct list_node *list_last(const struct list *l)
{
	return list_empty(l) ? NULL : l->head.prev;
}

/* The node after n on list l, or NULL at the end. */
static inline struct list_node *list_next(const struct list *l, const struct list_node *n)
{
	return n->next == &l->head ? NULL : n->next;
}

/* Walks every node; the body must not unlink `n` (use list_each_safe for that). */
#define list_each(n, l) for (struct list_node *n = (l)->head.next; n != &(l)->head; n = n->next)

/* Walks every node; the body may unlink (or free) `n`, but no other node. */
#define list_each_safe(n, l)                                                                      \
	for (struct list_node *n = (l)->head.next, *n##_next_ = n->next; n != &(l)->head;          \
	     n = n##_next_, n##_next_ = n->next)

#endif
