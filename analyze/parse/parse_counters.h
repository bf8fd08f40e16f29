/*
 * parse_counters: host-wide socket counters from /proc/net.
 *
 * Input is the whole file (buf, len), not necessarily NUL-terminated. Each
 * counter becomes one sm_counter_row through sink->counter (group and name
 * borrowed for the callback only). Unparseable values are reported through
 * sink->warn with the 1-based line number and skipped. Sink callbacks may
 * be NULL.
 *
 * Return: 0 when the input was read to the end (including empty input), the
 * callback's non-zero value if a callback stopped the parse, -1 when the
 * first non-blank line is not "Group: ..." (not the format at all).
 */
#ifndef SM_PARSE_COUNTERS_H
#define SM_PARSE_COUNTERS_H

#include <stddef.h>

#include "rows.h"

/*
 * /proc/net/sockstat and /proc/net/sockstat6: "TCP: inuse 4 orphan 0 tw 4"
 * -> ("TCP", "inuse", 4), ("TCP", "orphan", 0), ("TCP", "tw", 4);
 * "sockets: used 178" -> ("sockets", "used", 178).
 */
int parse_sockstat(const char *buf, size_t len, const struct sm_sink *sink);

/*
 * /proc/net/netstat and /proc/net/snmp (also /proc/PID/net/...): a line of
 * names followed by a line of values with the same "Group:" prefix ->
 * ("TcpExt", "ListenOverflows", 12). Values are signed (Tcp MaxConn is -1).
 * A pair whose name and value counts differ is warned about and skipped.
 */
int parse_netstat_snmp(const char *buf, size_t len, const struct sm_sink *sink);

/*
 * `netstat -s` (net-tools): the same counters as sentences under a "Group:"
 * line ("    2332 times the listen queue of a socket overflowed" ->
 * ("TcpExt", "ListenOverflows", 2332)), and, for those net-tools has no
 * sentence for, "    PAWSOldAck: 2" -> ("TcpExt", "PAWSOldAck", 2). The
 * sentences known are those of the counters a rule reads and their
 * neighbours (Tcp, TcpExt listen queue, timeouts, aborts, TIME_WAIT, Udp
 * errors); other sentences and the histograms are skipped without a word:
 * they are no mistake in the input.
 */
int parse_netstat_stats(const char *buf, size_t len, const struct sm_sink *sink);

#endif
