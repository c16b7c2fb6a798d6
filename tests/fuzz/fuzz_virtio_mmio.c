/*
 * drivers/virtio/mmio_param.c, the virtio_mmio.device= values of the
 * command line (outside input: a boot loader or an emulator writes it).
 *
 * Input: the value, up to its first NUL.
 * Invariants: it returns 0 or -1 and ends; on 0 the device it names has
 * at least its 0x100 bytes of registers, a 4-byte aligned base, a range
 * that does not wrap and an ISA IRQ; on -1 the outputs are untouched;
 * nothing is read past the value (ASan: the value lives in a heap block
 * of its exact size).
 */
/* fuzz-sources: drivers/virtio/mmio_param.c kernel/cmdline.c */
#include "fuzz.h"

#include <drivers/virtio_mmio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_strdup(data, size);
    u64 len = 7, base = 7;
    unsigned irq = 7;
    int r = virtio_mmio_parse(s, &len, &base, &irq);
    FUZZ_CHECK(r == 0 || r == -1, "returned %d", r);
    if (r == 0) {
        FUZZ_CHECK(len >= 0x100, "a device of %llu bytes", (unsigned long long)len);
        FUZZ_CHECK(!(base & 3) && base + len >= base, "base %#llx size %#llx",
                   (unsigned long long)base, (unsigned long long)len);
        FUZZ_CHECK(irq <= 15, "irq %u", irq);
    } else {
        FUZZ_CHECK(len == 7 && base == 7 && irq == 7, "a refusal changed the outputs");
    }
    free(s);
    return 0;
}
