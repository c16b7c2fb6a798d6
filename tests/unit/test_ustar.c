/*
 * lib/ustar.c: the headers of the ustar archive that is the disks' file
 * system (POSIX.1-2017, XCU pax, "ustar Interchange Format").
 */
/* unit-sources: lib/ustar.c */
#include "unit.h"

#include <proteus/errno.h>
#include <proteus/ustar.h>

/* A header as tar writes it: name, octal fields, typeflag, magic, and the
 * checksum computed last. */
static void header(u8 h[USTAR_BLOCK], const char *prefix, const char *name, char type, u64 size)
{
    memset(h, 0, USTAR_BLOCK);
    strncpy((char *)h, name, 100);
    snprintf((char *)h + 100, 8, "%07o", 0644);
    snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
    snprintf((char *)h + 136, 12, "%011o", 1700000000u);
    h[156] = (u8)type;
    memcpy(h + 257, "ustar\0" "00", 8);
    if (prefix)
        strncpy((char *)h + 345, prefix, 155);
    unsigned sum = 0;
    memset(h + 148, ' ', 8);
    for (unsigned i = 0; i < USTAR_BLOCK; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
}

TEST(ustar_reads_files_and_directories)
{
    u8 h[USTAR_BLOCK];
    struct ustar_entry e;
    header(h, NULL, "./www/index.html", '0', 797);
    CHECK_EQ(ustar_header(h, &e), 0);
    CHECK_EQ(e.kind, USTAR_FILE);
    CHECK_STREQ(e.path, "www/index.html");
    CHECK_EQ(e.size, 797);
    CHECK_EQ(e.mode, 0644);
    CHECK_EQ(e.mtime, 1700000000);
    CHECK_EQ(ustar_data_blocks(e.size), 2);
    header(h, NULL, "docs/", '5', 0);
    CHECK_EQ(ustar_header(h, &e), 0);
    CHECK_EQ(e.kind, USTAR_DIR);
    CHECK_STREQ(e.path, "docs");
    header(h, "a/long/prefix", "name.txt", '\0', 1);
    CHECK_EQ(ustar_header(h, &e), 0);
    CHECK_EQ(e.kind, USTAR_FILE);
    CHECK_STREQ(e.path, "a/long/prefix/name.txt");
    header(h, NULL, "link", '2', 0);
    CHECK_EQ(ustar_header(h, &e), 0);
    CHECK_EQ(e.kind, USTAR_OTHER);
    header(h, NULL, "./", '5', 0);
    CHECK_EQ(ustar_header(h, &e), 0);
    CHECK_STREQ(e.path, "");
    memset(h, 0, sizeof(h));
    CHECK_EQ(ustar_header(h, &e), 0);
    CHECK_EQ(e.kind, USTAR_END);
    CHECK_EQ(ustar_data_blocks(0), 0);
    CHECK_EQ(ustar_data_blocks(512), 1);
    CHECK_EQ(ustar_data_blocks(513), 2);
}

TEST(ustar_name_fields_without_nul)
{
    /* a name of exactly 100 bytes and a prefix of 155 have no NUL: the
     * path stops at the field's end */
    u8 h[USTAR_BLOCK];
    struct ustar_entry e;
    char name[101], prefix[156];
    memset(name, 'n', 100);
    name[100] = 0;
    memset(prefix, 'p', 155);
    prefix[155] = 0;
    header(h, prefix, name, '0', 0);
    CHECK_EQ(ustar_header(h, &e), 0);
    CHECK_EQ(strlen(e.path), 256);
    CHECK_EQ(e.path[155], '/');
}

TEST(ustar_refuses_bad_headers)
{
    u8 h[USTAR_BLOCK];
    struct ustar_entry e;
    header(h, NULL, "a", '0', 1);
    h[0] ^= 1;   /* the checksum no longer adds up */
    CHECK_EQ(ustar_header(h, &e), -EINVAL);
    header(h, NULL, "a", '0', 1);
    memcpy(h + 257, "ustaX", 5);
    CHECK_EQ(ustar_header(h, &e), -EINVAL);
    header(h, NULL, "a", '0', 1);
    h[124] = '9';   /* not octal (checksum redone below) */
    unsigned sum = 0;
    memset(h + 148, ' ', 8);
    for (unsigned i = 0; i < USTAR_BLOCK; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    CHECK_EQ(ustar_header(h, &e), -EINVAL);
    /* GNU tar's magic is a ustar header too */
    header(h, NULL, "g", '0', 3);
    memcpy(h + 257, "ustar  \0", 8);
    sum = 0;
    memset(h + 148, ' ', 8);
    for (unsigned i = 0; i < USTAR_BLOCK; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    CHECK_EQ(ustar_header(h, &e), 0);
    CHECK_EQ(e.size, 3);
}
