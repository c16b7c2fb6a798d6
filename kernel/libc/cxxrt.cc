/*
 * The few functions g++ calls behind a C++ app's back, which libsupc++
 * would provide on Linux. Debian builds libstdc++ for glibc only, so a C++
 * app on Proteus has the language (classes, templates, virtual functions,
 * static constructors run by __libc_init_array) and newlib's C library, but
 * neither exceptions nor RTTI nor the C++ standard library; the Makefile
 * builds C++ with -fno-exceptions -fno-rtti (docs/apps.md, "C++").
 * Linked only into apps with C++ sources.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/* Without exceptions, a failed `new` cannot throw std::bad_alloc; ending
 * the app with a message is the defined outcome, never a null object. */
static void *checked_alloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) {
        fprintf(stderr, "c++: operator new(%lu): out of memory\n", (unsigned long)size);
        abort();
    }
    return p;
}

void *operator new(size_t size) { return checked_alloc(size); }
void *operator new[](size_t size) { return checked_alloc(size); }
void operator delete(void *p) noexcept { free(p); }
void operator delete[](void *p) noexcept { free(p); }
void operator delete(void *p, size_t) noexcept { free(p); }
void operator delete[](void *p, size_t) noexcept { free(p); }

/* A pure virtual function called through an object still being built or
 * already torn down (Itanium C++ ABI, 3.2.6). */
extern "C" void __cxa_pure_virtual(void)
{
    fprintf(stderr, "c++: pure virtual function called\n");
    abort();
}
