/*
 * Files through POSIX and stdio (kernel/libc/files.c): the read-only
 * ustar file system on the row's disk, whose members tests/boot/
 * tar_image.py writes (the contents below are its). Reads small and large,
 * in odd pieces, after every kind of seek; stdio on top; the errors POSIX
 * names for writing to a read-only file system, opening a directory for
 * reading, and names that are not there. Without such a disk each case
 * says SKIP.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "selftest.h"

#define HELLO "Hello from a ustar disk.\n"
#define PATTERN_SIZE 200000

static uint8_t pattern(unsigned i)
{
    return (uint8_t)(i * 13 + i / 509);
}

static bool have_fs(void)
{
    struct stat st;
    if (stat("/hello.txt", &st) == 0)
        return true;
    test_skip("no ustar file system with /hello.txt (the row gives no tar_image.py disk)");
    return false;
}

static void test_read_small(void)
{
    if (!have_fs())
        return;
    int fd = open("/hello.txt", O_RDONLY);
    CHECK(fd >= 3, "open /hello.txt: errno %d", errno);
    char buf[64];
    ssize_t n = read(fd, buf, sizeof(buf));
    CHECK(n == (ssize_t)strlen(HELLO) && !memcmp(buf, HELLO, (size_t)n), "read %zd bytes", n);
    CHECK(read(fd, buf, sizeof(buf)) == 0, "no end of file after the last byte");
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == (off_t)strlen(HELLO) &&
          st.st_mtime == 1700000000 && !(st.st_mode & 0222),
          "fstat: mode 0%o size %ld mtime %lld", (unsigned)st.st_mode, (long)st.st_size,
          (long long)st.st_mtime);
    CHECK(isatty(fd) == 0 && errno == ENOTTY, "isatty of a file");
    close(fd);
    /* "." and ".." and doubled slashes are what POSIX says they are */
    fd = open("//docs/../hello.txt", O_RDONLY);
    CHECK(fd >= 0, "open //docs/../hello.txt: errno %d", errno);
    close(fd);
    test_pass();
}

static void test_read_large_seek(void)
{
    if (!have_fs())
        return;
    int fd = open("/docs/pattern.bin", O_RDONLY);
    CHECK(fd >= 0, "open: errno %d", errno);
    uint8_t *buf = malloc(PATTERN_SIZE + 1000);
    CHECK(buf, "no memory");
    /* odd pieces: every read starts and ends inside a sector */
    size_t got = 0, piece = 1;
    for (ssize_t n; (n = read(fd, buf + got, piece)) > 0; piece = piece * 3 % 7919 + 1)
        got += (size_t)n;
    bool same = got == PATTERN_SIZE;
    for (unsigned i = 0; same && i < PATTERN_SIZE; i++)
        same = buf[i] == pattern(i);
    free(buf);
    CHECK(same, "read %zu bytes in pieces, %s", got, got == PATTERN_SIZE ? "not the pattern" : "not the size");
    uint8_t b[3];
    CHECK(lseek(fd, -100, SEEK_END) == PATTERN_SIZE - 100 && read(fd, b, 3) == 3 &&
          b[0] == pattern(PATTERN_SIZE - 100) && b[2] == pattern(PATTERN_SIZE - 98), "SEEK_END");
    CHECK(lseek(fd, 1000, SEEK_SET) == 1000 && lseek(fd, 23, SEEK_CUR) == 1023 && read(fd, b, 1) == 1 &&
          b[0] == pattern(1023), "SEEK_SET, SEEK_CUR");
    CHECK(lseek(fd, PATTERN_SIZE + 10, SEEK_SET) == PATTERN_SIZE + 10 && read(fd, b, 1) == 0,
          "a read beyond the end is not an end of file");
    CHECK(lseek(fd, -1, SEEK_SET) == -1 && errno == EINVAL, "a negative offset: errno %d", errno);
    CHECK(lseek(fd, 0, 99) == -1 && errno == EINVAL, "an unknown whence: errno %d", errno);
    close(fd);
    test_pass();
}

static void test_stdio(void)
{
    if (!have_fs())
        return;
    FILE *f = fopen("/hello.txt", "r");
    CHECK(f, "fopen: errno %d", errno);
    char line[64];
    CHECK(fgets(line, sizeof(line), f) && !strcmp(line, HELLO), "fgets");
    CHECK(fseek(f, 6, SEEK_SET) == 0 && ftell(f) == 6 && fgetc(f) == 'f', "fseek/ftell");
    fclose(f);
    char deep[200];
    snprintf(deep, sizeof(deep), "/deep/%.60s/%.60s.txt",
             "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
             "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
    f = fopen(deep, "r");
    CHECK(f && fgets(line, sizeof(line), f) && !strcmp(line, "deep\n"),
          "a path longer than the name field (the prefix field): errno %d", errno);
    fclose(f);
    CHECK(fopen("/hello.txt", "w") == NULL && errno == EROFS, "fopen for writing: errno %d", errno);
    test_pass();
}

static void test_errors(void)
{
    if (!have_fs())
        return;
    struct stat st;
    char c;
    CHECK(open("/missing", O_RDONLY) == -1 && errno == ENOENT, "a missing file: errno %d", errno);
    CHECK(open("/link", O_RDONLY) == -1 && errno == ENOENT, "a symbolic link is not served: errno %d", errno);
    CHECK(open("/hello.txt", O_RDWR) == -1 && errno == EROFS, "O_RDWR: errno %d", errno);
    CHECK(open("/new", O_WRONLY | O_CREAT, 0644) == -1 && errno == EROFS, "O_CREAT: errno %d", errno);
    CHECK(open("/hello.txt", O_RDONLY | O_CREAT | O_EXCL, 0644) == -1 && errno == EEXIST,
          "O_EXCL on a file there: errno %d", errno);
    CHECK(open("/hello.txt", O_RDONLY | O_DIRECTORY) == -1 && errno == ENOTDIR, "O_DIRECTORY: errno %d", errno);
    CHECK(stat("/docs", &st) == 0 && S_ISDIR(st.st_mode), "stat /docs: mode 0%o", (unsigned)st.st_mode);
    CHECK(stat("/www", &st) == 0 && S_ISDIR(st.st_mode), "/www, only a parent in the archive, is no directory");
    CHECK(stat("/", &st) == 0 && S_ISDIR(st.st_mode), "stat /");
    int fd = open("/docs", O_RDONLY);
    CHECK(fd >= 0 && read(fd, &c, 1) == -1 && errno == EISDIR, "read of a directory: errno %d", errno);
    close(fd);
    fd = open("/hello.txt", O_RDONLY);
    CHECK(write(fd, "x", 1) == -1 && errno == EBADF, "write to a file open for reading: errno %d", errno);
    close(fd);
    CHECK(access("/hello.txt", R_OK) == 0 && access("/hello.txt", W_OK) == -1 && errno == EROFS,
          "access: errno %d", errno);
    CHECK(unlink("/hello.txt") == -1 && stat("/hello.txt", &st) == 0, "unlink took a file away");
    test_pass();
}

const struct test_case files_tests[] = {
    { "files.read_small", test_read_small },
    { "files.read_large_seek", test_read_large_seek },
    { "files.stdio", test_stdio },
    { "files.errors", test_errors },
    { NULL, NULL },
};
