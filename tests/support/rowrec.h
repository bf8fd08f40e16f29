/*
 * rowrec: a sink (rows.h) that records what a parser emits, for the
 * parser tests.
 *
 * Every row is copied with its strings (rows.h lends them only for the
 * duration of the callback) into arrays that grow as needed, so a test
 * can look at all of them after the parse; warnings keep their line and
 * message. Inputs go to the parser in a buffer of exactly their length,
 * without a NUL, so that AddressSanitizer catches a read past the end.
 *
 *   struct rowrec c = { 0 };
 *   assert_int_equal(rowrec_run_str(&c, parse_ss, "ESTAB 0 0 ..."), 0);
 *   assert_int_equal(c.nrows, 1);
 *   rowrec_free(&c);
 *
 * Every callback checks what rows.h promises of any row (a proto on a
 * socket, a group and name on a counter, a line >= 1 and a message on a
 * warning), then the test's own check_* hook when it sets one.
 */
#ifndef SM_TEST_ROWREC_H
#define SM_TEST_ROWREC_H

#include <stddef.h>
#include <stdint.h>

#include "rows.h"

typedef int (*rowrec_parse_fn)(const char *buf, size_t len, const struct sm_sink *sink);

struct rowrec {
	struct sm_socket_row *rows;     /* owned copies, in the order emitted */
	size_t nrows, rows_cap;
	struct sm_fd_row *fds;
	size_t nfds, fds_cap;
	struct sm_counter_row *ctrs;
	size_t nctrs, ctrs_cap;
	uint64_t *warn_line;
	char **warn_msg;
	size_t nwarn, warn_cap;
	/* Settings, which rowrec_free() keeps. */
	size_t stop_at;   /* each callback returns stop_rc once its own kind has this many rows */
	int stop_rc;
	void (*check_socket)(const struct sm_socket_row *r);
	void (*check_fd)(const struct sm_fd_row *r);
};

/* Point sink at rec: socket, fd, counter and warn are all recorded. */
void rowrec_sink(struct rowrec *rec, struct sm_sink *sink);
/* Free every copy and empty rec; its settings stay. */
void rowrec_free(struct rowrec *rec);
/* A zeroed recorder on the heap, and its end (rowrec_free, then free; NULL is ignored). */
struct rowrec *rowrec_new(void);
void rowrec_delete(struct rowrec *rec);

/* Parse a copy of [data, data+len) in a buffer of exactly len bytes; NULL data goes as (NULL, 0). */
int rowrec_run(struct rowrec *rec, rowrec_parse_fn fn, const char *data, size_t len);
int rowrec_run_str(struct rowrec *rec, rowrec_parse_fn fn, const char *s);
/* Parse a whole file; fails the test if it cannot be read. */
int rowrec_run_file(struct rowrec *rec, rowrec_parse_fn fn, const char *path);
/* Parse what `tool args` prints on stdout (stderr discarded). */
int rowrec_run_command(struct rowrec *rec, rowrec_parse_fn fn, const char *tool, const char *args);
/* The same into a new recorder (rowrec_delete() it); *rc is what the parser returned. */
struct rowrec *rowrec_parse_file(rowrec_parse_fn fn, const char *path, int *rc);
struct rowrec *rowrec_parse_text(rowrec_parse_fn fn, const char *text, int *rc);

/* s is set and equal to want (a NULL field is never a match). */
int rowrec_str_is(const char *s, const char *want);
/* Socket rows of proto and state (NULL: any). */
size_t rowrec_count(const struct rowrec *rec, const char *proto, const char *state);
/* The nth (0-based) socket row from input line `line`; fails the test if none. */
const struct sm_socket_row *rowrec_row_at(const struct rowrec *rec, uint64_t line, size_t nth);
/* The last socket row with this inode, or NULL. */
const struct sm_socket_row *rowrec_row_by_inode(const struct rowrec *rec, uint64_t inode);
/* The counter group.name, or NULL; rowrec_counter() gives its value or SM_NONE. */
const struct sm_counter_row *rowrec_find_counter(const struct rowrec *rec, const char *group,
						 const char *name);
int64_t rowrec_counter(const struct rowrec *rec, const char *group, const char *name);

/* State names of rows.h: inet (TCP) and unix. */
int rowrec_is_tcp_state(const char *s);
int rowrec_is_unix_state(const char *s);
/*
 * What every socket row of a tool's listing (ss, netstat) must satisfy
 * whatever the input: a check_socket hook.
 */
void rowrec_check_listing_socket(const struct sm_socket_row *r);
/* A recorder with that hook, for `struct rowrec c = ROWREC_LISTING;`. */
#define ROWREC_LISTING { .check_socket = rowrec_check_listing_socket }

#endif
