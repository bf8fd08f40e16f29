/*
 * verdict: ties the findings into one verdict. Findings about the same
 * process explain each other (CLOSE_WAIT growth in X, X's goroutines parked
 * on one lock, the proxy in front closing X's connections after a fixed
 * delay), so the process with the heaviest evidence is the culprit; its
 * leak finding says what happens, its lock/goroutine finding says why, the
 * rest corroborate. A finding that points at another process as the cause
 * (related_process_id: a proxy's timeout naming its backend) counts for
 * that process. Call after report_sort (indexes are kept).
 */
#ifndef SM_VERDICT_H
#define SM_VERDICT_H

#include "report.h"

void verdict_build(struct report *rep);

#endif
