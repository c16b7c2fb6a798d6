/*
 * kvstore: the app docs/apps.md walks through, a small appliance of the
 * kind Proteus is for. A key-value store spoken to over the console, one
 * command per line:
 *
 *   SET key value    GET key    DEL key    LIST    BEATS    QUIT [status]
 *
 * with a heartbeat thread beside it that counts its ticks (BEATS shows
 * them). It ends at QUIT or at the end of input (Ctrl-D, which make run and
 * the boot tests send when piped input ends; docs/console.md), with the
 * status QUIT names or 0. The prompt comes from the environment,
 * KVSTORE_PROMPT (kernel option env.KVSTORE_PROMPT=..., docs/libc.md), and
 * the heartbeat's period in ms from the first argument (default 100).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <proteus/api.h>
#include <proteus/sync.h>
#include <proteus/thread.h>

#define MAX_KEYS 64

static struct {
    char *key, *value;
} table[MAX_KEYS];

/* The heartbeat and main share `beats` and `stopping`: a mutex, since with
 * preemption on either may be switched out anywhere. */
static struct mutex lock = MUTEX_INIT(lock);
static unsigned long beats;
static bool stopping;

static void *heartbeat(void *arg)
{
    unsigned long period_ns = (unsigned long)arg * 1000000UL;
    for (;;) {
        proteus_sleep_until_ns(proteus_clock_ns() + period_ns);
        mutex_lock(&lock);
        bool stop = stopping;
        if (!stop)
            beats++;
        mutex_unlock(&lock);
        if (stop)
            return NULL;
    }
}

static int find(const char *key)
{
    for (int i = 0; i < MAX_KEYS; i++)
        if (table[i].key && !strcmp(table[i].key, key))
            return i;
    return -1;
}

static void set(const char *key, const char *value)
{
    int i = find(key);
    if (i < 0)
        for (i = 0; i < MAX_KEYS && table[i].key; i++)
            ;
    if (i == MAX_KEYS) {
        printf("ERR full (%d keys)\n", MAX_KEYS);
        return;
    }
    char *k = table[i].key ? table[i].key : strdup(key), *v = strdup(value);
    if (!k || !v) {
        printf("ERR out of memory\n");
        if (k != table[i].key)
            free(k);
        free(v);
        return;
    }
    free(table[i].value);
    table[i].key = k;
    table[i].value = v;
    printf("OK\n");
}

int main(int argc, char **argv)
{
    unsigned long period_ms = argc > 1 ? strtoul(argv[1], NULL, 0) : 100;
    const char *prompt = getenv("KVSTORE_PROMPT");
    if (!prompt)
        prompt = "kv> ";
    if (!period_ms) {
        fprintf(stderr, "kvstore: a heartbeat period of 0 ms makes no sense\n");
        return 2;
    }

    /* Preemption is off by default: a thread runs until it blocks or
     * yields. main blocks in read() and the heartbeat in its sleep, so
     * either works here; it is on so that a store grown CPU-hungry (a
     * big LIST) cannot starve the heartbeat. */
    thread_set_preemption(true);
    int err;
    struct thread *hb = thread_create("heartbeat", heartbeat, (void *)period_ms,
                                      THREAD_DEFAULT_STACK_PAGES, &err);
    if (!hb) {
        fprintf(stderr, "kvstore: cannot start the heartbeat thread: error %d\n", err);
        return 1;
    }

    int status = 0;
    char line[256];
    for (;;) {
        printf("%s", prompt);
        fflush(stdout);
        if (!fgets(line, sizeof(line), stdin)) {
            printf("\nkvstore: end of input\n");
            break;
        }
        line[strcspn(line, "\r\n")] = '\0';
        char *cmd = strtok(line, " "), *key = strtok(NULL, " "), *rest = strtok(NULL, "");
        if (!cmd)
            continue;
        if (!strcmp(cmd, "SET") && key && rest)
            set(key, rest);
        else if (!strcmp(cmd, "GET") && key) {
            int i = find(key);
            printf(i < 0 ? "NOTFOUND\n" : "VALUE %s\n", i < 0 ? "" : table[i].value);
        } else if (!strcmp(cmd, "DEL") && key) {
            int i = find(key);
            if (i >= 0) {
                free(table[i].key);
                free(table[i].value);
                table[i].key = table[i].value = NULL;
            }
            printf(i < 0 ? "NOTFOUND\n" : "OK\n");
        } else if (!strcmp(cmd, "LIST")) {
            for (int i = 0; i < MAX_KEYS; i++)
                if (table[i].key)
                    printf("%s=%s\n", table[i].key, table[i].value);
            printf("END\n");
        } else if (!strcmp(cmd, "BEATS")) {
            mutex_lock(&lock);
            unsigned long n = beats;
            mutex_unlock(&lock);
            printf("BEATS %lu\n", n);
        } else if (!strcmp(cmd, "QUIT")) {
            status = key ? atoi(key) : 0;
            break;
        } else
            printf("ERR unknown command or missing argument: %s\n", cmd);
    }

    mutex_lock(&lock);
    stopping = true;
    mutex_unlock(&lock);
    thread_join(hb, NULL);
    printf("kvstore: %lu heartbeats, status %d\n", beats, status);
    return status;
}
