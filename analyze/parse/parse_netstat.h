/*
 * parse_netstat: netstat(8) socket listings.
 *
 * Linux net-tools (netstat -an, -anp, -antp, -antpdo, -aeep, -lnp, plain
 * netstat) with its "Active Internet connections" and "Active UNIX domain
 * sockets" sections; also, with what they tell, FreeBSD `netstat -an`,
 * macOS `netstat -An` and Windows `netstat -aon`. One sm_socket_row per
 * socket line.
 *
 * Field conventions beyond rows.h:
 *   - proto: tcp4/udp4/icm4 -> tcp/udp/raw, tcp46/udp46 -> tcp6/udp6,
 *     Windows TCP/UDP -> tcp/tcp6/udp/udp6 by address family;
 *   - state: netstat, BSD and Windows spellings mapped to rows.h names;
 *     udp/raw rows with a blank State column are "CLOSE"; raw rows print
 *     the kernel state number, mapped the same way;
 *   - ports "*" and service names ("ssh") are SM_NONE; truncated IPv6
 *     addresses are kept as printed, the port is what follows the last
 *     ':' (Linux, Windows) or the last '.' (BSD, macOS);
 *   - PID/Program name "1234/nginx: master" -> pid 1234, comm
 *     "nginx: master"; "-" -> unknown; fd is never known;
 *   - -e: a numeric User becomes uid (names are dropped), Inode -> inode;
 *   - -o: "keepalive (7188.21/0/0)" -> timer 2, timer_ms 7188210,
 *     retransmits 0 (off 0, on 1, keepalive 2, timewait 3, probe 4);
 *   - unix rows: unix_type, state (LISTENING -> LISTEN, blank ->
 *     UNCONNECTED), inode, unix_path (NULL when none); BSD unix rows have
 *     no inode (theirs is a kernel address) and no state.
 *   - Sections other than internet and unix (Bluetooth, macOS kernel
 *     event/control sockets) are skipped with one warning each.
 *
 * Takes (buf, len) not NUL-terminated, never reads past len, and holds at
 * most one line (64 KiB) of copies; longer lines are warned and skipped.
 * Returns 0, the non-zero value a callback returned to stop, or -1 when
 * nothing in a non-empty input looked like netstat output.
 */
#ifndef SM_PARSE_NETSTAT_H
#define SM_PARSE_NETSTAT_H

#include <stddef.h>

#include "rows.h"

int parse_netstat(const char *buf, size_t len, const struct sm_sink *sink);

#endif
