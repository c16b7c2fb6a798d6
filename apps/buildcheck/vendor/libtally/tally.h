/* The interface of buildcheck's stand-in library. */
#ifndef TALLY_H
#define TALLY_H
#ifdef __cplusplus
extern "C" {
#endif
unsigned tally_letters(const char *s);
#ifdef __cplusplus
}
#endif
#endif
