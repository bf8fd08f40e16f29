/* ingest_counts: per-snapshot counts for the history views; see ingest_counts.h. */
#include "ingest_counts.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

int ing_counts_init(struct ing_counts *c, sqlite3 *db, char **err)
{
	/* Adds: a snapshot's orphans can be counted again after it was
	 * written (orphan_fds intervals may start before they are decided).
	 * Batched like ingest's intervals (a few dozen rows a snapshot). */
	static const struct db_batch_spec spec = {
		"INSERT INTO snapshot_counts(snapshot_id, process_id, name, value) VALUES ",
		" ON CONFLICT(snapshot_id, process_id, name) DO UPDATE SET value = value + excluded.value",
		4, { 0, 1, 2 }, 3, 16, 4096
	};

	memset(c, 0, sizeof(*c));   /* the cache too: a slot with n == 0 is free */
	hashmap_init(&c->map, sizeof(struct counts_key), sizeof(int64_t));
	c->db = db;
	c->ins = db_batch_new(db, &spec, err);
	return c->ins ? 0 : -1;
}

void ing_counts_free(struct ing_counts *c)
{
	if (!c)
		return;
	hashmap_free(&c->map);
	db_batch_free(c->ins);
	c->ins = NULL;
}

void ing_counts_clear(struct ing_counts *c)
{
	db_batch_clear(c->ins);
	hashmap_clear(&c->map);
	memset(c->cache, 0, sizeof(c->cache));
	c->host_sockets = c->host_tcp = 0;
	memset(c->host_state, 0, sizeof(c->host_state));
	c->owned_tcp = 0;
	memset(c->owned_state, 0, sizeof(c->owned_state));
}

void ing_counts_add(struct ing_counts *c, int64_t process_id, const char *name, int64_t n)
{
	ing_counts_add_at(c, 0, process_id, name, n);
}

static void counts_spill(struct ing_counts *c, struct counts_slot *s)
{
	int64_t *v;
	int is_new;

	if (!s->n)
		return;
	v = hashmap_put(&c->map, &s->key, sizeof(s->key), &is_new);
	*v += s->n;
	s->n = 0;
}

/* ing_counts_add_at with name's length known (at most COUNTS_NAME_MAX - 1). */
static void counts_add_len(struct ing_counts *c, int64_t snapshot_id, int64_t process_id, const char *name,
			   size_t len, int64_t n)
{
	uint64_t h;
	struct counts_slot *s;

	h = ((uint64_t)process_id * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)snapshot_id * 0xbf58476d1ce4e5b9ULL);
	h ^= (uint64_t)(unsigned char)name[0] * 131 + (uint64_t)(unsigned char)name[len ? len - 1 : 0] * 7 + len;
	s = &c->cache[(h ^ (h >> 29)) % COUNTS_CACHE];
	/* The hit needs no key built: this runs three times per socket row. */
	if (s->n && s->key.process_id == process_id && s->key.snapshot_id == snapshot_id &&
	    !memcmp(s->key.name, name, len) && !s->key.name[len]) {
		s->n += n;
		return;
	}
	counts_spill(c, s);
	memset(&s->key, 0, sizeof(s->key));
	s->key.snapshot_id = snapshot_id;
	s->key.process_id = process_id;
	memcpy(s->key.name, name, len);
	s->n = n;
}

void ing_counts_add_at(struct ing_counts *c, int64_t snapshot_id, int64_t process_id, const char *name, int64_t n)
{
	counts_add_len(c, snapshot_id, process_id, name, strnlen(name, COUNTS_NAME_MAX - 1), n);
}

#define COUNTS_STATE(s) { s, sizeof(s) - 1 }
static const struct {
	const char *name;
	size_t len;
} counts_states[COUNTS_STATES] = {
	COUNTS_STATE("ESTABLISHED"), COUNTS_STATE("SYN_SENT"), COUNTS_STATE("SYN_RECV"),
	COUNTS_STATE("FIN_WAIT1"), COUNTS_STATE("FIN_WAIT2"), COUNTS_STATE("TIME_WAIT"),
	COUNTS_STATE("CLOSE"), COUNTS_STATE("CLOSE_WAIT"), COUNTS_STATE("LAST_ACK"),
	COUNTS_STATE("LISTEN"), COUNTS_STATE("CLOSING"), COUNTS_STATE("NEW_SYN_RECV"),
};

int ing_counts_state_code(const char *state)
{
	int i;

	for (i = 0; state && i < COUNTS_STATES; i++)
		if (!strcmp(state, counts_states[i].name))
			return i;
	return -1;
}

void ing_counts_host_code(struct ing_counts *c, int is_tcp, int code, const char *state)
{
	c->host_sockets++;
	if (!is_tcp)
		return;
	c->host_tcp++;
	if (code >= 0 && code < COUNTS_STATES)
		c->host_state[code]++;
	else if (state && *state)
		ing_counts_add(c, 0, state, 1);
}

void ing_counts_host_socket(struct ing_counts *c, int is_tcp, const char *state)
{
	ing_counts_host_code(c, is_tcp, is_tcp ? ing_counts_state_code(state) : -1, state);
}

/* The host's plain counters into the map. */
static void counts_host_spill(struct ing_counts *c)
{
	int i;

	if (c->host_sockets)
		ing_counts_add(c, 0, "sockets", c->host_sockets);
	if (c->host_tcp)
		ing_counts_add(c, 0, "tcp", c->host_tcp);
	for (i = 0; i < COUNTS_STATES; i++)
		if (c->host_state[i])
			counts_add_len(c, 0, 0, counts_states[i].name, counts_states[i].len, c->host_state[i]);
	c->host_sockets = c->host_tcp = 0;
	memset(c->host_state, 0, sizeof(c->host_state));
}

/* The owned counts gathered for one process into the map. */
static void counts_owned_spill(struct ing_counts *c)
{
	int i;

	if (c->owned_tcp)
		counts_add_len(c, 0, c->owned_pid, "tcp", 3, c->owned_tcp);
	for (i = 0; i < COUNTS_STATES; i++)
		if (c->owned_state[i])
			counts_add_len(c, 0, c->owned_pid, counts_states[i].name, counts_states[i].len,
				       c->owned_state[i]);
	c->owned_tcp = 0;
	memset(c->owned_state, 0, sizeof(c->owned_state));
}

void ing_counts_owned_socket(struct ing_counts *c, int64_t process_id, int is_tcp, int code, const char *state)
{
	if (!is_tcp)
		return;
	if (process_id != c->owned_pid) {
		counts_owned_spill(c);
		c->owned_pid = process_id;
	}
	c->owned_tcp++;
	if (code >= 0 && code < COUNTS_STATES)
		c->owned_state[code]++;
	else if (state && *state)
		ing_counts_add(c, process_id, state, 1);
}
static int counts_fail(struct ing_counts *c, char **err)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "database: snapshot_counts: %s", sqlite3_errmsg(c->db));
	*err = strbuf_detach(&sb, NULL);
	return -1;
}

int ing_counts_flush(struct ing_counts *c, int64_t snapshot_id, char **err)
{
	size_t pos = 0, klen, i;
	const void *key;
	int64_t *v;

	counts_owned_spill(c);
	counts_host_spill(c);
	for (i = 0; i < COUNTS_CACHE; i++)
		counts_spill(c, &c->cache[i]);
	while ((v = hashmap_next(&c->map, &pos, &key, &klen)) != NULL) {
		const struct counts_key *k = key;

		if (!*v)
			continue;
		db_batch_int(c->ins, k->snapshot_id ? k->snapshot_id : snapshot_id);
		db_batch_int(c->ins, k->process_id);
		db_batch_textn(c->ins, k->name, strnlen(k->name, sizeof(k->name)));
		db_batch_int(c->ins, *v);
		if (db_batch_row(c->ins) < 0)
			return counts_fail(c, err);
	}
	hashmap_clear(&c->map);
	return 0;
}

int ing_counts_write(struct ing_counts *c, char **err)
{
	return db_batch_flush(c->ins) == 0 ? 0 : counts_fail(c, err);
}
