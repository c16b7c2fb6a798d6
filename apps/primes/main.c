/*
 * primes: a CPU-bound app with POSIX threads, for `make bench`'s SMP
 * speed-up (tests/bench/run.sh): THREADS threads share the odd numbers
 * below LIMIT in blocks taken from a counter under a mutex, test each by
 * trial division and sum the primes. Nothing is shared while a block is
 * worked on, so on n CPUs it should run close to n times as fast as on
 * one. It prints the sum (which is checked against a sieve: a wrong
 * answer is exit status 1), the threads, the CPUs it had, which CPUs
 * each thread's blocks ran on, and the time.
 *
 *   primes [limit=N] [threads=N]
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 16
#define BLOCK 2000   /* numbers per block: small enough to share out evenly */

static unsigned long limit = 2000000, next_block = 3;
static unsigned nthreads = 4;
static pthread_mutex_t take = PTHREAD_MUTEX_INITIALIZER;

struct worker {
    pthread_t id;
    uint64_t sum;
    unsigned long blocks;
    unsigned cpus_seen;   /* bit n: a block ran on CPU n */
};
static struct worker workers[MAX_THREADS];

static int is_prime(unsigned long n)
{
    for (unsigned long d = 3; d * d <= n; d += 2)
        if (n % d == 0)
            return 0;
    return 1;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        pthread_mutex_lock(&take);
        unsigned long from = next_block;
        next_block += BLOCK;
        pthread_mutex_unlock(&take);
        if (from >= limit)
            return NULL;
        unsigned long to = from + BLOCK < limit ? from + BLOCK : limit;
        for (unsigned long n = from | 1; n < to; n += 2)
            if (is_prime(n))
                w->sum += n;
        w->blocks++;
        int cpu = sched_getcpu();
        if (cpu >= 0 && cpu < 32)
            w->cpus_seen |= 1u << cpu;
    }
}

/* The same sum by a sieve, single-threaded: the answer to check against. */
static uint64_t sieve_sum(unsigned long n)
{
    unsigned char *composite = calloc(n, 1);
    if (!composite)
        return 0;
    uint64_t sum = n > 2 ? 2 : 0;
    for (unsigned long i = 3; i < n; i += 2) {
        if (composite[i])
            continue;
        sum += i;
        for (unsigned long j = i * i; j < n; j += 2 * i)
            composite[j] = 1;
    }
    free(composite);
    return sum;
}

static unsigned long arg_number(const char *arg, const char *key, unsigned long dflt)
{
    size_t k = strlen(key);
    if (strncmp(arg, key, k) || arg[k] != '=')
        return dflt;
    char *end;
    unsigned long v = strtoul(arg + k + 1, &end, 10);
    if (*end || end == arg + k + 1) {
        printf("primes: %s is not a number\n", arg);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        limit = arg_number(argv[i], "limit", limit);
        nthreads = (unsigned)arg_number(argv[i], "threads", nthreads);
    }
    if (nthreads < 1 || nthreads > MAX_THREADS || limit < 3) {
        printf("primes: threads must be 1-%d and limit at least 3\n", MAX_THREADS);
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned i = 0; i < nthreads; i++) {
        int err = pthread_create(&workers[i].id, NULL, work, &workers[i]);
        if (err) {
            printf("primes: pthread_create: %s\n", strerror(err));
            return 1;
        }
    }
    uint64_t sum = 2;
    for (unsigned i = 0; i < nthreads; i++) {
        pthread_join(workers[i].id, NULL);
        sum += workers[i].sum;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    printf("primes: sum of primes below %lu = %llu\n", limit, (unsigned long long)sum);
    for (unsigned i = 0; i < nthreads; i++)
        printf("primes: thread %u: %lu blocks, on CPUs 0x%x\n", i, workers[i].blocks,
               workers[i].cpus_seen);
    printf("primes: threads=%u cpus=%ld seconds=%.3f\n", nthreads, cpus, secs);
    uint64_t expected = sieve_sum(limit);
    if (sum != expected) {
        printf("primes: WRONG: a sieve gives %llu\n", (unsigned long long)expected);
        return 1;
    }
    return 0;
}
