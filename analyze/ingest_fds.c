/* ingest_fds: per-process fd arrays with a sparse overflow; see ingest_fds.h. */
#include "ingest_fds.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

#define FDTAB_MIN 64
#define FDTAB_MAX (1u << 24)

struct ing_fdtab {
	struct ing_fd *v;
	uint32_t cap;
	uint32_t live;            /* used slots of v */
};

void fd_store_init(struct fd_store *s)
{
	memset(s, 0, sizeof(*s));
	hashmap_init(&s->tabs, sizeof(int64_t), sizeof(struct ing_fdtab));
	hashmap_init(&s->sparse, 2 * sizeof(int64_t), sizeof(struct ing_fd));
}

void fd_store_free(struct fd_store *s)
{
	size_t pos = 0;
	struct ing_fdtab *t;
	struct ing_fd *f;
	uint32_t i;

	while ((t = hashmap_next(&s->tabs, &pos, NULL, NULL)) != NULL) {
		for (i = 0; i < t->cap; i++)
			free(t->v[i].row);
		free(t->v);
	}
	pos = 0;
	while ((f = hashmap_next(&s->sparse, &pos, NULL, NULL)) != NULL)
		free(f->row);
	hashmap_free(&s->tabs);
	hashmap_free(&s->sparse);
	s->cur = NULL;
}

static struct ing_fdtab *fdtab_find(struct fd_store *s, int64_t process_id, int create)
{
	int is_new;

	if (s->cur && s->cur_pid == process_id)
		return s->cur;
	if (create)
		s->cur = hashmap_put(&s->tabs, &process_id, sizeof(process_id), &is_new);
	else
		s->cur = hashmap_get(&s->tabs, &process_id, sizeof(process_id));
	s->cur_pid = process_id;
	return s->cur;
}

/* An array for fd is worth it while it stays within a few times the fds
 * in use: a lone fd 1000000 must not cost a million slots. */
static int fdtab_fits(const struct ing_fdtab *t, int64_t fd)
{
	return fd >= 0 && fd < FDTAB_MAX && (fd < FDTAB_MIN || (uint64_t)fd < 4 * ((uint64_t)t->live + 1));
}

/* Grows t to hold fd, bringing over any of its fds that were sparse. */
static void fdtab_grow(struct fd_store *s, struct ing_fdtab *t, int64_t process_id, int64_t fd)
{
	uint32_t cap = t->cap ? t->cap : FDTAB_MIN, i;

	while (cap <= (uint64_t)fd)
		cap *= 2;
	t->v = xreallocarray(t->v, cap, sizeof(*t->v));
	memset(t->v + t->cap, 0, (size_t)(cap - t->cap) * sizeof(*t->v));
	for (i = t->cap; s->sparse.count && i < cap; i++) {
		int64_t k[2] = { process_id, i };
		struct ing_fd *f = hashmap_get(&s->sparse, k, sizeof(k));

		if (f) {
			t->v[i] = *f;
			t->live++;
			hashmap_del(&s->sparse, k, sizeof(k));
		}
	}
	t->cap = cap;
}

struct ing_fd *fd_store_put(struct fd_store *s, int64_t process_id, int64_t fd, int *is_new)
{
	struct ing_fdtab *t = fdtab_find(s, process_id, 1);
	int64_t k[2] = { process_id, fd };

	if ((fd < 0 || fd >= t->cap) && fdtab_fits(t, fd))
		fdtab_grow(s, t, process_id, fd);
	if (fd >= 0 && fd < t->cap) {
		struct ing_fd *f = &t->v[fd];

		*is_new = !f->first;
		t->live += (uint32_t)*is_new;
		return f;
	}
	return hashmap_put(&s->sparse, k, sizeof(k), is_new);
}

struct ing_fd *fd_store_get(struct fd_store *s, int64_t process_id, int64_t fd)
{
	struct ing_fdtab *t = fdtab_find(s, process_id, 0);
	int64_t k[2] = { process_id, fd };

	if (t && fd >= 0 && fd < t->cap)
		return t->v[fd].first ? &t->v[fd] : NULL;
	return hashmap_get(&s->sparse, k, sizeof(k));
}

static int fdtab_close(struct ing_fdtab *t, int64_t process_id, int64_t upto, fd_store_closed_fn closed, void *ctx)
{
	uint32_t i;

	for (i = 0; i < t->cap; i++) {
		struct ing_fd *f = &t->v[i];

		if (!f->first || (upto && f->last == upto))
			continue;
		if (closed(ctx, process_id, i, f))
			return -1;
		free(f->row);
		memset(f, 0, sizeof(*f));
		t->live--;
	}
	return 0;
}

int fd_store_close(struct fd_store *s, int64_t upto, fd_store_closed_fn closed, void *ctx)
{
	size_t pos = 0, klen;
	const void *key;
	struct ing_fdtab *t;
	struct ing_fd *f;

	s->cur = NULL;   /* tables may go below */
	while ((t = hashmap_next(&s->tabs, &pos, &key, &klen)) != NULL) {
		int64_t process_id;

		memcpy(&process_id, key, sizeof(process_id));
		if (fdtab_close(t, process_id, upto, closed, ctx) < 0)
			return -1;
		if (!t->live) {
			free(t->v);
			hashmap_del(&s->tabs, key, klen);
		}
	}
	pos = 0;
	while ((f = hashmap_next(&s->sparse, &pos, &key, &klen)) != NULL) {
		int64_t k[2];

		if (upto && f->last == upto)
			continue;
		memcpy(k, key, sizeof(k));
		if (closed(ctx, k[0], k[1], f))
			return -1;
		free(f->row);
		hashmap_del(&s->sparse, key, klen);
	}
	return 0;
}
