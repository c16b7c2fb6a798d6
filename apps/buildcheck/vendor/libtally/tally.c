/* A stand-in for a vendored library: buildcheck's app.mk builds it into an
 * archive of its own. */
#include "tally.h"

unsigned tally_letters(const char *s)
{
    unsigned n = 0;
    for (; *s; s++)
        n += (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z');
    return n;
}
