/*
 * The calls newlib leaves to the operating system, and the common POSIX
 * calls its headers declare, that Proteus does not provide: there are no
 * files, no directories, no other processes and no users. Each fails the
 * way POSIX.1-2017 lets a call fail for a feature the system lacks, -1
 * with errno ENOSYS, so that ported code gets an error it can report
 * instead of a link error or a fault. docs/libc.md has the whole table.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "glue.h"

/* newlib calls these by name but declares them nowhere it shows a bare
 * *-elf target. */
int getentropy(void *buf, size_t len);

#define NOT_PROVIDED(ret)             \
    do {                              \
        libc_set_errno(ENOSYS);       \
        return ret;                   \
    } while (0)

/* Changes to files and directories (newlib's remove, rename and mkdir
 * end here): the file system is read-only (files.c). */
int link(const char *old, const char *new_name) { NOT_PROVIDED(-1); }
int unlink(const char *path) { NOT_PROVIDED(-1); }
int mkdir(const char *path, mode_t mode) { NOT_PROVIDED(-1); }
int rmdir(const char *path) { NOT_PROVIDED(-1); }
int chdir(const char *path) { NOT_PROVIDED(-1); }
char *getcwd(char *buf, size_t size) { NOT_PROVIDED(NULL); }
int ftruncate(int fd, off_t len) { NOT_PROVIDED(-1); }
int pipe(int fds[2]) { NOT_PROVIDED(-1); }

/* Processes. */
pid_t fork(void) { NOT_PROVIDED(-1); }
int execve(const char *path, char *const argv[], char *const envp[]) { NOT_PROVIDED(-1); }
pid_t wait(int *status) { NOT_PROVIDED(-1); }
pid_t waitpid(pid_t pid, int *status, int options) { NOT_PROVIDED(-1); }

/* Randomness: no entropy source is wired up yet, so newlib's arc4random,
 * which needs one, ends the machine through raise(SIGKILL) (signals.c)
 * rather than hand out predictable numbers. */
int getentropy(void *buf, size_t len) { NOT_PROVIDED(-1); }
