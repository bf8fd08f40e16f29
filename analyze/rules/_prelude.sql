-- _prelude: not a rule. Runs once before the rules and builds the TEMP
-- tables rule_* that they read (documented in analyze/rules/README.md).
-- Everything is computed from the interval tables without expanding them
-- per snapshot, so a 1-hour, 10,000-socket recording stays cheap: counts
-- per snapshot come from +1/-1 events at interval ends and a running sum.

-- Socket fds with their process's namespace, indexed by inode: the same
-- ownership as the view v_socket_owners, about twice as fast to join. The
-- index covers what rule_owned reads (no lookup of the row), and orders
-- the fds of one inode as the table does (fds' key order).
DROP TABLE IF EXISTS temp.rule_sockfd;
CREATE TEMP TABLE rule_sockfd AS
SELECT f.process_id, f.inode, f.socket_id, f.first_snapshot, f.last_snapshot, p.netns, f.fd
FROM fds f JOIN processes p ON p.id = f.process_id WHERE f.inode > 0 OR f.socket_id IS NOT NULL
ORDER BY f.process_id, f.fd, f.first_snapshot;
CREATE INDEX temp.rule_sockfd_inode ON rule_sockfd(inode, process_id, fd, first_snapshot, last_snapshot, netns);

-- Listening ports per process: the LISTEN rows of rule_owned below, made
-- first so that rule_owned can say 'in' or 'out' as it is written. The
-- same join as rule_owned's, in the same order (rows appear in the order
-- rule_owned would hold them), but only over sockets that were in LISTEN.
DROP TABLE IF EXISTS temp.rule_listen;
CREATE TEMP TABLE rule_listen AS
SELECT DISTINCT process_id, source_id, netns, port FROM (
    SELECT f.process_id, s.source_id, s.netns, s.local_port AS port
    FROM sockets s CROSS JOIN rule_sockfd f ON f.inode = s.inode CROSS JOIN socket_states st ON st.socket_id = s.id
    WHERE s.id IN (SELECT socket_id FROM socket_states WHERE state = 'LISTEN')
      AND s.inode > 0 AND s.proto IN ('tcp', 'tcp6')
      AND f.first_snapshot <= s.last_snapshot AND f.last_snapshot >= s.first_snapshot
      AND (f.netns IS NULL OR s.netns IS NULL OR f.netns = s.netns)
      AND st.state = 'LISTEN' AND st.first_snapshot <= s.last_snapshot AND st.first_snapshot <= f.last_snapshot
      AND st.last_snapshot >= s.first_snapshot AND st.last_snapshot >= f.first_snapshot
    UNION ALL
    SELECT f.process_id, s.source_id, s.netns, s.local_port
    FROM rule_sockfd f CROSS JOIN sockets s ON s.id = f.socket_id CROSS JOIN socket_states st ON st.socket_id = s.id
    WHERE f.socket_id IS NOT NULL AND s.proto IN ('tcp', 'tcp6')
      AND (s.inode IS NULL OR s.inode = 0 OR f.inode IS NULL OR f.inode = 0)
      AND st.state = 'LISTEN' AND st.first_snapshot <= s.last_snapshot AND st.first_snapshot <= f.last_snapshot
      AND st.last_snapshot >= s.first_snapshot AND st.last_snapshot >= f.first_snapshot);

-- TCP state intervals of owned sockets, cut to the owning fd's interval.
-- dir: 'in' when the local port is one this process listens on (accepted),
-- else 'out' (dialed).
-- Ownership is the view v_socket_owners, TCP only: by inode, then (second
-- branch) loose captures that named the owner but printed no inode. Each
-- branch is one pass of nested loops in a fixed order (CROSS JOIN: socket,
-- fd, state interval) and DISTINCT keeps the first of equal rows (a socket
-- held by two fds of one process); a row of the second branch equal to one
-- of the first is dropped, as one DISTINCT over both would. The DISTINCT
-- key starts with socket_id, which only grows along the loops: its b-tree
-- is then appended to, twice as fast as with process_id first (hence the
-- column list of the INSERT; the table's columns are in the documented
-- order, as CREATE TABLE AS would declare them).
DROP TABLE IF EXISTS temp.rule_owned;
CREATE TEMP TABLE rule_owned(
  process_id INT,
  socket_id INT,
  source_id INT,
  netns INT,
  proto TEXT,
  local_addr TEXT,
  local_port INT,
  remote_addr TEXT,
  remote_port INT,
  state TEXT,
  first_snapshot,
  last_snapshot,
  rx_queue INT,
  tx_queue INT,
  rx_queue_max INT,
  dir
);
INSERT INTO rule_owned(socket_id, process_id, source_id, netns, proto, local_addr, local_port, remote_addr,
                       remote_port, state, first_snapshot, last_snapshot, rx_queue, tx_queue, rx_queue_max, dir)
SELECT DISTINCT s.id, f.process_id, s.source_id, s.netns, s.proto, s.local_addr, s.local_port, s.remote_addr,
       s.remote_port, st.state,
       max(st.first_snapshot, s.first_snapshot, f.first_snapshot),
       min(st.last_snapshot, s.last_snapshot, f.last_snapshot),
       st.rx_queue, st.tx_queue, st.rx_queue_max,
       CASE WHEN (f.process_id, s.local_port) IN (SELECT process_id, port FROM rule_listen) THEN 'in' ELSE 'out' END
FROM sockets s CROSS JOIN rule_sockfd f ON f.inode = s.inode CROSS JOIN socket_states st ON st.socket_id = s.id
WHERE s.inode > 0 AND s.proto IN ('tcp', 'tcp6')
  AND f.first_snapshot <= s.last_snapshot AND f.last_snapshot >= s.first_snapshot
  AND (f.netns IS NULL OR s.netns IS NULL OR f.netns = s.netns)
  AND st.first_snapshot <= s.last_snapshot AND st.first_snapshot <= f.last_snapshot
  AND st.last_snapshot >= s.first_snapshot AND st.last_snapshot >= f.first_snapshot
UNION ALL
SELECT DISTINCT s.id, f.process_id, s.source_id, s.netns, s.proto, s.local_addr, s.local_port, s.remote_addr,
       s.remote_port, st.state,
       max(st.first_snapshot, s.first_snapshot, f.first_snapshot),
       min(st.last_snapshot, s.last_snapshot, f.last_snapshot),
       st.rx_queue, st.tx_queue, st.rx_queue_max,
       CASE WHEN (f.process_id, s.local_port) IN (SELECT process_id, port FROM rule_listen) THEN 'in' ELSE 'out' END
FROM rule_sockfd f CROSS JOIN sockets s ON s.id = f.socket_id CROSS JOIN socket_states st ON st.socket_id = s.id
WHERE f.socket_id IS NOT NULL AND s.proto IN ('tcp', 'tcp6')
  AND (s.inode IS NULL OR s.inode = 0 OR f.inode IS NULL OR f.inode = 0)
  AND st.first_snapshot <= s.last_snapshot AND st.first_snapshot <= f.last_snapshot
  AND st.last_snapshot >= s.first_snapshot AND st.last_snapshot >= f.first_snapshot
  AND NOT EXISTS (      -- the same row from the first branch
      SELECT 1 FROM rule_sockfd f1 CROSS JOIN socket_states st1 ON st1.socket_id = s.id
      WHERE s.inode > 0 AND f1.inode = s.inode AND f1.process_id = f.process_id
        AND f1.first_snapshot <= s.last_snapshot AND f1.last_snapshot >= s.first_snapshot
        AND (f1.netns IS NULL OR s.netns IS NULL OR f1.netns = s.netns)
        AND st1.first_snapshot <= s.last_snapshot AND st1.first_snapshot <= f1.last_snapshot
        AND st1.last_snapshot >= s.first_snapshot AND st1.last_snapshot >= f1.first_snapshot
        AND st1.state IS st.state AND st1.rx_queue IS st.rx_queue AND st1.tx_queue IS st.tx_queue
        AND st1.rx_queue_max IS st.rx_queue_max
        AND max(st1.first_snapshot, s.first_snapshot, f1.first_snapshot)
            IS max(st.first_snapshot, s.first_snapshot, f.first_snapshot)
        AND min(st1.last_snapshot, s.last_snapshot, f1.last_snapshot)
            IS min(st.last_snapshot, s.last_snapshot, f.last_snapshot));
-- A capture that lists no listening socket (ss -tanp state close-wait,
-- grep'd lines) cannot say which ports a process serves. There, a local
-- port that three or more of a process's connections share is one it
-- serves: a client's connections to one service each have a port of their
-- own. (A source with a LISTEN socket of its own costs one look here.)
UPDATE rule_owned SET dir = 'in'
WHERE source_id NOT IN (SELECT source_id FROM rule_listen)
  AND (process_id, local_port) IN (SELECT process_id, local_port FROM rule_owned
                                   WHERE source_id NOT IN (SELECT source_id FROM rule_listen)
                                   GROUP BY 1, 2 HAVING count(DISTINCT socket_id) >= 3);
CREATE INDEX temp.rule_owned_proc ON rule_owned(process_id, state);
-- Who dials a port (peer_timeout_close): only dialed rows, a few percent of
-- the table on a busy server, so the index is that much cheaper to build.
CREATE INDEX temp.rule_owned_remote ON rule_owned(remote_port, remote_addr) WHERE dir = 'out';

-- socket_peers holds each local pair once, in one direction: both here.
DROP TABLE IF EXISTS temp.rule_peers;
CREATE TEMP TABLE rule_peers AS
SELECT socket_id, peer_id, first_snapshot, last_snapshot FROM socket_peers
UNION SELECT peer_id, socket_id, first_snapshot, last_snapshot FROM socket_peers;
CREATE INDEX temp.rule_peers_socket ON rule_peers(socket_id);

-- Listening ports per host (source and namespace).
DROP TABLE IF EXISTS temp.rule_host_listen;
CREATE TEMP TABLE rule_host_listen AS
SELECT DISTINCT s.source_id, s.netns, s.local_port AS port
FROM sockets s JOIN socket_states st ON st.socket_id = s.id
WHERE st.state = 'LISTEN' AND s.proto IN ('tcp', 'tcp6');
CREATE INDEX temp.rule_host_listen_port ON rule_host_listen(port);

-- Per process, per class, per snapshot: sockets. A class is a TCP state,
-- or 'ESTABLISHED/out' for dialed connections only. Dense: every snapshot
-- of the process's life has a row (zeros too), which a fit needs.
DROP TABLE IF EXISTS temp.rule_series;
CREATE TEMP TABLE rule_series AS
WITH g AS (     -- the +1/-1 events, counted per snapshot first: ev then sums a
    -- few rows per snapshot, not two per interval. NOT INDEXED: a plain scan,
    -- through rule_owned_proc each row would be a lookup, and sorted anyway.
    SELECT process_id, state, dir, first_snapshot AS snap, count(*) AS d
    FROM rule_owned NOT INDEXED GROUP BY 4, 1, 2, 3
    UNION ALL
    SELECT process_id, state, dir, last_snapshot + 1, -count(*)
    FROM rule_owned NOT INDEXED GROUP BY 4, 1, 2, 3
), cls AS (
    SELECT process_id, state AS cls, snap, d FROM g
    UNION ALL
    SELECT process_id, 'ESTABLISHED/out', snap, d FROM g WHERE state = 'ESTABLISHED' AND dir = 'out'
), ev AS (
    SELECT process_id, cls, snap, sum(d) AS d FROM (
        SELECT process_id, cls, snap, d FROM cls
        UNION ALL SELECT DISTINCT c.process_id, c.cls, p.first_snapshot, 0
                  FROM cls c JOIN processes p ON p.id = c.process_id)
    GROUP BY process_id, cls, snap
), cum AS (
    SELECT process_id, cls, snap, sum(d) OVER w AS n, lead(snap) OVER w AS next_snap
    FROM ev WINDOW w AS (PARTITION BY process_id, cls ORDER BY snap)
)
SELECT c.process_id, c.cls, sn.id AS snapshot_id, sn.wall_ns, c.n AS sockets
FROM cum c
JOIN processes p ON p.id = c.process_id
JOIN snapshots sn ON sn.id >= c.snap AND sn.id < coalesce(c.next_snap, p.last_snapshot + 1)
                 AND sn.id <= p.last_snapshot;

-- The fit of each series: least squares over minutes since its start
-- (sqlfuncs.h), and the same over its second half, so that a pool that
-- warmed up and then held steady, or a burst that recovered, does not
-- pass for sustained growth.
DROP TABLE IF EXISTS temp.rule_fit;
CREATE TEMP TABLE rule_fit AS
WITH b AS (SELECT process_id, cls, min(wall_ns) AS t0, max(wall_ns) AS t1 FROM rule_series GROUP BY 1, 2)
SELECT s.process_id, s.cls, count(*) AS n, b.t0 AS start_ns, b.t1 AS end_ns,
       (b.t1 - b.t0) / 6e10 AS span_min,
       max(CASE WHEN s.wall_ns = b.t0 THEN s.sockets END) AS first_n,
       max(CASE WHEN s.wall_ns = b.t1 THEN s.sockets END) AS last_n,
       min(s.sockets) AS min_n, max(s.sockets) AS max_n, avg(s.sockets) AS avg_n,
       regr_slope(s.sockets, (s.wall_ns - b.t0) / 6e10) AS slope,
       regr_r2(s.sockets, (s.wall_ns - b.t0) / 6e10) AS r2,
       regr_slope(CASE WHEN s.wall_ns - b.t0 >= (b.t1 - b.t0) / 2 THEN s.sockets END,
                  (s.wall_ns - b.t0) / 6e10) AS late_slope
FROM rule_series s JOIN b ON b.process_id = s.process_id AND b.cls = s.cls
GROUP BY s.process_id, s.cls;

-- TIME_WAIT entries have no owner. Each is keyed by the service it was a
-- connection to: the local port when it is a listening port here (this
-- host's server closed first), else the remote end (this host's client
-- closed first). cli_local: the client address is one of this host's.
DROP TABLE IF EXISTS temp.rule_tw;
CREATE TEMP TABLE rule_tw AS
SELECT s.id AS socket_id, s.source_id, st.first_snapshot, st.last_snapshot,
       CASE WHEN l.port IS NOT NULL THEN 'server' ELSE 'client' END AS closer,
       CASE WHEN l.port IS NOT NULL THEN s.local_addr ELSE s.remote_addr END AS svc_addr,
       CASE WHEN l.port IS NOT NULL THEN s.local_port ELSE s.remote_port END AS svc_port,
       CASE WHEN l.port IS NOT NULL THEN s.remote_addr ELSE s.local_addr END AS cli_addr,
       CASE WHEN l.port IS NOT NULL THEN s.remote_port ELSE s.local_port END AS cli_port
FROM sockets s
JOIN socket_states st ON st.socket_id = s.id AND st.state = 'TIME_WAIT'
LEFT JOIN (SELECT DISTINCT source_id, netns, port FROM rule_host_listen) l
       ON l.source_id = s.source_id AND l.netns IS s.netns AND l.port = s.local_port
WHERE s.proto IN ('tcp', 'tcp6');

-- TIME_WAIT per service per snapshot (dense over the source's snapshots).
DROP TABLE IF EXISTS temp.rule_tw_series;
CREATE TEMP TABLE rule_tw_series AS
WITH src AS (SELECT source_id, min(id) AS lo, max(id) AS hi FROM snapshots GROUP BY source_id),
g AS (          -- the +1/-1 events, counted per snapshot (as in rule_series)
    SELECT source_id, svc_addr, svc_port, first_snapshot AS snap, count(*) AS d FROM rule_tw GROUP BY 4, 1, 2, 3
    UNION ALL
    SELECT source_id, svc_addr, svc_port, last_snapshot + 1, -count(*) FROM rule_tw GROUP BY 4, 1, 2, 3
),
keys AS (SELECT DISTINCT source_id, svc_addr, svc_port FROM g),
ev AS (
    SELECT source_id, svc_addr, svc_port, snap, sum(d) AS d FROM (
        SELECT source_id, svc_addr, svc_port, snap, d FROM g
        UNION ALL SELECT k.source_id, k.svc_addr, k.svc_port, src.lo, 0 FROM keys k JOIN src USING (source_id))
    GROUP BY 1, 2, 3, 4
), cum AS (
    SELECT source_id, svc_addr, svc_port, snap, sum(d) OVER w AS n, lead(snap) OVER w AS next_snap
    FROM ev WINDOW w AS (PARTITION BY source_id, svc_addr, svc_port ORDER BY snap)
)
-- CROSS JOIN: src before sn, so that both ends of the range on sn.id are
-- known when it is searched (else each row scans every later snapshot).
SELECT c.source_id, c.svc_addr, c.svc_port, sn.id AS snapshot_id, sn.wall_ns, c.n AS tw
FROM cum c JOIN src ON src.source_id = c.source_id
CROSS JOIN snapshots sn ON sn.id >= c.snap AND sn.id < coalesce(c.next_snap, src.hi + 1) AND sn.id <= src.hi;

-- Per process per snapshot: fds against RLIMIT_NOFILE (small: processes x snapshots).
DROP TABLE IF EXISTS temp.rule_fd_fit;
CREATE TEMP TABLE rule_fd_fit AS
WITH s AS (SELECT ps.process_id, sn.wall_ns, ps.fd_count, ps.nofile_soft
           FROM process_samples ps JOIN snapshots sn ON sn.id = ps.snapshot_id WHERE ps.fd_count IS NOT NULL),
b AS (SELECT process_id, min(wall_ns) AS t0, max(wall_ns) AS t1 FROM s GROUP BY 1)
SELECT s.process_id, count(*) AS n, b.t0 AS start_ns, b.t1 AS end_ns, (b.t1 - b.t0) / 6e10 AS span_min,
       max(CASE WHEN s.wall_ns = b.t0 THEN s.fd_count END) AS first_fds,
       max(CASE WHEN s.wall_ns = b.t1 THEN s.fd_count END) AS last_fds,
       max(s.fd_count) AS max_fds,
       max(CASE WHEN s.wall_ns = b.t1 THEN s.nofile_soft END) AS soft,
       regr_slope(s.fd_count, (s.wall_ns - b.t0) / 6e10) AS slope,
       regr_r2(s.fd_count, (s.wall_ns - b.t0) / 6e10) AS r2,
       regr_slope(CASE WHEN s.wall_ns - b.t0 >= (b.t1 - b.t0) / 2 THEN s.fd_count END,
                  (s.wall_ns - b.t0) / 6e10) AS late_slope
FROM s JOIN b ON b.process_id = s.process_id
GROUP BY s.process_id;

-- Goroutine dumps per process: the richest dump per fetch time (debug2
-- over debug1: it has states and minutes); goroutineleak dumps are apart.
DROP TABLE IF EXISTS temp.rule_dumps;
CREATE TEMP TABLE rule_dumps AS
-- pkey: the process, or minus the dump id for a loose dump of no known process.
SELECT coalesce(d.process_id, -d.id) AS pkey, d.* FROM dumps d
WHERE d.kind <> 'goroutineleak'
  AND d.id = (SELECT d2.id FROM dumps d2 WHERE d2.kind <> 'goroutineleak'
              AND coalesce(d2.process_id, -d2.id) = coalesce(d.process_id, -d.id)
              AND coalesce(d2.snapshot_id, -d2.id) = coalesce(d.snapshot_id, -d.id)
              ORDER BY d2.kind = 'debug2' DESC, d2.goroutines DESC, d2.id LIMIT 1);

-- A process at >= 90% of its fd limit cannot keep growing: its leak shows
-- as growth then a plateau, which the growth tests must accept.
ALTER TABLE rule_fit ADD COLUMN capped INTEGER NOT NULL DEFAULT 0;
UPDATE rule_fit SET capped = 1
WHERE process_id IN (SELECT process_id FROM rule_fd_fit WHERE soft > 0 AND max_fds >= 0.9 * soft);

-- Mirrors: a process's accepted connections whose other end, on this host,
-- is a connection another process dialed: the top dialer per process, its
-- connections (n) and those of every local dialer (n_all). A server whose
-- growth is these connections is a victim of the dialers. NOT INDEXED: a
-- plain scan and a sort of what joins are cheaper than a lookup per row
-- through rule_owned_proc to get process_id order.
DROP TABLE IF EXISTS temp.rule_mirror;
CREATE TEMP TABLE rule_mirror AS
SELECT process_id, dialer, n, n_all FROM (
    SELECT o.process_id, x.process_id AS dialer, count(DISTINCT o.socket_id) AS n,
           sum(count(DISTINCT o.socket_id)) OVER (PARTITION BY o.process_id) AS n_all,
           row_number() OVER (PARTITION BY o.process_id ORDER BY count(DISTINCT o.socket_id) DESC, x.process_id) AS rk
    FROM rule_owned o NOT INDEXED JOIN rule_peers sp ON sp.socket_id = o.socket_id
    JOIN rule_owned x ON x.socket_id = sp.peer_id AND x.process_id <> o.process_id AND x.dir = 'out'
    WHERE o.dir = 'in' AND o.state = 'ESTABLISHED'
    GROUP BY o.process_id, x.process_id)
WHERE rk = 1;
