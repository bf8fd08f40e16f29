/* ingest_counts: per-snapshot counts for the history views; see ingest_counts.h. */
#include "ingest_counts.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* Keys are fixed-size, zero-padded: (snapshot id or 0: the current one,
 * process id, name). */
struct counts_key {
	int64_t snapshot_id;
	int64_t process_id;
	char name[COUNTS_NAME_MAX];
};

int ing_counts_init(struct ing_counts *c, sqlite3 *db, char **err)
{
	/* Adds: a snapshot's orphans can be counted again after it was
	 * written (orphan_fds intervals may start before they are decided). */
	static const char sql[] = "INSERT INTO snapshot_counts(snapshot_id, process_id, name, value) VALUES (?,?,?,?)"
				  " ON CONFLICT(snapshot_id, process_id, name) DO UPDATE SET value = value + excluded.value";

	memset(c, 0, sizeof(*c));
	hashmap_init(&c->map, sizeof(struct counts_key), sizeof(int64_t));
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->ins, NULL) != SQLITE_OK) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "cannot prepare '%s': %s", sql, sqlite3_errmsg(db));
		*err = strbuf_detach(&sb, NULL);
		return -1;
	}
	return 0;
}

void ing_counts_free(struct ing_counts *c)
{
	if (!c)
		return;
	hashmap_free(&c->map);
	sqlite3_finalize(c->ins);
	c->ins = NULL;
}

void ing_counts_clear(struct ing_counts *c)
{
	hashmap_clear(&c->map);
}

void ing_counts_add(struct ing_counts *c, int64_t process_id, const char *name, int64_t n)
{
	ing_counts_add_at(c, 0, process_id, name, n);
}

void ing_counts_add_at(struct ing_counts *c, int64_t snapshot_id, int64_t process_id, const char *name, int64_t n)
{
	struct counts_key k;
	int64_t *v;
	int is_new;

	memset(&k, 0, sizeof(k));
	k.snapshot_id = snapshot_id;
	k.process_id = process_id;
	memcpy(k.name, name, strnlen(name, sizeof(k.name) - 1));
	v = hashmap_put(&c->map, &k, sizeof(k), &is_new);
	*v += n;
}

static int counts_is_tcp(const char *proto)
{
	return proto && !strncmp(proto, "tcp", 3);
}

void ing_counts_host_socket(struct ing_counts *c, const char *proto, const char *state)
{
	ing_counts_add(c, 0, "sockets", 1);
	if (!counts_is_tcp(proto))
		return;
	ing_counts_add(c, 0, "tcp", 1);
	if (state && *state)
		ing_counts_add(c, 0, state, 1);
}

void ing_counts_owned_socket(struct ing_counts *c, int64_t process_id, int is_tcp, const char *state)
{
	if (!is_tcp)
		return;
	ing_counts_add(c, process_id, "tcp", 1);
	if (state && *state)
		ing_counts_add(c, process_id, state, 1);
}

int ing_counts_flush(struct ing_counts *c, int64_t snapshot_id, char **err)
{
	size_t pos = 0, klen;
	const void *key;
	int64_t *v;

	while ((v = hashmap_next(&c->map, &pos, &key, &klen)) != NULL) {
		const struct counts_key *k = key;
		int rc;

		if (!*v)
			continue;
		sqlite3_bind_int64(c->ins, 1, k->snapshot_id ? k->snapshot_id : snapshot_id);
		sqlite3_bind_int64(c->ins, 2, k->process_id);
		sqlite3_bind_text(c->ins, 3, k->name, (int)strnlen(k->name, sizeof(k->name)), SQLITE_TRANSIENT);
		sqlite3_bind_int64(c->ins, 4, *v);
		rc = sqlite3_step(c->ins);
		sqlite3_reset(c->ins);
		if (rc != SQLITE_DONE) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "database: snapshot_counts: %s", sqlite3_errmsg(sqlite3_db_handle(c->ins)));
			*err = strbuf_detach(&sb, NULL);
			return -1;
		}
	}
	hashmap_clear(&c->map);
	return 0;
}
