/*
 * Intrusive doubly linked lists with a sentinel head, the one container
 * the scheduler, wait queues and timers need. Pure code.
 */
#ifndef PROTEUS_LIST_H
#define PROTEUS_LIST_H

#include <proteus/types.h>

struct list {
    struct list *next, *prev;
};

#define LIST_INIT(name) { &(name), &(name) }
#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))

static inline void list_init(struct list *l) { l->next = l->prev = l; }
static inline bool list_empty(const struct list *l) { return l->next == l; }
/* A node that is on no list points to itself (after list_init/list_del). */
static inline bool list_linked(const struct list *n) { return n->next != n; }

static inline void list_insert_before(struct list *pos, struct list *n)
{
    n->prev = pos->prev;
    n->next = pos;
    pos->prev->next = n;
    pos->prev = n;
}

static inline void list_add_tail(struct list *head, struct list *n) { list_insert_before(head, n); }

static inline void list_del(struct list *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    list_init(n);
}

static inline struct list *list_pop(struct list *head)
{
    if (list_empty(head))
        return NULL;
    struct list *n = head->next;
    list_del(n);
    return n;
}

#define list_for_each(pos, head) for (pos = (head)->next; pos != (head); pos = pos->next)

#endif
