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
CREATE VIEW v_transitions AS
SELECT a.socket_id, a.state AS from_state, b.state AS to_state,
       a.last_snapshot AS seen_before, b.first_snapshot AS seen_after
FROM socket_states a
JOIN socket_states b ON b.socket_id = a.socket_id
 AND b.first_snapshot = (SELECT min(c.first_snapshot) FROM socket_states c
                         WHERE c.socket_id = a.socket_id AND c.first_snapshot > a.first_snapshot)
UNION ALL
SELECT st.socket_id, st.state, NULL, st.last_snapshot,
       (SELECT min(n.id) FROM snapshots n WHERE n.source_id = s.source_id AND n.id > st.last_snapshot)
FROM socket_states st JOIN sockets s ON s.id = st.socket_id
WHERE st.last_snapshot = s.last_snapshot
  AND st.last_snapshot < (SELECT max(n.id) FROM snapshots n WHERE n.source_id = s.source_id);

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
