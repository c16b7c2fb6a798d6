/*
 * fault: an appliance that crashes on purpose, so the boot tests can check
 * that a faulting app gets a full report and a failure status instead of a
 * hang or a reboot. The first argument picks the fault (default: null);
 * deadlock and main-exit leave no thread able to run, which the kernel
 * must report rather than halt forever.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <proteus/sync.h>
#include <proteus/thread.h>

static volatile int zero;

/* Each call takes 512 bytes of stack; a depth far past any stack size
 * runs into the guard page below it. */
static int __attribute__((noinline)) recurse(int n)
{
    volatile char pad[512];
    pad[0] = (char)n;
    if (n > 1000000)
        return pad[0];
    return recurse(n + 1) + pad[0];
}

static void *overflow(void *arg)
{
    return (void *)(long)recurse(0);
}

/* in-libc: the fault happens in a function newlib calls (qsort's
 * comparator), so the backtrace must walk through newlib's frames. */
static int __attribute__((noinline)) read_null(const int *p)
{
    return *(volatile const int *)0 + *p;
}

static int __attribute__((noinline)) bad_compare(const void *a, const void *b)
{
    return read_null(a) - *(const int *)b;
}

static int __attribute__((noinline)) sort_badly(void)
{
    int v[8] = { 5, 3, 7, 1, 8, 2, 6, 4 };
    qsort(v, 8, sizeof(v[0]), bad_compare);
    return v[0];
}

/* deadlock: main holds A and wants B, this thread holds B and wants A. */
static struct mutex lock_a, lock_b;

static void *b_then_a(void *arg)
{
    mutex_lock(&lock_b);
    thread_yield();   /* main now blocks on B */
    mutex_lock(&lock_a);
    return NULL;
}

static int deadlock(void)
{
    mutex_init(&lock_a, false);
    mutex_init(&lock_b, false);
    mutex_lock(&lock_a);
    int err;
    struct thread *t = thread_create("b-then-a", b_then_a, NULL, 4, &err);
    if (!t) {
        printf("fault: cannot create the thread: %d\n", err);
        return 2;
    }
    thread_yield();   /* it takes B */
    mutex_lock(&lock_b);
    return 0;
}

int main(int argc, char **argv)
{
    const char *kind = argc > 1 ? argv[1] : "null";
    printf("fault: causing a '%s' fault\n", kind);
    fflush(stdout);
    if (!strcmp(kind, "null"))
        return *(volatile int *)0;
    if (!strcmp(kind, "ud"))
        __asm__ __volatile__("ud2");
    if (!strcmp(kind, "div")) {
        /* in asm: GCC turns 1 / x into a comparison, with no division */
        unsigned n = 1, d = (unsigned)zero;
        __asm__ __volatile__("xor %%edx, %%edx\n\tdivl %1" : "+a"(n) : "r"(d) : "edx", "cc");
        return (int)n;
    }
    if (!strcmp(kind, "stack"))
        return recurse(0);
    if (!strcmp(kind, "thread-stack")) {
        int err;
        struct thread *t = thread_create("deep-recursion", overflow, NULL, 4, &err);
        if (!t) {
            printf("fault: cannot create the thread: %d\n", err);
            return 2;
        }
        thread_join(t, NULL);
        return 0;
    }
    if (!strcmp(kind, "in-libc"))
        return sort_badly();
    if (!strcmp(kind, "deadlock"))
        return deadlock();
    if (!strcmp(kind, "main-exit"))
        thread_exit(NULL);   /* and no other thread: nothing left to run */
    if (!strcmp(kind, "sigterm"))
        return raise(SIGTERM);   /* the default action: the end of the app */
    if (!strcmp(kind, "write-text")) {
        *(volatile unsigned char *)(void *)main = 0xcc;
        return 0;
    }
    printf("fault: unknown kind '%s' (null, ud, div, stack, thread-stack, write-text, in-libc, "
           "deadlock, main-exit, sigterm)\n", kind);
    return 2;
}
