-- rule: listen_overflow
-- title: accept queue full: connections or SYNs dropped
-- uses: counters, sockets
-- remedy: the process does not accept() fast enough: its accept loop is
--   blocked or starved (a single-threaded server stuck on one client, a
--   handler holding the accept goroutine), or the backlog is too small for
--   the burst (the listen() backlog, net.core.somaxconn).
-- why: /proc/net/tcp shows a listener's accept queue in rx_queue but not its
--   backlog (tx_queue is 0 there; only sock_diag, i.e. ss, reports it, and
--   a loose ss capture stores it in tx_queue). A listener is judged full
--   when its queue reached a known backlog or net.core.somaxconn, or when
--   the kernel counted >= 10 TcpExt ListenOverflows during the recording
--   and this listener had the longest non-empty queue (or one at least
--   half as long, so that two listeners overflowing together are both
--   named), seen in >= 2 snapshots. Overflows with no listener seen queueing are reported
--   without a process.
WITH somax AS (
    SELECT id AS source_id, coalesce(CAST(json_extract(CASE WHEN json_valid(manifest) THEN manifest END,
                                     '$.host.sysctl."net.core.somaxconn"') AS INTEGER), 4096) AS somaxconn
    FROM sources
), ctr AS (
    SELECT sn.source_id, c.name, max(c.value) - min(c.value) AS delta, count(DISTINCT c.snapshot_id) AS n,
           min(sn.wall_ns) AS t0, max(sn.wall_ns) AS t1
    FROM v_counters c JOIN snapshots sn ON sn.id = c.snapshot_id
    WHERE c.grp = 'TcpExt' AND c.name IN ('ListenOverflows', 'ListenDrops') GROUP BY sn.source_id, c.name
), host AS (
    SELECT source_id, coalesce(max(CASE WHEN name = 'ListenOverflows' THEN delta END), 0) AS overflows,
           coalesce(max(CASE WHEN name = 'ListenDrops' THEN delta END), 0) AS drops, max(t0) AS t0, max(t1) AS t1,
           max(n) AS n
    FROM ctr GROUP BY source_id
), lst AS (     -- listeners that queued: per process and port
    SELECT o.process_id, o.source_id, o.local_addr, o.local_port, max(o.rx_queue_max) AS queue,
           max(o.tx_queue) AS backlog, min(o.first_snapshot) AS a, max(o.last_snapshot) AS z,
           (SELECT count(*) FROM snapshots n WHERE n.id BETWEEN min(o.first_snapshot) AND max(o.last_snapshot)) AS seen
    FROM rule_owned o WHERE o.state = 'LISTEN' AND o.rx_queue_max > 0
    GROUP BY o.process_id, o.local_addr, o.local_port
), ranked AS (
    SELECT l.*, row_number() OVER (PARTITION BY l.source_id ORDER BY l.queue DESC, l.local_port) AS rk,
           max(l.queue) OVER (PARTITION BY l.source_id) AS top
    FROM lst l
), full_ AS (
    SELECT r.*, coalesce(h.overflows, 0) AS overflows, coalesce(h.drops, 0) AS drops, h.t0 AS ht0, h.t1 AS ht1,
           CASE WHEN r.backlog > 0 AND r.queue >= r.backlog THEN 'backlog'
                WHEN r.queue >= m.somaxconn THEN 'somaxconn'
                WHEN coalesce(h.overflows, 0) >= 10 AND h.n >= 2 AND r.seen >= 2
                     AND (r.rk = 1 OR (r.queue >= 2 AND 2 * r.queue >= r.top)) THEN 'overflows' END AS basis,
           m.somaxconn
    FROM ranked r JOIN somax m ON m.source_id = r.source_id LEFT JOIN host h ON h.source_id = r.source_id
)
SELECT l.process_id, NULL AS related_process_id, 'server' AS role,
       (SELECT wall_ns FROM snapshots WHERE id = l.a) AS start_ns, (SELECT wall_ns FROM snapshots WHERE id = l.z) AS end_ns,
       CASE WHEN l.overflows >= 100 THEN 'high' ELSE 'medium' END AS severity,
       CASE l.basis WHEN 'backlog' THEN 0.85 WHEN 'somaxconn' THEN 0.7 ELSE 0.75 END
         + CASE WHEN l.basis <> 'overflows' AND l.overflows > 0 THEN 0.1 ELSE 0 END AS confidence,
       CASE WHEN l.ht1 > l.ht0 THEN l.overflows / ((l.ht1 - l.ht0) / 6e10) END AS rate_per_min,
       printf('%s (pid %d) does not accept fast enough on %s:%d: %d connections queued%s%s.', p.comm, p.pid,
              l.local_addr, l.local_port, l.queue,
              CASE WHEN l.backlog > 0 THEN printf(' for a backlog of %d', l.backlog) ELSE '' END,
              CASE WHEN l.overflows > 0 THEN printf(', and the kernel dropped %d at full accept queues meanwhile', l.overflows) ELSE '' END) AS summary,
       json_object('listen', l.local_addr || ':' || l.local_port, 'accept_queue_max', l.queue,
                   'backlog', CASE WHEN l.backlog > 0 THEN l.backlog END, 'somaxconn', l.somaxconn,
                   'listen_overflows', l.overflows, 'listen_drops', l.drops, 'snapshots_queueing', l.seen,
                   'basis', l.basis) AS figures,
       printf('LISTEN %s:%d: accept queue up to %d (%s)', l.local_addr, l.local_port, l.queue,
              CASE l.basis WHEN 'backlog' THEN printf('the backlog is %d', l.backlog)
                           WHEN 'somaxconn' THEN printf('net.core.somaxconn is %d', l.somaxconn)
                           ELSE 'the longest accept queue on this host while the kernel counted overflows' END)
       || char(10) || printf('TcpExt ListenOverflows +%d, ListenDrops +%d during the recording', l.overflows, l.drops)
       || char(10) || '/proc/net/tcp does not show a listener''s backlog; ss -ltn shows it as Send-Q' AS evidence,
       printf('SELECT st.first_snapshot, st.last_snapshot, st.rx_queue, st.rx_queue_max FROM socket_states st JOIN sockets s ON s.id = st.socket_id WHERE st.state = ''LISTEN'' AND s.local_port = %d', l.local_port) AS sql
FROM full_ l JOIN processes p ON p.id = l.process_id
WHERE l.basis IS NOT NULL
UNION ALL
SELECT NULL, NULL, 'server', hs.t0, hs.t1, CASE WHEN hs.overflows >= 1000 THEN 'high' ELSE 'medium' END,
       0.5, hs.overflows / max((hs.t1 - hs.t0) / 6e10, 1e-9),
       printf('The kernel dropped connections at full accept queues %d times during the recording (ListenOverflows), on no listener seen queueing in a snapshot.',
              hs.overflows),
       json_object('listen_overflows', hs.overflows, 'listen_drops', hs.drops, 'snapshots', hs.n, 'basis', 'counters'),
       printf('TcpExt ListenOverflows +%d, ListenDrops +%d between the first and the last snapshot', hs.overflows, hs.drops)
       || char(10) || 'no LISTEN socket was seen with a queue: the bursts were shorter than the snapshot interval',
       'SELECT snapshot_id, name, value FROM v_counters WHERE grp = ''TcpExt'' AND name IN (''ListenOverflows'', ''ListenDrops'') ORDER BY snapshot_id'
FROM host hs
WHERE hs.n >= 2 AND hs.overflows >= 10 AND NOT EXISTS (SELECT 1 FROM full_ f WHERE f.source_id = hs.source_id AND f.basis IS NOT NULL)
