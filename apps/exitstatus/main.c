/*
 * exitstatus: prints its arguments one per line, in brackets so that
 * spaces show, then exits with the status its first argument names
 * (strtol: "200", "-1", "0x7f"). Without arguments it exits 0. Its use is
 * testing what carries arguments in and statuses out: scripts/run.py
 * (make run, tests/run/) and the boot rows' status check.
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        printf("exitstatus: argv[%d] = [%s]\n", i, argv[i]);
    if (argc < 2)
        return 0;
    char *end;
    long status = strtol(argv[1], &end, 0);
    if (*end || end == argv[1]) {
        printf("exitstatus: '%s' is not a number\n", argv[1]);
        return 2;
    }
    printf("exitstatus: exit(%ld)\n", status);
    exit((int)status);
}
