/*
 * hello: the smallest appliance. It proves the whole path: boot, the
 * platform ops, newlib's stdio on the console, and exit with a status.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("Hello from Proteus\n");
    for (int i = 1; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);
    return 0;
}
