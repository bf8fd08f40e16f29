/*
 * termsafe: a stream for messages that quote names from strangers' files.
 * A member name in a hostile archive can hold escape sequences that would
 * drive the reader's terminal (retitle it, hide lines, fake output);
 * written through this stream, every control character but newline,
 * carriage return and tab comes out as \xHH, except the few colour codes
 * of the text report.
 */
#ifndef SM_TERMSAFE_H
#define SM_TERMSAFE_H

#include <stdio.h>

/* A stream writing to out, buffered as setvbuf's mode says (_IONBF,
 * _IOLBF); NULL if it cannot be made. Close it with fclose (out stays
 * open). */
FILE *termsafe_open(FILE *out, int mode);

#endif
