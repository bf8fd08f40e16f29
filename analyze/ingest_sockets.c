/*
 * ingest_sockets: socket identities across snapshots; see ingest.h and
 * ingest_internal.h.
 *
 * A socket is its inode while it has one, else (TIME_WAIT and other
 * minisockets) its protocol, namespace and 4-tuple. Tracked sockets live in
 * the spool, found through two maps; each keeps its row and its current
 * state interval, written when the state changes or the socket goes. The
 * 4-tuples pair both local ends of a connection (socket_peers) and link a
 * TIME_WAIT to the socket it was (sockets.prev_socket_id).
 */
#include "ingest_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* The texts of a sockets row, in the order of socket_row_new's arguments. */
enum { SR_PROTO, SR_LOCAL_ADDR, SR_REMOTE_ADDR, SR_UNIX_PATH, SR_TEXTS };

/*
 * A socket's sockets row as its first row made it, but for last_snapshot.
 * Proportional to the open sockets: freed when the socket closes.
 */
struct ing_sockrow {
	int64_t netns, local_port, remote_port, uid, first, prev_id;
	uint32_t null;            /* bit i: text i is NULL */
	char text[];              /* the texts, each NUL-terminated */
};

/*
 * Text keys are built by hand, byte for byte what snprintf(key, cap + 1,
 * ...) would store: kb.n counts the whole text, at most cap bytes are
 * kept. (snprintf here was the loader's hottest call: two per socket row.)
 */
struct keybuf {
	char *p;
	size_t cap, n;
};

static void kb_mem(struct keybuf *kb, const char *s, size_t len)
{
	if (kb->n < kb->cap)
		memcpy(kb->p + kb->n, s, len < kb->cap - kb->n ? len : kb->cap - kb->n);
	kb->n += len;
}

static void kb_str(struct keybuf *kb, const char *s)
{
	kb_mem(kb, s, strlen(s));
}

/* "%lld" */
static void kb_i64(struct keybuf *kb, int64_t v)
{
	char t[24];
	size_t i = sizeof(t);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		t[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		t[--i] = '-';
	kb_mem(kb, t + i, sizeof(t) - i);
}

#define INODE_KEY_LEN (1 + sizeof(uint64_t))

/* The key of a socket with an inode, in ing->isockets: 'I' and the inode. */
static size_t inode_key(char *key, uint64_t inode)
{
	key[0] = 'I';
	memcpy(key + 1, &inode, sizeof(inode));
	return INODE_KEY_LEN;
}

/* The identity of a socket: its inode, else proto + netns + 4-tuple. */
static size_t socket_key(char *key, int64_t netns, const struct sm_socket_row *r)
{
	struct keybuf kb = { key, TUPLE_KEY_MAX - 1, 0 };

	if (r->inode)
		return inode_key(key, r->inode);
	/* "T%s|%lld|%s|%lld|%s|%lld|%s", truncated to TUPLE_KEY_MAX - 1 */
	kb_mem(&kb, "T", 1);
	kb_str(&kb, r->proto);
	kb_mem(&kb, "|", 1);
	kb_i64(&kb, netns);
	kb_mem(&kb, "|", 1);
	kb_str(&kb, r->local_addr ? r->local_addr : "");
	kb_mem(&kb, "|", 1);
	kb_i64(&kb, r->local_port);
	kb_mem(&kb, "|", 1);
	kb_str(&kb, r->remote_addr ? r->remote_addr : "");
	kb_mem(&kb, "|", 1);
	kb_i64(&kb, r->remote_port);
	kb_mem(&kb, "|", 1);
	kb_str(&kb, r->unix_path ? r->unix_path : "");
	return kb.n >= TUPLE_KEY_MAX ? TUPLE_KEY_MAX - 1 : kb.n;
}

static int socket_state_flush(struct ingest *ing, const struct ing_socket *s)
{
	struct db_batch *b = ing->batch[IB_STATE];

	db_batch_int(b, s->id);
	db_batch_text(b, s->state[0] ? s->state : NULL);
	db_batch_int(b, s->state_first);
	db_batch_int(b, s->last);
	db_batch_opt_int(b, s->tx);
	db_batch_opt_int(b, s->rx);
	db_batch_opt_int(b, s->tx_max);
	db_batch_opt_int(b, s->rx_max);
	db_batch_opt_int(b, s->timer);
	db_batch_opt_int(b, s->retrans);
	ing->stats.state_rows++;
	return ing_row(ing, IB_STATE);
}

/* What r says of a new socket, kept until it is written (socket_write). */
static struct ing_sockrow *socket_row_new(struct ingest *ing, int64_t netns, const struct sm_socket_row *r,
					  int64_t prev_id)
{
	const char *t[SR_TEXTS] = { r->proto, r->local_addr, r->remote_addr, r->unix_path };
	size_t len[SR_TEXTS], n = 0;
	struct ing_sockrow *row;
	char *p;
	int i;

	for (i = 0; i < SR_TEXTS; i++) {
		len[i] = t[i] ? strlen(t[i]) : 0;
		n += len[i] + 1;
	}
	row = xmalloc(sizeof(*row) + n);
	row->netns = netns;
	row->local_port = r->local_port;
	row->remote_port = r->remote_port;
	row->uid = r->uid;
	row->first = ing->snap_id;
	row->prev_id = prev_id;
	row->null = 0;
	for (i = 0, p = row->text; i < SR_TEXTS; i++) {
		if (!t[i])
			row->null |= 1u << i;
		memcpy(p, t[i] ? t[i] : "", len[i] + 1);
		p += len[i] + 1;
	}
	return row;
}

/* Adds text i of row (NULL if it was). Returns the next text. */
static const char *socket_row_text(struct db_batch *b, const struct ing_sockrow *row, int i, const char *p)
{
	size_t len = strlen(p);

	if (row->null & (1u << i))
		db_batch_null(b);
	else
		db_batch_textn(b, p, len);
	return p + len + 1;
}

/* A closed socket's row, whole. */
static int socket_write(struct ingest *ing, const struct ing_socket *s)
{
	struct db_batch *b = ing->batch[IB_SOCKET];
	const struct ing_sockrow *row = s->row;
	const char *p = row->text;

	db_batch_int(b, s->id);
	db_batch_int(b, ing->source_id);
	db_batch_opt_int(b, row->netns);
	p = socket_row_text(b, row, SR_PROTO, p);
	db_batch_int(b, (int64_t)s->inode);
	p = socket_row_text(b, row, SR_LOCAL_ADDR, p);
	db_batch_opt_int(b, row->local_port);
	p = socket_row_text(b, row, SR_REMOTE_ADDR, p);
	db_batch_opt_int(b, row->remote_port);
	socket_row_text(b, row, SR_UNIX_PATH, p);
	db_batch_opt_int(b, row->uid);
	db_batch_int(b, row->first);
	db_batch_int(b, s->last);
	ing_batch_id(b, row->prev_id);
	return ing_row(ing, IB_SOCKET);
}

static int64_t max_opt(int64_t a, int64_t b)
{
	if (a == SM_NONE)
		return b;
	if (b == SM_NONE)
		return a;
	return a > b ? a : b;
}

/* One end of a connection: 64 bits standing for (netns, address, port). */
static uint64_t endpoint_hash(int64_t netns, const char *addr, int64_t port)
{
	uint64_t h = hash_bytes(addr, strlen(addr));

	return hash_mix64(hash_mix64(h ^ (uint64_t)netns) ^ (uint64_t)port);
}

/*
 * The key of a connected tcp socket's 4-tuple: the hashes of its local and
 * remote ends, so that the reverse tuple (the peer's) is the two swapped
 * and the map's slots stay small. Two different tuples would have to
 * collide on both 64-bit hashes to be confused. 0 if it has no 4-tuple.
 */
static int tuple_key(uint64_t key[2], int64_t netns, const struct sm_socket_row *r)
{
	if (strncmp(r->proto, "tcp", 3) || !r->remote_addr || r->remote_port <= 0 || !r->local_addr)
		return 0;
	key[0] = endpoint_hash(netns, r->local_addr, r->local_port);
	key[1] = endpoint_hash(netns, r->remote_addr, r->remote_port);
	return 1;
}

static struct hashmap *socket_map(struct ingest *ing, const char *key)
{
	return key[0] == 'I' ? &ing->isockets : &ing->sockets;
}

/* A new spool entry, zero-filled; earlier ing_socket pointers go stale. */
static uint32_t spool_alloc(struct ingest *ing)
{
	uint32_t i;

	if (ing->nsfree) {
		i = ing->sfree[--ing->nsfree];
	} else {
		if (ing->nspool == ing->aspool) {
			uint32_t cap = ing->aspool ? ing->aspool * 2 : 4096;
			struct ing_socket *grown = xaligned_array(64, cap, sizeof(*grown));

			if (ing->nspool)
				memcpy(grown, ing->spool, (size_t)ing->nspool * sizeof(*grown));
			free(ing->spool);
			ing->spool = grown;
			ing->aspool = cap;
		}
		i = ing->nspool++;
	}
	memset(&ing->spool[i], 0, sizeof(ing->spool[i]));
	return i;
}

static void spool_release(struct ingest *ing, uint32_t i)
{
	ing->spool[i].id = 0;   /* peer links to it are dead now */
	if (ing->nsfree == ing->asfree) {
		ing->asfree = ing->asfree ? ing->asfree * 2 : 1024;
		ing->sfree = xreallocarray(ing->sfree, ing->asfree, sizeof(*ing->sfree));
	}
	ing->sfree[ing->nsfree++] = i;
}

/* The socket with this inode, if it is being tracked. */
struct ing_socket *ing_socket_by_inode(struct ingest *ing, uint64_t inode)
{
	char key[INODE_KEY_LEN];
	const uint32_t *i;

	i = hashmap_get(&ing->isockets, key, inode_key(key, inode));
	return i ? &ing->spool[*i] : NULL;
}

/*
 * A TIME_WAIT (or orphaned FIN_WAIT2) minisocket has no inode, so it is a
 * new identity; but it is the same connection as the full socket with its
 * 4-tuple that was in the previous snapshot and is gone now (the kernel
 * swaps one for the other). Returns that socket's id, or 0.
 */
static int64_t socket_predecessor(struct ingest *ing, const uint64_t *tkey)
{
	const struct ing_tuple *t = hashmap_get(&ing->tuples, tkey, 2 * sizeof(*tkey));
	const struct ing_socket *prev;

	if (!t || !ing->prev_snap_id)
		return 0;
	prev = &ing->spool[t->idx];
	if (prev->id != t->socket_id || !prev->has_inode || prev->last != ing->prev_snap_id)
		return 0;   /* not an inode socket of the previous snapshot, or still there */
	return t->socket_id;
}

/*
 * A new connected tcp socket: tracked by its 4-tuple, and paired with the
 * socket whose 4-tuple is its reverse, if there is one: both ends of a
 * local connection. The pair's interval is kept by ing_snapshot_peers.
 */
static void tuple_track(struct ingest *ing, struct ing_socket *s, uint32_t idx)
{
	uint64_t rev[2] = { s->tkey[1], s->tkey[0] };   /* the peer's local end is our remote one */
	struct ing_tuple *t;
	const struct ing_tuple *o;
	int is_new;

	t = hashmap_put(&ing->tuples, s->tkey, sizeof(s->tkey), &is_new);
	t->socket_id = s->id;
	t->idx = idx;
	o = hashmap_get(&ing->tuples, rev, sizeof(rev));
	if (o && o->idx != idx && ing->spool[o->idx].id == o->socket_id) {
		struct ing_socket *other = &ing->spool[o->idx];

		s->peer = o->idx;
		s->peer_id = other->id;
		other->peer = idx;
		other->peer_id = s->id;
		if (ing->npaired == ing->apaired) {
			ing->apaired = ing->apaired ? ing->apaired * 2 : 256;
			ing->paired = xreallocarray(ing->paired, ing->apaired, sizeof(*ing->paired));
		}
		/* each pair once, by its lower id (the other one is older) */
		ing->paired[ing->npaired].socket_id = other->id;
		ing->paired[ing->npaired++].idx = o->idx;
	}
}

/* A socket that is closed: its 4-tuple is no longer tracked. */
static void tuple_forget(struct ingest *ing, const struct ing_socket *s)
{
	const struct ing_tuple *t;

	if (s->has_tuple && (t = hashmap_get(&ing->tuples, s->tkey, sizeof(s->tkey))) != NULL && t->socket_id == s->id)
		hashmap_del(&ing->tuples, s->tkey, sizeof(s->tkey));
}

/*
 * The socket a row is, predicted: the one listed after the previous row's
 * socket in the previous snapshot (a /proc/net table lists its sockets in
 * nearly the same order every time). Most rows then need no lookup in the
 * sockets map, whose every lookup misses the cache; a wrong guess costs a
 * comparison. Only inode sockets: the inode is their whole identity.
 */
static int socket_predicted(struct ingest *ing, const struct sm_socket_row *r, uint32_t *si)
{
	const struct ing_socket *c, *n;

	if (!r->inode || !ing->cur_id)
		return 0;
	c = &ing->spool[ing->cur_idx];
	if (c->id != ing->cur_id || !c->next_id)
		return 0;
	n = &ing->spool[c->next_idx];
	if (n->id != c->next_id || !n->has_inode || n->inode != r->inode)
		return 0;
	*si = c->next_idx;
	return 1;
}

/* The row just ingested was socket si: remember the order for next time. */
static void socket_follows(struct ingest *ing, uint32_t si)
{
	if (ing->cur_id && ing->spool[ing->cur_idx].id == ing->cur_id) {
		ing->spool[ing->cur_idx].next_idx = si;
		ing->spool[ing->cur_idx].next_id = ing->spool[si].id;
	}
	ing->cur_idx = si;
	ing->cur_id = ing->spool[si].id;
}

/* What a row told of a socket beyond its identity, as a checksum. */
static uint32_t socket_fp(const struct ing_socket *s)
{
	struct {
		char state[STATE_MAX];
		int64_t tx, rx, timer;
	} v;

	memset(&v, 0, sizeof(v));
	memcpy(v.state, s->state, sizeof(v.state));
	v.tx = s->tx;
	v.rx = s->rx;
	v.timer = s->timer;
	return (uint32_t)hash_words(&v, sizeof(v));
}

/* A row's queues, timer kind and retransmits into its socket. */
static void socket_moved(struct ing_socket *s, int64_t tx, int64_t rx, int64_t timer, int64_t retrans)
{
	s->tx = tx;
	s->rx = rx;
	s->tx_max = max_opt(s->tx_max, tx);
	s->rx_max = max_opt(s->rx_max, rx);
	s->retrans = max_opt(s->retrans, retrans);
	s->timer = timer;
	s->fp = socket_fp(s);
}

int ingest_socket(struct ingest *ing, int64_t netns, const struct sm_socket_row *r)
{
	char key[TUPLE_KEY_MAX];
	struct ing_socket *s;
	uint32_t si;
	const char *state = r->state ? r->state : "";
	int is_new = 0;

	ing->stats.socket_rows++;
	ing->last_socket_id = 0;
	if (!socket_predicted(ing, r, &si)) {
		size_t klen = socket_key(key, netns, r);
		uint32_t *idx;

		if (!klen)
			return 0;
		idx = hashmap_put(socket_map(ing, key), key, klen, &is_new);
		if (is_new)
			*idx = spool_alloc(ing);
		si = *idx;
	}
	s = &ing->spool[si];
	ing->last_socket_idx = si;
	if (!is_new && s->last == ing->snap_id) {
		ing->last_socket_id = s->id;
		return 0;   /* listed twice in one snapshot (e.g. several owners) */
	}
	s->tcp = r->proto && !strncmp(r->proto, "tcp", 3);
	ing_counts_host_socket(&ing->counts, s->tcp, state);
	if (is_new) {
		s->id = ing->next_socket_id++;
		s->has_inode = r->inode != 0;
		s->inode = r->inode;
		s->has_tuple = tuple_key(s->tkey, netns, r);
		s->row = socket_row_new(ing, netns, r, !r->inode && s->has_tuple ? socket_predecessor(ing, s->tkey) : 0);
		ing->stats.sockets++;
		if (s->has_tuple)
			tuple_track(ing, s, si);
	} else if (!s->has_tuple && s->tcp && (s->has_tuple = tuple_key(s->tkey, netns, r)) != 0) {
		tuple_track(ing, s, si);   /* bound first, connected since */
	}
	if (!is_new && strcmp(s->state, state)) {
		if (socket_state_flush(ing, s) < 0)
			return -1;
		is_new = 1;
	}
	if (is_new) {
		snprintf(s->state, sizeof(s->state), "%s", state);
		s->state_code = ing_counts_state_code(s->state);
		s->state_first = ing->snap_id;
		s->tx_max = s->rx_max = s->retrans = SM_NONE;
	}
	s->last = ing->snap_id;
	ing->last_socket_id = s->id;
	socket_moved(s, r->tx_queue, r->rx_queue, r->timer, r->retransmits);
	ing->inodes_seen += r->inode != 0;
	socket_follows(ing, si);
	return 0;
}

void ingest_socket_last(const struct ingest *ing, struct ingest_socket_ref *ref)
{
	const struct ing_socket *s = &ing->spool[ing->last_socket_idx];

	ref->id = ing->last_socket_id;
	ref->idx = ing->last_socket_idx;
	ref->fp = s->id == ref->id ? s->fp : 0;
}

/*
 * The same row again: its identity and state are those the socket has,
 * and so are its queues and timer (the fingerprint says so) as the row
 * left them, so of ingest_socket only what marks it seen in this snapshot
 * is left to do, and what moved.
 */
int ingest_socket_again(struct ingest *ing, struct ingest_socket_ref *ref, const struct sm_line_span *moved)
{
	struct ing_socket *s;

	if (!ref->id || ref->idx >= ing->nspool)
		return 0;
	s = &ing->spool[ref->idx];
	if (s->id != ref->id || s->fp != ref->fp)
		return 0;
	ing->stats.socket_rows++;
	ing->last_socket_idx = ref->idx;
	ing->last_socket_id = s->id;
	if (s->last == ing->snap_id)
		return 1;   /* listed twice in one snapshot */
	ing_counts_host_code(&ing->counts, s->tcp, s->state_code, s->state);
	s->last = ing->snap_id;
	ing->inodes_seen += s->has_inode;
	/* retransmits are in the key: the row's are those already counted */
	if (moved && moved->has_values)
		socket_moved(s, moved->tx_queue, moved->rx_queue, moved->timer, s->retrans);
	ref->fp = s->fp;
	socket_follows(ing, ref->idx);
	return 1;
}

void ingest_socket_prefetch(const struct ingest *ing, const struct ingest_socket_ref *ref)
{
	if (ref->idx < ing->nspool)
		__builtin_prefetch(&ing->spool[ref->idx], 1);
}

/* Peers: both ends of a local connection (paired by tuple_track), seen now. */
void ing_snapshot_peers(struct ingest *ing)
{
	size_t i, keep = 0;

	for (i = 0; i < ing->npaired; i++) {
		const struct ing_tuple *t = &ing->paired[i];
		const struct ing_socket *s = &ing->spool[t->idx], *o;
		int64_t pk[2];
		struct ing_iv *iv;
		int is_new;

		if (s->id != t->socket_id || !s->peer_id)
			continue;   /* closed: drop the entry */
		ing->paired[keep++] = *t;
		o = &ing->spool[s->peer];
		if (s->last != ing->snap_id || o->id != s->peer_id || o->last != ing->snap_id)
			continue;
		pk[0] = s->id < o->id ? s->id : o->id;
		pk[1] = s->id < o->id ? o->id : s->id;
		iv = hashmap_put(&ing->peers, pk, sizeof(pk), &is_new);
		if (is_new)
			iv->first = ing->snap_id;
		iv->last = ing->snap_id;
	}
	ing->npaired = keep;
}

/* A socket gone: its last state and its row written, its slot freed. */
static int close_socket(struct ingest *ing, uint32_t idx)
{
	struct ing_socket *s = &ing->spool[idx];

	if (socket_state_flush(ing, s) < 0 || socket_write(ing, s) < 0)
		return -1;
	free(s->row);
	s->row = NULL;
	tuple_forget(ing, s);
	spool_release(ing, idx);
	return 0;
}

/*
 * Closes the sockets not seen in snapshot upto (every one if 0). Those
 * with an inode, nearly all, are found by walking the spool in order, not
 * the map's slots; the few without (TIME_WAIT) by their map.
 */
int ing_close_sockets(struct ingest *ing, int64_t upto)
{
	size_t pos = 0, klen;
	const void *key;
	uint32_t i, *idx;

	for (i = 0; i < ing->nspool; i++) {
		const struct ing_socket *s = &ing->spool[i];
		char ikey[INODE_KEY_LEN];

		if (!s->id || !s->has_inode || (upto && s->last == upto))
			continue;
		inode_key(ikey, s->inode);
		if (close_socket(ing, i) < 0)
			return -1;
		hashmap_del(&ing->isockets, ikey, sizeof(ikey));
	}
	while ((idx = hashmap_next(&ing->sockets, &pos, &key, &klen)) != NULL) {
		if (upto && ing->spool[*idx].last == upto)
			continue;
		if (close_socket(ing, *idx) < 0)
			return -1;
		hashmap_del(&ing->sockets, key, klen);
	}
	return 0;
}

/* The rows of the sockets still open, never to be written. */
void ing_spool_free_rows(struct ingest *ing)
{
	uint32_t i;

	for (i = 0; i < ing->nspool; i++) {
		free(ing->spool[i].row);
		ing->spool[i].row = NULL;
	}
}
