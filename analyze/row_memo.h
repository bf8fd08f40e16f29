/*
 * row_memo: what the lines of a table re-read every snapshot stood for,
 * remembered by their text, so that a line unchanged since the table's
 * previous reading is not parsed again. A /proc/net/tcp of 10,000 sockets
 * changes by a few percent between snapshots, and parsing it was most of
 * a bundle's load.
 *
 * The kernel lists a table's sockets in nearly the same order every time,
 * so the previous reading is walked alongside the current one: a line is
 * compared with the one expected next, then, by a 64-bit tag first, with
 * the few hundred after it (the lines of sockets closed since), never
 * looked up in a hash table, whose every probe would miss the cache. A
 * table in another order gets no help, and costs a short scan a line.
 *
 * What moves on a line while its socket stays (a timer's time left, the
 * queues) is not looked for on every line: it is where the line compared
 * with had it, if the text around it is the same.
 *
 * Two generations: lookups see what was put while the previous text of
 * the table was read; puts go to the current one, which the next
 * row_memo_end makes the previous. Entries point into the text they were
 * read from, which row_memo_end adopts, so no line is copied. An entry
 * holds only under the header line it was read with: a text with another
 * header finds nothing, and one with two different headers keeps nothing.
 */
#ifndef SM_ROW_MEMO_H
#define SM_ROW_MEMO_H

#include <stddef.h>
#include <stdint.h>

#include "rows.h"

#define ROW_MEMO_VAL_MAX 24

struct row_memo;

/*
 * val_size: the bytes stored per line, at most ROW_MEMO_VAL_MAX. budget:
 * the bytes the memos sharing it may hold (texts and line arrays), taken
 * as they grow and given back as they shrink: past it a memo remembers
 * fewer lines (they are parsed), never more memory.
 */
struct row_memo *row_memo_new(size_t val_size, size_t *budget);
void row_memo_free(struct row_memo *m);

/*
 * What the line stood for in the previous text under the same header, or
 * NULL. hdr and the key point into the text being read. A line found
 * again may differ from the one remembered in its moving part alone (see
 * sm_line_key), found where the remembered line had it: *sp says where,
 * and what it says when those bytes are not the same.
 */
const void *row_memo_get(struct row_memo *m, const char *hdr, size_t hlen, const struct sm_line_key *k,
			 struct sm_line_span *sp);
/*
 * What the line expected next stood for, when the text at p is that line
 * (its key, from p on; avail: the bytes left in the text): its bytes, less
 * the moving part (read as row_memo_get reads it), then '\n' or the end
 * of the text. *len: the key's length. NULL otherwise, and the line
 * expected next is still expected. No search: the line just after the
 * one found before, the common case, without finding the line's end
 * first.
 */
const void *row_memo_next(struct row_memo *m, const char *hdr, size_t hlen, const char *p, size_t avail,
			  const struct sm_line_moving *moving, size_t *len, struct sm_line_span *sp);
/* What the line `ahead` lines past the one expected next stood for, or
 * NULL: so that a caller can fetch what it will need before it needs it. */
const void *row_memo_peek(const struct row_memo *m, size_t ahead);
/* Remember the line -> val for the next reading, under the header of the
 * last row_memo_get; in the order of the text. sp: where its moving part
 * is (from row_memo_get, or the key's moving->span), or NULL: none. */
void row_memo_put(struct row_memo *m, const struct sm_line_key *k, const struct sm_line_span *sp, const void *val);
/*
 * After a line found by row_memo_get: the lines that follow it in the
 * text being read, [next, next + avail), that are, byte for byte and
 * newline included, the very lines that followed it last time. take(ctx,
 * val) is asked for each in turn, and a line it takes is remembered as if
 * got and put; the run ends at the first it does not. Returns the bytes
 * the lines taken fill, their number in *lines. (An fd listing changes by
 * a few lines between readings: this is the rest of it, without a look
 * at each line on its own.)
 */
size_t row_memo_run(struct row_memo *m, const char *next, size_t avail, int (*take)(void *ctx, const void *val),
		    void *ctx, uint64_t *lines);
/* The text just read (size bytes), which every key put since the last
 * call points into: the memo owns it now, and frees it at once when it is
 * over the budget (NULL: forget this reading). */
void row_memo_end(struct row_memo *m, char *text, size_t size);

#endif
