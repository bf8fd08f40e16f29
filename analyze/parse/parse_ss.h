/*
 * parse_ss: iproute2 ss(8) output.
 *
 * parse_ss() reads socket listings (ss -tan, -tanp, -tanpie, -a, -tulpen,
 * with or without the header, any width) and emits one sm_socket_row per
 * socket, or one per owner when several processes share the socket (same
 * inode, different pid/fd). Continuation lines (ss -i details, a Process
 * column wrapped by a terminal) are folded into the socket above them.
 *
 * A listing filtered by state (`ss -tan state close-wait`) has no State
 * column ("Recv-Q Send-Q Local Address:Port ..."): its rows take the state
 * parse_ss_filtered() is told, or none.
 *
 * Field conventions beyond rows.h:
 *   - proto "tcp" when the listing has no Netid column (ss -t);
 *   - LISTEN rows: Send-Q is the accept backlog, so it goes to
 *     listen_backlog and tx_queue is SM_NONE; Recv-Q is the accept queue;
 *   - ports printed as "*" or as service names ("ssh") are SM_NONE;
 *   - uid is 0 when ss -e printed ino: but no uid: (ss omits uid 0);
 *   - unix rows: unix_path (NULL for "*"), inode from the Port column; the
 *     peer's inode is not kept (rows.h has no field for it);
 *   - netlink/packet rows keep ss's text ("rtnl:systemd/1", "*:eth0") as
 *     local_addr; vsock rows split "cid:port".
 *
 * parse_ss_summary() reads `ss -s` and emits counter rows:
 *   "Total: 2991 (kernel 7497)"  -> ("Total","total",2991) ("Total","kernel",7497)
 *   "TCP: 27 (estab 4, ..., timewait 2/0), ports 0"
 *       -> ("TCP","total",27) ("TCP","estab",4) ... ("TCP","timewait",2)
 *          ("TCP","timewait_slab",0) ("TCP","ports",0)
 *   "UDP  18  11  7" under "Transport Total IP IPv6"
 *       -> ("Transport:UDP","Total",18) ("Transport:UDP","IP",11) ...
 *
 * Both take (buf, len) not NUL-terminated, never read past len, and hold
 * at most one line (64 KiB) of copies; longer lines are warned and skipped.
 * Return 0, the non-zero value a callback returned to stop, or -1 when
 * nothing in a non-empty input looked like ss output.
 */
#ifndef SM_PARSE_SS_H
#define SM_PARSE_SS_H

#include <stddef.h>

#include "rows.h"

int parse_ss(const char *buf, size_t len, const struct sm_sink *sink);
/*
 * The same, for a listing that may have been filtered by state (`ss -tan
 * state close-wait`): such a listing has no State column, so implied_state
 * (see parse_ss_state) is each of its sockets' state; NULL leaves it
 * unknown, which is warned once. *stateless (if not NULL): whether the
 * input had a header without a State column.
 */
int parse_ss_filtered(const char *buf, size_t len, const struct sm_sink *sink, const char *implied_state,
		      int *stateless);
/* The state filter a name stands for ("close-wait", "CLOSE_WAIT", "closewait",
 * "ESTAB" ...) as `ss state` spells it, or NULL: not a single state. */
const char *parse_ss_state(const char *name);
/* The i-th state filter (established, syn-sent, ...), NULL past the last. */
const char *parse_ss_state_filter(size_t i);
/* The one state a file name spells between separators ("ss_close_wait.txt":
 * "close-wait"), or NULL: none, or more than one. */
const char *parse_ss_state_in_name(const char *name);
int parse_ss_summary(const char *buf, size_t len, const struct sm_sink *sink);

#endif
