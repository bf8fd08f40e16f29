/*
 * report_data: what the md and html reports draw, read from the database
 * into the model (report.charts: socket states, fds against the limit and
 * goroutine groups over time for the culprit and the busiest processes,
 * and the host; report.events: the merged timeline). Text and JSON do not
 * need it. Returns 0, or -1 with *err (the caller frees it).
 */
#ifndef SM_REPORT_DATA_H
#define SM_REPORT_DATA_H

#include <sqlite3.h>

#include "report.h"

int report_data_collect(sqlite3 *db, struct report *rep, char **err);

#endif
