/*
 * Identities that POSIX.1-2017 says cannot fail: the process, its parent,
 * the user and group, the file-creation mask. The app is the only
 * process, so it answers as the first process run by the superuser, and
 * the mask is kept only so that umask() returns what it was given.
 */
#include <sys/stat.h>
#include <unistd.h>

/* The only process has the first id, init's. */
pid_t getpid(void)
{
    return 1;
}

pid_t getppid(void)
{
    return 0;   /* no parent, as for a process the kernel started itself */
}

uid_t getuid(void) { return 0; }
uid_t geteuid(void) { return 0; }
gid_t getgid(void) { return 0; }
gid_t getegid(void) { return 0; }

static mode_t file_mask = 022;

mode_t umask(mode_t mask)
{
    mode_t old = file_mask;
    file_mask = mask & 0777;
    return old;
}
