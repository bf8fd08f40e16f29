-- rule: fd_exhaustion
-- title: open fds heading for RLIMIT_NOFILE
-- uses: fds, history
-- remedy: find what the fds are (the other findings on this process say which
--   sockets leak) and fix that leak; raising LimitNOFILE / ulimit -n only buys
--   time.
-- why: at the soft limit accept(), socket() and open() fail with EMFILE.
--   Fires at >= 90% of the soft limit in any snapshot (direct measurement),
--   or on sustained growth (fit R2 >= 0.6, +20 fds at least) that reaches
--   the limit within 24 h. When most of the growth is accepted connections
--   another local process dialed (socket_peers), the finding points at that
--   dialer (related_process_id) with low severity unless >= 90%.
WITH h AS (
    SELECT f.*, (f.n >= 5 AND f.span_min >= 0.5 AND f.slope > 0 AND f.r2 >= 0.6 AND f.slope * f.span_min >= 20
                 AND coalesce(f.late_slope, 0) >= 0.3 * f.slope) AS growing,
           1.0 * f.max_fds / f.soft AS max_pct, 1.0 * f.last_fds / f.soft AS last_pct,
           CASE WHEN f.slope > 0 THEN (f.soft - f.last_fds) / f.slope END AS minutes_left,
           -- fds that are mostly connections another local process dialed
           -- and never closed: that dialer is the cause
           CASE WHEN m.n >= 10 AND m.n_all >= 0.5 * (f.last_fds - f.first_fds) THEN m.dialer END AS dialer, m.n_all AS mirrored
    FROM rule_fd_fit f LEFT JOIN rule_mirror m ON m.process_id = f.process_id WHERE f.soft > 0
)
SELECT h.process_id, h.dialer AS related_process_id, h.start_ns, h.end_ns,
       CASE WHEN h.dialer IS NOT NULL AND h.max_pct < 0.9 THEN 'low'
            WHEN h.max_pct >= 0.98 THEN 'critical'
            WHEN h.max_pct >= 0.9 OR (h.growing AND h.minutes_left <= 60) THEN 'high' ELSE 'medium' END AS severity,
       CASE WHEN h.max_pct >= 0.9 THEN 0.9 ELSE min(0.9, 0.5 + 0.35 * h.r2) END AS confidence,
       CASE WHEN h.growing THEN h.slope END AS rate_per_min,
       printf('%s (pid %d) has %d of %d fds open (%.0f%%)%s.', p.comm, p.pid, h.last_fds, h.soft, 100 * h.last_pct,
              CASE WHEN h.growing THEN printf(', growing %.1f/min: the limit is %s', h.slope,
                   CASE WHEN h.minutes_left <= 0 THEN 'reached' ELSE printf('%.0f min away', h.minutes_left) END)
                   WHEN h.max_pct > h.last_pct THEN printf(', %d at most', h.max_fds) ELSE '' END)
       || CASE WHEN h.dialer IS NOT NULL THEN printf(' Most are connections %s dialed and never closed.',
              (SELECT comm || ' (pid ' || pid || ')' FROM processes WHERE id = h.dialer)) ELSE '' END AS summary,
       json_object('fds_first', h.first_fds, 'fds_last', h.last_fds, 'fds_max', h.max_fds, 'nofile_soft', h.soft,
                   'pct_of_soft', round(100 * h.last_pct, 1), 'slope_per_min', round(h.slope, 3), 'r2', round(h.r2, 3),
                   'minutes_to_limit', CASE WHEN h.growing THEN round(max(h.minutes_left, 0), 1) END,
                   'snapshots', h.n, 'mirrored_connections', h.mirrored) AS figures,
       printf('fds: %d first, %d last, %d max; soft limit %d', h.first_fds, h.last_fds, h.max_fds, h.soft)
       || CASE WHEN h.n > 2 THEN char(10) || printf('least-squares fit: %+.2f fds/min, R2 %.2f over %.1f min', h.slope, h.r2, h.span_min) ELSE '' END
       || CASE WHEN h.growing THEN char(10) || printf('at this rate the soft limit is reached in %.0f min', max(h.minutes_left, 0)) ELSE '' END AS evidence,
       printf('SELECT snapshot_id, fd_count, nofile_soft, pct_of_soft FROM v_fd_usage WHERE process_id = %d ORDER BY snapshot_id', h.process_id) AS sql
FROM h JOIN processes p ON p.id = h.process_id
WHERE h.max_pct >= 0.9 OR (h.growing AND h.minutes_left <= 1440)
ORDER BY h.process_id
