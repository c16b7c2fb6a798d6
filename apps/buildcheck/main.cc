/*
 * buildcheck: proves what an app's folder may hold (docs/apps.md,
 * "Building an app"): C++ with classes, virtual functions, templates,
 * new/delete and a static constructor; a C source in a subfolder; flags
 * from its app.mk; and a library of its own linked from APP_LIBS. Each
 * line it prints is checked by the boot row buildcheck.
 */
#include <stdio.h>
#include <string.h>
#include "vendor/libtally/tally.h"

extern "C" unsigned count_words(const char *s);   /* parse/words.c */

namespace {

struct Shape {
    virtual ~Shape() {}
    virtual int area() const = 0;
};

struct Rect : Shape {
    int w, h;
    Rect(int w_, int h_) : w(w_), h(h_) {}
    int area() const override { return w * h; }
};

template <typename T> T largest(const T *v, int n)
{
    T best = v[0];
    for (int i = 1; i < n; i++)
        if (v[i] > best)
            best = v[i];
    return best;
}

/* Built before main by __libc_init_array, as C++ promises. */
struct Early {
    int ready;
    Early() : ready(7) {}
} early;

} // namespace

int main(int argc, char **argv)
{
    Shape *s = new Rect(6, 7);
    int areas[] = { s->area(), 12, 30 };
    printf("buildcheck: c++ virtual call %d, template %d, static constructor %d\n", s->area(),
           largest(areas, 3), early.ready);
    delete s;
    const char *text = "one two  three";
    printf("buildcheck: subfolder C source counts %u words\n", count_words(text));
    printf("buildcheck: library counts %u letters\n", tally_letters(text));
#if defined(BUILDCHECK_CXX)
    printf("buildcheck: app.mk flags: %s, C++ flags too\n", BUILDCHECK_GREETING);
#endif
    return 0;
}
