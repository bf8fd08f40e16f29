/*
 * gaps: lists what the collection missed (not root, unreadable fd tables,
 * a bundle cut short, goroutine dumps skipped or truncated, no packets or
 * dropped packets) into report.gaps. Run it before rules_run so findings
 * that needed the missing evidence lose confidence. Returns 0; a gap query
 * over a table this database lacks is skipped, never an error.
 */
#ifndef SM_GAPS_H
#define SM_GAPS_H

#include <sqlite3.h>

#include "report.h"

int gaps_collect(sqlite3 *db, struct report *rep, char **err);

#endif
