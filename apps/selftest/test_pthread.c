/*
 * POSIX threads as an app uses them (include/newlib/pthread.h,
 * kernel/libc/pthread.c): create and join with results, a counter under
 * a statically initialised mutex with preemption on, recursive and
 * error-checking mutexes, condition variables with and without a
 * deadline on both clocks, once, thread-specific data with destructors,
 * detached threads, and the errors POSIX names for misuse.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <proteus/api.h>
#include <proteus/thread.h>
#include "selftest.h"

static void *twice(void *arg)
{
    return (void *)((uintptr_t)arg * 2);
}

static void test_create_join(void)
{
    pthread_t t[8];
    for (uintptr_t i = 0; i < 8; i++)
        CHECK(pthread_create(&t[i], NULL, twice, (void *)i) == 0, "pthread_create %u failed",
              (unsigned)i);
    for (uintptr_t i = 0; i < 8; i++) {
        void *ret = NULL;
        CHECK(pthread_join(t[i], &ret) == 0, "pthread_join %u failed", (unsigned)i);
        CHECK((uintptr_t)ret == i * 2, "thread %u returned %lu", (unsigned)i,
              (unsigned long)(uintptr_t)ret);
    }
    test_pass();
}

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile unsigned counter;

static void *count(void *arg)
{
    for (int i = 0; i < 20000; i++) {
        pthread_mutex_lock(&counter_lock);
        unsigned v = counter;
        if (i % 1000 == 0)
            sched_yield();   /* a switch inside the critical section */
        counter = v + 1;
        pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

/* Four threads, preempted by the time slice as well as yielding inside the
 * lock: nothing lost. */
static void test_mutex_counter(void)
{
    bool was = thread_preemption();
    thread_set_preemption(true);
    counter = 0;
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&t[i], NULL, count, NULL) == 0, "pthread_create failed");
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    thread_set_preemption(was);
    CHECK(counter == 80000, "the counter is %u, not 80000", counter);
    test_pass();
}

static pthread_mutex_t shared;

static void *try_shared(void *arg)
{
    *(int *)arg = pthread_mutex_trylock(&shared);
    int unlock = pthread_mutex_unlock(&shared);
    return (void *)(intptr_t)unlock;
}

static void test_mutex_kinds(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    CHECK(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE) == 0, "settype recursive");
    CHECK(pthread_mutex_init(&shared, &a) == 0, "init recursive");
    CHECK(pthread_mutex_lock(&shared) == 0 && pthread_mutex_lock(&shared) == 0,
          "a recursive mutex taken twice");
    int trylock = 0;
    pthread_t t;
    void *unlock;
    pthread_create(&t, NULL, try_shared, &trylock);
    pthread_join(t, &unlock);
    CHECK(trylock == EBUSY, "another thread's trylock gave %d, not EBUSY", trylock);
    CHECK((intptr_t)unlock == EPERM, "another thread's unlock gave %d, not EPERM",
          (int)(intptr_t)unlock);
    CHECK(pthread_mutex_destroy(&shared) == EBUSY, "destroying a held mutex");
    CHECK(pthread_mutex_unlock(&shared) == 0 && pthread_mutex_unlock(&shared) == 0,
          "two unlocks of a recursive mutex");
    CHECK(pthread_mutex_unlock(&shared) == EPERM, "a third unlock");
    CHECK(pthread_mutex_destroy(&shared) == 0, "destroy");
    CHECK(pthread_mutex_lock(&shared) == EINVAL, "a destroyed mutex must be EINVAL");

    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_t ec;
    CHECK(pthread_mutex_init(&ec, &a) == 0, "init errorcheck");
    pthread_mutex_lock(&ec);
    CHECK(pthread_mutex_lock(&ec) == EDEADLK, "relocking an error-checking mutex");
    pthread_mutex_unlock(&ec);
    pthread_mutex_destroy(&ec);
    pthread_mutexattr_destroy(&a);
    test_pass();
}

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;
static int queue[64], q_head, q_tail;

static void *producer(void *arg)
{
    for (int i = 1; i <= 1000; i++) {
        pthread_mutex_lock(&q_lock);
        while (q_tail - q_head == 64)
            pthread_cond_wait(&q_cond, &q_lock);
        queue[q_tail++ % 64] = i;
        pthread_cond_broadcast(&q_cond);
        pthread_mutex_unlock(&q_lock);
    }
    return NULL;
}

/* 1,000 items through a 64-slot queue: every one, in order. */
static void test_cond_queue(void)
{
    q_head = q_tail = 0;
    pthread_t t;
    CHECK(pthread_create(&t, NULL, producer, NULL) == 0, "pthread_create failed");
    long sum = 0;
    for (int i = 1; i <= 1000; i++) {
        pthread_mutex_lock(&q_lock);
        while (q_head == q_tail)
            pthread_cond_wait(&q_cond, &q_lock);
        int v = queue[q_head++ % 64];
        pthread_cond_broadcast(&q_cond);
        pthread_mutex_unlock(&q_lock);
        CHECK(v == i, "item %d came as %d", i, v);
        sum += v;
    }
    pthread_join(t, NULL);
    CHECK(sum == 500500, "sum %ld", sum);
    test_pass();
}

/* A timed wait nobody signals ends with ETIMEDOUT, not before its time,
 * on the default (realtime) clock and on CLOCK_MONOTONIC. */
static void test_cond_timedwait(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    for (int mono = 0; mono < 2; mono++) {
        pthread_cond_t c;
        pthread_mutex_t m;
        clockid_t clock = mono ? CLOCK_MONOTONIC : CLOCK_REALTIME;
        CHECK(pthread_condattr_setclock(&a, clock) == 0, "setclock %d", (int)clock);
        CHECK(pthread_cond_init(&c, &a) == 0 && pthread_mutex_init(&m, NULL) == 0, "init");
        struct timespec now, at;
        clock_gettime(clock, &now);
        at = now;
        at.tv_nsec += 20000000;
        if (at.tv_nsec >= 1000000000) {
            at.tv_sec++;
            at.tv_nsec -= 1000000000;
        }
        pthread_mutex_lock(&m);
        int r = pthread_cond_timedwait(&c, &m, &at);
        pthread_mutex_unlock(&m);
        /* What POSIX promises is that the clock has passed abstime on
         * return; a wait measured from some later instant can be short
         * by however long the host kept this vCPU from running. */
        struct timespec after;
        clock_gettime(clock, &after);
        CHECK(r == ETIMEDOUT, "%s: timedwait gave %d, not ETIMEDOUT",
              mono ? "monotonic" : "realtime", r);
        CHECK(after.tv_sec > at.tv_sec || (after.tv_sec == at.tv_sec && after.tv_nsec >= at.tv_nsec),
              "%s: woke at %lld.%09ld, before %lld.%09ld", mono ? "monotonic" : "realtime",
              (long long)after.tv_sec, after.tv_nsec, (long long)at.tv_sec, at.tv_nsec);
        struct timespec bad = { 0, 1000000000 };
        pthread_mutex_lock(&m);
        CHECK(pthread_cond_timedwait(&c, &m, &bad) == EINVAL, "tv_nsec of 10^9 must be EINVAL");
        pthread_mutex_unlock(&m);
        pthread_cond_destroy(&c);
        pthread_mutex_destroy(&m);
    }
    CHECK(pthread_condattr_setclock(&a, 12345) == EINVAL, "an unknown clock");
    pthread_condattr_destroy(&a);
    test_pass();
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static volatile int once_runs;

static void once_init(void)
{
    once_runs++;
    sched_yield();   /* others arrive while it runs */
}

static void *call_once(void *arg)
{
    pthread_once(&once, once_init);
    return (void *)(intptr_t)once_runs;
}

static void test_once(void)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, call_once, NULL);
    for (int i = 0; i < 4; i++) {
        void *seen;
        pthread_join(t[i], &seen);
        CHECK((intptr_t)seen == 1, "a thread returned from pthread_once with %d runs",
              (int)(intptr_t)seen);
    }
    CHECK(once_runs == 1, "the init ran %d times", once_runs);
    test_pass();
}

static pthread_key_t key;
static volatile int destroyed_sum;

static void destroy(void *v)
{
    destroyed_sum += (int)(intptr_t)v;
}

static void *use_key(void *arg)
{
    pthread_setspecific(key, arg);
    sched_yield();
    return pthread_getspecific(key);   /* still this thread's own */
}

static void test_keys(void)
{
    destroyed_sum = 0;
    CHECK(pthread_key_create(&key, destroy) == 0, "key_create");
    CHECK(pthread_getspecific(key) == NULL, "a new key's value must be NULL");
    pthread_t t[3];
    for (intptr_t i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, use_key, (void *)(i + 1));
    for (intptr_t i = 0; i < 3; i++) {
        void *v;
        pthread_join(t[i], &v);
        CHECK((intptr_t)v == i + 1, "thread %d saw %d", (int)i, (int)(intptr_t)v);
    }
    CHECK(destroyed_sum == 6, "destructors got %d, not 1+2+3", destroyed_sum);
    CHECK(pthread_key_delete(key) == 0 && pthread_key_delete(key) == EINVAL, "key_delete");
    CHECK(pthread_setspecific(key, (void *)1) == EINVAL, "a deleted key");
    test_pass();
}

static volatile int detached_ran;

static void *detached(void *arg)
{
    detached_ran = 1;
    return NULL;
}

static void test_detach_and_errors(void)
{
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    CHECK(pthread_create(&t, &a, detached, NULL) == 0, "a detached thread");
    pthread_attr_destroy(&a);
    /* it may run here (the yield) or on another CPU: give it 2 s */
    for (int i = 0; i < 2000 && !detached_ran; i++) {
        sched_yield();
        if (!detached_ran)
            usleep(1000);
    }
    CHECK(detached_ran, "the detached thread did not run within 2 s");
    CHECK(pthread_join(t, NULL) == EINVAL, "joining a detached thread");
    CHECK(pthread_join(pthread_self(), NULL) == EDEADLK, "joining oneself");
    CHECK(pthread_join((pthread_t)999999, NULL) == ESRCH, "joining no thread");
    CHECK(pthread_equal(pthread_self(), pthread_self()), "pthread_equal(self, self)");
    /* the next create reaps the detached one: many in turn must not run out */
    for (int i = 0; i < 300; i++) {
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        CHECK(pthread_create(&t, &a, detached, NULL) == 0, "detached thread %d", i);
        sched_yield();
    }
    test_pass();
}

/* selftest keeps its main thread on CPU 0 (main.c); the counts are the
 * kernel's. */
static void test_cpus(void)
{
    CHECK(sched_getcpu() == 0, "sched_getcpu() = %d in the main thread", sched_getcpu());
    long online = sysconf(_SC_NPROCESSORS_ONLN), conf = sysconf(_SC_NPROCESSORS_CONF);
    CHECK(online == (long)proteus_cpus_online() && conf == (long)proteus_cpus_configured(),
          "sysconf says %ld online of %ld, the kernel %u of %u", online, conf,
          proteus_cpus_online(), proteus_cpus_configured());
    CHECK(online >= 1 && online <= conf, "%ld online of %ld", online, conf);
    test_pass();
}

const struct test_case pthread_tests[] = {
    { "pthread.create_join", test_create_join },
    { "pthread.mutex_counter", test_mutex_counter },
    { "pthread.mutex_kinds", test_mutex_kinds },
    { "pthread.cond_queue", test_cond_queue },
    { "pthread.cond_timedwait", test_cond_timedwait },
    { "pthread.once", test_once },
    { "pthread.keys", test_keys },
    { "pthread.detach_and_errors", test_detach_and_errors },
    { "pthread.cpus", test_cpus },
    { NULL, NULL },
};
