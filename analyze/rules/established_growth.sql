-- rule: established_growth
-- title: a process keeps dialing connections and never reuses or closes them
-- uses: sockets, fds, history
-- remedy: reuse one client (one http.Client / Transport, one connection pool)
--   for the life of the process instead of one per request or per message,
--   close connections you are done with, and cap the pool (MaxConnsPerHost,
--   MaxIdleConnsPerHost, IdleConnTimeout).
-- why: only connections this process dialed count (its local port is not one
--   it listens on): a server whose accepted connections mirror a client's
--   leak is a victim, and the client that dials is the culprit. Fires on
--   sustained growth (fit R2 >= 0.7, +20 connections at least, still growing
--   in the second half); a single snapshot needs 2000 connections from one
--   process to one endpoint (low confidence: big pools exist).
WITH f AS (
    SELECT * FROM rule_fit WHERE cls = 'ESTABLISHED/out'
), ep AS (      -- the endpoint it dials most
    SELECT process_id, remote_addr || ':' || remote_port AS endpoint, count(DISTINCT socket_id) AS n,
           row_number() OVER (PARTITION BY process_id ORDER BY count(DISTINCT socket_id) DESC, remote_addr, remote_port) AS rk
    FROM rule_owned WHERE state = 'ESTABLISHED' AND dir = 'out' GROUP BY process_id, remote_addr, remote_port
), peer AS (    -- the accepting side, when it is on this host
    SELECT o.process_id, count(DISTINCT o.socket_id) AS local_peers,
           (SELECT group_concat(DISTINCT x.comm) FROM rule_peers sp2 JOIN v_socket_owners x ON x.socket_id = sp2.peer_id
             WHERE sp2.socket_id IN (SELECT socket_id FROM rule_owned o2 WHERE o2.process_id = o.process_id
                                     AND o2.state = 'ESTABLISHED' AND o2.dir = 'out' LIMIT 50)) AS peer_comms
    FROM rule_owned o JOIN rule_peers sp ON sp.socket_id = o.socket_id
    WHERE o.state = 'ESTABLISHED' AND o.dir = 'out' GROUP BY o.process_id
), h AS (
    SELECT f.*, e.endpoint, e.n AS endpoint_conns, coalesce(pe.local_peers, 0) AS local_peers, pe.peer_comms,
           (f.n >= 5 AND f.span_min >= 0.5 AND f.slope > 0 AND f.r2 >= 0.7 AND f.slope * f.span_min >= 20
            AND (coalesce(f.late_slope, 0) >= 0.3 * f.slope OR f.capped) AND f.last_n >= 20) AS growing
    FROM f JOIN ep e ON e.process_id = f.process_id AND e.rk = 1
    LEFT JOIN peer pe ON pe.process_id = f.process_id
)
SELECT h.process_id, 'client' AS role, h.start_ns, h.end_ns,
       CASE WHEN h.growing AND h.last_n >= 1000 THEN 'critical' WHEN h.growing THEN 'high' ELSE 'low' END AS severity,
       CASE WHEN h.growing THEN min(0.95, 0.5 + 0.35 * h.r2 + 0.1 * min(1.0, h.n / 20.0)) ELSE 0.35 END AS confidence,
       CASE WHEN h.growing THEN h.slope END AS rate_per_min,
       printf('%s (pid %d) holds %d connections it dialed%s, most to %s (%d): it opens new ones and never reuses or closes them.',
              p.comm, p.pid, h.last_n,
              CASE WHEN h.growing THEN printf(', growing %.1f/min for %.1f min', h.slope, h.span_min) ELSE ' in a single snapshot' END,
              h.endpoint, h.endpoint_conns) AS summary,
       json_object('established_out_first', h.first_n, 'established_out_last', h.last_n, 'established_out_max', h.max_n,
                   'snapshots', h.n, 'span_min', round(h.span_min, 2), 'slope_per_min', round(h.slope, 3),
                   'r2', round(h.r2, 3), 'late_slope_per_min', round(h.late_slope, 3), 'endpoint', h.endpoint,
                   'endpoint_connections', h.endpoint_conns, 'local_peers', h.local_peers,
                   'basis', CASE WHEN h.growing THEN 'growth' ELSE 'level' END) AS figures,
       printf('dialed ESTABLISHED connections: %d first, %d last, %d max over %s spanning %.1f min',
              h.first_n, h.last_n, h.max_n, plural(h.n, 'snapshot'), h.span_min)
       || CASE WHEN h.n > 2 THEN char(10) || printf('least-squares fit: %+.2f connections/min, R2 %.2f; second half %+.2f/min',
              h.slope, h.r2, coalesce(h.late_slope, 0)) ELSE '' END
       || char(10) || printf('top endpoint %s: %d distinct connections seen', h.endpoint, h.endpoint_conns)
       || CASE WHEN h.local_peers > 0 THEN char(10) || printf('%d of them end in %s on this host, whose accepted connections only mirror this leak',
              h.local_peers, coalesce(h.peer_comms, 'a local process')) ELSE '' END AS evidence,
       printf('SELECT snapshot_id, count(*) FROM v_socket_snapshots v JOIN v_socket_owners o ON o.socket_id = v.socket_id AND v.snapshot_id BETWEEN o.first_snapshot AND o.last_snapshot WHERE o.process_id = %d AND v.state = ''ESTABLISHED'' AND v.remote_port = %d GROUP BY 1 ORDER BY 1',
              h.process_id, CAST(substr(h.endpoint, length(rtrim(h.endpoint, '0123456789')) + 1) AS INTEGER)) AS sql
FROM h JOIN processes p ON p.id = h.process_id
WHERE h.growing OR (h.n = 1 AND h.endpoint_conns >= 2000)
ORDER BY h.process_id
