/*
 * lib/ipv4_parse.c, the ip=, gw= and dns= values of the command line.
 *
 * Input: a flags byte (bit 0: ask for a prefix), then the value up to its
 * first NUL.
 * Invariants: it returns 0 or -1 and ends; on 0 the prefix is -1 or at
 * most 32, and printing the address back as a dotted quad (and /prefix)
 * gives the value again whenever the value had no leading zeros; on -1
 * the outputs are untouched; nothing is read past the value (ASan).
 */
/* fuzz-sources: lib/ipv4_parse.c */
#include "fuzz.h"

#include <proteus/ipv4.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool want_prefix = data[0] & 1;
    char *s = fuzz_strdup(data + 1, size - 1);
    size_t n = strlen(s);
    uint32_t a = 7;
    int p = 7;
    int r = ipv4_parse(s, &a, want_prefix ? &p : NULL);
    FUZZ_CHECK(r == 0 || r == -1, "returned %d", r);
    if (r == 0) {
        if (want_prefix)
            FUZZ_CHECK(p == -1 || (p >= 0 && p <= 32), "prefix %d", p);
        char back[32];
        int l = snprintf(back, sizeof(back), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
                         a & 255);
        if (want_prefix && p >= 0)
            snprintf(back + l, sizeof(back) - (size_t)l, "/%d", p);
        bool leading_zero = false;
        for (size_t i = 0; i + 1 < n; i++)
            if (s[i] == '0' && (i == 0 || s[i - 1] == '.' || s[i - 1] == '/') && s[i + 1] >= '0' &&
                s[i + 1] <= '9')
                leading_zero = true;
        FUZZ_CHECK(leading_zero || !strcmp(back, s), "'%s' came back as '%s'", s, back);
    } else {
        FUZZ_CHECK(a == 7 && p == 7, "a refusal changed the outputs");
    }
    free(s);
    return 0;
}
