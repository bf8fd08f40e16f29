/*
 * parse_procnet: the kernel's /proc/net protocol tables, as text captured
 * verbatim by the collector.
 *
 * Every function takes the whole file (buf, len), which need not be
 * NUL-terminated, and emits one sm_socket_row per socket through
 * sink->socket (see rows.h for ownership: strings are borrowed for the
 * callback only). Malformed rows are reported through sink->warn with their
 * 1-based line number and skipped. Sink callbacks may be NULL (rows or
 * warnings are then dropped).
 *
 * Return: 0 when the input was read to the end (including empty input),
 * the callback's non-zero value if a callback stopped the parse, -1 when the
 * input is not the format at all (no recognisable header line) or, for
 * parse_procnet_inet, proto is not one of the names below.
 */
#ifndef SM_PARSE_PROCNET_H
#define SM_PARSE_PROCNET_H

#include <stddef.h>

#include "rows.h"

/*
 * /proc/net/{tcp,tcp6,udp,udp6,udplite,udplite6,raw,raw6}. proto names the
 * file ("tcp", "udp6", ...) and is copied to every row; whether an address
 * is IPv4 or IPv6 is decided by its width, so a v4 table passed as "tcp6"
 * still decodes. Addresses are read as printed by a little-endian host.
 * Fills state, addresses and ports (raw: the port is the IP protocol),
 * tx_queue, rx_queue, timer, timer_ms, retransmits, uid and inode;
 * listen_backlog stays SM_NONE (the kernel does not print it here).
 */
int parse_procnet_inet(const char *buf, size_t len, const char *proto,
		       const struct sm_sink *sink);

/*
 * /proc/net/unix, with or without the Inode column. proto "unix"; state
 * "LISTEN" for listening sockets, else UNCONNECTED/CONNECTING/CONNECTED/
 * DISCONNECTING; unix_type "stream"/"dgram"/"seqpacket"; unix_path as
 * printed ("@name" for abstract names), NULL when unbound.
 */
int parse_procnet_unix(const char *buf, size_t len, const struct sm_sink *sink);

/*
 * /proc/net/netlink: proto "netlink", inode, rx_queue (Rmem) and tx_queue
 * (Wmem). Emitted so the analyzer knows these inodes are live sockets.
 */
int parse_procnet_netlink(const char *buf, size_t len, const struct sm_sink *sink);

/* /proc/net/packet: proto "packet", inode, uid and rx_queue (Rmem). */
int parse_procnet_packet(const char *buf, size_t len, const struct sm_sink *sink);

#endif
