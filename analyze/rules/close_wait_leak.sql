-- rule: close_wait_leak
-- title: sockets left in CLOSE_WAIT: the peer hung up and this process never closed them
-- uses: sockets, fds, history
-- remedy: close every socket once the peer has closed: find the code path that
--   stops before Close() (a handler that never returns, a response body never
--   closed, an error path without Close).
-- why: CLOSE_WAIT means the kernel has the peer's FIN and waits for the owner
--   to call close(); only the owning process can end it. Fires on sustained
--   growth (fitted slope with R2 >= 0.6, still growing in the second half,
--   +10 sockets at least), on sockets stuck in CLOSE_WAIT >= 30 s at the
--   end of the recording (>= 20 of them), or, for a single snapshot, on
--   >= 100 CLOSE_WAIT sockets in one process (lower confidence).
WITH f AS (
    SELECT * FROM rule_fit WHERE cls = 'CLOSE_WAIT'
), cw AS (
    SELECT process_id, socket_id, local_port, remote_addr, remote_port, dir, first_snapshot, last_snapshot
    FROM rule_owned WHERE state = 'CLOSE_WAIT'
), role AS (
    SELECT process_id, count(DISTINCT socket_id) AS total,
           count(DISTINCT CASE WHEN dir = 'in' THEN socket_id END) AS as_server
    FROM cw GROUP BY process_id
), stuck AS (   -- in CLOSE_WAIT at the process's last snapshot, for 30 s or more
    SELECT cw.process_id, count(DISTINCT cw.socket_id) AS n
    FROM cw JOIN processes p ON p.id = cw.process_id
    JOIN snapshots a ON a.id = cw.first_snapshot JOIN snapshots z ON z.id = cw.last_snapshot
    WHERE cw.last_snapshot = p.last_snapshot AND z.wall_ns - a.wall_ns >= 30000000000
    GROUP BY cw.process_id
), fin2 AS (    -- the other end, on this host, in FIN_WAIT2: it closed first
    SELECT cw.process_id, count(DISTINCT cw.socket_id) AS n
    FROM cw JOIN rule_peers sp ON sp.socket_id = cw.socket_id
    JOIN socket_states ps ON ps.socket_id = sp.peer_id AND ps.state IN ('FIN_WAIT2', 'FIN_WAIT1')
    GROUP BY cw.process_id
), c AS (
    SELECT f.*, r.total, r.as_server, coalesce(k.n, 0) AS stuck, coalesce(w.n, 0) AS fin2_peers,
           CASE WHEN 2 * r.as_server >= r.total THEN 'server' ELSE 'client' END AS role,
           (f.n >= 5 AND f.span_min >= 0.5 AND f.slope > 0 AND f.r2 >= 0.6 AND f.slope * f.span_min >= 10
            AND (coalesce(f.late_slope, 0) >= 0.3 * f.slope OR f.capped) AND f.last_n >= 10) AS growing
    FROM f JOIN role r ON r.process_id = f.process_id
    LEFT JOIN stuck k ON k.process_id = f.process_id
    LEFT JOIN fin2 w ON w.process_id = f.process_id
), ep AS (     -- the endpoint with the most of them: its port (server) or the peer (client)
    SELECT process_id, endpoint,
           row_number() OVER (PARTITION BY process_id ORDER BY n DESC, endpoint) AS rk
    FROM (SELECT c.process_id,
                 CASE WHEN c.role = 'server' THEN ':' || x.local_port ELSE x.remote_addr || ':' || x.remote_port END AS endpoint,
                 count(DISTINCT x.socket_id) AS n
          FROM c JOIN cw x ON x.process_id = c.process_id AND (x.dir = 'in') = (c.role = 'server')
          GROUP BY 1, 2)
), hit AS (
    SELECT c.*,
           CASE WHEN growing THEN 'growth' WHEN n = 1 AND last_n >= 100 THEN 'level'
                WHEN n > 1 AND stuck >= 20 THEN 'stuck' END AS kind,
           e.endpoint
    FROM c LEFT JOIN ep e ON e.process_id = c.process_id AND e.rk = 1
)
SELECT h.process_id, p.pid, p.comm, p.cmdline, h.role, h.start_ns, h.end_ns,
       CASE WHEN h.last_n >= 1000 THEN 'critical'
            WHEN h.kind = 'growth' OR h.last_n >= 200 THEN 'high'
            WHEN h.kind = 'stuck' OR h.last_n >= 100 THEN 'medium' ELSE 'low' END AS severity,
       CASE h.kind
            WHEN 'growth' THEN min(0.95, 0.5 + 0.35 * h.r2 + 0.1 * min(1.0, h.n / 20.0))
            WHEN 'stuck' THEN min(0.85, 0.6 + 0.2 * min(1.0, h.stuck / 200.0))
            ELSE CASE WHEN h.last_n >= 1000 THEN 0.55 ELSE 0.45 END END
         + CASE WHEN h.fin2_peers > 0 THEN 0.05 ELSE 0 END AS confidence,
       CASE WHEN h.kind = 'growth' THEN h.slope END AS rate_per_min,
       printf('%s (pid %d) holds %d sockets in CLOSE_WAIT%s as %s %s: the peer closed them, it never did.',
              p.comm, p.pid, h.last_n,
              CASE h.kind WHEN 'growth' THEN printf(', growing %.1f/min for %.1f min', h.slope, h.span_min)
                          WHEN 'stuck' THEN printf(', %d of them for 30 s or more', h.stuck)
                          ELSE ' in a single snapshot' END,
              CASE h.role WHEN 'server' THEN 'the server on' ELSE 'a client of' END,
              coalesce(h.endpoint, '?')) AS summary,
       json_object('close_wait_first', h.first_n, 'close_wait_last', h.last_n, 'close_wait_max', h.max_n,
                   'snapshots', h.n, 'span_min', round(h.span_min, 2), 'slope_per_min', round(h.slope, 3),
                   'r2', round(h.r2, 3), 'late_slope_per_min', round(h.late_slope, 3),
                   'stuck_30s', h.stuck, 'sockets_seen', h.total, 'as_server', h.as_server,
                   'fin_wait2_peers', h.fin2_peers, 'endpoint', h.endpoint, 'basis', h.kind) AS figures,
       printf('CLOSE_WAIT sockets: %d first, %d last, %d max over %s spanning %.1f min',
              h.first_n, h.last_n, h.max_n, plural(h.n, 'snapshot'), h.span_min)
       || CASE WHEN h.n > 2 THEN char(10) || printf('least-squares fit: %+.2f sockets/min, R2 %.2f; second half %+.2f/min',
              h.slope, h.r2, coalesce(h.late_slope, 0)) ELSE '' END
       || char(10) || printf('%d of %d CLOSE_WAIT sockets are on its listening ports (role: %s; top endpoint %s)',
              h.as_server, h.total, h.role, coalesce(h.endpoint, '?'))
       || CASE WHEN h.stuck > 0 THEN char(10) || printf('%s in CLOSE_WAIT for 30 s or more at the end', plural(h.stuck, 'socket')) ELSE '' END
       || CASE WHEN h.fin2_peers > 0 THEN char(10) || printf('%d have their other end on this host in FIN_WAIT: the peer closed first and waits',
              h.fin2_peers) ELSE '' END AS evidence,
       printf('SELECT snapshot_id, sockets FROM v_state_counts WHERE process_id = %d AND state = ''CLOSE_WAIT'' ORDER BY snapshot_id',
              h.process_id) AS sql,
       CASE h.role
            WHEN 'server' THEN printf('Its handlers on %s do not finish or do not close the connection after the client hung up.'
                 || ' Look for handlers blocked on a lock, a channel or a slow downstream call (see lock_wait and goroutine_leak),'
                 || ' close every accepted connection (defer conn.Close()), and bound handlers with timeouts'
                 || ' (http.Server ReadTimeout/WriteTimeout, context deadlines).', coalesce(h.endpoint, 'its port'))
            ELSE printf('It never closes its connections to %s after the server hung up: close every response body'
                 || ' (defer resp.Body.Close(), and read it to EOF), close connections on error paths, return them to'
                 || ' the pool, and set an idle timeout so pooled connections notice the peer''s FIN.', coalesce(h.endpoint, 'its peer'))
       END AS remedy
FROM hit h JOIN processes p ON p.id = h.process_id
WHERE h.kind IS NOT NULL
ORDER BY h.process_id
