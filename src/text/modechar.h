/* modechar: the letters that name a room's modes (i m n s t k l b e I o v), IRC's since 1993 and
 * the line protocol's /mode too. The hub types its modes (hub/mode.h) and knows no letters; the
 * faces that show or read letters share this one table. Pure, no state. */
#ifndef CHARLA_TEXT_MODECHAR_H
#define CHARLA_TEXT_MODECHAR_H

#include "hub/mode.h"

/* The letter of mode m. */
char modechar_letter(enum room_mode m);
/* The mode a letter names, or -1. */
int modechar_mode(char letter);
/* Whether a change of m takes an argument (add: +, or -). */
bool modechar_takes_arg(enum room_mode m, bool add);
/* Writes "+imnst" (the flags set on r, then k and l when set) into out (at least
 * MODECHAR_FLAGS_MAX bytes). */
enum { MODECHAR_FLAGS_MAX = MODE_COUNT + 2 };
void modechar_flags(const struct room *r, char out[MODECHAR_FLAGS_MAX]);

#endif
