/*
 * echo: reads lines from the console and prints each back, until two lines
 * have been read (or end of input). It exercises the console's read path
 * through newlib's stdio, which the boot tests drive by typing on the
 * serial line. `echo -- N` reads N lines instead of two.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    int lines = argc > 1 ? atoi(argv[1]) : 2;
    char buf[256];

    printf("echo: ready\n");
    fflush(stdout);
    for (int i = 0; i < lines && fgets(buf, sizeof(buf), stdin); i++) {
        buf[strcspn(buf, "\r\n")] = '\0';
        printf("echo: %s\n", buf);
    }
    return 0;
}
