/* db_batch: multi-row INSERTs in key order; see db_batch.h. */
#include "db_batch.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"
#include "strbuf.h"

enum { CELL_NULL, CELL_INT, CELL_TEXT };   /* in SQLite's order of types */

struct db_cell {
	int64_t i;                /* CELL_TEXT: the text's offset in b->text */
	size_t len;
	int type;
};

struct db_batch {
	sqlite3 *db;
	struct db_batch_spec spec;
	sqlite3_stmt *one, *many; /* one row; spec.rows rows */
	char *sql;                /* the one-row statement */
	struct db_cell *cells;    /* up to spec.cap rows of spec.ncols, grown */
	size_t ncells, acells;    /* added (the current row's too), allocated */
	size_t nrows;             /* complete rows */
	uint32_t *order, *tmp;    /* rows by key (merge sort), arows of each */
	size_t arows;
	struct strbuf text;       /* the texts of the pending rows */
};

/* head (?,?,...),(?,...)... tail: `rows` rows of ncols parameters. */
static char *batch_sql(const struct db_batch_spec *spec, int rows)
{
	struct strbuf sb = STRBUF_INIT;
	int r, c;

	strbuf_addstr(&sb, spec->head);
	for (r = 0; r < rows; r++) {
		strbuf_addstr(&sb, r ? ",(" : "(");
		for (c = 0; c < spec->ncols; c++)
			strbuf_addstr(&sb, c ? ",?" : "?");
		strbuf_addch(&sb, ')');
	}
	strbuf_addstr(&sb, spec->tail);
	return strbuf_detach(&sb, NULL);
}

static int batch_prepare(struct db_batch *b, const char *sql, sqlite3_stmt **st, char **err)
{
	struct strbuf sb = STRBUF_INIT;

	if (sqlite3_prepare_v3(b->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK)
		return 0;
	strbuf_addf(&sb, "cannot prepare '%s': %s", sql, sqlite3_errmsg(b->db));
	*err = strbuf_detach(&sb, NULL);
	return -1;
}

struct db_batch *db_batch_new(sqlite3 *db, const struct db_batch_spec *spec, char **err)
{
	struct db_batch *b = xcalloc(1, sizeof(*b));
	char *many = NULL;
	int i;

	assert(spec->ncols > 0 && spec->rows > 0 && spec->cap >= spec->rows);
	assert(spec->nkey >= 0 && spec->nkey <= DB_BATCH_KEY_MAX);
	for (i = 0; i < spec->nkey; i++)
		assert(spec->key[i] >= 0 && spec->key[i] < spec->ncols);
	b->db = db;
	b->spec = *spec;
	strbuf_init(&b->text, 0);
	b->sql = batch_sql(spec, 1);
	many = batch_sql(spec, spec->rows);
	if (batch_prepare(b, b->sql, &b->one, err) < 0 || batch_prepare(b, many, &b->many, err) < 0)
		goto fail;
	free(many);
	return b;
fail:
	free(many);
	db_batch_free(b);
	return NULL;
}

void db_batch_free(struct db_batch *b)
{
	if (!b)
		return;
	sqlite3_finalize(b->one);
	sqlite3_finalize(b->many);
	free(b->sql);
	free(b->cells);
	free(b->order);
	free(b->tmp);
	strbuf_release(&b->text);
	free(b);
}

const char *db_batch_sql(const struct db_batch *b)
{
	return b->sql;
}

size_t db_batch_pending(const struct db_batch *b)
{
	return b->nrows;
}

static struct db_cell *batch_cell(struct db_batch *b, int type)
{
	struct db_cell *c;

	assert(b->ncells < (b->nrows + 1) * (size_t)b->spec.ncols);
	if (b->ncells == b->acells) {
		/* grown as rows come: a small load does not pay for a full buffer */
		size_t max = (size_t)b->spec.cap * (size_t)b->spec.ncols;

		b->acells = b->acells ? b->acells * 2 : (size_t)b->spec.ncols * 16;
		if (b->acells > max)
			b->acells = max;
		b->cells = xreallocarray(b->cells, b->acells, sizeof(*b->cells));
	}
	c = &b->cells[b->ncells++];
	c->type = type;
	return c;
}

void db_batch_int(struct db_batch *b, int64_t v)
{
	batch_cell(b, CELL_INT)->i = v;
}

void db_batch_opt_int(struct db_batch *b, int64_t v)
{
	if (v == SM_NONE)
		db_batch_null(b);
	else
		db_batch_int(b, v);
}

void db_batch_null(struct db_batch *b)
{
	batch_cell(b, CELL_NULL);
}

void db_batch_textn(struct db_batch *b, const char *s, size_t len)
{
	struct db_cell *c = batch_cell(b, CELL_TEXT);

	c->i = (int64_t)b->text.len;
	c->len = len;
	strbuf_add(&b->text, s, len);
}

void db_batch_text(struct db_batch *b, const char *s)
{
	if (s)
		db_batch_textn(b, s, strlen(s));
	else
		db_batch_null(b);
}

void db_batch_clear(struct db_batch *b)
{
	b->ncells = 0;
	b->nrows = 0;
	strbuf_reset(&b->text);
}

/* SQLite's order of two values in a key column (BINARY collation). */
static int cell_cmp(const struct db_batch *b, const struct db_cell *x, const struct db_cell *y)
{
	int r;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->type == CELL_INT)
		return x->i < y->i ? -1 : x->i > y->i;
	if (x->type == CELL_NULL)
		return 0;
	r = memcmp(b->text.buf + x->i, b->text.buf + y->i, x->len < y->len ? x->len : y->len);
	return r ? r : x->len < y->len ? -1 : x->len > y->len;
}

static int row_cmp(const struct db_batch *b, uint32_t x, uint32_t y)
{
	const struct db_cell *rx = &b->cells[(size_t)x * (size_t)b->spec.ncols];
	const struct db_cell *ry = &b->cells[(size_t)y * (size_t)b->spec.ncols];
	int i, r;

	for (i = 0; i < b->spec.nkey; i++)
		if ((r = cell_cmp(b, &rx[b->spec.key[i]], &ry[b->spec.key[i]])) != 0)
			return r;
	return 0;
}

/* b->order: the rows by key, those with equal keys in the order added
 * (a bottom-up merge sort, stable). */
static void batch_sort(struct db_batch *b)
{
	uint32_t *src, *dst, *t;
	size_t n = b->nrows, w, i;

	if (b->arows < n) {
		b->order = xreallocarray(b->order, n, sizeof(*b->order));
		b->tmp = xreallocarray(b->tmp, n, sizeof(*b->tmp));
		b->arows = n;
	}
	src = b->order;
	dst = b->tmp;
	for (i = 0; i < n; i++)
		src[i] = (uint32_t)i;
	for (w = 1; b->spec.nkey && w < n; w *= 2) {
		for (i = 0; i < n; i += 2 * w) {
			size_t l = i, lend = i + w < n ? i + w : n, r = lend, rend = i + 2 * w < n ? i + 2 * w : n;
			size_t k = i;

			while (l < lend && r < rend)
				dst[k++] = row_cmp(b, src[r], src[l]) < 0 ? src[r++] : src[l++];
			while (l < lend)
				dst[k++] = src[l++];
			while (r < rend)
				dst[k++] = src[r++];
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != b->order)
		memcpy(b->order, src, n * sizeof(*src));
}

/* Binds pending row `row` as row `slot` of st. */
static void batch_bind(struct db_batch *b, sqlite3_stmt *st, int slot, uint32_t row)
{
	const struct db_cell *c = &b->cells[(size_t)row * (size_t)b->spec.ncols];
	int i, idx = slot * b->spec.ncols + 1;

	for (i = 0; i < b->spec.ncols; i++, idx++) {
		if (c[i].type == CELL_INT)
			sqlite3_bind_int64(st, idx, c[i].i);
		else if (c[i].type == CELL_TEXT)
			sqlite3_bind_text64(st, idx, b->text.buf + c[i].i, c[i].len, SQLITE_STATIC, SQLITE_UTF8);
		else
			sqlite3_bind_null(st, idx);
	}
}

/* Runs st on `rows` rows: b->order[first] and on. */
static int batch_step(struct db_batch *b, sqlite3_stmt *st, size_t first, int rows)
{
	int r, rc;

	for (r = 0; r < rows; r++)
		batch_bind(b, st, r, b->order[first + (size_t)r]);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int db_batch_flush(struct db_batch *b)
{
	size_t i = 0, n = b->nrows, rows = (size_t)b->spec.rows;
	int rc = 0;

	assert(b->ncells == n * (size_t)b->spec.ncols);   /* no row half added */
	batch_sort(b);
	for (; rc == 0 && i + rows <= n; i += rows)
		rc = batch_step(b, b->many, i, b->spec.rows);
	for (; rc == 0 && i < n; i++)
		rc = batch_step(b, b->one, i, 1);
	db_batch_clear(b);
	return rc;
}

int db_batch_row(struct db_batch *b)
{
	assert(b->ncells == (b->nrows + 1) * (size_t)b->spec.ncols);
	b->nrows++;
	return b->nrows < (size_t)b->spec.cap ? 0 : db_batch_flush(b);
}
