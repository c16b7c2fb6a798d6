/*
 * POSIX threads (include/newlib/pthread.h) on the kernel's threads,
 * mutexes and condition variables (<proteus/thread.h>, <proteus/sync.h>).
 *
 * newlib's types make pthread_t, pthread_mutex_t, pthread_cond_t and
 * pthread_key_t 32-bit handles (sys/_pthreadtypes.h), too small for a
 * pointer on x86_64, so each names a slot in a table here: threads and
 * keys in fixed tables, mutexes and condition variables in tables that
 * grow. A handle is its slot + 1; 0xFFFFFFFF is newlib's static
 * initialiser, replaced by a real handle on first use (compare-and-swap,
 * so two threads racing to use one object make one). Handles are never
 * reused: a destroyed mutex's handle stays invalid (EINVAL), not someone
 * else's.
 *
 * Errors are POSIX's: returned, not put in errno. Bad handles and misuse
 * the kernel can see (unlocking a mutex not held, joining oneself or a
 * detached thread) are EINVAL, EPERM or EDEADLK, never a crash.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <proteus/api.h>
#include <proteus/sync.h>
#include <proteus/thread.h>

#define STATIC_INIT 0xFFFFFFFFu

/* One table lock for every table: short critical sections, never held
 * while blocking. */
static struct mutex table_lock = MUTEX_INIT(table_lock);

/* ---- threads ------------------------------------------------------------------ */

struct pthread {
    struct thread *kt;          /* NULL: a free slot */
    void *(*start)(void *);
    void *arg;
    bool detached, exited;
    void *specific[PTHREAD_KEYS_MAX];
};
/* The table comes from the heap at the first use (table_lock held), so
 * that an app without threads does not carry it in the image: false when
 * there is no memory for it. Once set, the pointer never changes. */
static struct pthread *threads;

static bool table_ready(void)
{
    if (!threads)
        __atomic_store_n(&threads, calloc(PTHREAD_THREADS_MAX, sizeof(*threads)), __ATOMIC_RELEASE);
    return threads != NULL;
}

static struct pthread *thread_of(pthread_t t)
{
    struct pthread *table = __atomic_load_n(&threads, __ATOMIC_ACQUIRE);
    return table && t >= 1 && t <= PTHREAD_THREADS_MAX && table[t - 1].kt ? &table[t - 1] : NULL;
}

static pthread_t handle_of(const struct pthread *p)
{
    return (pthread_t)(p - threads) + 1;
}

/* The caller's slot; the main thread (or one made with the kernel's own
 * API) gets one on first use. NULL only if the table is full. */
static struct pthread *self(void)
{
    struct thread *kt = thread_current();
    struct pthread *free_slot = NULL;
    mutex_lock(&table_lock);
    if (!table_ready()) {
        mutex_unlock(&table_lock);
        return NULL;
    }
    for (unsigned i = 0; i < PTHREAD_THREADS_MAX; i++) {
        if (threads[i].kt == kt) {
            mutex_unlock(&table_lock);
            return &threads[i];
        }
        if (!threads[i].kt && !free_slot)
            free_slot = &threads[i];
    }
    if (free_slot) {
        memset(free_slot, 0, sizeof(*free_slot));
        free_slot->kt = kt;
    }
    mutex_unlock(&table_lock);
    return free_slot;
}

/* Detached threads that ended: the kernel frees a thread when it is
 * joined, so someone must join them. Done here, on the way into
 * pthread_create, with the table lock not held while joining. */
static void reap_detached(void)
{
    for (unsigned i = 0; __atomic_load_n(&threads, __ATOMIC_ACQUIRE) && i < PTHREAD_THREADS_MAX; i++) {
        mutex_lock(&table_lock);
        struct pthread *p = &threads[i];
        struct thread *kt = p->kt && p->detached && p->exited ? p->kt : NULL;
        if (kt)
            p->kt = NULL;
        mutex_unlock(&table_lock);
        if (kt)
            thread_join(kt, NULL);
    }
}

static void run_destructors(struct pthread *p);

static void *trampoline(void *arg)
{
    struct pthread *p = arg;
    void *ret = p->start(p->arg);
    pthread_exit(ret);
}

int pthread_attr_init(pthread_attr_t *attr)
{
    memset(attr, 0, sizeof(*attr));
    attr->is_initialized = 1;
    attr->detachstate = PTHREAD_CREATE_JOINABLE;
    attr->stacksize = THREAD_DEFAULT_STACK_PAGES * PROTEUS_PAGE_SIZE;
    return 0;
}

int pthread_attr_destroy(pthread_attr_t *attr)
{
    if (!attr->is_initialized)
        return EINVAL;
    attr->is_initialized = 0;
    return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *attr, int state)
{
    if (!attr->is_initialized ||
        (state != PTHREAD_CREATE_JOINABLE && state != PTHREAD_CREATE_DETACHED))
        return EINVAL;
    attr->detachstate = state;
    return 0;
}

int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state)
{
    if (!attr->is_initialized)
        return EINVAL;
    *state = attr->detachstate;
    return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size)
{
    if (!attr->is_initialized || size < PTHREAD_STACK_MIN || size > INT32_MAX)
        return EINVAL;
    attr->stacksize = (int)size;
    return 0;
}

int pthread_attr_getstacksize(const pthread_attr_t *attr, size_t *size)
{
    if (!attr->is_initialized)
        return EINVAL;
    *size = (size_t)attr->stacksize;
    return 0;
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *),
                   void *arg)
{
    if (!start || (attr && !attr->is_initialized))
        return EINVAL;
    reap_detached();
    size_t bytes = attr ? (size_t)attr->stacksize : THREAD_DEFAULT_STACK_PAGES * PROTEUS_PAGE_SIZE;
    size_t pages = (bytes + PROTEUS_PAGE_SIZE - 1) / PROTEUS_PAGE_SIZE;
    mutex_lock(&table_lock);
    struct pthread *p = NULL;
    for (unsigned i = 0; table_ready() && i < PTHREAD_THREADS_MAX && !p; i++)
        if (!threads[i].kt)
            p = &threads[i];
    if (!p) {
        mutex_unlock(&table_lock);
        return EAGAIN;
    }
    memset(p, 0, sizeof(*p));
    p->start = start;
    p->arg = arg;
    p->detached = attr && attr->detachstate == PTHREAD_CREATE_DETACHED;
    /* the slot is taken before the thread can run and look for itself */
    p->kt = (struct thread *)1;
    int err;
    struct thread *kt = thread_create("pthread", trampoline, p, pages, &err);
    p->kt = kt;
    mutex_unlock(&table_lock);
    if (!kt)
        return err == -ENOMEM || err == -EAGAIN ? EAGAIN : EINVAL;
    *thread = handle_of(p);
    return 0;
}

int pthread_join(pthread_t thread, void **ret)
{
    mutex_lock(&table_lock);
    struct pthread *p = thread_of(thread);
    struct thread *kt = p ? p->kt : NULL;
    int err = !p ? ESRCH : p->detached ? EINVAL : kt == thread_current() ? EDEADLK : 0;
    if (!err)
        p->detached = true;   /* one joiner: a second pthread_join is EINVAL */
    mutex_unlock(&table_lock);
    if (err)
        return err;
    void *value;
    int kerr = thread_join(kt, &value);
    mutex_lock(&table_lock);
    p->kt = NULL;
    mutex_unlock(&table_lock);
    if (kerr)
        return EINVAL;
    if (ret)
        *ret = value;
    return 0;
}

int pthread_detach(pthread_t thread)
{
    mutex_lock(&table_lock);
    struct pthread *p = thread_of(thread);
    int err = !p ? ESRCH : p->detached ? EINVAL : 0;
    if (!err)
        p->detached = true;   /* reaped once it ended (reap_detached) */
    mutex_unlock(&table_lock);
    return err;
}

pthread_t pthread_self(void)
{
    struct pthread *p = self();
    return p ? handle_of(p) : 0;
}

int pthread_equal(pthread_t a, pthread_t b)
{
    return a == b;
}

void pthread_exit(void *ret)
{
    struct pthread *p = self();
    if (p) {
        run_destructors(p);
        mutex_lock(&table_lock);
        p->exited = true;
        mutex_unlock(&table_lock);
    }
    thread_exit(ret);
}

/* ---- handle tables for mutexes and condition variables ----------------------- */

struct table {
    void **slot;
    uint32_t n, cap;
};

/* A new handle for `obj`, or 0 without memory. Table lock held. */
static uint32_t table_add(struct table *t, void *obj)
{
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 16;
        if (cap >= STATIC_INIT - 1)
            return 0;
        void **s = realloc(t->slot, cap * sizeof(*s));
        if (!s)
            return 0;
        t->slot = s;
        t->cap = cap;
    }
    t->slot[t->n++] = obj;
    return t->n;
}

static void *table_get(struct table *t, uint32_t h)
{
    mutex_lock(&table_lock);
    void *obj = h >= 1 && h <= t->n ? t->slot[h - 1] : NULL;
    mutex_unlock(&table_lock);
    return obj;
}

/* A new object's handle into *handle: 0, or ENOMEM (the object freed). */
static int table_insert(struct table *t, void *obj, uint32_t *handle)
{
    mutex_lock(&table_lock);
    uint32_t h = table_add(t, obj);
    mutex_unlock(&table_lock);
    if (!h) {
        free(obj);
        return ENOMEM;
    }
    *handle = h;
    return 0;
}

/* The object behind *handle, made now if it is still the static
 * initialiser; NULL for a handle that names nothing (or no memory). */
static void *resolve(struct table *t, uint32_t *handle, void *(*make)(void))
{
    uint32_t h = __atomic_load_n(handle, __ATOMIC_ACQUIRE);
    if (h != STATIC_INIT)
        return table_get(t, h);
    void *obj = make();
    if (!obj)
        return NULL;
    uint32_t mine;
    if (table_insert(t, obj, &mine))
        return NULL;
    uint32_t expect = STATIC_INIT;
    if (!__atomic_compare_exchange_n(handle, &expect, mine, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        /* another thread made it first: its object is the one; ours is
         * left in the table, unreachable, and freed */
        mutex_lock(&table_lock);
        t->slot[mine - 1] = NULL;
        mutex_unlock(&table_lock);
        free(obj);
        return table_get(t, expect);
    }
    return obj;
}

/* ---- mutexes ------------------------------------------------------------------- */

static struct table mutexes;

struct pmutex {
    struct mutex m;
    int type;
};

static void *make_normal_mutex(void)
{
    struct pmutex *pm = malloc(sizeof(*pm));
    if (pm) {
        mutex_init(&pm->m, false);
        pm->type = PTHREAD_MUTEX_DEFAULT;
    }
    return pm;
}

int pthread_mutexattr_init(pthread_mutexattr_t *attr)
{
    memset(attr, 0, sizeof(*attr));
    attr->is_initialized = 1;
    return 0;
}

int pthread_mutexattr_destroy(pthread_mutexattr_t *attr)
{
    if (!attr->is_initialized)
        return EINVAL;
    attr->is_initialized = 0;
    return 0;
}

int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type)
{
    if (!attr->is_initialized || type < PTHREAD_MUTEX_NORMAL || type > PTHREAD_MUTEX_DEFAULT)
        return EINVAL;
    /* newlib's attribute has room for "recursive" only: keep the type in
     * it, recursive being the one that differs in behaviour here */
    attr->recursive = type;
    return 0;
}

int pthread_mutexattr_gettype(const pthread_mutexattr_t *attr, int *type)
{
    if (!attr->is_initialized)
        return EINVAL;
    *type = attr->recursive;
    return 0;
}

int pthread_mutex_init(pthread_mutex_t *mutex, const pthread_mutexattr_t *attr)
{
    if (attr && !attr->is_initialized)
        return EINVAL;
    struct pmutex *pm = make_normal_mutex();
    if (!pm)
        return ENOMEM;
    pm->type = attr ? attr->recursive : PTHREAD_MUTEX_DEFAULT;
    mutex_init(&pm->m, pm->type == PTHREAD_MUTEX_RECURSIVE);
    return table_insert(&mutexes, pm, mutex);
}

static struct pmutex *mutex_of(pthread_mutex_t *mutex)
{
    return resolve(&mutexes, mutex, make_normal_mutex);
}

int pthread_mutex_destroy(pthread_mutex_t *mutex)
{
    if (*mutex == STATIC_INIT)
        return 0;   /* never used: nothing was made */
    struct pmutex *pm = table_get(&mutexes, *mutex);
    if (!pm)
        return EINVAL;
    if (__atomic_load_n(&pm->m.owner, __ATOMIC_ACQUIRE))
        return EBUSY;   /* held, by the caller too (a recursive one) */
    mutex_lock(&table_lock);
    mutexes.slot[*mutex - 1] = NULL;
    mutex_unlock(&table_lock);
    free(pm);
    return 0;
}

int pthread_mutex_lock(pthread_mutex_t *mutex)
{
    struct pmutex *pm = mutex_of(mutex);
    if (!pm)
        return EINVAL;
    if (pm->type == PTHREAD_MUTEX_ERRORCHECK && pm->m.owner == thread_current())
        return EDEADLK;
    mutex_lock(&pm->m);
    return 0;
}

int pthread_mutex_trylock(pthread_mutex_t *mutex)
{
    struct pmutex *pm = mutex_of(mutex);
    if (!pm)
        return EINVAL;
    return mutex_trylock(&pm->m) ? 0 : EBUSY;
}

int pthread_mutex_unlock(pthread_mutex_t *mutex)
{
    struct pmutex *pm = mutex_of(mutex);
    if (!pm)
        return EINVAL;
    /* POSIX's answer, without the kernel's report of the misuse */
    if (__atomic_load_n(&pm->m.owner, __ATOMIC_ACQUIRE) != thread_current())
        return EPERM;
    return mutex_unlock(&pm->m) ? EPERM : 0;
}

/* ---- condition variables ---------------------------------------------------- */

static struct table conds;

struct pcond {
    struct condvar c;
    clockid_t clock;
};

static void *make_cond(void)
{
    struct pcond *pc = malloc(sizeof(*pc));
    if (pc) {
        condvar_init(&pc->c);
        pc->clock = CLOCK_REALTIME;
    }
    return pc;
}

int pthread_condattr_init(pthread_condattr_t *attr)
{
    memset(attr, 0, sizeof(*attr));
    attr->is_initialized = 1;
    attr->clock = CLOCK_REALTIME;
    return 0;
}

int pthread_condattr_destroy(pthread_condattr_t *attr)
{
    if (!attr->is_initialized)
        return EINVAL;
    attr->is_initialized = 0;
    return 0;
}

int pthread_condattr_setclock(pthread_condattr_t *attr, clockid_t clock)
{
    if (!attr->is_initialized || (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC))
        return EINVAL;
    attr->clock = clock;
    return 0;
}

int pthread_condattr_getclock(const pthread_condattr_t *attr, clockid_t *clock)
{
    if (!attr->is_initialized)
        return EINVAL;
    *clock = (clockid_t)attr->clock;
    return 0;
}

int pthread_cond_init(pthread_cond_t *cond, const pthread_condattr_t *attr)
{
    if (attr && !attr->is_initialized)
        return EINVAL;
    struct pcond *pc = make_cond();
    if (!pc)
        return ENOMEM;
    if (attr)
        pc->clock = (clockid_t)attr->clock;
    return table_insert(&conds, pc, cond);
}

int pthread_cond_destroy(pthread_cond_t *cond)
{
    if (*cond == STATIC_INIT)
        return 0;
    struct pcond *pc = table_get(&conds, *cond);
    if (!pc)
        return EINVAL;
    mutex_lock(&table_lock);
    conds.slot[*cond - 1] = NULL;
    mutex_unlock(&table_lock);
    free(pc);
    return 0;
}

static int cond_wait(struct pcond *pc, pthread_mutex_t *mutex, u64 deadline)
{
    struct pmutex *pm = mutex_of(mutex);
    if (!pc || !pm)
        return EINVAL;
    int err = deadline ? condvar_wait_until(&pc->c, &pm->m, deadline)
                       : condvar_wait(&pc->c, &pm->m);
    return err == -ETIMEDOUT ? ETIMEDOUT : err ? EPERM : 0;
}

int pthread_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex)
{
    return cond_wait(resolve(&conds, cond, make_cond), mutex, 0);
}

/* abstime on the condition's clock, as a deadline on the kernel's
 * monotonic clock; one already past is 1 (wait not at all). The real-time
 * clock can be set while the thread waits (under Xen, dom0 sets the wall
 * clock the domain reads: shared_info's wc_sec): a timeout is only
 * returned once that clock, read again, has reached abstime, as XSH
 * pthread_cond_timedwait() says of a clock that is set; until then the
 * wait goes on for what is left. */
int pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
                           const struct timespec *abstime)
{
    if (!abstime || abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000L ||
        abstime->tv_sec < 0)
        return EINVAL;
    struct pcond *pc = resolve(&conds, cond, make_cond);
    if (!pc)
        return EINVAL;
    u64 at = (u64)abstime->tv_sec * 1000000000ULL + (u64)abstime->tv_nsec;
    for (;;) {
        u64 mono_now = proteus_clock_ns();
        u64 clock_now = pc->clock == CLOCK_MONOTONIC ? mono_now : proteus_wallclock_ns();
        int r = cond_wait(pc, mutex, at > clock_now ? mono_now + (at - clock_now) : 1);
        if (r != ETIMEDOUT || pc->clock == CLOCK_MONOTONIC || proteus_wallclock_ns() >= at)
            return r;
    }
}

int pthread_cond_signal(pthread_cond_t *cond)
{
    struct pcond *pc = resolve(&conds, cond, make_cond);
    if (!pc)
        return EINVAL;
    condvar_signal(&pc->c);
    return 0;
}

int pthread_cond_broadcast(pthread_cond_t *cond)
{
    struct pcond *pc = resolve(&conds, cond, make_cond);
    if (!pc)
        return EINVAL;
    condvar_broadcast(&pc->c);
    return 0;
}

/* ---- once ---------------------------------------------------------------------- */

/* init_executed: 0 not run, 1 running, 2 done. Others wait for a running
 * one on a condition variable shared by every once. */
static struct mutex once_lock = MUTEX_INIT(once_lock);
static struct condvar once_done;
static bool once_ready;

int pthread_once(pthread_once_t *once, void (*init)(void))
{
    if (!once->is_initialized || !init)
        return EINVAL;
    if (__atomic_load_n(&once->init_executed, __ATOMIC_ACQUIRE) == 2)
        return 0;
    mutex_lock(&once_lock);
    if (!once_ready) {
        condvar_init(&once_done);
        once_ready = true;
    }
    while (once->init_executed == 1)
        condvar_wait(&once_done, &once_lock);
    if (once->init_executed == 2) {
        mutex_unlock(&once_lock);
        return 0;
    }
    once->init_executed = 1;
    mutex_unlock(&once_lock);
    init();
    mutex_lock(&once_lock);
    __atomic_store_n(&once->init_executed, 2, __ATOMIC_RELEASE);
    condvar_broadcast(&once_done);
    mutex_unlock(&once_lock);
    return 0;
}

/* ---- thread-specific data ------------------------------------------------------ */

static struct {
    bool used;
    void (*destructor)(void *);
} keys[PTHREAD_KEYS_MAX];

int pthread_key_create(pthread_key_t *key, void (*destructor)(void *))
{
    mutex_lock(&table_lock);
    for (unsigned k = 0; k < PTHREAD_KEYS_MAX; k++) {
        if (keys[k].used)
            continue;
        keys[k].used = true;
        keys[k].destructor = destructor;
        /* no thread may see a value a deleted key with this slot left */
        for (unsigned i = 0; threads && i < PTHREAD_THREADS_MAX; i++)
            threads[i].specific[k] = NULL;
        mutex_unlock(&table_lock);
        *key = k + 1;
        return 0;
    }
    mutex_unlock(&table_lock);
    return EAGAIN;
}

int pthread_key_delete(pthread_key_t key)
{
    mutex_lock(&table_lock);
    int err = key >= 1 && key <= PTHREAD_KEYS_MAX && keys[key - 1].used ? 0 : EINVAL;
    if (!err)
        keys[key - 1].used = false;   /* destructors are not run (POSIX) */
    mutex_unlock(&table_lock);
    return err;
}

void *pthread_getspecific(pthread_key_t key)
{
    struct pthread *p = self();
    if (!p || key < 1 || key > PTHREAD_KEYS_MAX || !keys[key - 1].used)
        return NULL;
    return p->specific[key - 1];
}

int pthread_setspecific(pthread_key_t key, const void *value)
{
    struct pthread *p = self();
    if (!p)
        return ENOMEM;
    if (key < 1 || key > PTHREAD_KEYS_MAX || !keys[key - 1].used)
        return EINVAL;
    p->specific[key - 1] = (void *)value;
    return 0;
}

/* At thread exit: each non-NULL value whose key has a destructor, set to
 * NULL and passed to it, again while destructors set new values, at most
 * PTHREAD_DESTRUCTOR_ITERATIONS rounds. */
static void run_destructors(struct pthread *p)
{
    for (int round = 0; round < PTHREAD_DESTRUCTOR_ITERATIONS; round++) {
        bool any = false;
        for (unsigned k = 0; k < PTHREAD_KEYS_MAX; k++) {
            void *v = p->specific[k];
            if (!v || !keys[k].used || !keys[k].destructor)
                continue;
            p->specific[k] = NULL;
            keys[k].destructor(v);
            any = true;
        }
        if (!any)
            return;
    }
}

/* ---- <sched.h> (include/newlib/sched.h) -------------------------------------- */

int sched_yield(void)
{
    thread_yield();
    return 0;
}

int sched_getcpu(void)
{
    return (int)proteus_this_cpu();
}
