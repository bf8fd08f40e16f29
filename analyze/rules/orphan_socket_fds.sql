-- rule: orphan_socket_fds
-- title: fds holding sockets the kernel has already torn down
-- uses: fds, history
-- remedy: close() every socket once the connection is over: shutdown() is not
--   close(), and a peer's reset or an error path still leaves the fd open until
--   close() is called.
-- why: an fd pointing at socket:[N] whose inode is in no protocol table is
--   what lsof calls "can't identify protocol" (new lsof: "sock ... protocol:
--   TCP"). Only this process can release it. Fires when 3 or more are still
--   held at the process's last snapshot, or on sustained growth.
WITH ev AS (
    SELECT process_id, snap, sum(d) AS d FROM (
        SELECT process_id, first_snapshot AS snap, 1 AS d FROM orphan_fds
        UNION ALL SELECT process_id, last_snapshot + 1, -1 FROM orphan_fds
        UNION ALL SELECT DISTINCT o.process_id, p.first_snapshot, 0 FROM orphan_fds o
                  JOIN processes p ON p.id = o.process_id)
    GROUP BY 1, 2
), cum AS (
    SELECT process_id, snap, sum(d) OVER w AS n, lead(snap) OVER w AS next_snap
    FROM ev WINDOW w AS (PARTITION BY process_id ORDER BY snap)
), series AS (
    SELECT c.process_id, sn.wall_ns, c.n FROM cum c JOIN processes p ON p.id = c.process_id
    JOIN snapshots sn ON sn.id >= c.snap AND sn.id < coalesce(c.next_snap, p.last_snapshot + 1) AND sn.id <= p.last_snapshot
), b AS (
    SELECT process_id, min(wall_ns) AS t0, max(wall_ns) AS t1 FROM series GROUP BY 1
), fit AS (
    SELECT s.process_id, count(*) AS n, b.t0, b.t1, (b.t1 - b.t0) / 6e10 AS span_min,
           max(CASE WHEN s.wall_ns = b.t0 THEN s.n END) AS first_n,
           max(CASE WHEN s.wall_ns = b.t1 THEN s.n END) AS last_n, max(s.n) AS max_n,
           regr_slope(s.n, (s.wall_ns - b.t0) / 6e10) AS slope, regr_r2(s.n, (s.wall_ns - b.t0) / 6e10) AS r2,
           regr_slope(CASE WHEN s.wall_ns - b.t0 >= (b.t1 - b.t0) / 2 THEN s.n END, (s.wall_ns - b.t0) / 6e10) AS late_slope
    FROM series s JOIN b ON b.process_id = s.process_id GROUP BY s.process_id
), hit AS (
    SELECT f.*, (f.n >= 5 AND f.span_min >= 0.5 AND f.slope > 0 AND f.r2 >= 0.6 AND f.slope * f.span_min >= 5
                 AND coalesce(f.late_slope, 0) >= 0.3 * f.slope) AS growing,
           (SELECT count(*) FROM orphan_fds o WHERE o.process_id = f.process_id) AS fds_seen
    FROM fit f
)
SELECT h.process_id, p.pid, p.comm, p.cmdline, h.t0 AS start_ns, h.t1 AS end_ns,
       CASE WHEN h.last_n >= 1000 THEN 'critical' WHEN h.growing OR h.last_n >= 100 THEN 'high'
            WHEN h.last_n >= 20 THEN 'medium' ELSE 'low' END AS severity,
       CASE WHEN h.growing THEN min(0.95, 0.6 + 0.3 * h.r2)
            WHEN h.n = 1 THEN 0.45 ELSE 0.7 END AS confidence,
       CASE WHEN h.growing THEN h.slope END AS rate_per_min,
       printf('%s (pid %d) holds %s whose sockets the kernel has already torn down%s.',
              p.comm, p.pid, plural(h.last_n, 'socket fd'),
              CASE WHEN h.growing THEN printf(', growing %.1f/min', h.slope) WHEN h.n = 1 THEN ' (single snapshot)' ELSE '' END) AS summary,
       json_object('orphan_fds_first', h.first_n, 'orphan_fds_last', h.last_n, 'orphan_fds_max', h.max_n,
                   'orphan_fds_seen', h.fds_seen, 'snapshots', h.n, 'span_min', round(h.span_min, 2),
                   'slope_per_min', round(h.slope, 3), 'r2', round(h.r2, 3)) AS figures,
       printf('orphaned socket fds: %d first, %d last, %d max over %s; %s seen',
              h.first_n, h.last_n, h.max_n, plural(h.n, 'snapshot'), plural(h.fds_seen, 'distinct fd'))
       || char(10) || 'examples: ' || (SELECT group_concat(x, ', ') FROM (SELECT 'fd ' || o.fd || ' -> socket:[' || o.inode || ']' AS x
              FROM orphan_fds o WHERE o.process_id = h.process_id ORDER BY o.first_snapshot, o.fd LIMIT 5))
       || CASE WHEN h.n > 2 THEN char(10) || printf('least-squares fit: %+.2f fds/min, R2 %.2f', h.slope, h.r2) ELSE '' END
       || char(10) || 'lsof shows them as "can''t identify protocol" (old) or "sock ... protocol: TCP" (new)' AS evidence,
       printf('SELECT snapshot_id, orphan_fds FROM v_orphan_counts WHERE process_id = %d ORDER BY snapshot_id', h.process_id) AS sql
FROM hit h JOIN processes p ON p.id = h.process_id
WHERE h.last_n >= 3 OR h.growing
ORDER BY h.process_id
