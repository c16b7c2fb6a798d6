/*
 * inputcheck: proves that console input arrives whole. It reads stdin with
 * read() until end of input (Ctrl-D at the start of a line, which the
 * boot-test runner sends when a row's input ends) and prints how many bytes
 * came, their CRC-32 and the first and last byte, so that a boot row can
 * compare them with the file it typed (tests/boot/input/): one byte lost or
 * doubled anywhere changes the line, and input that never ends makes the
 * row time out. `inputcheck -- wait MS` sleeps MS milliseconds before the
 * first read, so that input piles up while the app is not reading.
 * `inputcheck -- ack N` says "inputcheck: got T bytes" whenever another N
 * bytes have come, so that the sender can wait for it before sending more:
 * flow control for a console that drops what it cannot hold (Xen dom0's;
 * the boot rows' input_ack).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* CRC-32 as in IEEE 802.3 and zlib: reflected polynomial 0xedb88320,
 * start and final XOR 0xffffffff, a bit at a time (input is a few KiB). */
static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    return crc;
}

static void wait_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    long wait = 0, ack = 0;
    for (int i = 1; i < argc; i += 2) {
        long *opt = !strcmp(argv[i], "wait") ? &wait : !strcmp(argv[i], "ack") ? &ack : NULL;
        if (!opt || i + 1 == argc || (*opt = atol(argv[i + 1])) <= 0) {
            printf("inputcheck: usage: inputcheck [wait MS] [ack N]\n");
            return 2;
        }
    }
    if (wait) {
        printf("inputcheck: waiting %ld ms before reading\n", wait);
        fflush(stdout);
        wait_ms(wait);
    }
    printf("inputcheck: reading stdin to end of input\n");
    fflush(stdout);

    static unsigned char buf[4096];
    uint64_t total = 0, reads = 0;
    uint32_t crc = 0xffffffffu;
    int first = -1, last = -1;
    for (;;) {
        ssize_t n = read(0, buf, sizeof(buf));
        if (n < 0) {
            printf("inputcheck: read failed after %llu bytes: %s (errno %d)\n",
                   (unsigned long long)total, strerror(errno), errno);
            return 1;
        }
        if (n == 0)
            break;
        if (first < 0)
            first = buf[0];
        last = buf[n - 1];
        crc = crc32_update(crc, buf, (size_t)n);
        if (ack && (total + (uint64_t)n) / (uint64_t)ack > total / (uint64_t)ack) {
            printf("inputcheck: got %llu bytes\n", (unsigned long long)(total + (uint64_t)n));
            fflush(stdout);
        }
        total += (uint64_t)n;
        reads++;
    }
    printf("inputcheck: %llu bytes in %llu reads, crc32 0x%08lx, first 0x%02x, last 0x%02x\n",
           (unsigned long long)total, (unsigned long long)reads,
           (unsigned long)(crc ^ 0xffffffffu), first & 0xff, last & 0xff);
    return 0;
}
