/*
 * kernel/ksyms.c: the symbol table's look-up, on tables that
 * scripts/mksyms.py makes (its `blob` form) from listings made here, so
 * that the C decoder is held to the Python encoder: every name found at
 * its function's first and last byte, aliases, distances of every LEB128
 * length, names cut to the caller's buffer, and a table cut short.
 */
/* unit-sources: kernel/ksyms.c */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <proteus/ksyms.h>

/* ksyms.c's ksym_lookup names the image's text; the host binary has none. */
char __text_start[1], __text_end[1];

#define NSYMS 1500

struct sym {
    u32 off, size;
    char name[240];
};
static struct sym syms[NSYMS];
static u8 *blob;
static size_t blob_len;

static u32 rng = 12345;
static u32 next_rand(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

/* Names like the kernel's: shared prefixes and suffixes (what the pair
 * merging feeds on), C++'s long mangled ones, one longer than any buffer. */
static void make_listing(const char *path)
{
    static const char *const heads[] = { "native_", "xen_", "virtio_", "__kernel_", "pci_",
                                         "vmi_", "_ZN7proteus6driver", "" };
    static const char *const tails[] = { "_init", "_read32", ".part.0", "_r", "", "_isra" };
    u32 off = 64;   /* nothing below it: a look-up there finds no function */
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    for (unsigned i = 0; i < NSYMS; i++) {
        struct sym *s = &syms[i];
        s->off = off;
        if (i == 700)
            snprintf(s->name, sizeof(s->name), "%.230s", "long_name_"
                     "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffffgggggggggg"
                     "hhhhhhhhhhiiiiiiiiiijjjjjjjjjjkkkkkkkkkkllllllllllmmmmmmmmmmnnnnnnnnnn"
                     "oooooooooopppppppppp");
        else
            snprintf(s->name, sizeof(s->name), "%s%s%u%s", heads[next_rand() % 8],
                     next_rand() % 3 ? "do_" : "", i, tails[next_rand() % 6]);
        /* sizes: mostly small; an alias (0: the next name at the same
         * address) now and then; gaps needing 3 and 4 LEB128 bytes */
        u32 r = next_rand() % 100;
        s->size = r < 3 ? 0 : r < 5 ? 20000 + next_rand() % 100000 : i == 1000 ? 3000000 : 1 + next_rand() % 600;
        fprintf(f, "%u %s\n", s->off, s->name);
        off += s->size;
    }
    CHECK(fclose(f) == 0);
}

static void build_table(void)
{
    if (blob)
        return;
    const char *list = "build/host/ksyms-test.list", *out = "build/host/ksyms-test.bin";
    make_listing(list);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "python3 scripts/mksyms.py blob %s %s", list, out);
    CHECK_EQ(system(cmd), 0);
    FILE *f = fopen(out, "rb");
    CHECK(f != NULL);
    CHECK(fseek(f, 0, SEEK_END) == 0);
    blob_len = (size_t)ftell(f);
    rewind(f);
    blob = malloc(blob_len);   /* exactly its size: ASan sees a read past it */
    CHECK(blob != NULL);
    CHECK_EQ(fread(blob, 1, blob_len, f), blob_len);
    fclose(f);
    CHECK(blob_len > 4 + 512);
}

static struct ksym_table table_of(size_t len)
{
    struct ksym_table t;
    memcpy(&t.count, blob, 4);
    t.pairs = (const u8(*)[2])(blob + 4);
    t.data = blob + 4 + 512;
    t.end = blob + len;
    return t;
}

/* The name a look-up inside syms[i] must give: the last of the names at
 * its address (an alias, size 0, is followed by the name it stands for). */
TEST(ksyms_names_every_function_from_first_to_last_byte)
{
    build_table();
    struct ksym_table t = table_of(blob_len);
    CHECK_EQ(t.count, NSYMS);
    char buf[KSYM_NAME_MAX];
    u32 into;
    CHECK(ksym_find(&t, 63, &into, buf, sizeof(buf)) == NULL);
    unsigned checked = 0;
    for (unsigned i = 0; i < NSYMS; i++) {
        if (!syms[i].size && i + 1 < NSYMS)
            continue;   /* an alias: the next name answers for this address */
        u32 last = syms[i].size ? syms[i].size - 1 : 0;
        char want[KSYM_NAME_MAX];
        snprintf(want, sizeof(want), "%s", syms[i].name);
        CHECK_STREQ(ksym_find(&t, syms[i].off, &into, buf, sizeof(buf)), want);
        CHECK_EQ(into, 0);
        CHECK_STREQ(ksym_find(&t, syms[i].off + last, &into, buf, sizeof(buf)), want);
        CHECK_EQ(into, last);
        checked++;
    }
    CHECK(checked > NSYMS * 9 / 10);
}

/* The table is smaller than the names it holds (what it is for). */
TEST(ksyms_table_is_smaller_than_its_names)
{
    build_table();
    size_t names = 0;
    for (unsigned i = 0; i < NSYMS; i++)
        names += strlen(syms[i].name) + 1;
    CHECK(blob_len < names);
}

TEST(ksyms_cuts_a_name_to_the_buffer)
{
    build_table();
    struct ksym_table t = table_of(blob_len);
    char small[8];
    u32 into;
    CHECK_STREQ(ksym_find(&t, syms[700].off, &into, small, sizeof(small)), "long_na");
    CHECK(ksym_find(&t, syms[700].off, &into, small, 0) == NULL);
}

/* A stream cut anywhere: the look-up never reads past its end (ASan) and
 * finds nothing, or a name the full table also gives for that address. */
TEST(ksyms_stops_at_the_end_of_a_cut_table)
{
    build_table();
    struct ksym_table whole = table_of(blob_len);
    for (size_t len = 4 + 512; len < blob_len; len += 1 + len / 50) {
        u8 *copy = malloc(len);
        CHECK(copy != NULL);
        memcpy(copy, blob, len);
        struct ksym_table t = { whole.count, (const u8(*)[2])(copy + 4), copy + 4 + 512, copy + len };
        char a[KSYM_NAME_MAX], b[KSYM_NAME_MAX];
        u32 ia, ib;
        for (unsigned i = 0; i < NSYMS; i += 97) {
            const char *got = ksym_find(&t, syms[i].off, &ia, a, sizeof(a));
            if (got) {
                CHECK_STREQ(got, ksym_find(&whole, syms[i].off, &ib, b, sizeof(b)));
            }
        }
        free(copy);
    }
}
