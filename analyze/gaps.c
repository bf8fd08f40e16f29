/*
 * gaps: what the collection missed, so the report can say so and lower the
 * confidence of findings that needed it (rules.h, rules_apply_gaps).
 *
 * Each gap is one query returning a sentence, or no row / NULL when the
 * evidence is whole. `affects` names the evidence areas a rule declares in
 * its `-- uses:` header: fds, sockets, history, goroutines, pcap, counters.
 * A query over a table this database lacks (older schema) is skipped.
 */
#include "gaps.h"

#include <string.h>

static const struct gap_query {
	const char *kind;
	const char *affects;
	const char *sql;
} gap_queries[] = {
	{ "not_root", "fds",
	  "SELECT 'collected as uid ' || json_extract(manifest, '$.collector.euid') || ', not root: fd tables of other"
	  " users'' processes were unreadable, so their sockets have no owner' FROM sources"
	  " WHERE json_valid(manifest) AND json_extract(manifest, '$.collector.euid') <> 0 LIMIT 1" },
	{ "fd_unreadable", "fds",
	  "SELECT count(DISTINCT path) || ' fd table reads failed (' || group_concat(DISTINCT error) || ')'"
	  " FROM collection_errors WHERE (path LIKE '%/fd' OR path LIKE '%/fd/%')"
	  /* a process that exited mid-scan took nothing with it that mattered
	   * (an exiting one may refuse with EACCES: the collector says exited) */
	  " AND coalesce(error, '') NOT IN ('ENOENT', 'ESRCH') AND coalesce(detail, '') <> 'exited'"
	  " HAVING count(*) > 0" },
	{ "read_errors", "sockets",
	  "SELECT count(*) || ' other /proc reads failed (' || group_concat(DISTINCT error) || ')'"
	  " FROM collection_errors WHERE NOT (path LIKE '%/fd' OR path LIKE '%/fd/%')"
	  " AND coalesce(error, '') NOT IN ('ENOENT', 'ESRCH') AND coalesce(detail, '') <> 'exited'"
	  " HAVING count(*) > 0" },
	{ "cut_short", "history",
	  "SELECT count(*) || ' input(s) cut short (collector killed or file truncated): the last snapshots are missing'"
	  " FROM sources WHERE complete = 0 HAVING count(*) > 0" },
	{ "snapshot_incomplete", "sockets,history",
	  "SELECT count(*) || ' snapshot(s) stopped part-way at the size cap' FROM snapshots WHERE complete = 0"
	  " HAVING count(*) > 0" },
	{ "no_process_info", "fds",
	  "SELECT 'no process or fd table was loaded: sockets cannot be tied to processes'"
	  " WHERE EXISTS (SELECT 1 FROM sockets) AND NOT EXISTS (SELECT 1 FROM fds)" },
	{ "dumps_missing", "goroutines",
	  "SELECT count(*) || ' goroutine dump fetch(es) did not succeed (' || group_concat(DISTINCT outcome) || ')'"
	  " FROM collection_steps WHERE step = 'pprof' AND outcome <> 'ok' HAVING count(*) > 0" },
	{ "dumps_truncated", "goroutines",
	  "SELECT count(*) || ' goroutine dump(s) truncated or incompletely parsed' FROM dumps"
	  " WHERE truncated OR (total IS NOT NULL AND total <> goroutines) HAVING count(*) > 0" },
	{ "no_pcap", "pcap",
	  "SELECT 'no packet capture: who closed first and after what delay is inferred from socket states only'"
	  " WHERE NOT EXISTS (SELECT 1 FROM captures)" },
	{ "pcap_drops", "pcap",
	  "SELECT sum(coalesce(kernel_dropped, 0) + coalesce(if_dropped, 0)) + max(coalesce(collector_dropped, 0))"
	  " || ' packets dropped during capture' FROM captures HAVING sum(coalesce(kernel_dropped, 0)"
	  " + coalesce(if_dropped, 0)) + max(coalesce(collector_dropped, 0)) > 0" },
	{ "tools_failed", "",
	  "SELECT count(*) || ' tool run(s) did not succeed (' || group_concat(DISTINCT name || ' ' || outcome) || ')'"
	  " FROM collection_steps WHERE step = 'tool' AND outcome <> 'ok' HAVING count(*) > 0" },
};

int gaps_collect(sqlite3 *db, struct report *rep, char **err)
{
	size_t i;

	(void)err;
	for (i = 0; i < sizeof(gap_queries) / sizeof(gap_queries[0]); i++) {
		sqlite3_stmt *st = NULL;

		/* A table this database does not have: not a gap we can judge. */
		if (sqlite3_prepare_v2(db, gap_queries[i].sql, -1, &st, NULL) != SQLITE_OK) {
			sqlite3_finalize(st);
			continue;
		}
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
			report_add_gap(rep, gap_queries[i].kind, (const char *)sqlite3_column_text(st, 0),
				       gap_queries[i].affects);
		sqlite3_finalize(st);
	}
	return 0;
}
