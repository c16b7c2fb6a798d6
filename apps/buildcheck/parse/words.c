/* A C source in a subfolder of the app. count_words has no prototype in
 * scope where it is defined: the kernel's warning set (-Wmissing-prototypes
 * -Werror) would refuse it; the default app set accepts it. */
#include <ctype.h>

unsigned count_words(const char *s)
{
    unsigned n = 0;
    int in_word = 0;
    for (; *s; s++) {
        if (isspace((unsigned char)*s))
            in_word = 0;
        else if (!in_word) {
            in_word = 1;
            n++;
        }
    }
    return n;
}
