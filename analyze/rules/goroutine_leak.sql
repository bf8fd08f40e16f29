-- rule: goroutine_leak
-- title: goroutines pile up (growing with the process's sockets)
-- uses: goroutines, history
-- remedy: make every goroutine that serves or reads a connection end with it:
--   close the connection (which ends its reader), cancel a context, bound
--   waits with timeouts, and never block forever on a lock or channel.
-- why: a goroutine per connection that never ends is the other face of a
--   socket leak. Fires when the count grows across >= 3 dumps (fit R2 >= 0.6,
--   +30 at least, still growing in the second half), or when one dump has a
--   group of >= 1000 goroutines on the same stack (lower confidence). When
--   the biggest group waits in netpoll on connections this process accepted
--   from a local process, it only mirrors that dialer's leak: the finding
--   then points at the dialer (related_process_id) with low severity.
WITH d AS (
    SELECT r.*, (SELECT sum(s.sockets) FROM rule_series s WHERE s.process_id = r.process_id
                 AND s.snapshot_id = r.snapshot_id AND s.cls IN ('ESTABLISHED', 'CLOSE_WAIT', 'SYN_SENT', 'SYN_RECV')) AS socks
    FROM rule_dumps r
), b AS (
    SELECT pkey, min(wall_ns) AS t0, max(wall_ns) AS t1, max(id) AS last_dump FROM d GROUP BY pkey
), fit AS (
    SELECT d.pkey, max(d.process_id) AS process_id, max(d.pid) AS pid, max(d.comm) AS dump_comm, count(*) AS n,
           b.t0, b.t1, b.last_dump,
           (b.t1 - b.t0) / 6e10 AS span_min,
           max(CASE WHEN d.wall_ns = b.t0 THEN d.goroutines END) AS first_g,
           max(CASE WHEN d.id = b.last_dump THEN d.goroutines END) AS last_g,
           regr_slope(d.goroutines, (d.wall_ns - b.t0) / 6e10) AS slope,
           regr_r2(d.goroutines, (d.wall_ns - b.t0) / 6e10) AS r2,
           regr_slope(CASE WHEN d.wall_ns - b.t0 >= (b.t1 - b.t0) / 2 THEN d.goroutines END, (d.wall_ns - b.t0) / 6e10) AS late_slope,
           regr_r2(d.goroutines, d.socks) AS r2_socks, regr_slope(d.goroutines, d.socks) AS per_sock,
           max(CASE WHEN d.id = b.last_dump THEN d.socks END) AS last_socks
    FROM d JOIN b ON b.pkey = d.pkey GROUP BY d.pkey
), top AS (     -- the biggest group of the last dump
    SELECT f.pkey, g.goroutines AS top_n, g.wait_kind, g.role, g.app_func, g.app_file, g.app_line, g.top_func,
           g.lock_func, g.max_wait_minutes, g.created_by,
           row_number() OVER (PARTITION BY f.pkey ORDER BY g.goroutines DESC, g.stack_id) AS rk
    FROM fit f JOIN v_stack_groups g ON g.dump_id = f.last_dump
), h AS (
    SELECT f.*, t.top_n, t.wait_kind, t.role, t.app_func, t.app_file, t.app_line, t.top_func, t.lock_func,
           t.max_wait_minutes, t.created_by,
           (f.n >= 3 AND f.span_min >= 0.5 AND f.slope > 0 AND f.r2 >= 0.6 AND f.slope * f.span_min >= 30
            AND (coalesce(f.late_slope, 0) >= 0.3 * f.slope
                 OR f.process_id IN (SELECT process_id FROM rule_fit WHERE capped))) AS growing,
           CASE WHEN t.wait_kind = 'netpoll' AND m.n >= 10 THEN m.dialer END AS dialer
    FROM fit f JOIN top t ON t.pkey = f.pkey AND t.rk = 1
    LEFT JOIN rule_mirror m ON m.process_id = f.process_id
)
SELECT h.process_id, coalesce(p.pid, h.pid) AS pid, coalesce(p.comm, h.dump_comm) AS comm, h.dialer AS related_process_id,
       h.t0 AS start_ns, h.t1 AS end_ns,
       CASE WHEN h.dialer IS NOT NULL THEN 'low' WHEN h.growing AND h.last_g >= 10000 THEN 'critical'
            WHEN h.growing THEN 'high' ELSE 'medium' END AS severity,
       CASE WHEN h.growing THEN min(0.95, 0.45 + 0.3 * h.r2 + 0.2 * coalesce(h.r2_socks, 0)) ELSE 0.4 END AS confidence,
       CASE WHEN h.growing THEN h.slope END AS rate_per_min,
       printf('%s has %d goroutines%s; the biggest group, %d, %s%s%s.',
              coalesce(p.comm || ' (pid ' || p.pid || ')', coalesce(h.dump_comm, 'a Go process') || coalesce(' (pid ' || h.pid || ')', '')),
              h.last_g,
              CASE WHEN h.growing THEN printf(', growing %.1f/min%s', h.slope,
                   CASE WHEN h.r2_socks >= 0.5 THEN printf(' with its sockets (%.1f per socket)', h.per_sock) ELSE '' END)
                   ELSE ' in one dump' END,
              h.top_n, CASE h.wait_kind WHEN 'lock' THEN 'wait on a lock (' || coalesce(h.lock_func, '?') || ')'
                                        WHEN 'netpoll' THEN 'wait for network IO' ELSE 'wait (' || coalesce(h.wait_kind, '?') || ')' END,
              CASE WHEN h.app_func IS NOT NULL THEN ' in ' || h.app_func ELSE ' in ' || coalesce(h.top_func, '?') END,
              CASE WHEN h.dialer IS NOT NULL THEN printf(' on connections accepted from %s, which dials them and never closes them',
                   (SELECT comm || ' (pid ' || pid || ')' FROM processes WHERE id = h.dialer)) ELSE '' END) AS summary,
       json_object('dumps', h.n, 'goroutines_first', h.first_g, 'goroutines_last', h.last_g, 'span_min', round(h.span_min, 2),
                   'slope_per_min', round(h.slope, 3), 'r2', round(h.r2, 3), 'r2_vs_sockets', round(h.r2_socks, 3),
                   'goroutines_per_socket', round(h.per_sock, 3), 'sockets_last', h.last_socks,
                   'top_group', h.top_n, 'top_wait_kind', h.wait_kind, 'top_role', h.role, 'top_app_func', h.app_func,
                   'top_app_file', h.app_file, 'top_app_line', h.app_line, 'top_lock_func', h.lock_func,
                   'top_max_wait_minutes', h.max_wait_minutes) AS figures,
       printf('goroutines: %d first, %d last over %s spanning %.1f min', h.first_g, h.last_g, plural(h.n, 'dump'),
              h.span_min)
       || CASE WHEN h.n > 2 THEN char(10) || printf('least-squares fit: %+.1f goroutines/min, R2 %.2f; vs its sockets: R2 %.2f',
              h.slope, h.r2, coalesce(h.r2_socks, 0)) ELSE '' END
       || char(10) || printf('biggest group: %s, %s, role %s, waiting up to %d min, at %s (%s:%d), innermost %s',
              plural(h.top_n, 'goroutine'), coalesce(h.wait_kind, '?'), coalesce(h.role, '-'), coalesce(h.max_wait_minutes, 0),
              coalesce(h.app_func, '-'), coalesce(h.app_file, '?'), coalesce(h.app_line, 0), coalesce(h.lock_func, h.top_func))
       || coalesce(char(10) || 'created by ' || h.created_by, '') AS evidence,
       printf('SELECT goroutines, wait_kind, role, app_func, lock_func, max_wait_minutes FROM v_stack_groups WHERE dump_id = %d ORDER BY goroutines DESC LIMIT 10',
              h.last_dump) AS sql,
       CASE WHEN h.dialer IS NOT NULL THEN 'Nothing to fix here first: these goroutines serve connections another local process opens and never closes (see its established_growth finding); fix the dialer, and set an idle/read timeout on this server so abandoned connections end.'
            WHEN h.wait_kind = 'lock' THEN 'These goroutines are stuck on one lock: see the lock_wait finding for who holds or re-enters it; every request that reaches that lock hangs with its connection.'
       END AS remedy
FROM h LEFT JOIN processes p ON p.id = h.process_id
WHERE h.growing OR h.top_n >= 1000
ORDER BY h.pkey
