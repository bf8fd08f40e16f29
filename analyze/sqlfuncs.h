/*
 * sqlfuncs: SQL functions the rules need and SQLite lacks, registered on
 * every connection db_open makes, so a user's own queries can use them too:
 *
 *   regr_slope(y, x), regr_intercept(y, x), regr_r2(y, x), regr_count(y, x)
 *       least-squares fit of y on x (PostgreSQL's names and argument order);
 *       NULL pairs are ignored; NULL when fewer than 2 points or x is constant
 *       (r2 is 1 when y is constant too: a flat line fits a flat series).
 *   plural(n, noun)
 *       "1 goroutine", "257 goroutines": n and the noun, with an s unless n
 *       is 1 (NULL when n is); so that evidence never reads "1 goroutines".
 */
#ifndef SM_SQLFUNCS_H
#define SM_SQLFUNCS_H

#include <sqlite3.h>

int sqlfuncs_register(sqlite3 *db);

#endif
