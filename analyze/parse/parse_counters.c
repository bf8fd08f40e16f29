/*
 * parse_counters: /proc/net/sockstat, sockstat6, netstat and snmp.
 *
 * sockstat (proc(5); net/ipv4/proc.c sockstat_seq_show, net/ipv6/proc.c
 * sockstat6_seq_show): one group per line, then name/value pairs:
 *
 *   sockets: used 178
 *   TCP: inuse 11 orphan 0 tw 1 alloc 18 mem 1
 *   FRAG: inuse 0 memory 0
 *   TCP6: inuse 3                     (sockstat6)
 *
 *   TCP inuse = sockets in any state but TIME_WAIT, orphan = closed by their
 *   owner but not yet gone, tw = TIME_WAIT, alloc = allocated, mem = pages
 *   of socket buffer memory. Kernels add groups and pairs over time (e.g.
 *   UDPLITE, FRAG6), so nothing is assumed beyond the shape.
 *
 * netstat and snmp (net/ipv4/proc.c netstat_seq_show, snmp_seq_show): lines
 * come in pairs, names then values, with the same group prefix:
 *
 *   TcpExt: SyncookiesSent SyncookiesRecv ... ListenOverflows ListenDrops ...
 *   TcpExt: 0 0 ... 12 12 ...
 *
 *   Values are unsigned longs except a few ints: Tcp MaxConn prints -1
 *   ("no limit"). Lines are long (TcpExt has well over 100 counters), so
 *   they are walked token by token rather than split into an array. The
 *   per-process copies in /proc/PID/net/ have the same format. The set and
 *   order of counters varies by kernel, hence pairing by position only.
 */
#include "parse_counters.h"

#include <string.h>

#include "lines.h"
#include "numparse.h"

/* Longer than any kernel counter or group name; longer input is not ours. */
#define CN_NAME_MAX 96

/* Next blank-separated token from *p; 0 at the end. */
static int cn_tok(const char **p, const char *end, const char **tok, size_t *tlen)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s >= end) {
		*p = s;
		return 0;
	}
	*tok = s;
	while (s < end && *s != ' ' && *s != '\t')
		s++;
	*tlen = (size_t)(s - *tok);
	*p = s;
	return 1;
}

/* Number of tokens in [p, end). */
static size_t cn_count(const char *p, const char *end)
{
	const char *t;
	size_t n = 0, tl;

	while (cn_tok(&p, end, &t, &tl))
		n++;
	return n;
}

/* NUL-terminated copy for a callback; -1 if it does not fit or holds a NUL. */
static int cn_copy(char *dst, const char *s, size_t n)
{
	if (n >= CN_NAME_MAX || memchr(s, '\0', n))
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/*
 * The "Group:" that opens a line: copied into group, *rest just after it.
 * -1 when the line does not open that way.
 */
static int cn_group(const char *line, size_t len, char *group, const char **rest)
{
	const char *p = line, *t;
	size_t tl;

	if (!cn_tok(&p, line + len, &t, &tl) || tl < 2 || t[tl - 1] != ':')
		return -1;
	if (cn_copy(group, t, tl - 1) < 0)
		return -1;
	*rest = p;
	return 0;
}

/* Hand one counter to the sink; 0 when there is no counter callback. */
static int cn_emit(const struct sm_sink *sink, uint64_t line, const char *group,
		   const char *name, int64_t value)
{
	struct sm_counter_row row;

	if (!sink || !sink->counter)
		return 0;
	row.line = line;
	row.group = group;
	row.name = name;
	row.value = value;
	return sink->counter(sink->ctx, &row);
}

/* One counter from a name token and a value token; bad ones are skipped. */
static int cn_counter(const struct sm_sink *sink, uint64_t line, const char *group,
		      const char *n, size_t nl, const char *v, size_t vl)
{
	char name[CN_NAME_MAX];
	int64_t value;

	if (cn_copy(name, n, nl) < 0) {
		sm_sink_warn(sink, line, "bad counter name", n, nl);
		return 0;
	}
	if (num_i64(v, vl, 10, &value) < 0) {
		sm_sink_warn(sink, line, "bad counter value", v, vl);
		return 0;
	}
	return cn_emit(sink, line, group, name, value);
}

/* --- sockstat ------------------------------------------------------------ */

/* "TCP: inuse 4 orphan 0 ..." into counters; bad lines or values warned. */
static int cn_sockstat_line(const char *line, size_t len, uint64_t ln,
			    const struct sm_sink *sink)
{
	char group[CN_NAME_MAX];
	const char *p, *end = line + len, *n, *v;
	size_t nl, vl;
	int rc;

	if (cn_group(line, len, group, &p) < 0) {
		sm_sink_warn(sink, ln, "expected 'Group: name value ...'", line, len);
		return 0;
	}
	if (cn_count(p, end) % 2 || !cn_count(p, end)) {
		sm_sink_warn(sink, ln, "unpaired names and values", line, len);
		return 0;
	}
	while (cn_tok(&p, end, &n, &nl) && cn_tok(&p, end, &v, &vl)) {
		rc = cn_counter(sink, ln, group, n, nl, v, vl);
		if (rc)
			return rc;
	}
	return 0;
}

/* sockstat: one "Group: name value ..." line at a time. */
int parse_sockstat(const char *buf, size_t len, const struct sm_sink *sink)
{
	struct line_iter it;
	const char *line, *rest;
	char group[CN_NAME_MAX];
	size_t n;
	int seen = 0, rc;

	if (!len)   /* an empty capture may arrive as (NULL, 0) */
		return 0;
	lines_init(&it, buf, len);
	while (lines_next(&it, &line, &n)) {
		if (!cn_count(line, line + n))
			continue;
		if (!seen++ && cn_group(line, n, group, &rest) < 0)
			return -1;
		rc = cn_sockstat_line(line, n, it.lineno, sink);
		if (rc)
			return rc;
	}
	return 0;
}

/* --- netstat / snmp ------------------------------------------------------ */

/* A names line waiting for its values line. */
struct cn_pending {
	const char *line;
	size_t len;
	uint64_t lineno;
	char group[CN_NAME_MAX];
	const char *names;    /* just after "Group:" */
};

/* Emit a names line and its values line side by side. */
static int cn_pair(const struct cn_pending *h, const char *vals, const char *vline,
		   size_t vlen, uint64_t ln, const struct sm_sink *sink)
{
	const char *hend = h->line + h->len, *vend = vline + vlen;
	const char *np = h->names, *vp = vals, *n, *v;
	size_t nl, vl;
	int rc;

	if (cn_count(np, hend) != cn_count(vp, vend)) {
		sm_sink_warn(sink, ln, "names and values differ in number for", h->group,
			strlen(h->group));
		return 0;
	}
	while (cn_tok(&np, hend, &n, &nl) && cn_tok(&vp, vend, &v, &vl)) {
		rc = cn_counter(sink, ln, h->group, n, nl, v, vl);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * netstat/snmp: hold each names line until the next line; pair it when that
 * line has the same group, else warn and take the new line as names.
 */
int parse_netstat_snmp(const char *buf, size_t len, const struct sm_sink *sink)
{
	struct line_iter it;
	struct cn_pending h;
	const char *line, *rest;
	char group[CN_NAME_MAX];
	size_t n;
	int have = 0, seen = 0, rc;

	if (!len)   /* an empty capture may arrive as (NULL, 0) */
		return 0;
	lines_init(&it, buf, len);
	while (lines_next(&it, &line, &n)) {
		if (!cn_count(line, line + n))
			continue;
		if (cn_group(line, n, group, &rest) < 0) {
			if (!seen)
				return -1;
			sm_sink_warn(sink, it.lineno, "expected 'Group: ...'", line, n);
			continue;
		}
		seen = 1;
		if (have && !strcmp(group, h.group)) {
			have = 0;
			rc = cn_pair(&h, rest, line, n, it.lineno, sink);
			if (rc)
				return rc;
			continue;
		}
		if (have)
			sm_sink_warn(sink, h.lineno, "names without values for", h.group,
				strlen(h.group));
		h.line = line;
		h.len = n;
		h.lineno = it.lineno;
		h.names = rest;
		memcpy(h.group, group, sizeof(group));
		have = 1;
	}
	if (have)
		sm_sink_warn(sink, h.lineno, "names without values for", h.group, strlen(h.group));
	return 0;
}

/* --- netstat -s ------------------------------------------------------------ */

/* A net-tools sentence: the text after the number, and what it counts. */
struct cn_sentence {
	const char *group;
	const char *text;
	const char *name;
};

/* From net-tools statistics.c (1.60-2.10); both wordings where they changed. */
static const struct cn_sentence cn_sentences[] = {
	{ "Tcp", "active connection openings", "ActiveOpens" },
	{ "Tcp", "active connections openings", "ActiveOpens" },
	{ "Tcp", "passive connection openings", "PassiveOpens" },
	{ "Tcp", "failed connection attempts", "AttemptFails" },
	{ "Tcp", "connection resets received", "EstabResets" },
	{ "Tcp", "connections established", "CurrEstab" },
	{ "Tcp", "segments received", "InSegs" },
	{ "Tcp", "segments sent out", "OutSegs" },
	{ "Tcp", "segments send out", "OutSegs" },
	{ "Tcp", "segments retransmitted", "RetransSegs" },
	{ "Tcp", "segments retransmited", "RetransSegs" },
	{ "Tcp", "bad segments received", "InErrs" },
	{ "Tcp", "bad segments received.", "InErrs" },
	{ "Tcp", "resets sent", "OutRsts" },
	{ "Udp", "packets received", "InDatagrams" },
	{ "Udp", "packets to unknown port received", "NoPorts" },
	{ "Udp", "packets to unknown port received.", "NoPorts" },
	{ "Udp", "packet receive errors", "InErrors" },
	{ "Udp", "packets sent", "OutDatagrams" },
	{ "Udp", "receive buffer errors", "RcvbufErrors" },
	{ "Udp", "send buffer errors", "SndbufErrors" },
	{ "TcpExt", "times the listen queue of a socket overflowed", "ListenOverflows" },
	{ "TcpExt", "SYNs to LISTEN sockets dropped", "ListenDrops" },
	{ "TcpExt", "SYNs to LISTEN sockets ignored", "ListenDrops" },
	{ "TcpExt", "TCP sockets finished time wait in fast timer", "TW" },
	{ "TcpExt", "time wait sockets recycled by time stamp", "TWRecycled" },
	{ "TcpExt", "TCP sockets finished time wait in slow timer", "TWKilled" },
	{ "TcpExt", "delayed acks sent", "DelayedACKs" },
	{ "TcpExt", "other TCP timeouts", "TCPTimeouts" },
	{ "TcpExt", "connections reset due to unexpected data", "TCPAbortOnData" },
	{ "TcpExt", "connections reset due to early user close", "TCPAbortOnClose" },
	{ "TcpExt", "connections aborted due to memory pressure", "TCPAbortOnMemory" },
	{ "TcpExt", "connections aborted due to timeout", "TCPAbortOnTimeout" },
	{ "TcpExt", "connections aborted after user close in linger timeout", "TCPAbortOnLinger" },
	{ "TcpExt", "times unable to send RST due to no memory", "TCPAbortFailed" },
	{ "TcpExt", "packets pruned from receive queue because of socket buffer overrun", "PruneCalled" },
	{ "TcpExt", "SYN cookies sent", "SyncookiesSent" },
	{ "TcpExt", "SYN cookies received", "SyncookiesRecv" },
	{ "TcpExt", "invalid SYN cookies received", "SyncookiesFailed" },
	{ "TcpExt", "resets received for embryonic SYN_RECV sockets", "EmbryonicRsts" },
};

static const char *cn_sentence_name(const char *group, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(cn_sentences) / sizeof(cn_sentences[0]); i++)
		if (!strcmp(group, cn_sentences[i].group) && strlen(cn_sentences[i].text) == n &&
		    !memcmp(cn_sentences[i].text, s, n))
			return cn_sentences[i].name;
	return NULL;
}

/* A line of a group: "N sentence", "Name: N", or anything else (skipped). */
static int cn_stats_line(const struct sm_sink *sink, uint64_t ln, const char *group, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n), *name;
	size_t d = 0;
	int64_t v;

	while (d < n && s[d] >= '0' && s[d] <= '9')
		d++;
	if (d && d < n && s[d] == ' ') {
		name = cn_sentence_name(group, s + d + 1, n - d - 1);
		if (!name)
			return 0;
		if (num_i64(s, d, 10, &v) < 0) {
			sm_sink_warn(sink, ln, "bad counter value", s, d);
			return 0;
		}
		return cn_emit(sink, ln, group, name, v);
	}
	/* "PAWSOldAck: 2"; a histogram's "destination unreachable: 6" is no name */
	if (colon && colon > s && !memchr(s, ' ', (size_t)(colon - s)) && colon + 2 <= s + n && colon[1] == ' ')
		return cn_counter(sink, ln, group, s, (size_t)(colon - s), colon + 2, (size_t)(s + n - colon - 2));
	return 0;
}

int parse_netstat_stats(const char *buf, size_t len, const struct sm_sink *sink)
{
	struct line_iter it;
	const char *line;
	char group[CN_NAME_MAX] = "";
	size_t n;
	int seen = 0, rc;

	if (!len)   /* an empty capture may arrive as (NULL, 0) */
		return 0;
	lines_init(&it, buf, len);
	while (lines_next(&it, &line, &n)) {
		size_t lead = 0;

		n = lines_rtrim(line, n);
		while (lead < n && (line[lead] == ' ' || line[lead] == '\t'))
			lead++;
		if (lead == n)
			continue;
		if (!lead) {
			/* "TcpExt:": a group; anything else at the margin is not netstat -s */
			if (line[n - 1] != ':' || cn_copy(group, line, n - 1) < 0 || memchr(line, ' ', n)) {
				if (!seen)
					return -1;
				sm_sink_warn(sink, it.lineno, "not a netstat -s line", line, n);
				group[0] = '\0';
				continue;
			}
			seen = 1;
			continue;
		}
		if (group[0] && (rc = cn_stats_line(sink, it.lineno, group, line + lead, n - lead)) != 0)
			return rc;
	}
	return seen ? 0 : -1;
}
