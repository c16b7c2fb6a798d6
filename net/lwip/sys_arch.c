/*
 * lwIP's operating-system layer for Proteus (lwIP 2.1.3,
 * src/include/lwip/sys.h, doc/sys_arch.txt): semaphores, mutexes and
 * mailboxes on the kernel's mutexes and condition variables, threads on
 * kernel threads, time from the kernel's monotonic clock. Built with the
 * app side (newlib's headers) into liblwip.a (mk/lwip.mk).
 *
 * A timeout of 0 means "forever" to lwIP; the waits return the
 * milliseconds they took or SYS_ARCH_TIMEOUT. sys_arch_protect is lwIP's
 * short critical section (pbuf reference counts, pools): interrupts off
 * on this CPU and one lock for all CPUs, nestable on the CPU that holds
 * it, as doc/sys_arch.txt asks.
 */
#include <stdlib.h>
#include <string.h>
#include "lwip/err.h"
#include "lwip/sys.h"
#include <proteus/api.h>
#include <proteus/spinlock.h>
#include <proteus/thread.h>

void sys_init(void)
{
}

u32_t sys_now(void)
{
    return (u32_t)(proteus_clock_ns() / 1000000);
}

unsigned lwip_port_rand(void)
{
    static u64_t state;
    u64_t x = state ^ proteus_clock_ns() ^ proteus_boot_tsc();
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    state = x;
    return (unsigned)(x >> 16);
}

/* ---- the short critical section ----------------------------------------- */

static spinlock_t prot_lock = SPINLOCK_INIT;
static volatile int prot_owner = -1;
static unsigned prot_depth;

sys_prot_t sys_arch_protect(void)
{
    unsigned long flags = irq_save();
    int me = (int)proteus_this_cpu();
    if (__atomic_load_n(&prot_owner, __ATOMIC_ACQUIRE) == me) {
        prot_depth++;   /* nested on this CPU */
        return flags;
    }
    spin_lock(&prot_lock);
    __atomic_store_n(&prot_owner, me, __ATOMIC_RELEASE);
    prot_depth = 1;
    return flags;
}

void sys_arch_unprotect(sys_prot_t flags)
{
    if (--prot_depth == 0) {
        __atomic_store_n(&prot_owner, -1, __ATOMIC_RELEASE);
        spin_unlock(&prot_lock);
    }
    irq_restore(flags);
}

/* ---- waits ---------------------------------------------------------------- */

/* Wait on c (m held) until cond() or `timeout` ms (0: forever): the ms
 * waited, or SYS_ARCH_TIMEOUT. */
static u32_t wait(struct condvar *c, struct mutex *m, u32_t timeout, int (*cond)(void *), void *arg)
{
    u64_t t0 = proteus_clock_ns(), deadline = timeout ? t0 + (u64_t)timeout * 1000000 : 0;
    while (!cond(arg)) {
        if (!deadline)
            condvar_wait(c, m);
        else if (condvar_wait_until(c, m, deadline) && !cond(arg))
            return SYS_ARCH_TIMEOUT;
    }
    return (u32_t)((proteus_clock_ns() - t0) / 1000000);
}

/* ---- semaphores ------------------------------------------------------------ */

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
    mutex_init(&sem->m, false);
    condvar_init(&sem->c);
    sem->count = count;
    sem->valid = 1;
    return ERR_OK;
}

void sys_sem_signal(sys_sem_t *sem)
{
    mutex_lock(&sem->m);
    sem->count++;
    condvar_signal(&sem->c);
    mutex_unlock(&sem->m);
}

static int sem_ready(void *arg)
{
    return ((sys_sem_t *)arg)->count > 0;
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout)
{
    mutex_lock(&sem->m);
    u32_t r = wait(&sem->c, &sem->m, timeout, sem_ready, sem);
    if (r != SYS_ARCH_TIMEOUT)
        sem->count--;
    mutex_unlock(&sem->m);
    return r;
}

void sys_sem_free(sys_sem_t *sem)
{
    sem->valid = 0;
}

/* ---- mutexes ---------------------------------------------------------------- */

err_t sys_mutex_new(sys_mutex_t *m)
{
    mutex_init(&m->m, false);
    m->valid = 1;
    return ERR_OK;
}

void sys_mutex_lock(sys_mutex_t *m)
{
    mutex_lock(&m->m);
}

void sys_mutex_unlock(sys_mutex_t *m)
{
    mutex_unlock(&m->m);
}

void sys_mutex_free(sys_mutex_t *m)
{
    m->valid = 0;
}

/* ---- mailboxes -------------------------------------------------------------- */

err_t sys_mbox_new(sys_mbox_t *b, int size)
{
    if (size > SYS_MBOX_SLOTS)
        return ERR_MEM;
    mutex_init(&b->m, false);
    condvar_init(&b->not_empty);
    condvar_init(&b->not_full);
    b->head = b->count = 0;
    b->valid = 1;
    return ERR_OK;
}

static void put(sys_mbox_t *b, void *msg)
{
    b->slot[(b->head + b->count) % SYS_MBOX_SLOTS] = msg;
    b->count++;
    condvar_signal(&b->not_empty);
}

static int has_room(void *arg)
{
    return ((sys_mbox_t *)arg)->count < SYS_MBOX_SLOTS;
}

void sys_mbox_post(sys_mbox_t *b, void *msg)
{
    mutex_lock(&b->m);
    wait(&b->not_full, &b->m, 0, has_room, b);
    put(b, msg);
    mutex_unlock(&b->m);
}

err_t sys_mbox_trypost(sys_mbox_t *b, void *msg)
{
    mutex_lock(&b->m);
    err_t err = ERR_MEM;
    if (b->count < SYS_MBOX_SLOTS) {
        put(b, msg);
        err = ERR_OK;
    }
    mutex_unlock(&b->m);
    return err;
}

/* Never from an interrupt handler here: the network device hands frames
 * to a thread first (net/lwip/netif.c). */
err_t sys_mbox_trypost_fromisr(sys_mbox_t *b, void *msg)
{
    return sys_mbox_trypost(b, msg);
}

static int has_msg(void *arg)
{
    return ((sys_mbox_t *)arg)->count > 0;
}

static void *take(sys_mbox_t *b)
{
    void *msg = b->slot[b->head];
    b->head = (b->head + 1) % SYS_MBOX_SLOTS;
    b->count--;
    condvar_signal(&b->not_full);
    return msg;
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *b, void **msg, u32_t timeout)
{
    mutex_lock(&b->m);
    u32_t r = wait(&b->not_empty, &b->m, timeout, has_msg, b);
    if (r != SYS_ARCH_TIMEOUT) {
        void *m = take(b);
        if (msg)
            *msg = m;
    }
    mutex_unlock(&b->m);
    return r;
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *b, void **msg)
{
    mutex_lock(&b->m);
    u32_t r = SYS_MBOX_EMPTY;
    if (b->count) {
        void *m = take(b);
        if (msg)
            *msg = m;
        r = 0;
    }
    mutex_unlock(&b->m);
    return r;
}

void sys_mbox_free(sys_mbox_t *b)
{
    b->valid = 0;
}

/* ---- threads ------------------------------------------------------------------ */

struct start {
    lwip_thread_fn fn;
    void *arg;
};

static void *run(void *p)
{
    struct start s = *(struct start *)p;
    free(p);
    s.fn(s.arg);
    return NULL;
}

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize, int prio)
{
    struct start *s = malloc(sizeof(*s));
    LWIP_ASSERT("no memory for a thread's start", s != NULL);
    s->fn = fn;
    s->arg = arg;
    int err;
    size_t pages = stacksize > 0 ? ((size_t)stacksize + 4095) / 4096 : THREAD_DEFAULT_STACK_PAGES;
    struct thread *t = thread_create(name, run, s, pages, &err);
    LWIP_ASSERT("sys_thread_new: thread_create failed", t != NULL);
    return t;
}
