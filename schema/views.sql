-- Views: the per-snapshot picture computed from the interval tables.
-- Recreated on every open, so improving a view needs no migration.

DROP VIEW IF EXISTS v_socket_snapshots;
CREATE VIEW v_socket_snapshots AS
SELECT sn.id AS snapshot_id, sn.wall_ns, s.id AS socket_id, s.netns, s.proto, s.inode,
       s.local_addr, s.local_port, s.remote_addr, s.remote_port, s.unix_path, s.uid,
       st.state, st.tx_queue, st.rx_queue, st.timer, st.retransmits
FROM socket_states st
JOIN sockets s ON s.id = st.socket_id
JOIN snapshots sn ON sn.id BETWEEN st.first_snapshot AND st.last_snapshot
                 AND sn.source_id = s.source_id;

DROP VIEW IF EXISTS v_socket_owners;
CREATE VIEW v_socket_owners AS
SELECT s.id AS socket_id, f.process_id, p.pid, p.comm, f.fd,
       max(s.first_snapshot, f.first_snapshot) AS first_snapshot,
       min(s.last_snapshot, f.last_snapshot) AS last_snapshot
FROM sockets s
JOIN fds f ON f.inode = s.inode AND s.inode > 0
          AND f.first_snapshot <= s.last_snapshot AND f.last_snapshot >= s.first_snapshot
JOIN processes p ON p.id = f.process_id
WHERE p.netns IS NULL OR s.netns IS NULL OR p.netns = s.netns
UNION ALL
SELECT s.id, f.process_id, p.pid, p.comm, f.fd,
       max(s.first_snapshot, f.first_snapshot), min(s.last_snapshot, f.last_snapshot)
FROM fds f
JOIN sockets s ON s.id = f.socket_id AND (s.inode IS NULL OR s.inode = 0 OR f.inode IS NULL OR f.inode = 0)
JOIN processes p ON p.id = f.process_id;

DROP VIEW IF EXISTS v_transitions;
-- A connection that ends in TIME_WAIT changes identity on the way (the
-- minisocket has no inode): its inode socket's last state leads to the
-- minisocket's first state (sockets.prev_socket_id), not to "gone", so the
-- transitions read ESTABLISHED -> FIN_WAIT2 -> TIME_WAIT -> gone.
-- connection_id is the first socket id of the connection.
CREATE VIEW v_transitions AS
SELECT a.socket_id, a.state AS from_state, b.state AS to_state,
       a.last_snapshot AS seen_before, b.first_snapshot AS seen_after,
       coalesce(s.prev_socket_id, s.id) AS connection_id
FROM socket_states a
JOIN sockets s ON s.id = a.socket_id
JOIN socket_states b ON b.socket_id = a.socket_id
 AND b.first_snapshot = (SELECT min(c.first_snapshot) FROM socket_states c
                         WHERE c.socket_id = a.socket_id AND c.first_snapshot > a.first_snapshot)
UNION ALL
SELECT a.socket_id, a.state, b.state, a.last_snapshot, b.first_snapshot, p.id
FROM sockets n
JOIN sockets p ON p.id = n.prev_socket_id
JOIN socket_states a ON a.socket_id = p.id AND a.last_snapshot = p.last_snapshot
JOIN socket_states b ON b.socket_id = n.id AND b.first_snapshot = n.first_snapshot
WHERE n.prev_socket_id IS NOT NULL
UNION ALL
SELECT st.socket_id, st.state, NULL, st.last_snapshot,
       (SELECT min(n.id) FROM snapshots n WHERE n.source_id = s.source_id AND n.id > st.last_snapshot),
       coalesce(s.prev_socket_id, s.id)
FROM socket_states st JOIN sockets s ON s.id = st.socket_id
WHERE st.last_snapshot = s.last_snapshot
  AND st.last_snapshot < (SELECT max(n.id) FROM snapshots n WHERE n.source_id = s.source_id)
  -- uncorrelated: SQLite builds the set once per query, so sockets needs
  -- no index on prev_socket_id (it would cost ~4% of the database)
  AND s.id NOT IN (SELECT x.prev_socket_id FROM sockets x WHERE x.prev_socket_id IS NOT NULL);

DROP VIEW IF EXISTS v_state_counts;
CREATE VIEW v_state_counts AS
SELECT ss.snapshot_id, o.process_id, o.pid, o.comm, ss.proto, ss.state, count(*) AS sockets
FROM v_socket_snapshots ss
JOIN v_socket_owners o ON o.socket_id = ss.socket_id
 AND ss.snapshot_id BETWEEN o.first_snapshot AND o.last_snapshot
GROUP BY ss.snapshot_id, o.process_id, ss.proto, ss.state;

DROP VIEW IF EXISTS v_host_state_counts;
CREATE VIEW v_host_state_counts AS
SELECT snapshot_id, proto, state, count(*) AS sockets
FROM v_socket_snapshots GROUP BY snapshot_id, proto, state;

DROP VIEW IF EXISTS v_fd_usage;
CREATE VIEW v_fd_usage AS
SELECT ps.snapshot_id, sn.wall_ns, p.id AS process_id, p.pid, p.comm, ps.fd_count, ps.socket_fds,
       ps.nofile_soft, ps.nofile_hard,
       CASE WHEN ps.nofile_soft > 0 THEN round(100.0 * ps.fd_count / ps.nofile_soft, 1) END AS pct_of_soft
FROM process_samples ps
JOIN processes p ON p.id = ps.process_id
JOIN snapshots sn ON sn.id = ps.snapshot_id;

DROP VIEW IF EXISTS v_counters;
-- Host counters, one row per snapshot (counters holds runs of one value;
-- snapshot ids are consecutive within a source, so a run's range holds
-- only its own source's snapshots).
CREATE VIEW v_counters AS
SELECT sn.id AS snapshot_id, sn.wall_ns, c.netns, c.grp, c.name, c.value
FROM counters c
JOIN snapshots sn ON sn.id BETWEEN c.first_snapshot AND c.last_snapshot;

DROP VIEW IF EXISTS v_orphan_fds;
CREATE VIEW v_orphan_fds AS
SELECT o.process_id, p.pid, p.comm, o.fd, o.inode, o.first_snapshot, o.last_snapshot,
       (SELECT count(*) FROM snapshots n WHERE n.id BETWEEN o.first_snapshot AND o.last_snapshot) AS snapshots
FROM orphan_fds o JOIN processes p ON p.id = o.process_id;

DROP VIEW IF EXISTS v_orphan_counts;
CREATE VIEW v_orphan_counts AS
SELECT sn.id AS snapshot_id, o.process_id, p.pid, p.comm, count(*) AS orphan_fds
FROM orphan_fds o
JOIN snapshots sn ON sn.id BETWEEN o.first_snapshot AND o.last_snapshot
JOIN processes p ON p.id = o.process_id
GROUP BY sn.id, o.process_id;

DROP VIEW IF EXISTS v_peer_pairs;
CREATE VIEW v_peer_pairs AS
SELECT sp.socket_id, sp.peer_id, a.local_addr, a.local_port, a.remote_addr, a.remote_port,
       sp.first_snapshot, sp.last_snapshot
FROM socket_peers sp JOIN sockets a ON a.id = sp.socket_id;

-- Stack groups (like panicparse): one row per dump and distinct stack.
DROP VIEW IF EXISTS v_stack_groups;
CREATE VIEW v_stack_groups AS
SELECT g.dump_id, d.process_id, d.pid, d.snapshot_id, d.wall_ns, d.kind, g.stack_id,
       sum(g.count) AS goroutines,
       group_concat(DISTINCT g.state) AS states,
       min(g.wait_minutes) AS min_wait_minutes, max(g.wait_minutes) AS max_wait_minutes,
       (SELECT group_concat(goid) FROM (SELECT x.goid FROM goroutines x
          WHERE x.dump_id = g.dump_id AND x.stack_id = g.stack_id AND x.goid IS NOT NULL
          ORDER BY x.goid LIMIT 5)) AS example_goids,
       s.wait_kind, s.role, s.lock_func, s.top_func, s.app_func, s.app_file, s.app_line, s.created_by
FROM goroutines g JOIN dumps d ON d.id = g.dump_id JOIN stacks s ON s.id = g.stack_id
GROUP BY g.dump_id, g.stack_id;

-- Goroutine counts per dump by role and wait kind.
DROP VIEW IF EXISTS v_goroutine_counts;
CREATE VIEW v_goroutine_counts AS
SELECT d.id AS dump_id, d.process_id, d.pid, d.snapshot_id, d.wall_ns, d.kind,
       s.role, s.wait_kind, sum(g.count) AS goroutines
FROM goroutines g JOIN dumps d ON d.id = g.dump_id JOIN stacks s ON s.id = g.stack_id
GROUP BY d.id, s.role, s.wait_kind;

-- Goroutines next to the same process's sockets in the same snapshot, and
-- their ratio: 2 http_client goroutines per leaked client connection, one
-- http_server goroutine per CLOSE_WAIT socket of a hung handler.
DROP VIEW IF EXISTS v_goroutines_vs_sockets;
CREATE VIEW v_goroutines_vs_sockets AS
SELECT d.id AS dump_id, d.process_id, d.pid, d.snapshot_id, d.wall_ns, d.kind,
       d.goroutines,
       (SELECT coalesce(sum(g.count),0) FROM goroutines g JOIN stacks s ON s.id = g.stack_id
         WHERE g.dump_id = d.id AND s.role = 'http_client') AS http_client_goroutines,
       (SELECT coalesce(sum(g.count),0) FROM goroutines g JOIN stacks s ON s.id = g.stack_id
         WHERE g.dump_id = d.id AND s.role = 'http_server') AS http_server_goroutines,
       (SELECT coalesce(sum(g.count),0) FROM goroutines g JOIN stacks s ON s.id = g.stack_id
         WHERE g.dump_id = d.id AND s.wait_kind = 'lock') AS lock_goroutines,
       (SELECT coalesce(sum(c.sockets),0) FROM v_state_counts c WHERE c.snapshot_id = d.snapshot_id
         AND c.process_id = d.process_id AND c.proto LIKE 'tcp%' AND c.state = 'ESTABLISHED') AS established,
       (SELECT coalesce(sum(c.sockets),0) FROM v_state_counts c WHERE c.snapshot_id = d.snapshot_id
         AND c.process_id = d.process_id AND c.proto LIKE 'tcp%' AND c.state = 'CLOSE_WAIT') AS close_wait,
       (SELECT coalesce(sum(c.sockets),0) FROM v_state_counts c WHERE c.snapshot_id = d.snapshot_id
         AND c.process_id = d.process_id AND c.proto LIKE 'tcp%') AS tcp_sockets
FROM dumps d WHERE d.process_id IS NOT NULL;

-- History (issue 7): one row per snapshot, process and metric, long
-- format, for `trend` and for anyone's own charts. Process rows (pid set)
-- exist for every process sample with a readable fd table, zeros
-- included; host rows (pid NULL) for every snapshot: the whole host.
-- Socket counts come from snapshot_counts (filled at load time), fd
-- figures from process_samples, goroutines from dumps.
--   established close_wait fin_wait2 tcp: tcp sockets (by state) held by
--     the process; host: every tcp socket in the tables, owned or not
--   time_wait: host only (TIME_WAIT sockets have no owner)
--   sockets: socket fds of the process; host: sockets of every protocol
--   fds, fd_usage (% of the soft RLIMIT_NOFILE; host: the highest),
--   orphan_fds, threads, rss_kb, goroutines (per dump; host: the sum)
DROP VIEW IF EXISTS v_metrics;
CREATE VIEW v_metrics AS
SELECT ps.snapshot_id, sn.wall_ns, sn.host, p.id AS process_id, p.pid, p.comm, m.column1 AS metric,
       CASE m.column1
         WHEN 'sockets' THEN ps.socket_fds
         WHEN 'fds' THEN ps.fd_count
         WHEN 'fd_usage' THEN CASE WHEN ps.nofile_soft > 0 THEN round(100.0 * ps.fd_count / ps.nofile_soft, 1) END
         WHEN 'threads' THEN ps.threads
         WHEN 'rss_kb' THEN ps.rss_kb
         ELSE coalesce((SELECT c.value FROM snapshot_counts c WHERE c.snapshot_id = ps.snapshot_id
                          AND c.process_id = ps.process_id AND c.name = m.column2), 0)
       END AS value
FROM (VALUES ('established', 'ESTABLISHED'), ('close_wait', 'CLOSE_WAIT'), ('fin_wait2', 'FIN_WAIT2'),
             ('tcp', 'tcp'), ('orphan_fds', 'orphan_fds'), ('sockets', NULL), ('fds', NULL),
             ('fd_usage', NULL), ('threads', NULL), ('rss_kb', NULL)) m
JOIN process_samples ps ON ps.fd_count IS NOT NULL
JOIN snapshots sn ON sn.id = ps.snapshot_id
JOIN processes p ON p.id = ps.process_id
UNION ALL
SELECT d.snapshot_id, sn.wall_ns, sn.host, d.process_id, p.pid, p.comm, 'goroutines', max(d.goroutines)
FROM dumps d JOIN snapshots sn ON sn.id = d.snapshot_id JOIN processes p ON p.id = d.process_id
WHERE d.kind <> 'goroutineleak'
GROUP BY d.snapshot_id, d.process_id
UNION ALL
SELECT sn.id, sn.wall_ns, sn.host, NULL, NULL, NULL, m.column1,
       CASE m.column1
         WHEN 'fds' THEN (SELECT sum(x.fd_count) FROM process_samples x WHERE x.snapshot_id = sn.id)
         WHEN 'fd_usage' THEN (SELECT max(round(100.0 * x.fd_count / x.nofile_soft, 1)) FROM process_samples x
                               WHERE x.snapshot_id = sn.id AND x.nofile_soft > 0)
         WHEN 'threads' THEN (SELECT sum(x.threads) FROM process_samples x WHERE x.snapshot_id = sn.id)
         WHEN 'rss_kb' THEN (SELECT sum(x.rss_kb) FROM process_samples x WHERE x.snapshot_id = sn.id)
         WHEN 'goroutines' THEN (SELECT sum(g) FROM (SELECT max(d.goroutines) AS g FROM dumps d
                                   WHERE d.snapshot_id = sn.id AND d.process_id IS NOT NULL
                                     AND d.kind <> 'goroutineleak' GROUP BY d.process_id))
         ELSE coalesce((SELECT c.value FROM snapshot_counts c WHERE c.snapshot_id = sn.id
                          AND c.process_id = 0 AND c.name = m.column2), 0)
       END
FROM (VALUES ('established', 'ESTABLISHED'), ('close_wait', 'CLOSE_WAIT'), ('fin_wait2', 'FIN_WAIT2'),
             ('time_wait', 'TIME_WAIT'), ('tcp', 'tcp'), ('orphan_fds', 'orphan_fds'),
             ('sockets', 'sockets'), ('fds', NULL), ('fd_usage', NULL), ('threads', NULL),
             ('rss_kb', NULL), ('goroutines', NULL)) m
JOIN snapshots sn;

-- The merged timeline (issue 7): one row per event, for `timeline` and
-- the reports. Columns: wall_ns, snapshot_id, host, process_id, pid,
-- comm, kind, n, a, b, detail; what n, a and b hold depends on kind:
--   source         a bundle or capture begins: n snapshots, a kind, b path, detail how it ended
--   snapshot       n processes recorded (timeline collapses runs of these)
--   transition     n sockets of the process went from state a to state b
--                  between the snapshot before and this one (a NULL:
--                  appeared; b 'gone': left the tables); sockets of no
--                  recorded process: one row per snapshot, pid NULL, the
--                  changes listed in detail ("40 new TIME_WAIT, 3 ESTABLISHED->gone")
--   fd_jump        fd count from a to b (n the change): at least 16 and 10%
--   orphans        n socket fds of the process became orphaned
--   process_start  first seen (a host snapshot earlier did not list it);
--   process_exit   gone (b: its last snapshot's time) - for processes that held sockets
--   dump           a goroutine dump: n goroutines, a kind, b biggest group
--   errors         n collection errors a (errno name), b an example path
-- v_timeline_conns adds packet-capture events when the capture tables
-- exist: closes (n connections, a 'server fin', b server address) per
-- minute, and close_delay clusters (n connections closed after detail ms).
-- Socket changes between a snapshot and the one before, per owner process
-- (NULL: no recorded process held the socket, e.g. TIME_WAIT): n sockets
-- went from from_state (NULL: new) to to_state ('gone': left the tables).
DROP VIEW IF EXISTS v_timeline_changes;
CREATE VIEW v_timeline_changes AS
SELECT sn.wall_ns, t.seen_after AS snapshot_id, sn.host, o.process_id,
       count(DISTINCT t.socket_id) AS n, t.from_state, coalesce(t.to_state, 'gone') AS to_state
FROM v_transitions t
JOIN snapshots sn ON sn.id = t.seen_after
JOIN sockets s ON s.id = t.socket_id
LEFT JOIN fds o ON o.inode = s.inode AND s.inode > 0
 AND t.seen_before BETWEEN o.first_snapshot AND o.last_snapshot
GROUP BY t.seen_after, o.process_id, t.from_state, t.to_state
UNION ALL
SELECT sn.wall_ns, s.first_snapshot, sn.host, o.process_id, count(DISTINCT s.id), NULL, st.state
FROM sockets s
JOIN socket_states st ON st.socket_id = s.id AND st.first_snapshot = s.first_snapshot
JOIN snapshots sn ON sn.id = s.first_snapshot
LEFT JOIN fds o ON o.inode = s.inode AND s.inode > 0
 AND s.first_snapshot BETWEEN o.first_snapshot AND o.last_snapshot
WHERE s.prev_socket_id IS NULL
  AND s.first_snapshot > (SELECT min(x.id) FROM snapshots x WHERE x.source_id = s.source_id)
GROUP BY s.first_snapshot, o.process_id, st.state;

DROP VIEW IF EXISTS v_timeline;
CREATE VIEW v_timeline AS
-- the changes once, for both of their branches below
WITH changes AS MATERIALIZED (SELECT * FROM v_timeline_changes)
SELECT so.started_ns AS wall_ns, (SELECT min(x.id) FROM snapshots x WHERE x.source_id = so.id) AS snapshot_id,
       so.host, NULL AS process_id, NULL AS pid, NULL AS comm, 'source' AS kind, so.snapshots AS n,
       so.kind AS a, so.path AS b,
       CASE WHEN so.complete THEN coalesce(so.end_reason, 'complete') ELSE 'cut short' END AS detail
FROM sources so
UNION ALL
SELECT sn.wall_ns, sn.id, sn.host, NULL, NULL, NULL, 'snapshot', sn.processes, NULL, NULL, NULL
FROM snapshots sn
UNION ALL
SELECT c.wall_ns, c.snapshot_id, c.host, c.process_id, p.pid, p.comm, 'transition', c.n, c.from_state,
       c.to_state, NULL
FROM changes c JOIN processes p ON p.id = c.process_id
UNION ALL
SELECT wall_ns, snapshot_id, host, NULL, NULL, NULL, 'transition', sum(n), NULL, NULL,
       group_concat(n || ' ' || coalesce(from_state || '->', 'new ') || to_state, ', ')
FROM (SELECT * FROM changes WHERE process_id IS NULL ORDER BY snapshot_id, n DESC, from_state, to_state)
GROUP BY snapshot_id
UNION ALL
SELECT sn.wall_ns, j.snapshot_id, sn.host, j.process_id, p.pid, p.comm, 'fd_jump',
       j.fd_count - j.prev, j.prev, j.fd_count, NULL
FROM (SELECT snapshot_id, process_id, fd_count,
             lag(fd_count) OVER (PARTITION BY process_id ORDER BY snapshot_id) AS prev
      FROM process_samples WHERE fd_count IS NOT NULL) j
JOIN snapshots sn ON sn.id = j.snapshot_id
JOIN processes p ON p.id = j.process_id
WHERE j.prev IS NOT NULL AND abs(j.fd_count - j.prev) >= max(16, j.prev / 10)
UNION ALL
SELECT sn.wall_ns, o.first_snapshot, sn.host, o.process_id, p.pid, p.comm, 'orphans', count(*), NULL, NULL, NULL
FROM orphan_fds o
JOIN snapshots sn ON sn.id = o.first_snapshot
JOIN processes p ON p.id = o.process_id
WHERE NOT EXISTS (SELECT 1 FROM orphan_fds q WHERE q.process_id = o.process_id AND q.fd = o.fd
                  AND q.inode = o.inode AND q.first_snapshot < o.first_snapshot)
GROUP BY o.first_snapshot, o.process_id
UNION ALL
SELECT sn.wall_ns, p.first_snapshot, sn.host, p.id, p.pid, p.comm, 'process_start', NULL, p.cmdline, NULL, NULL
FROM processes p JOIN snapshots sn ON sn.id = p.first_snapshot
WHERE sn.host IS NOT NULL
  AND EXISTS (SELECT 1 FROM snapshots e WHERE e.host = sn.host AND e.wall_ns < sn.wall_ns)
  AND EXISTS (SELECT 1 FROM fds f WHERE f.process_id = p.id AND f.type = 'socket')
UNION ALL
SELECT (SELECT min(e.wall_ns) FROM snapshots e WHERE e.host = sn.host AND e.wall_ns > sn.wall_ns),
       p.last_snapshot, sn.host, p.id, p.pid, p.comm, 'process_exit', NULL, p.cmdline, sn.wall_ns, NULL
FROM processes p JOIN snapshots sn ON sn.id = p.last_snapshot
WHERE sn.host IS NOT NULL
  AND EXISTS (SELECT 1 FROM snapshots e WHERE e.host = sn.host AND e.wall_ns > sn.wall_ns)
  AND EXISTS (SELECT 1 FROM fds f WHERE f.process_id = p.id AND f.type = 'socket')
UNION ALL
SELECT d.wall_ns, d.snapshot_id, sn.host, d.process_id, d.pid, coalesce(p.comm, d.comm), 'dump', d.goroutines, d.kind,
       (SELECT sum(g.count) || ' ' || coalesce(s.wait_kind, '?') || ' in ' || coalesce(s.app_func, s.top_func, '?')
        FROM goroutines g JOIN stacks s ON s.id = g.stack_id WHERE g.dump_id = d.id
        GROUP BY g.stack_id ORDER BY sum(g.count) DESC, g.stack_id LIMIT 1), d.path
FROM dumps d LEFT JOIN snapshots sn ON sn.id = d.snapshot_id LEFT JOIN processes p ON p.id = d.process_id
WHERE d.kind <> 'goroutineleak'
  AND NOT (d.kind = 'debug1' AND EXISTS (SELECT 1 FROM dumps x WHERE x.snapshot_id = d.snapshot_id
           AND x.pid IS d.pid AND x.kind = 'debug2'))
UNION ALL
SELECT sn.wall_ns, e.snapshot_id, sn.host, NULL, NULL, NULL, 'errors', count(*), e.error, min(e.path), NULL
FROM collection_errors e JOIN snapshots sn ON sn.id = e.snapshot_id
GROUP BY e.snapshot_id, e.error;

DROP VIEW IF EXISTS v_timeline_conns;
CREATE VIEW v_timeline_conns AS
SELECT min(c.close_ns) AS wall_ns, NULL AS snapshot_id, so.host, NULL AS process_id, NULL AS pid,
       NULL AS comm, 'closes' AS kind, count(*) AS n, c.closed_by || ' ' || coalesce(c.close_kind, '?') AS a,
       c.server_addr || ':' || c.server_port AS b, NULL AS detail
FROM tcp_conns c JOIN sources so ON so.id = c.source_id
WHERE c.close_ns IS NOT NULL AND c.closed_by IS NOT NULL
GROUP BY c.source_id, c.close_ns / 60000000000, c.closed_by, c.close_kind, c.server_addr, c.server_port
UNION ALL
SELECT d.first_ns, NULL, so.host, NULL, d.closer_pid, NULL, 'close_delay', d.n,
       d.closer_role || ' ' || d.closer_addr || coalesce(':' || d.closer_port, ''),
       d.peer_addr || coalesce(':' || d.peer_port, ''), printf('%.0f', d.delay_ms)
FROM close_delays d JOIN sources so ON so.id = d.source_id;
