-- rule: peer_timeout_close
-- title: a peer (proxy, client) closes connections after a fixed timeout
-- requires: close_delays
-- uses: pcap, sockets
-- remedy: the closer is a symptom: it gives up after its timeout because the
--   other side never answered. Fix what hangs on the other side (the other
--   findings on that process); raising the proxy timeout only hides it.
-- why: with packets, close_delays holds clusters of connections closed by
--   one endpoint a fixed time after the last data (nginx proxy_read_timeout
--   60 s, a client's 5 s deadline; at least 0.5 s: a close right after the
--   answer is the protocol ending): >= 5 connections and >= half of the
--   closer's FIN-after-data closes. The finding blames the closer and points
--   at the silent side (related_process_id), whose pid the capture names.
--   Without packets: >= 5 of a process's CLOSE_WAIT sockets whose other end
--   on this host is in FIN_WAIT2 (nginx FIN_WAIT2 <-> backend CLOSE_WAIT)
--   say the peer closed first; the delay is then estimated from snapshots
--   (lower confidence).
WITH pc AS (
    SELECT c.*, coalesce(c.n_closed, c.n_total) AS closed,
           -- by the pid the capture tied, else by ports: the listener of the
           -- server port, and the process seen dialing it
           coalesce((SELECT id FROM processes WHERE pid = c.closer_pid ORDER BY last_snapshot DESC LIMIT 1),
                    CASE WHEN c.closer_role = 'server'
                         THEN (SELECT l.process_id FROM rule_listen l WHERE l.port = c.closer_port LIMIT 1)
                         ELSE (SELECT o.process_id FROM rule_owned o WHERE o.remote_port = c.peer_port AND o.dir = 'out'
                               GROUP BY o.process_id ORDER BY count(DISTINCT o.socket_id) DESC LIMIT 1) END) AS closer_proc,
           coalesce((SELECT id FROM processes WHERE pid = c.peer_pid ORDER BY last_snapshot DESC LIMIT 1),
                    CASE WHEN c.closer_role = 'client'
                         THEN (SELECT l.process_id FROM rule_listen l WHERE l.port = c.peer_port LIMIT 1)
                         ELSE (SELECT o.process_id FROM rule_owned o WHERE o.remote_port = c.closer_port AND o.dir = 'out'
                               GROUP BY o.process_id ORDER BY count(DISTINCT o.socket_id) DESC LIMIT 1) END) AS peer_proc
    FROM close_delays c
    WHERE c.n >= 5 AND c.n >= 0.5 * coalesce(c.n_closed, c.n_total) AND c.delay_ms >= 500
      AND c.spread_ms <= max(50.0, 0.1 * c.delay_ms)
), fb AS (      -- without packets: FIN_WAIT2 peers of CLOSE_WAIT sockets
    SELECT cw.process_id AS victim, cw.local_port, cw.socket_id, pe.local_addr AS peer_addr, pe.local_port AS peer_port,
           pe.remote_addr AS peer_raddr,
           (SELECT sn.wall_ns FROM snapshots sn WHERE sn.id = cw.first_snapshot)
           - (SELECT sn.wall_ns FROM snapshots sn WHERE sn.id = (SELECT min(first_snapshot) FROM socket_states
                                                               WHERE socket_id = cw.socket_id)) AS closed_after_ns,
           (SELECT min(first_snapshot) FROM socket_states WHERE socket_id = cw.socket_id)
             > (SELECT min(id) FROM snapshots n WHERE n.source_id = s.source_id) AS born_seen
    FROM rule_owned cw JOIN sockets s ON s.id = cw.socket_id
    JOIN rule_peers sp ON sp.socket_id = cw.socket_id
    JOIN socket_states ps ON ps.socket_id = sp.peer_id AND ps.state = 'FIN_WAIT2'
    JOIN sockets pe ON pe.id = sp.peer_id
    WHERE cw.state = 'CLOSE_WAIT'
), closer AS (  -- who owned the closing end before it let go of it (same 4-tuple, with an inode)
    SELECT f.victim, o.process_id, count(*) AS n,
           row_number() OVER (PARTITION BY f.victim ORDER BY count(*) DESC) AS rk
    FROM fb f JOIN sockets x ON x.local_port = f.peer_port AND x.local_addr = f.peer_addr
                            AND x.remote_port = f.local_port AND x.remote_addr = f.peer_raddr AND x.inode > 0
    JOIN v_socket_owners o ON o.socket_id = x.id
    WHERE o.process_id <> f.victim
    GROUP BY f.victim, o.process_id
), fbp AS (
    SELECT fb.victim, count(DISTINCT fb.socket_id) AS n, min(fb.local_port) AS port, min(fb.peer_raddr) AS addr,
           avg(CASE WHEN born_seen THEN closed_after_ns END) / 1e9 AS avg_s,
           min(CASE WHEN born_seen THEN closed_after_ns END) / 1e9 AS min_s,
           max(CASE WHEN born_seen THEN closed_after_ns END) / 1e9 AS max_s,
           count(CASE WHEN born_seen THEN 1 END) AS timed,
           (SELECT (max(wall_ns) - min(wall_ns)) / 1e9 / max(count(*) - 1, 1) FROM snapshots) AS interval_s,
           c.process_id AS closer_proc
    FROM fb LEFT JOIN closer c ON c.victim = fb.victim AND c.rk = 1
    GROUP BY fb.victim
)
SELECT pc.closer_proc AS process_id, CASE WHEN pc.closer_proc IS NULL THEN pc.closer_pid END AS pid,
       CASE WHEN pc.closer_role = 'client' THEN pc.peer_proc END AS related_process_id, pc.closer_role AS role,
       pc.first_ns AS start_ns, pc.last_ns AS end_ns,
       CASE WHEN pc.closer_role = 'client' THEN 'medium' ELSE 'low' END AS severity,
       min(0.95, 0.6 + 0.3 * pc.n / max(pc.closed, 1)) AS confidence,
       printf('%s closes its connections %s %s:%s %.1f s after the last data (%d of %d connections, within %.0f ms): a fixed %.0f s timeout%s.',
              coalesce((SELECT comm || ' (pid ' || pid || ')' FROM processes WHERE id = pc.closer_proc), pc.closer_addr),
              CASE WHEN pc.closer_role = 'client' THEN 'to' ELSE 'from' END, pc.peer_addr,
              coalesce(pc.peer_port, pc.closer_port, '?'), pc.delay_ms / 1000.0, pc.n, pc.n_total, pc.spread_ms,
              pc.delay_ms / 1000.0,
              CASE WHEN pc.peer_proc IS NOT NULL THEN printf(': %s never answered in time',
                   (SELECT comm || ' (pid ' || pid || ')' FROM processes WHERE id = pc.peer_proc)) ELSE '' END) AS summary,
       json_object('timeout_s', round(pc.delay_ms / 1000.0, 3), 'delay_ms', pc.delay_ms, 'spread_ms', pc.spread_ms,
                   'connections', pc.n, 'connections_total', pc.n_total, 'closer', pc.closer_addr || coalesce(':' || pc.closer_port, ''),
                   'closer_role', pc.closer_role, 'peer', pc.peer_addr || coalesce(':' || pc.peer_port, ''),
                   'closer_pid', pc.closer_pid, 'peer_pid', pc.peer_pid, 'basis', 'pcap') AS figures,
       printf('%d connections closed by the %s %s %.1f s (spread %.0f ms) after the last data', pc.n, pc.closer_role,
              pc.closer_addr, pc.delay_ms / 1000.0, pc.spread_ms)
       || char(10) || printf('%d of the %d connections between them', pc.n, pc.n_total) AS evidence,
       printf('SELECT * FROM close_delays WHERE id = %d', pc.id) AS sql,
       NULL AS remedy
FROM pc
UNION ALL
SELECT f.closer_proc, NULL, f.victim, 'client', NULL, NULL, 'low',
       0.3 + 0.1 * (f.timed >= 10) + 0.1 * (f.closer_proc IS NOT NULL),
       printf('%s closes connections to %s about %.0f s after they open (%d seen, from %.0f to %.0f s; its side in FIN_WAIT2, the other in CLOSE_WAIT): a fixed timeout, and %s does not answer in time.',
              coalesce((SELECT comm || ' (pid ' || pid || ')' FROM processes WHERE id = f.closer_proc), 'the peer'),
              (SELECT comm || ' (pid ' || pid || ')' FROM processes WHERE id = f.victim) || ' on ' || f.addr || ':' || f.port,
              f.avg_s, f.timed, f.min_s, f.max_s, (SELECT comm FROM processes WHERE id = f.victim)),
       json_object('timeout_s', round(f.avg_s, 1), 'connections', f.n, 'service', f.addr || ':' || f.port,
                   'min_s', round(f.min_s, 1), 'max_s', round(f.max_s, 1), 'timed_connections', f.timed,
                   'snapshot_interval_s', round(f.interval_s, 2), 'basis', 'socket states'),
       printf('%d CLOSE_WAIT sockets of %s are paired with a FIN_WAIT2 socket on this host: the peer closed first', f.n,
              (SELECT comm FROM processes WHERE id = f.victim))
       || char(10) || printf('%d of them were seen opening: closed %.1f-%.1f s later (snapshots every %.1f s)', f.timed, f.min_s, f.max_s, f.interval_s)
       || char(10) || 'without packets the delay is known only to the snapshot interval: record with --pcap to measure it',
       'SELECT a.state, b.state, count(*) FROM v_peer_pairs p JOIN socket_states a ON a.socket_id = p.socket_id JOIN socket_states b ON b.socket_id = p.peer_id WHERE a.state = ''CLOSE_WAIT'' AND b.state = ''FIN_WAIT2'' GROUP BY 1, 2',
       NULL
FROM fbp f
WHERE f.n >= 5 AND f.timed >= 5 AND f.avg_s >= 1.0
  AND f.max_s - f.min_s <= max(2.5 * f.interval_s, 0.5 * f.avg_s)
  AND NOT EXISTS (SELECT 1 FROM pc WHERE pc.peer_proc = f.victim)
