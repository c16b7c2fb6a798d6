/*
 * Tests of the newlib side: formatted output with floating point, string
 * functions, and the calls newlib leaves to the system (kernel/libc/):
 * sysconf, the environment from the command line, mallinfo, the console
 * descriptors, the clocks, signals and abort(), and errno for the calls
 * Proteus does not provide. docs/libc.md is the table they check.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <proteus/api.h>
#include <proteus/fdtable.h>
#include "selftest.h"

extern char **environ;
int getentropy(void *buf, size_t len);
int fcntl(int fd, int cmd, ...);

static void test_printf_float(void)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%.3f %e %g", 3.14159265, 12345.678, 0.0001);
    CHECK(!strcmp(buf, "3.142 1.234568e+04 0.0001"), "got '%s'", buf);
    snprintf(buf, sizeof(buf), "%lld %llx %5.1f", -1234567890123LL, 0xdeadbeefcafeULL, -2.25);
    CHECK(!strcmp(buf, "-1234567890123 deadbeefcafe  -2.2") ||
          !strcmp(buf, "-1234567890123 deadbeefcafe  -2.3"), "got '%s'", buf);
    test_pass();
}

static void test_math(void)
{
    volatile double x = 2.0;
    double r = sqrt(x) * sqrt(x);
    CHECK(fabs(r - 2.0) < 1e-12, "sqrt(2)^2 = %.17g", r);
    CHECK(fabs(sin(M_PI / 6) - 0.5) < 1e-12, "sin(pi/6) = %.17g", sin(M_PI / 6));
    CHECK(strtod("6.02e23", NULL) == 6.02e23, "strtod mismatch");
    test_pass();
}

static void test_strings(void)
{
    char buf[32];
    strcpy(buf, "proteus");
    strcat(buf, "-os");
    CHECK(strlen(buf) == 10, "strlen %zu", strlen(buf));
    CHECK(strcmp(buf, "proteus-os") == 0, "got %s", buf);
    CHECK(strstr(buf, "us-") == buf + 5, "strstr wrong");
    CHECK(memcmp("abc", "abd", 3) < 0, "memcmp wrong");
    char *d = strdup(buf);
    CHECK(d && !strcmp(d, buf), "strdup failed");
    free(d);
    test_pass();
}

/* Every call Proteus does not provide gives -1 and ENOSYS (docs/libc.md),
 * never a fault; and newlib's stdio file calls end there too. */
static void test_missing_syscall(void)
{
    int fds[2];
    char buf[16];
    const struct {
        const char *name;
        long ret;
    } calls[] = {
#define CALL(expr) { #expr, (errno = 0, (long)(expr)) }, { #expr " errno", errno }
        CALL(link("a", "b")),
        CALL(unlink("a")),
        CALL(mkdir("d", 0755)),
        CALL(rmdir("d")),
        CALL(chdir("/")),
        CALL(getcwd(buf, sizeof(buf)) == NULL ? -1 : 0),
        CALL(ftruncate(1, 0)),
        CALL(pipe(fds)),
        CALL(fork()),
        CALL(execve("/bin/sh", NULL, NULL)),
        CALL(wait(NULL)),
        CALL(waitpid(-1, NULL, 0)),
        CALL(sigprocmask(SIG_BLOCK, NULL, NULL)),
        CALL(getentropy(buf, sizeof(buf))),
        CALL(rename("a", "b")),
        CALL(remove("a")),
#undef CALL
    };
    for (unsigned i = 0; i < sizeof(calls) / sizeof(calls[0]); i += 2) {
        CHECK(calls[i].ret == -1, "%s returned %ld, expected -1", calls[i].name, calls[i].ret);
        CHECK(calls[i + 1].ret == ENOSYS, "%s: errno %ld, expected ENOSYS (%d)", calls[i + 1].name,
              calls[i + 1].ret, ENOSYS);
    }
    errno = 0;
    CHECK(write(7, "x", 1) == -1 && errno == EBADF, "write to fd 7: errno %d", errno);
    /* files: a read-only file system (kernel/libc/files.c), whether a disk
     * holds one or not */
    CHECK(open("/etc/passwd", O_RDONLY) == -1 && errno == ENOENT, "open of a missing file: errno %d", errno);
    CHECK(fopen("/etc/new", "w") == NULL && errno == EROFS, "fopen for writing: errno %d", errno);
    test_pass();
}

static void test_stdio_write(void)
{
    int n = printf("selftest: stdout works\n");
    CHECK(n == 23, "printf returned %d", n);
    CHECK(fflush(stdout) == 0, "fflush failed");
    test_pass();
}

static void test_sysconf(void)
{
    long page = sysconf(_SC_PAGESIZE);
    CHECK(page == 4096 && sysconf(_SC_PAGE_SIZE) == page && getpagesize() == page,
          "page size: sysconf %ld, getpagesize %d", page, getpagesize());
    long onln = sysconf(_SC_NPROCESSORS_ONLN), conf = sysconf(_SC_NPROCESSORS_CONF);
    CHECK(onln >= 1 && conf >= onln && onln == (long)proteus_cpus_online(),
          "CPUs: online %ld, configured %ld, the kernel says %u online", onln, conf,
          proteus_cpus_online());
    CHECK(sysconf(_SC_CLK_TCK) == CLOCKS_PER_SEC, "_SC_CLK_TCK %ld, CLOCKS_PER_SEC %ld",
          sysconf(_SC_CLK_TCK), (long)CLOCKS_PER_SEC);
    long phys = sysconf(_SC_PHYS_PAGES), avail = sysconf(_SC_AVPHYS_PAGES);
    /* some hundreds: a -m 4 machine reports 330 on x86_64 */
    CHECK(phys >= 128 && avail > 0 && avail <= phys, "pages: %ld in all, %ld free", phys, avail);
    CHECK(sysconf(_SC_OPEN_MAX) == FD_TABLE_SIZE, "_SC_OPEN_MAX %ld", sysconf(_SC_OPEN_MAX));
    CHECK(sysconf(_SC_ARG_MAX) >= 1024, "_SC_ARG_MAX %ld", sysconf(_SC_ARG_MAX));
    CHECK(sysconf(_SC_HOST_NAME_MAX) >= 255, "_SC_HOST_NAME_MAX %ld",
          sysconf(_SC_HOST_NAME_MAX));
    /* an option supported: its version, as compiled */
    CHECK(sysconf(_SC_MONOTONIC_CLOCK) == _POSIX_MONOTONIC_CLOCK, "_SC_MONOTONIC_CLOCK %ld",
          sysconf(_SC_MONOTONIC_CLOCK));
    /* an option not supported: -1 with errno untouched */
    errno = 0;
    long job = sysconf(_SC_JOB_CONTROL);
    CHECK(job == -1 && errno == 0, "_SC_JOB_CONTROL %ld errno %d", job, errno);
    /* one supported: POSIX threads, with their limits */
    CHECK(sysconf(_SC_THREADS) == 200809L && sysconf(_SC_THREAD_KEYS_MAX) >= 64,
          "_SC_THREADS %ld, _SC_THREAD_KEYS_MAX %ld", sysconf(_SC_THREADS),
          sysconf(_SC_THREAD_KEYS_MAX));
    /* a name not known: -1 and EINVAL */
    long bad = sysconf(-1), bad2 = (errno = 0, sysconf(100000));
    CHECK(bad == -1 && bad2 == -1 && errno == EINVAL, "unknown names: %ld %ld errno %d", bad, bad2,
          errno);
    char host[64];
    CHECK(gethostname(host, sizeof(host)) == 0 && !strcmp(host, "proteus"), "gethostname '%s'",
          host);
    test_pass();
}

/* The selftest-env rows pass env.GREETING="hello world" env.EMPTY= and
 * a bad option; a plain run passes none. */
static void test_env_from_cmdline(void)
{
    const char *g = getenv("GREETING");
    if (!g) {
        test_skip("no env.GREETING on the command line (the selftest-env rows give one)");
        return;
    }
    CHECK(!strcmp(g, "hello world"), "GREETING='%s', expected 'hello world'", g);
    const char *e = getenv("EMPTY");
    CHECK(e && !*e, "EMPTY is %s%s%s, expected set and empty", e ? "'" : "", e ? e : "unset",
          e ? "'" : "");
    CHECK(!getenv("1BAD"), "a malformed option reached the environment");
    CHECK(environ && environ[0] && !strcmp(environ[0], "GREETING=hello world"),
          "environ[0] is '%s'", environ && environ[0] ? environ[0] : "(none)");
    test_pass();
}

/* setenv, unsetenv and getenv, over whatever environment the command line
 * gave: newlib copies the initial array to the heap on the first new name,
 * and rewrites a value in place when the new one is no longer. */
static void test_setenv(void)
{
    char name[16], value[16];
    const char *g = getenv("GREETING");
    CHECK(setenv("PROTEUS_T", "first", 0) == 0, "setenv: errno %d", errno);
    CHECK(getenv("PROTEUS_T") && !strcmp(getenv("PROTEUS_T"), "first"), "got '%s'",
          getenv("PROTEUS_T"));
    CHECK(setenv("PROTEUS_T", "other", 0) == 0 && !strcmp(getenv("PROTEUS_T"), "first"),
          "setenv without overwrite replaced the value: '%s'", getenv("PROTEUS_T"));
    CHECK(setenv("PROTEUS_T", "much longer value", 1) == 0 &&
          !strcmp(getenv("PROTEUS_T"), "much longer value"), "got '%s'", getenv("PROTEUS_T"));
    CHECK(setenv("PROTEUS_T", "s", 1) == 0 && !strcmp(getenv("PROTEUS_T"), "s"), "got '%s'",
          getenv("PROTEUS_T"));
    for (int i = 0; i < 40; i++) {   /* grow the array (realloc) */
        snprintf(name, sizeof(name), "PROTEUS_%d", i);
        snprintf(value, sizeof(value), "v%d", i);
        CHECK(setenv(name, value, 1) == 0, "setenv %s: errno %d", name, errno);
    }
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof(name), "PROTEUS_%d", i);
        snprintf(value, sizeof(value), "v%d", i);
        CHECK(getenv(name) && !strcmp(getenv(name), value), "%s is '%s'", name, getenv(name));
        CHECK(unsetenv(name) == 0 && !getenv(name), "unsetenv %s", name);
    }
    CHECK(unsetenv("PROTEUS_T") == 0 && !getenv("PROTEUS_T"), "PROTEUS_T still set");
    errno = 0;
    CHECK(setenv("A=B", "x", 1) == -1 && errno == EINVAL, "setenv of 'A=B': errno %d", errno);
    /* what the command line gave is still there */
    CHECK(getenv("GREETING") == g || (g && getenv("GREETING") && !strcmp(getenv("GREETING"), g)),
          "GREETING changed");
    test_pass();
}

/* The figures after a 1 MiB malloc: on x86_64 newlib's allocator and its
 * <malloc.h> disagree on the struct (kernel/libc/malloc.c). */
static void test_mallinfo(void)
{
    const size_t mib = 1 << 20;
    struct mallinfo before = mallinfo();
    char *p = malloc(mib);
    CHECK(p, "malloc of 1 MiB failed");
    memset(p, 0x5a, mib);
    struct mallinfo during = mallinfo();
    free(p);
    struct mallinfo after = mallinfo();
    CHECK(during.uordblks >= before.uordblks + mib,
          "in use %zu bytes after a 1 MiB malloc, %zu before", during.uordblks, before.uordblks);
    CHECK(during.arena >= during.uordblks && during.arena < 64 * mib,
          "arena %zu bytes with %zu in use", during.arena, during.uordblks);
    CHECK(during.arena == during.uordblks + during.fordblks,
          "arena %zu != in use %zu + free %zu", during.arena, during.uordblks, during.fordblks);
    CHECK(after.uordblks + mib <= during.uordblks, "in use %zu after free, %zu before",
          after.uordblks, during.uordblks);
    test_pass();
}

static void test_posix_memalign(void)
{
    void *p = NULL;
    int err = posix_memalign(&p, 4096, 100);
    CHECK(err == 0 && p && (uintptr_t)p % 4096 == 0, "posix_memalign(4096): %d, %p", err, p);
    free(p);
    void *q = (void *)1;
    err = posix_memalign(&q, 12, 100);
    CHECK(err == EINVAL && q == (void *)1, "alignment 12: %d, pointer %p", err, q);
    err = posix_memalign(&q, 2, 100);   /* a power of two below sizeof(void *) */
    CHECK(err == EINVAL, "alignment 2: %d", err);
    p = aligned_alloc(64, 128);
    CHECK(p && (uintptr_t)p % 64 == 0, "aligned_alloc(64): %p", p);
    free(p);
    test_pass();
}

static void test_console_fds(void)
{
    struct stat st;
    for (int fd = 0; fd <= 2; fd++) {
        CHECK(isatty(fd) == 1, "isatty(%d) = %d", fd, isatty(fd));
        memset(&st, 0xff, sizeof(st));
        CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_size == 0,
              "fstat(%d): mode 0%o size %ld", fd, (unsigned)st.st_mode, (long)st.st_size);
    }
    int fds[] = { 3, 64, -1 };
    for (unsigned i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
        errno = 0;
        CHECK(isatty(fds[i]) == 0 && errno == EBADF, "isatty(%d): errno %d", fds[i], errno);
        errno = 0;
        CHECK(fstat(fds[i], &st) == -1 && errno == EBADF, "fstat(%d): errno %d", fds[i], errno);
    }
    /* one descriptor table (kernel/libc/fd.c): a dup of the console is
     * the console, under the lowest free number */
    int d = dup(1);
    CHECK(d == 3 && isatty(d) == 1, "dup(1) gave %d", d);
    CHECK(write(d, "selftest: through a dup of stdout\n", 34) == 34, "write to the dup: errno %d", errno);
    CHECK(dup2(1, 5) == 5 && close(5) == 0 && close(d) == 0, "dup2(1, 5) and the closes");
    CHECK(isatty(3) == 0 && errno == EBADF, "fd 3 still open after its close");
    CHECK((fcntl(1, F_GETFL) & O_ACCMODE) == O_RDWR, "fcntl(1, F_GETFL) = %d", fcntl(1, F_GETFL));
    errno = 0;
    CHECK(fsync(1) == -1 && errno == EINVAL, "fsync(1): errno %d, expected EINVAL", errno);
    test_pass();
}

static void test_clocks(void)
{
    struct timespec res;
    clockid_t ids[] = { CLOCK_REALTIME, CLOCK_MONOTONIC };
    for (unsigned i = 0; i < 2; i++) {
        memset(&res, 0xff, sizeof(res));
        CHECK(clock_getres(ids[i], &res) == 0, "clock_getres(%d): errno %d", (int)ids[i], errno);
        CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000,
              "clock %d: resolution %lld.%09ld s", (int)ids[i], (long long)res.tv_sec,
              res.tv_nsec);
    }
    errno = 0;
    CHECK(clock_getres((clockid_t)12345, &res) == -1 && errno == EINVAL,
          "clock_getres of an unknown clock: errno %d", errno);
    /* times() and clock() count CLOCKS_PER_SEC from boot */
    struct tms t;
    clock_t t0 = times(&t), c0 = clock();
    CHECK(t0 != (clock_t)-1 && c0 != (clock_t)-1, "times %ld, clock %ld", (long)t0, (long)c0);
    struct timespec ms20 = { 0, 20000000 };
    nanosleep(&ms20, NULL);
    clock_t t1 = times(&t), want = CLOCKS_PER_SEC / 50;
    CHECK(t1 - t0 >= want && t1 - t0 < 100 * want, "times() moved %ld ticks over 20 ms",
          (long)(t1 - t0));
    CHECK(t.tms_utime == t1 && t.tms_stime == 0, "tms_utime %ld for %ld ticks",
          (long)t.tms_utime, (long)t1);
    test_pass();
}

static void test_ids(void)
{
    CHECK(getpid() == 1, "getpid %d", (int)getpid());
    CHECK(getppid() == 0 && getuid() == 0 && geteuid() == 0 && getgid() == 0 && getegid() == 0,
          "ids: ppid %d uid %d gid %d", (int)getppid(), (int)getuid(), (int)getgid());
    mode_t old = umask(077);
    CHECK(umask(old) == 077, "umask did not keep its mask");
    test_pass();
}

static volatile int caught;
static jmp_buf abort_escape;

static void on_usr1(int sig)
{
    caught = sig;
}

static void on_abrt(int sig)
{
    longjmp(abort_escape, 1);
}

/* Handlers run for raise(); the default action of a signal that is
 * ignored by default is nothing; kill() knows only process 1; abort()
 * raises SIGABRT first, so a handler may escape it. */
static void test_signals(void)
{
    caught = 0;
    CHECK(signal(SIGUSR1, on_usr1) == SIG_DFL, "SIGUSR1 had a handler");
    CHECK(raise(SIGUSR1) == 0 && caught == SIGUSR1, "handler saw %d", caught);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    caught = 0;
    CHECK(sigaction(SIGUSR2, &sa, &old) == 0 && old.sa_handler == SIG_DFL, "sigaction: errno %d",
          errno);
    CHECK(sigaction(SIGUSR2, NULL, &old) == 0 && old.sa_handler == on_usr1,
          "sigaction did not report the handler");
    CHECK(raise(SIGUSR2) == 0 && caught == SIGUSR2, "handler saw %d", caught);
    errno = 0;
    CHECK(sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL, "SIGKILL caught: errno %d",
          errno);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
    CHECK(raise(SIGCHLD) == 0 && raise(SIGWINCH) == 0, "a signal ignored by default ended nothing");
    CHECK(kill(1, 0) == 0, "kill(1, 0): errno %d", errno);
    errno = 0;
    CHECK(kill(2, SIGTERM) == -1 && errno == ESRCH, "kill(2): errno %d", errno);
    errno = 0;
    CHECK(kill(1, 1000) == -1 && errno == EINVAL, "kill(1, 1000): errno %d", errno);
    signal(SIGABRT, on_abrt);
    if (setjmp(abort_escape) == 0) {
        abort();
        test_fail("abort() returned");
        return;
    }
    signal(SIGABRT, SIG_DFL);
    test_pass();
}

/* Fatal cases (fatal_tests[], test_memory.c): each ends the machine; the
 * selftest-abort and selftest-assert rows check the report. */
void test_fatal_abort(void)
{
    printf("selftest: calling abort()\n");
    abort();
    test_fail("abort() returned");
}

void test_fatal_assert(void)
{
    volatile int two = 2;
    assert(two == 3);
    test_fail("a false assert() returned");
}

const struct test_case libc_tests[] = {
    { "libc.printf_float", test_printf_float },
    { "libc.math", test_math },
    { "libc.strings", test_strings },
    { "libc.enosys", test_missing_syscall },
    { "libc.sysconf", test_sysconf },
    { "libc.env_cmdline", test_env_from_cmdline },
    { "libc.setenv", test_setenv },
    { "libc.mallinfo", test_mallinfo },
    { "libc.posix_memalign", test_posix_memalign },
    { "libc.console_fds", test_console_fds },
    { "libc.clocks", test_clocks },
    { "libc.ids", test_ids },
    { "libc.signals", test_signals },
    { "libc.stdout", test_stdio_write },
    { NULL, NULL },
};
