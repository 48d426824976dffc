/*
 * Circular doubly linked lists with a head node (the shape of Linux's
 * list_head): a node embedded in each element, container_of to get back to
 * the element. An empty list is a head pointing at itself.
 */
#ifndef FAULTLINE_LIST_H
#define FAULTLINE_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name) { &(name), &(name) }

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

/* Makes head an empty list (or a node that is on no list). */
static inline void INIT_LIST_HEAD(struct list_head *head)
{
	head->next = head;
	head->prev = head;
}

/* Links node between prev and next, which are adjacent. */
static inline void __list_add(struct list_head *node, struct list_head *prev, struct list_head *next)
{
	next->prev = node;
	node->next = next;
	node->prev = prev;
	prev->next = node;
}

/* Adds node right after head (a stack's push). */
static inline void list_add(struct list_head *node, struct list_head *head)
{
	__list_add(node, head, head->next);
}

/* Adds node right before head: at the tail (a queue's push). */
static inline void list_add_tail(struct list_head *node, struct list_head *head)
{
	__list_add(node, head->prev, head);
}

/* Unlinks node and leaves it an empty list of its own (list_del_init). */
static inline void list_del_init(struct list_head *node)
{
	node->next->prev = node->prev;
	node->prev->next = node->next;
	INIT_LIST_HEAD(node);
}

/* Whether head has no elements (or node is on no list). */
static inline bool list_empty(const struct list_head *head)
{
	return head->next == head;
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(head, type, member) list_entry((head)->next, type, member)

/* Iterates pos (an element pointer) over the list at head. */
#define list_for_each_entry(pos, head, member)                                   \
	for (pos = list_entry((head)->next, __typeof__(*pos), member); &pos->member != (head); \
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))

/* The same, safe against removal of pos (n holds the next one). */
#define list_for_each_entry_safe(pos, n, head, member)                           \
	for (pos = list_entry((head)->next, __typeof__(*pos), member),              \
	     n = list_entry(pos->member.next, __typeof__(*pos), member);            \
	     &pos->member != (head); pos = n, n = list_entry(n->member.next, __typeof__(*n), member))

#endif
