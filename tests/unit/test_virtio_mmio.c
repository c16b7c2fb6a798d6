/*
 * drivers/virtio/mmio_param.c: the virtio_mmio.device= values QEMU's
 * microvm passes, and the malformed ones a command line can hold,
 * refused whole.
 */
/* unit-sources: drivers/virtio/mmio_param.c kernel/cmdline.c */
#include "unit.h"

#include <drivers/virtio_mmio.h>

TEST(virtio_mmio_parse_accepts_microvms_form)
{
    u64 size, base;
    unsigned irq;
    CHECK_EQ(virtio_mmio_parse("512@0xfeb00e00:12", &size, &base, &irq), 0);
    CHECK_EQ(size, 512);
    CHECK_EQ(base, 0xfeb00e00);
    CHECK_EQ(irq, 12);
    CHECK_EQ(virtio_mmio_parse("4K@0xD0000000:5:3", &size, &base, &irq), 0);
    CHECK_EQ(size, 4096);
    CHECK_EQ(base, 0xd0000000);
    CHECK_EQ(virtio_mmio_parse("1K@3489660928:7", &size, &base, &irq), 0);
    CHECK_EQ(base, 0xd0000000);
}

TEST(virtio_mmio_parse_refuses_the_malformed)
{
    u64 size = 1, base = 2;
    unsigned irq = 3;
    const char *bad[] = {
        "", "512", "512@", "512@0xfeb00e00", "512@0xfeb00e00:", "512@0xfeb00e00:x",
        "@0xfeb00e00:12", "512@:12", "512@0x:12", "512@0xfeb00e00:12:", "512@0xfeb00e00:12x",
        "255@0xfeb00e00:12",           /* smaller than the registers */
        "512@0xfeb00e02:12",           /* not 4-byte aligned */
        "512@0xfeb00e00:16",           /* not an ISA IRQ */
        "512@0x10000000000000000:1",   /* overflows */
        "16G@0xfffffffffffff000:1",    /* wraps */
        "512x@0x1000:1",
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (!CHECK_EQ(virtio_mmio_parse(bad[i], &size, &base, &irq), -1))
            unit_print_str("value", bad[i], strlen(bad[i]));
    CHECK_EQ(virtio_mmio_parse(NULL, &size, &base, &irq), -1);
    CHECK_EQ(size, 1);   /* untouched by a refusal */
    CHECK_EQ(base, 2);
    CHECK_EQ(irq, 3);
}
