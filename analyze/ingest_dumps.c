/* ingest_dumps: goroutine dumps and their stacks, stored once; see ingest_dumps.h. */
#include "ingest_dumps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "goroutine_class.h"

static const char *const dumps_sql[ID_COUNT] = {
	[ID_DUMP] = "INSERT INTO dumps(source_id, snapshot_id, process_id, pid, kind, path, wall_ns, comm)"
		    " VALUES (?,?,?,?,?,?,?,?)",
	[ID_DUMP_END] = "UPDATE dumps SET total = ?, goroutines = ?, truncated = ? WHERE id = ?",
	[ID_STACK_FIND] = "SELECT id FROM stacks WHERE hash = ?",
	[ID_STACK] = "INSERT INTO stacks(hash, nframes, top_func, app_func, app_file, app_line, wait_kind, role,"
		     " lock_func, created_by) VALUES (?,?,?,?,?,?,?,?,?,?)",
	[ID_FRAME] = "INSERT OR IGNORE INTO frames(stack_id, depth, func, file, line) VALUES (?,?,?,?,?)",
	[ID_GOROUTINE] = "INSERT INTO goroutines(dump_id, goid, count, state, wait_minutes, locked, stack_id,"
			 " created_by_goid, labels) VALUES (?,?,?,?,?,?,?,?,?)",
};

int ing_dumps_init(struct ing_dumps *d, sqlite3 *db, struct ingest_stats *stats, char **err)
{
	int i;

	memset(d, 0, sizeof(*d));
	d->db = db;
	d->stats = stats;
	hashmap_init(&d->stacks, 8, sizeof(int64_t));
	strbuf_init(&d->scratch, 0);
	for (i = 0; i < ID_COUNT; i++)
		if (sqlite3_prepare_v3(db, dumps_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &d->st[i], NULL) != SQLITE_OK) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "preparing '%s': %s", dumps_sql[i], sqlite3_errmsg(db));
			*err = strbuf_detach(&sb, NULL);
			return -1;
		}
	return 0;
}

void ing_dumps_free(struct ing_dumps *d)
{
	int i;

	for (i = 0; i < ID_COUNT; i++)
		sqlite3_finalize(d->st[i]);
	hashmap_free(&d->stacks);
	strbuf_release(&d->scratch);
	memset(d->st, 0, sizeof(d->st));
}

void ing_dumps_reset(struct ing_dumps *d)
{
	hashmap_free(&d->stacks);
	hashmap_init(&d->stacks, 8, sizeof(int64_t));
}

/* Steps statement `which` (bound) and resets it; *rowid (or NULL). */
static int dumps_step(struct ing_dumps *d, int which, int64_t *rowid)
{
	char msg[256];

	if (db_step_reset(d->st[which], rowid, msg, sizeof(msg)) == 0)
		return 0;
	snprintf(d->error, sizeof(d->error), "database: %s: %s", dumps_sql[which], msg);
	return -1;
}

int64_t ing_dumps_begin(struct ing_dumps *d, int64_t source_id, int64_t snapshot_id,
			const struct ingest_dump_info *di)
{
	sqlite3_stmt *st = d->st[ID_DUMP];
	int64_t id;

	sqlite3_bind_int64(st, 1, source_id);
	if (snapshot_id)
		sqlite3_bind_int64(st, 2, snapshot_id);
	if (di->process_id > 0)
		sqlite3_bind_int64(st, 3, di->process_id);
	db_bind_opt_int(st, 4, di->pid);
	sqlite3_bind_text(st, 5, di->kind, -1, SQLITE_TRANSIENT);
	db_bind_opt_text(st, 6, di->path);
	db_bind_opt_int(st, 7, di->wall_ns);
	db_bind_opt_text(st, 8, di->comm);
	if (dumps_step(d, ID_DUMP, &id) < 0)
		return -1;
	d->goroutines = 0;
	d->stats->dumps++;
	return id;
}

int ing_dumps_end(struct ing_dumps *d, int64_t dump_id, int64_t total, int truncated)
{
	sqlite3_stmt *st = d->st[ID_DUMP_END];

	db_bind_opt_int(st, 1, total);
	sqlite3_bind_int64(st, 2, d->goroutines);
	sqlite3_bind_int(st, 3, truncated);
	sqlite3_bind_int64(st, 4, dump_id);
	return dumps_step(d, ID_DUMP_END, NULL);
}

/* The identity of a stack: its function sequence and where it was created. */
static uint64_t stack_hash(struct ing_dumps *d, const struct sm_goroutine_row *r)
{
	size_t i;

	strbuf_reset(&d->scratch);
	for (i = 0; i < r->nframes; i++) {
		strbuf_addstr(&d->scratch, r->frames[i].func ? r->frames[i].func : "?");
		strbuf_addch(&d->scratch, '\n');
	}
	strbuf_addstr(&d->scratch, "created by ");
	strbuf_addstr(&d->scratch, r->created_by ? r->created_by : "");
	return hash_bytes(d->scratch.buf, d->scratch.len);
}

static int64_t stack_insert(struct ing_dumps *d, const char *hex, const struct sm_goroutine_row *r)
{
	sqlite3_stmt *st = d->st[ID_STACK];
	struct gr_class cls;
	const struct sm_frame *app;
	int64_t id;
	size_t i;

	goroutine_classify(r->state, r->frames, r->nframes, &cls);
	app = cls.app >= 0 ? &r->frames[cls.app] : NULL;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (int64_t)r->nframes);
	if (r->nframes)
		db_bind_opt_text(st, 3, r->frames[0].func);
	if (app) {
		db_bind_opt_text(st, 4, app->func);
		db_bind_opt_text(st, 5, app->file);
		db_bind_opt_int(st, 6, app->line);
	}
	sqlite3_bind_text(st, 7, cls.wait_kind, -1, SQLITE_STATIC);
	db_bind_opt_text(st, 8, cls.role);
	db_bind_opt_text(st, 9, cls.lock_func);
	db_bind_opt_text(st, 10, r->created_by);
	if (dumps_step(d, ID_STACK, &id) < 0)
		return -1;
	d->stats->stacks++;
	st = d->st[ID_FRAME];
	for (i = 0; i < r->nframes; i++) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		db_bind_opt_text(st, 3, r->frames[i].func);
		db_bind_opt_text(st, 4, r->frames[i].file);
		db_bind_opt_int(st, 5, r->frames[i].line);
		if (dumps_step(d, ID_FRAME, NULL) < 0)
			return -1;
	}
	return id;
}

static int64_t stack_id_for(struct ing_dumps *d, const struct sm_goroutine_row *r)
{
	uint64_t h = stack_hash(d, r);
	char hex[17];
	int64_t *cached, id = 0;
	sqlite3_stmt *st;
	int is_new;

	cached = hashmap_get(&d->stacks, &h, sizeof(h));
	if (cached)
		return *cached;
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)h);
	st = d->st[ID_STACK_FIND];
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (!id && (id = stack_insert(d, hex, r)) < 0)
		return -1;
	cached = hashmap_put(&d->stacks, &h, sizeof(h), &is_new);
	*cached = id;
	return id;
}

int ing_dumps_goroutine(struct ing_dumps *d, int64_t dump_id, const struct sm_goroutine_row *r)
{
	int64_t stack_id = stack_id_for(d, r);
	sqlite3_stmt *st = d->st[ID_GOROUTINE];

	if (stack_id < 0)
		return -1;
	sqlite3_bind_int64(st, 1, dump_id);
	db_bind_opt_int(st, 2, r->id);
	sqlite3_bind_int64(st, 3, r->count > 0 ? r->count : 1);
	db_bind_opt_text(st, 4, r->state);
	db_bind_opt_int(st, 5, r->wait_minutes);
	sqlite3_bind_int(st, 6, r->locked_to_thread);
	sqlite3_bind_int64(st, 7, stack_id);
	db_bind_opt_int(st, 8, r->created_by_goroutine);
	db_bind_opt_text(st, 9, r->labels);
	d->goroutines += r->count > 0 ? r->count : 1;
	d->stats->goroutines++;
	return dumps_step(d, ID_GOROUTINE, NULL);
}
