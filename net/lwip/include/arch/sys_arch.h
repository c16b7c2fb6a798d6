/*
 * lwIP's operating-system types for Proteus (lwIP 2.1.3,
 * src/include/lwip/sys.h): semaphores, mutexes and mailboxes on the
 * kernel's mutexes and condition variables (net/lwip/sys_arch.c).
 */
#ifndef LWIP_ARCH_SYS_ARCH_H
#define LWIP_ARCH_SYS_ARCH_H

#include <proteus/sync.h>

struct thread;

typedef struct {
    struct mutex m;
    struct condvar c;
    unsigned count;
    int valid;
} sys_sem_t;

typedef struct {
    struct mutex m;
    int valid;
} sys_mutex_t;

#define SYS_MBOX_SLOTS 64
typedef struct {
    struct mutex m;
    struct condvar not_empty, not_full;
    void *slot[SYS_MBOX_SLOTS];
    unsigned head, count;
    int valid;
} sys_mbox_t;

typedef struct thread *sys_thread_t;
typedef unsigned long sys_prot_t;

#define sys_sem_valid(s) ((s)->valid)
#define sys_sem_set_invalid(s) ((s)->valid = 0)
#define sys_mutex_valid(m) ((m)->valid)
#define sys_mutex_set_invalid(m) ((m)->valid = 0)
#define sys_mbox_valid(b) ((b)->valid)
#define sys_mbox_set_invalid(b) ((b)->valid = 0)

#endif
