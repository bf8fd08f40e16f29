/*
 * load_dump: one Go goroutine dump (pprof debug=1/2/0, goroutineleak, a
 * panic or SIGQUIT trace) into dumps/stacks/goroutines, tied to a process
 * when the caller knows which; and, after a load, the dumps said to be a
 * pid's (--dump PID=FILE, a log's prefix) tied to that pid's process.
 */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "parse_goroutine.h"
#include "parse_pprof.h"

struct dump_sink {
	struct load *ld;
	const char *path;
	int64_t dump_id;
	int64_t total;
	int truncated;
	uint64_t warnings;
	uint64_t rows;
	int failed;
};

static int dump_goroutine(void *ctx, const struct sm_goroutine_row *r)
{
	struct dump_sink *ds = ctx;

	ds->rows++;
	ds->truncated |= r->truncated;
	if (ingest_goroutine(ds->ld->ing, ds->dump_id, r) < 0) {
		ds->failed = 1;
		return -1;
	}
	return 0;
}

static int dump_counter(void *ctx, const struct sm_counter_row *r)
{
	struct dump_sink *ds = ctx;

	if (!strcmp(r->group, "goroutine") && !strcmp(r->name, "total"))
		ds->total = r->value;
	return 0;
}

static void dump_warn(void *ctx, uint64_t line, const char *msg)
{
	struct dump_sink *ds = ctx;

	if (++ds->warnings <= 50)
		ingest_note(ds->ld->ing, ds->path, (int64_t)line, "warning", msg);
}

int load_dump(struct load *ld, const struct ingest_dump_info *who, enum sm_format f, const char *data, size_t len,
	      int cut, uint64_t *goroutines)
{
	const char *path = who->path;
	struct dump_sink ds;
	struct sm_sink sink = { .counter = dump_counter, .warn = dump_warn, .goroutine = dump_goroutine };
	struct ingest_dump_info di;
	const char *kind = f == FMT_GOROUTINE_DEBUG1 ? "debug1" : f == FMT_PPROF ? "proto" : "debug2";
	int r;

	if (strstr(path, "goroutineleak"))
		kind = "goroutineleak";
	memset(&ds, 0, sizeof(ds));
	ds.ld = ld;
	ds.path = path;
	ds.total = SM_NONE;
	sink.ctx = &ds;
	di = *who;
	di.kind = kind;
	di.process_id = di.pid != SM_NONE ? ingest_process_for_pid(ld->ing, di.pid) : 0;
	ds.dump_id = ingest_dump_begin(ld->ing, &di);
	if (ds.dump_id < 0)
		return -1;
	if (f == FMT_GOROUTINE_DEBUG1)
		r = parse_goroutine_debug1(data, len, &sink);
	else if (f == FMT_PPROF)
		r = parse_pprof_proto(data, len, &sink);
	else
		r = parse_goroutine_text(data, len, &sink);
	if (ds.failed || ingest_dump_end(ld->ing, ds.dump_id, ds.total, ds.truncated || cut) < 0)
		return -1;
	if (r < 0 && !ds.rows) {
		fprintf(ld->msg, "sockmortem: '%s': not a readable Go goroutine dump (%llu problems, see load_notes)\n",
			path, (unsigned long long)ds.warnings);
		return -2;
	}
	if (goroutines)
		*goroutines = ds.rows;
	return 0;
}

/*
 * A log's prefix names the program too (gateway[1466]): a process of that
 * pid whose name is another (nginx) is not this dump's, but another
 * host's (captures of two hosts loaded together), and is not tied; said
 * once, in load_notes and here. A name is a prefix of the other where one
 * was cut short (comm at 15 bytes, lsof's at 9). --dump names no program:
 * what the user says is taken.
 */
static int dump_names_differ(struct load *ld)
{
	static const char sql[] =
		"INSERT INTO load_notes(source_id, path, severity, message)"
		" SELECT d.source_id, d.path, 'warning', printf('its log names %s[%d], but pid %d in the captures is %s:"
		" not tied to it (a capture of another host?); --dump %d=FILE ties it', d.comm, d.pid, d.pid,"
		" (SELECT group_concat(DISTINCT p.comm) FROM processes p WHERE p.pid = d.pid), d.pid)"
		" FROM dumps d WHERE d.process_id IS NULL AND d.comm IS NOT NULL"
		" AND EXISTS (SELECT 1 FROM processes p WHERE p.pid = d.pid AND p.comm IS NOT NULL)"
		" AND NOT EXISTS (SELECT 1 FROM load_notes n WHERE n.source_id = d.source_id AND n.path IS d.path"
		" AND n.message LIKE 'its log names %')";
	int64_t before = db_int(ld->db, "SELECT coalesce(max(rowid), 0) FROM load_notes", 0);
	sqlite3_stmt *st = NULL;
	char *err = NULL;

	if (db_exec(ld->db, sql, &err) < 0) {
		fprintf(ld->msg, "sockmortem: cannot check dumps' program names: %s\n", err);
		free(err);
		return -1;
	}
	if (db_prepare(ld->db, "SELECT path, message FROM load_notes WHERE rowid > ? ORDER BY rowid", &st, NULL) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, before);
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(ld->msg, "sockmortem: '%s': %s\n", (const char *)sqlite3_column_text(st, 0),
			(const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return 0;
}

/*
 * A dump given as a process's (--dump PID=FILE, a log's prefix) is a
 * source of its own: tied here to that pid's process among everything
 * loaded, the one seen nearest its time, so that the rules see its
 * goroutines and that process's sockets as one process's. Bundles tie
 * their own.
 */
int load_link_dumps(struct load *ld)
{
	/* The distance from the dump's time to the process's life, asked
	 * twice: SQLite does not see the updated row from a subquery's ORDER
	 * BY, only from its WHERE. */
#define DUMP_GAP(p) "CASE WHEN dumps.wall_ns BETWEEN " p ".t0 AND " p ".t1 THEN 0 ELSE" \
	" min(abs(dumps.wall_ns - " p ".t0), abs(dumps.wall_ns - " p ".t1)) END"
#define DUMP_LIVES "(SELECT p.id, p.pid, p.comm, a.wall_ns AS t0, b.wall_ns AS t1 FROM processes p" \
	" JOIN snapshots a ON a.id = p.first_snapshot JOIN snapshots b ON b.id = p.last_snapshot)"
#define DUMP_OF(p) p ".pid = dumps.pid AND (dumps.comm IS NULL OR " p ".comm IS NULL" \
	" OR substr(dumps.comm, 1, length(" p ".comm)) = " p ".comm OR substr(" p ".comm, 1, length(dumps.comm)) = dumps.comm)"
	static const char sql[] =
		"UPDATE dumps SET process_id = ("
		" SELECT x.id FROM " DUMP_LIVES " x WHERE " DUMP_OF("x")
		" AND " DUMP_GAP("x") " = (SELECT min(" DUMP_GAP("y") ") FROM " DUMP_LIVES " y WHERE " DUMP_OF("y") ")"
		" ORDER BY x.id DESC LIMIT 1)"
		" WHERE process_id IS NULL AND pid IS NOT NULL"
		" AND source_id IN (SELECT id FROM sources WHERE kind <> 'bundle')";
#undef DUMP_GAP
#undef DUMP_LIVES
#undef DUMP_OF
	char *err = NULL;

	if (db_exec(ld->db, sql, &err) == 0)
		return dump_names_differ(ld);
	fprintf(ld->msg, "sockmortem: cannot tie dumps to their processes: %s\n", err);
	free(err);
	return -1;
}
