/*
 * parse_goroutine: Go goroutine dumps as text.
 *
 * 1. Tracebacks (debug=2, panics, SIGQUIT): runtime/traceback.go
 *    goroutineheader() and traceback1(), printed by runtime.Stack(buf, true)
 *    (which runtime/pprof's writeGoroutineStacks calls for debug=2), by
 *    fatal panics and by the signal handler (GOTRACEBACK=all|system|crash):
 *
 *      goroutine 25 [chan receive, 2 minutes, locked to thread]:
 *      main.bar(0x140000a4060, {0x1, 0x2}, 0x0?)
 *      	/src/app/main.go:57 +0x11c
 *      net/http.(*persistConn).readLoop(0xc000136000)
 *      	/usr/lib/go/src/net/http/transport.go:2163 +0x9c4 fp=0xc4 sp=0xc4 pc=0x45f
 *      ...additional frames elided...
 *      created by net/http.(*Transport).dialConn in goroutine 7
 *      	/usr/lib/go/src/net/http/transport.go:1799 +0x16ea
 *      [originating from goroutine 24]:
 *      main.d1(...)
 *      	/src/app/main.go:70 +0x34
 *
 *    Header: "goroutine ID" then, since Go 1.23 when the runtime is crashing
 *    or GOTRACEBACK>=system, " gp=0x... m=N mp=0x..." or " m=nil", then
 *    " [STATUS" + " (scan)"? + ", N minutes"? + ", locked to thread"? +
 *    further ", ..." notes (1.24: ", synctest group N") + "]:". STATUS is a
 *    g status ("running", "runnable", "syscall") or a wait reason, which may
 *    hold spaces, dots and parentheses: "IO wait", "sync.Mutex.Lock" (1.24),
 *    "select (no cases)", "GC worker (idle)".
 *    Frames: a function line "pkg.Func(args)" -- names hold dots, slashes,
 *    parentheses and %-escapes ("net/http.(*persistConn).readLoop",
 *    "gopkg.in/yaml%2ev2.(*parser).parse", "main.main.func1", "main.F[...]",
 *    pre-1.5 "func·002"); args are hex words, "{...}" groups (1.17+), "?"
 *    suffixes, "..." -- then a file line indented by a tab: "FILE:LINE",
 *    " +0xOFF" unless the frame is the sigpanic site or inlined, then
 *    " fp= sp= pc=" under GOTRACEBACK=crash (pre-1.4: no pc=). FILE may hold
 *    spaces and a drive letter ("C:/Program Files/Go/src/x.go").
 *    "created by F" gained " in goroutine N" in Go 1.21. Elision: "...additional
 *    frames elided..." (bottom cut, < 1.21) and "...N frames elided..." (1.21+,
 *    middle cut). "goroutine running on other thread; stack unavailable"
 *    replaces the frames of a goroutine running elsewhere.
 *    "[originating from goroutine N]:" (GODEBUG=tracebackancestors) starts
 *    the stack of an ancestor at the time it created this goroutine: frames
 *    and a created-by line that are skipped here (not live goroutines).
 *    Pre-1.5 C runtime frames look alike ("schedule()" / "proc.c:1575"),
 *    "goroutine 0 [idle]" included. Old SIGQUIT dumps indent file lines with
 *    8 spaces; test frameworks (goconvey) indent the whole dump. Around the
 *    goroutines: "panic: ...", "[signal SIGSEGV: ...]", "SIGQUIT: quit",
 *    "PC=0x43f349 m=0 sigcode=0", "runtime stack:" with frames, register
 *    dumps ("rax    0x0"), "exit status 2", "FAILED", "-----": skipped.
 *    Line roles are told by content and by indentation relative to the
 *    goroutine's header line, so a dump indented as a whole parses alike.
 *
 * 2. The aggregated profile (debug=1): runtime/pprof printCountProfile and
 *    printStackRecord, through a tabwriter (hence runs of tabs):
 *
 *      goroutine profile: total 1779
 *      869 @ 0x4c974c 0x4d9228 0x822125 0x4f65c1
 *      # labels: {"handler":"api", "user":"x"}
 *      #	0x822124	net/http.(*persistConn).writeLoop+0x164	/usr/local/go/src/net/http/transport.go:1759
 *      #	0x0
 *      (blank line)
 *
 *    A frame without a symbol is "#\t0x..." alone. "threadcreate profile:"
 *    (and the legacy text profiles of google/pprof's testdata) use the same
 *    syntax, possibly with no "#" lines at all or an empty PC list
 *    ("1012 @"). Pasted copies may have lost the "#" (leading blanks
 *    instead) or carry a log prefix before the header.
 */
#include "parse_goroutine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "numparse.h"
#include "strbuf.h"

#define GR_MAX_LINE (64 * 1024)      /* longer lines are skipped */
#define GR_MAX_FRAMES 4096           /* frames kept per goroutine or stack */
#define GR_MAX_TEXT (16u << 20)      /* name bytes kept per goroutine */
#define GR_MAX_WARN 100
#define GR_NOSTR UINT32_MAX
#define GR_UNAVAIL "goroutine running on other thread; stack unavailable"

/* What the next file line completes. */
enum gr_want { GR_WANT_FUNC, GR_WANT_FILE, GR_WANT_CREATED_FILE, GR_WANT_DROP };

/* A frame whose strings are offsets into the text arena (which may move). */
struct gr_frame {
	uint32_t func, file;
	int64_t line;
};

/* One goroutine or stack being collected, reused from one to the next. */
struct gr_stack {
	struct gr_frame *frames;
	size_t nframes, frames_cap;
	char *text;
	size_t text_len, text_cap;
	struct sm_frame *out;
	size_t out_cap;
};

struct gr_parser {
	const struct sm_sink *sink;
	unsigned nwarn;
	int rc;                    /* a callback's stop value */
	int open;                  /* a goroutine (or debug=1 stack) is open */
	struct sm_goroutine_row row;
	uint32_t state, created_by, created_file, labels;
	struct gr_stack st;
	/* debug=2 only */
	size_t indent;             /* of the open goroutine's header */
	enum gr_want want;
	int in_ancestor, unavailable;
	int pending;               /* a base-indent line that may be a broken frame */
	uint64_t pending_line;
	const char *pending_s;
	size_t pending_n;
	uint64_t headers;
	/* debug=1 only */
	int in_profile, is_goroutine;
	int64_t total, sum;
	uint64_t profile_line;
};

/* --- shared helpers ------------------------------------------------------- */

/* A problem at line `line` (sm_sink_warn), until there have been too many. */
static void gr_warn(struct gr_parser *p, uint64_t line, const char *what,
		    const char *s, size_t n)
{
	if (!p->sink || !p->sink->warn || p->nwarn > GR_MAX_WARN)
		return;
	if (++p->nwarn > GR_MAX_WARN) {
		p->sink->warn(p->sink->ctx, line, "too many warnings; further ones suppressed");
		return;
	}
	sm_sink_warn(p->sink, line, what, s, n);
}

static int gr_starts(const char *s, size_t n, const char *lit, size_t litlen)
{
	return n >= litlen && !memcmp(s, lit, litlen);
}

static int gr_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

/* Copy [s, s+n) NUL-terminated into the arena; GR_NOSTR past its cap. */
static uint32_t gr_text_add(struct gr_stack *st, const char *s, size_t n)
{
	size_t off = st->text_len;

	if (n + 1 > GR_MAX_TEXT - off)
		return GR_NOSTR;
	if (off + n + 1 > st->text_cap) {
		size_t cap = st->text_cap ? st->text_cap : 4096;

		while (cap < off + n + 1)
			cap *= 2;
		st->text = xreallocarray(st->text, cap, 1);
		st->text_cap = cap;
	}
	memcpy(st->text + off, s, n);
	st->text[off + n] = '\0';
	st->text_len = off + n + 1;
	return (uint32_t)off;
}

static const char *gr_str(const struct gr_stack *st, uint32_t off)
{
	return off == GR_NOSTR ? NULL : st->text + off;
}

/* Append a frame named [s, s+n); 0 when a cap dropped it. */
static int gr_frame_add(struct gr_stack *st, const char *s, size_t n)
{
	uint32_t off;

	if (st->nframes >= GR_MAX_FRAMES)
		return 0;
	off = gr_text_add(st, s, n);
	if (off == GR_NOSTR)
		return 0;
	if (st->nframes == st->frames_cap) {
		st->frames_cap = st->frames_cap ? st->frames_cap * 2 : 64;
		st->frames = xreallocarray(st->frames, st->frames_cap, sizeof(*st->frames));
	}
	st->frames[st->nframes].func = off;
	st->frames[st->nframes].file = GR_NOSTR;
	st->frames[st->nframes].line = SM_NONE;
	st->nframes++;
	return 1;
}

static void gr_stack_reset(struct gr_stack *st)
{
	st->nframes = 0;
	st->text_len = 0;
}

static void gr_stack_free(struct gr_stack *st)
{
	free(st->frames);
	free(st->text);
	free(st->out);
	memset(st, 0, sizeof(*st));
}

/* A fresh row: one goroutine, nothing known beyond that. */
static void gr_row_init(struct gr_parser *p, uint64_t line)
{
	memset(&p->row, 0, sizeof(p->row));
	p->row.line = line;
	p->row.id = SM_NONE;
	p->row.count = 1;
	p->row.wait_minutes = SM_NONE;
	p->row.created_by_line = SM_NONE;
	p->row.created_by_goroutine = SM_NONE;
	p->state = p->created_by = p->created_file = p->labels = GR_NOSTR;
	gr_stack_reset(&p->st);
}

/* Resolve the arena offsets and hand the open row to the sink. */
static void gr_emit(struct gr_parser *p)
{
	struct gr_stack *st = &p->st;
	size_t i;

	if (p->rc || !p->sink || !p->sink->goroutine)
		return;
	if (st->nframes > st->out_cap) {
		st->out_cap = st->nframes;
		free(st->out);
		st->out = xreallocarray(NULL, st->out_cap, sizeof(*st->out));
	}
	for (i = 0; i < st->nframes; i++) {
		st->out[i].func = st->text + st->frames[i].func;
		st->out[i].file = gr_str(st, st->frames[i].file);
		st->out[i].line = st->frames[i].line;
	}
	p->row.frames = st->nframes ? st->out : NULL;
	p->row.nframes = st->nframes;
	p->row.state = gr_str(st, p->state);
	p->row.created_by = gr_str(st, p->created_by);
	p->row.created_by_file = gr_str(st, p->created_file);
	p->row.labels = gr_str(st, p->labels);
	p->rc = p->sink->goroutine(p->sink->ctx, &p->row);
}

/*
 * "FILE:LINE[ +0xOFF][ fp=.. sp=..[ pc=..]]" -> the length of FILE and LINE.
 * Suffix tokens are peeled from the right, so FILE may hold blanks.
 */
static int gr_fileline(const char *s, size_t n, size_t *flen, int64_t *line)
{
	const char *colon;
	size_t dn;

	for (;;) {
		const char *sp = memrchr(s, ' ', n);
		const char *t;
		size_t tl;

		if (!sp)
			break;
		t = sp + 1;
		tl = (size_t)(s + n - t);
		if (tl < 3 || !(gr_starts(t, tl, "+0x", 3) || gr_starts(t, tl, "fp=", 3) ||
				gr_starts(t, tl, "sp=", 3) || gr_starts(t, tl, "pc=", 3)))
			break;
		n = (size_t)(sp - s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
	}
	colon = memrchr(s, ':', n);
	if (!colon || colon == s)
		return -1;
	dn = (size_t)(s + n - colon - 1);
	if (dn == 0 || dn > 10 || num_i64(colon + 1, dn, 10, line) < 0)
		return -1;
	*flen = (size_t)(colon - s);
	return 0;
}

/* --- debug=2 tracebacks ---------------------------------------------------- */

/*
 * "pkg.(*T).M(0xc000010000, {0x1, 0x2})" -> the length of "pkg.(*T).M":
 * the parenthesis matching the final one opens the arguments. 0 when the
 * line is not a call (no final ')', unbalanced, blanks in the name).
 */
static size_t gr_func_len(const char *s, size_t n)
{
	size_t depth = 0, i = n;

	if (n < 3 || s[n - 1] != ')')
		return 0;
	while (i > 0) {
		char c = s[--i];

		if (c == ')') {
			depth++;
		} else if (c == '(') {
			if (--depth == 0)
				break;
		}
	}
	if (depth != 0 || i == 0)
		return 0;
	if (memchr(s, ' ', i) || memchr(s, '\t', i))
		return 0;
	return i;
}

/* "15" of "15 minutes"; Go never prints a negative wait (fuzz_goroutine
 * found "-2 minute" taken as is), so that and garbage keep the default. */
static void gr_minutes(struct gr_parser *p, const char *s, size_t n)
{
	int64_t v;

	if (num_i64(s, n, 10, &v) == 0 && v >= 0)
		p->row.wait_minutes = v;
}

/* The bracketed part of a header: "chan send, 101 minutes, locked to thread". */
static void gr_header_notes(struct gr_parser *p, const char *s, size_t n)
{
	const char *end = s + n;
	int first = 1;

	while (s <= end) {
		const char *c = memchr(s, ',', (size_t)(end - s));
		const char *e = c ? c : end;
		size_t len;

		while (s < e && *s == ' ')
			s++;
		len = (size_t)(e - s);
		if (first) {
			if (len >= 7 && !memcmp(s + len - 7, " (scan)", 7))
				len -= 7;
			if (len)
				p->state = gr_text_add(&p->st, s, len);
			first = 0;
		} else if (len == 16 && !memcmp(s, "locked to thread", 16)) {
			p->row.locked_to_thread = 1;
		} else if (len > 7 && !memcmp(s + len - 7, " minute", 7)) {
			gr_minutes(p, s, len - 7);
		} else if (len > 8 && !memcmp(s + len - 8, " minutes", 8)) {
			gr_minutes(p, s, len - 8);
		}
		if (!c)
			break;
		s = c + 1;
	}
}

/* The open goroutine ends here. */
static void gr_close(struct gr_parser *p, int truncated)
{
	if (!p->open)
		return;
	p->row.truncated = truncated;
	gr_emit(p);
	p->open = 0;
	p->pending = 0;
}

/* "goroutine 18 [...]:" (or "goroutine 1 gp=0x.. m=nil [...]:"): open it. */
static int gr_header(struct gr_parser *p, uint64_t lineno, size_t indent,
		     const char *s, size_t n)
{
	size_t i = 10;
	const char *open;
	int64_t id;

	while (i < n && gr_isdigit(s[i]))
		i++;
	if (i == 10 || i >= n || s[i] != ' ' || n < 4 || s[n - 1] != ':' || s[n - 2] != ']')
		return -1;
	if (num_i64(s + 10, i - 10, 10, &id) < 0)
		return -1;
	open = memchr(s + i, '[', n - i);
	if (!open || open >= s + n - 2)
		return -1;
	gr_close(p, 0);
	gr_row_init(p, lineno);
	p->open = 1;
	p->headers++;
	p->row.id = id;
	p->row.wait_minutes = 0;
	p->indent = indent;
	p->want = GR_WANT_FUNC;
	p->in_ancestor = p->unavailable = p->pending = 0;
	gr_header_notes(p, open + 1, (size_t)(s + n - 2 - (open + 1)));
	return 0;
}

/* "created by F" / "created by F in goroutine N" (text after "created by "). */
static void gr_created(struct gr_parser *p, const char *s, size_t n)
{
	const char *in = memmem(s, n, " in goroutine ", 14);
	size_t flen;

	if (in) {
		const char *d = in + 14;

		num_i64(d, (size_t)(s + n - d), 10, &p->row.created_by_goroutine);
		n = (size_t)(in - s);
	}
	flen = gr_func_len(s, n);
	p->created_by = gr_text_add(&p->st, s, flen ? flen : n);
}

/* A file line: complete what the previous line started. */
static void gr_file(struct gr_parser *p, uint64_t lineno, const char *s, size_t n,
		    size_t flen, int64_t line)
{
	if (p->in_ancestor) {
		p->want = GR_WANT_FUNC;
		return;
	}
	switch (p->want) {
	case GR_WANT_FILE: {
		struct gr_frame *f = &p->st.frames[p->st.nframes - 1];

		f->file = gr_text_add(&p->st, s, flen);
		f->line = f->file == GR_NOSTR ? SM_NONE : line;
		break;
	}
	case GR_WANT_CREATED_FILE:
		p->created_file = gr_text_add(&p->st, s, flen);
		if (p->created_file != GR_NOSTR)
			p->row.created_by_line = line;
		break;
	case GR_WANT_DROP:
		break;
	case GR_WANT_FUNC:
		gr_warn(p, lineno, "file line without a function line", s, n);
		break;
	}
	p->want = GR_WANT_FUNC;
}

/* A function line at the goroutine's indentation. */
static void gr_func(struct gr_parser *p, const char *s, size_t flen)
{
	if (p->in_ancestor || !gr_frame_add(&p->st, s, flen)) {
		if (!p->in_ancestor)
			p->row.elided = 1;       /* our cap, not the dump's */
		p->want = GR_WANT_DROP;
		return;
	}
	p->want = GR_WANT_FILE;
}

/* A line at the header's indentation or less, inside a goroutine. */
static void gr_body(struct gr_parser *p, uint64_t lineno, const char *s, size_t n)
{
	size_t flen;

	if (gr_starts(s, n, "created by ", 11)) {
		if (!p->in_ancestor)
			gr_created(p, s + 11, n - 11);
		p->want = p->in_ancestor ? GR_WANT_DROP : GR_WANT_CREATED_FILE;
		return;
	}
	if (gr_starts(s, n, "...", 3) && s[n - 1] == '.' && memmem(s, n, "elided", 6)) {
		if (!p->in_ancestor)
			p->row.elided = 1;
		p->want = GR_WANT_FUNC;
		return;
	}
	if (gr_starts(s, n, "[originating from goroutine ", 28)) {
		p->in_ancestor = 1;
		p->want = GR_WANT_FUNC;
		return;
	}
	flen = gr_func_len(s, n);
	if (flen) {
		gr_func(p, s, flen);
		return;
	}
	if (memchr(s, '(', n)) {
		/* A broken frame if a file line follows, else text after the dump. */
		p->pending = 1;
		p->pending_line = lineno;
		p->pending_s = s;
		p->pending_n = n;
		return;
	}
	gr_close(p, 0);   /* "exit status 2", "FAILED", a register dump... */
}

/* One line of a traceback, CR and trailing blanks already gone. */
static void gr_line(struct gr_parser *p, uint64_t lineno, const char *line, size_t len)
{
	size_t indent = 0, n, flen;
	const char *s;
	int64_t ln;

	while (indent < len && (line[indent] == ' ' || line[indent] == '\t'))
		indent++;
	s = line + indent;
	n = len - indent;
	if (n == 0) {
		gr_close(p, 0);
		return;
	}
	if (n > 10 && s[0] == 'g' && !memcmp(s, "goroutine ", 10) && gr_isdigit(s[10])) {
		if (gr_header(p, lineno, indent, s, n) == 0)
			return;
		if (memchr(s, '[', n))
			gr_warn(p, lineno, "malformed goroutine header", s, n);
	}
	if (!p->open)
		return;
	if (p->pending) {
		p->pending = 0;
		if (indent > p->indent && gr_fileline(s, n, &flen, &ln) == 0) {
			gr_warn(p, p->pending_line, "malformed frame line", p->pending_s, p->pending_n);
			p->want = GR_WANT_FUNC;
			return;
		}
		gr_close(p, 0);
		return;
	}
	if (indent > p->indent) {
		if (n == sizeof(GR_UNAVAIL) - 1 && !memcmp(s, GR_UNAVAIL, n))
			p->unavailable = 1;
		else if (gr_fileline(s, n, &flen, &ln) == 0)
			gr_file(p, lineno, s, n, flen, ln);
		else if (gr_func_len(s, n) || gr_starts(s, n, "created by ", 11))
			gr_body(p, lineno, s, n);  /* frames indented under the header */
		else if (!p->in_ancestor)
			gr_warn(p, lineno, "unrecognised line in goroutine", s, n);
		return;
	}
	/* Dumps whose indentation was stripped: a wanted file line, flush left. */
	if (p->want != GR_WANT_FUNC && s[n - 1] != ')' && gr_fileline(s, n, &flen, &ln) == 0) {
		gr_file(p, lineno, s, n, flen, ln);
		return;
	}
	gr_body(p, lineno, s, n);
}

/* End of input inside a goroutine: was it cut? */
static void gr_finish(struct gr_parser *p)
{
	int cut;

	if (!p->open)
		return;
	cut = p->pending || p->want != GR_WANT_FUNC ||
	      (p->st.nframes == 0 && !p->unavailable && p->created_by == GR_NOSTR);
	gr_close(p, cut);
}

int parse_goroutine_text(const char *buf, size_t len, const struct sm_sink *sink)
{
	struct gr_parser p;
	struct line_iter it;
	const char *line;
	size_t n;
	int nonblank = 0;

	memset(&p, 0, sizeof(p));
	p.sink = sink;
	lines_init(&it, buf, len);
	while (!p.rc && lines_next(&it, &line, &n)) {
		n = lines_rtrim(line, n);
		if (n > GR_MAX_LINE) {
			gr_warn(&p, it.lineno, "line longer than 64 KiB skipped", line, n);
			if (p.open)
				p.want = GR_WANT_DROP;
			continue;
		}
		nonblank |= n != 0;
		gr_line(&p, it.lineno, line, n);
	}
	if (!p.rc)
		gr_finish(&p);
	gr_stack_free(&p.st);
	if (p.rc)
		return p.rc;
	if (!p.headers && nonblank) {
		gr_warn(&p, 1, "no goroutine header ('goroutine N [state]:') found", NULL, 0);
		return -1;
	}
	return 0;
}

/* --- debug=1 aggregated profile ------------------------------------------- */

/* Close the open stack; goroutine profiles emit it. */
static void g1_close(struct gr_parser *p)
{
	if (!p->open)
		return;
	p->open = 0;
	if (p->is_goroutine)
		gr_emit(p);
}

/* Close the open profile: do its stacks add up to its total? */
static void g1_end_profile(struct gr_parser *p)
{
	char msg[128];

	g1_close(p);
	if (!p->in_profile)
		return;
	p->in_profile = 0;
	if (p->sum != p->total) {
		snprintf(msg, sizeof(msg), "stacks add up to %lld but the header says total %lld",
			 (long long)p->sum, (long long)p->total);
		gr_warn(p, p->profile_line, msg, NULL, 0);
	}
}

static int g1_isident(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || gr_isdigit(c);
}

/* "[prefix]NAME profile: total N" at [hit, ...): 0 when it is one. */
static int g1_header(struct gr_parser *p, uint64_t lineno, const char *s, size_t n,
		     const char *hit)
{
	const char *name, *num = hit + 15;
	struct sm_counter_row c;
	char group[64];
	size_t glen;
	int64_t total;

	if (hit - s < 2 || hit[-1] != ' ')
		return -1;
	name = hit - 1;                  /* the blank before "profile:" */
	while (name > s && g1_isident(name[-1]))
		name--;
	glen = (size_t)(hit - 1 - name);
	if (glen == 0 || glen >= sizeof(group) ||
	    num_i64(num, (size_t)(s + n - num), 10, &total) < 0 || total < 0)
		return -1;
	g1_end_profile(p);
	memcpy(group, name, glen);
	group[glen] = '\0';
	p->in_profile = 1;
	/* Go 1.26's GOEXPERIMENT=goroutineleakprofile lists goroutines too. */
	p->is_goroutine = !strcmp(group, "goroutine") || !strcmp(group, "goroutineleak");
	p->total = total;
	p->sum = 0;
	p->profile_line = lineno;
	if (p->sink && p->sink->counter) {
		c.line = lineno;
		c.group = group;
		c.name = "total";
		c.value = total;
		p->rc = p->sink->counter(p->sink->ctx, &c);
	}
	return 0;
}

/* "869 @ 0x4c974c ..." or "1012 @": 0 when it opens a stack. */
static int g1_stack(struct gr_parser *p, uint64_t lineno, const char *s, size_t n)
{
	size_t i = 0;
	int64_t count;

	while (i < n && gr_isdigit(s[i]))
		i++;
	if (i == 0 || i + 2 > n || s[i] != ' ' || s[i + 1] != '@' || (i + 2 < n && s[i + 2] != ' '))
		return -1;
	if (num_i64(s, i, 10, &count) < 0) {
		gr_warn(p, lineno, "stack count out of range", s, i);
		return 0;
	}
	g1_close(p);
	if (!p->in_profile) {
		gr_warn(p, lineno, "stack before any 'profile: total' header skipped", s, n);
		return 0;
	}
	gr_row_init(p, lineno);
	p->open = 1;
	p->row.count = count;
	p->sum = count > INT64_MAX - p->sum ? INT64_MAX : p->sum + count;
	return 0;
}

/* {"k":"v", "k2":"v\"2"} -> k=v,k2=v"2 (Go %q strings, simple escapes undone). */
static void g1_labels(struct gr_parser *p, const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t i, o = 0;
	int inq = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!inq) {
			if (c == '"')
				inq = 1;
			else if (c == ':')
				out[o++] = '=';
			else if (c == ',')
				out[o++] = ',';
		} else if (c == '\\' && i + 1 < n) {
			c = s[++i];
			if (c != '"' && c != '\\')
				out[o++] = '\\';
			out[o++] = c;
		} else if (c == '"') {
			inq = 0;
		} else {
			out[o++] = c;
		}
	}
	p->labels = gr_text_add(&p->st, out, o);
	free(out);
}

/* "0x822124<ws>pkg.F+0x164<ws>/file.go:1759" (the '#' already gone). */
static void g1_frame(struct gr_parser *p, uint64_t lineno, const char *s, size_t n)
{
	size_t i = 0, a, f0, f1, flen;
	int64_t line;
	const char *plus;

	while (i < n && s[i] != ' ' && s[i] != '\t')
		i++;
	a = i;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n) {                          /* "#\t0x0": no symbol */
		if (!gr_frame_add(&p->st, s, a))
			p->row.elided = 1;
		return;
	}
	f0 = i;
	while (i < n && s[i] != ' ' && s[i] != '\t')
		i++;
	f1 = i;
	plus = memrchr(s + f0, '+', f1 - f0);
	if (plus && gr_starts(plus, (size_t)(s + f1 - plus), "+0x", 3))
		f1 = (size_t)(plus - s);
	if (!gr_frame_add(&p->st, s + f0, f1 - f0)) {
		p->row.elided = 1;
		return;
	}
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && gr_fileline(s + i, n - i, &flen, &line) == 0) {
		struct gr_frame *fr = &p->st.frames[p->st.nframes - 1];

		fr->file = gr_text_add(&p->st, s + i, flen);
		fr->line = fr->file == GR_NOSTR ? SM_NONE : line;
	} else if (i < n) {
		gr_warn(p, lineno, "frame without file:line", s, n);
	}
}

/* One line of a debug=1 profile, trimmed of trailing blanks. */
static void g1_line(struct gr_parser *p, uint64_t lineno, const char *line, size_t len)
{
	size_t indent = 0, n;
	const char *s, *hit;

	while (indent < len && (line[indent] == ' ' || line[indent] == '\t'))
		indent++;
	s = line + indent;
	n = len - indent;
	if (n == 0) {
		g1_close(p);
		return;
	}
	if (gr_isdigit(s[0]) && g1_stack(p, lineno, s, n) == 0)
		return;
	if (s[0] == '#' || gr_starts(s, n, "0x", 2)) {
		if (!p->open)
			return;                /* a stack we skipped */
		if (s[0] == '#') {
			s++, n--;
			while (n && (*s == ' ' || *s == '\t'))
				s++, n--;
		}
		if (gr_starts(s, n, "labels: ", 8))
			g1_labels(p, s + 8, n - 8);
		else if (gr_starts(s, n, "0x", 2))
			g1_frame(p, lineno, s, n);
		else
			gr_warn(p, lineno, "unrecognised '#' line", line, len);
		return;
	}
	hit = memmem(s, n, "profile: total ", 15);
	if (hit && g1_header(p, lineno, s, n, hit) == 0)
		return;
	gr_warn(p, lineno, "unrecognised line", line, len);
}

int parse_goroutine_debug1(const char *buf, size_t len, const struct sm_sink *sink)
{
	struct gr_parser p;
	struct line_iter it;
	const char *line;
	size_t n;
	int nonblank = 0, profiles = 0;

	memset(&p, 0, sizeof(p));
	p.sink = sink;
	lines_init(&it, buf, len);
	while (!p.rc && lines_next(&it, &line, &n)) {
		n = lines_rtrim(line, n);
		if (n > GR_MAX_LINE) {
			gr_warn(&p, it.lineno, "line longer than 64 KiB skipped", line, n);
			continue;
		}
		nonblank |= n != 0;
		g1_line(&p, it.lineno, line, n);
		profiles |= p.in_profile;
	}
	if (!p.rc)
		g1_end_profile(&p);
	gr_stack_free(&p.st);
	if (p.rc)
		return p.rc;
	if (!profiles && nonblank) {
		gr_warn(&p, 1, "no 'NAME profile: total N' header found", NULL, 0);
		return -1;
	}
	return 0;
}
