-- rule: time_wait_churn
-- title: short-lived connections opened and closed at a high rate (TIME_WAIT churn)
-- uses: sockets, pcap, history
-- remedy: reuse connections: one long-lived client with keep-alives (in Go one
--   http.Client and Transport for the process, DisableKeepAlives false), or a
--   connection pool, instead of a new connection per request.
-- why: TIME_WAIT entries have no owner and sit on the side that closed first
--   for 60 s, so their count is about the close rate per minute. Keyed by
--   the service they connected to; the churn is blamed on the process that
--   opens those connections (its sockets to that service seen in flight, or
--   the client of captured SYNs; failing both, the process with the most
--   socket fds that lived less than a snapshot, as a lower-confidence
--   guess), never on the listener. TIME_WAIT left by
--   this host's servers for remote clients is not this host's problem and is
--   skipped. Fires on >= 250 new entries a minute per service (about 4 new
--   connections a second) spread over the recording (no snapshot holds half
--   of them: a burst of closes is not churn), or on >= 1000 entries in a
--   recording of 1-2 snapshots (lower confidence).
WITH src AS (
    SELECT id AS source_id,
           coalesce(CAST(substr(r, instr(r, char(9)) + 1) AS INTEGER) - CAST(substr(r, 1, instr(r, char(9)) - 1) AS INTEGER) + 1,
                    28232) AS ports
    FROM (SELECT id, json_extract(CASE WHEN json_valid(manifest) THEN manifest END,
                 '$.host.sysctl."net.ipv4.ip_local_port_range"') AS r FROM sources)
), locals AS (  -- this host's addresses, as its own sockets show them
    SELECT DISTINCT source_id, local_addr FROM sockets WHERE inode > 0 AND local_addr NOT IN ('0.0.0.0', '::')
), keys AS (
    SELECT t.source_id, t.svc_addr, t.svc_port, count(*) AS tw_seen,
           sum(t.closer = 'client') AS by_client,
           max(la.local_addr IS NOT NULL OR t.cli_addr LIKE '127.%' OR t.cli_addr IN ('::1', '::ffff:127.0.0.1')) AS cli_local
    FROM rule_tw t LEFT JOIN locals la ON la.source_id = t.source_id AND la.local_addr = t.cli_addr
    GROUP BY 1, 2, 3
), births AS (  -- new TIME_WAIT entries per snapshot (those of the first snapshot predate the recording)
    SELECT t.source_id, t.svc_addr, t.svc_port, t.first_snapshot, count(*) AS b
    FROM rule_tw t WHERE t.first_snapshot > (SELECT min(id) FROM snapshots n WHERE n.source_id = t.source_id)
    GROUP BY 1, 2, 3, 4
), brate AS (
    SELECT source_id, svc_addr, svc_port, sum(b) AS births, max(b) AS max_b, count(*) AS snaps_with_births
    FROM births GROUP BY 1, 2, 3
), ser AS (
    SELECT source_id, svc_addr, svc_port, count(*) AS n, avg(tw >= 250) AS frac_over, max(tw) AS max_tw,
           avg(tw) AS avg_tw, min(wall_ns) AS t0, max(wall_ns) AS t1
    FROM rule_tw_series GROUP BY 1, 2, 3
), cand AS (    -- who opens connections to that service: sockets seen in flight, captured SYNs
    SELECT k.source_id, k.svc_addr, k.svc_port, c.process_id, sum(c.w) AS score, sum(c.socks) AS socks, sum(c.conns) AS conns
    FROM keys k JOIN (
        SELECT o.source_id, o.remote_port AS port, o.remote_addr AS addr, o.process_id,
               count(DISTINCT o.socket_id) AS w, count(DISTINCT o.socket_id) AS socks, 0 AS conns
        FROM rule_owned o WHERE o.dir = 'out' AND o.state NOT IN ('LISTEN', 'CLOSE_WAIT') GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT source_id, server_port, server_addr, client_process_id, count(*), 0, count(*)
        FROM tcp_conns WHERE client_process_id IS NOT NULL GROUP BY 1, 2, 3, 4
    ) c ON c.source_id = k.source_id AND c.port = k.svc_port
       AND (c.addr = k.svc_addr OR (c.addr LIKE '127.%' AND k.svc_addr LIKE '127.%')
            OR replace(c.addr, '::ffff:', '') = replace(k.svc_addr, '::ffff:', ''))
    WHERE c.process_id IS NOT NULL
      AND c.process_id NOT IN (SELECT l.process_id FROM rule_listen l WHERE l.port = k.svc_port)
    GROUP BY 1, 2, 3, 4
), fdchurn AS (  -- processes whose socket fds come and go between the table read and the fd walk
    SELECT f.process_id, count(DISTINCT f.inode) AS n
    FROM rule_sockfd f
    WHERE f.inode > 0 AND f.first_snapshot = f.last_snapshot
      AND NOT EXISTS (SELECT 1 FROM sockets s WHERE s.inode = f.inode)
    GROUP BY f.process_id HAVING count(DISTINCT f.inode) >= 10
), cand2 AS (   -- the last resort, when no connection to the service was seen: the biggest fd churner
    SELECT source_id, svc_addr, svc_port, process_id, score, socks, conns, 'sockets' AS via FROM cand
    UNION ALL
    SELECT k.source_id, k.svc_addr, k.svc_port, c.process_id, 0.001 * c.n, 0, 0, 'fd churn'
    FROM keys k JOIN fdchurn c
    -- not a listener of any churned service (its accepted fds churn too),
    -- nor a process already seen dialing some service (that is its churn)
    WHERE c.process_id NOT IN (SELECT l.process_id FROM rule_listen l WHERE l.port IN (SELECT svc_port FROM keys))
      AND c.process_id NOT IN (SELECT process_id FROM cand)
      AND NOT EXISTS (SELECT 1 FROM cand x WHERE x.source_id = k.source_id AND x.svc_addr = k.svc_addr AND x.svc_port = k.svc_port)
), best AS (
    SELECT *, row_number() OVER (PARTITION BY source_id, svc_addr, svc_port ORDER BY score DESC, process_id) AS rk FROM cand2
), h AS (
    SELECT k.*, s.n, s.frac_over, s.max_tw, s.avg_tw, s.t0, s.t1, src.ports,
           b.process_id, b.socks, b.conns, b.via, (SELECT n FROM fdchurn WHERE fdchurn.process_id = b.process_id) AS churn_fds,
           coalesce(r.births, 0) AS births, coalesce(r.max_b, 0) AS max_b,
           coalesce(r.births, 0) / max((s.t1 - s.t0) / 6e10, 1e-9) AS per_min,
           CASE WHEN 2 * k.by_client >= k.tw_seen THEN 'client' ELSE 'server' END AS closer,
           -- sustained: >= 250 new entries a minute, spread over the recording
           -- (no single snapshot holds half of them: that is a burst)
           (s.n >= 3 AND coalesce(r.births, 0) / max((s.t1 - s.t0) / 6e10, 1e-9) >= 250
            AND r.max_b <= 0.5 * r.births) AS sustained
    FROM keys k JOIN ser s USING (source_id, svc_addr, svc_port) JOIN src USING (source_id)
    LEFT JOIN brate r ON r.source_id = k.source_id AND r.svc_addr = k.svc_addr AND r.svc_port = k.svc_port
    LEFT JOIN best b ON b.source_id = k.source_id AND b.svc_addr = k.svc_addr AND b.svc_port = k.svc_port AND b.rk = 1
)
SELECT h.process_id, 'client' AS role, h.t0 AS start_ns, h.t1 AS end_ns,
       CASE WHEN 1.0 * h.max_tw / h.ports >= 0.3 OR h.max_tw >= 10000 THEN 'high' ELSE 'medium' END AS severity,
       CASE WHEN h.sustained THEN 0.55 + 0.15 * (h.per_min >= 500) ELSE 0.4 END
         + CASE WHEN h.process_id IS NULL THEN -0.15 WHEN h.via = 'fd churn' THEN -0.1
                WHEN h.socks + h.conns >= 3 THEN 0.15 ELSE 0.05 END AS confidence,
       CASE WHEN h.sustained THEN h.per_min END AS rate_per_min,
       printf('%s opens about %.0f new connections a minute to %s:%d and closes them (%d in TIME_WAIT at most, %.0f%% of the %d ephemeral ports).',
              coalesce(p.comm || ' (pid ' || p.pid || ')', 'an unidentified local client'),
              CASE WHEN h.sustained THEN h.per_min ELSE h.max_tw END, h.svc_addr, h.svc_port,
              h.max_tw, 100.0 * h.max_tw / h.ports, h.ports) AS summary,
       json_object('service', h.svc_addr || ':' || h.svc_port, 'new_per_min', round(h.per_min, 1), 'new_entries', h.births,
                   'largest_snapshot_share', round(1.0 * h.max_b / max(h.births, 1), 3),
                   'time_wait_max', h.max_tw, 'time_wait_avg', round(h.avg_tw, 1),
                   'share_of_snapshots_over_250', round(h.frac_over, 3), 'snapshots', h.n, 'closed_first_by', h.closer,
                   'ephemeral_ports', h.ports, 'port_pressure', round(1.0 * h.max_tw / h.ports, 4),
                   'client_sockets_seen', h.socks, 'client_conns_in_pcap', h.conns, 'blamed_by', h.via,
                   'client_short_lived_socket_fds', h.churn_fds,
                   'basis', CASE WHEN h.sustained THEN 'sustained' ELSE 'level' END) AS figures,
       printf('TIME_WAIT to %s:%d: average %.0f, max %d over %s', h.svc_addr, h.svc_port, h.avg_tw, h.max_tw,
              plural(h.n, 'snapshot'))
       || char(10) || printf('%d new entries during the recording, %.0f a minute, no snapshot with more than %.0f%% of them; closed first by the %s side',
              h.births, h.per_min, 100.0 * h.max_b / max(h.births, 1), h.closer)
       || char(10) || CASE WHEN h.process_id IS NULL THEN 'no local process was seen with a connection to that service in flight: take snapshots more often or capture packets (--pcap)'
                      WHEN h.via = 'fd churn' THEN printf('no connection to that service was caught in a snapshot; blamed on the process with the most short-lived socket fds (%d sockets opened and closed between the table read and the fd walk), the listener excluded: a guess, record with --pcap or a shorter interval to confirm',
                                  h.churn_fds)
                      ELSE printf('blamed on the process that opens them: %d of its connections to that service seen in snapshots, %d in captured packets (the listener is not blamed)',
                                  h.socks, h.conns) END AS evidence,
       printf('SELECT snapshot_id, count(*) FROM v_socket_snapshots WHERE state = ''TIME_WAIT'' AND ((remote_addr = ''%s'' AND remote_port = %d) OR (local_addr = ''%s'' AND local_port = %d)) GROUP BY 1 ORDER BY 1',
              h.svc_addr, h.svc_port, h.svc_addr, h.svc_port) AS sql,
       printf('%s opens a new connection per request to %s:%d and closes it (keep-alives off, or a new client per request).'
              || ' Reuse one long-lived client with keep-alives (in Go: one http.Client and Transport for the process,'
              || ' without DisableKeepAlives) or a connection pool. Every closed connection keeps its port in TIME_WAIT for 60 s.',
              coalesce(p.comm, 'The client'), h.svc_addr, h.svc_port) AS remedy
FROM h LEFT JOIN processes p ON p.id = h.process_id
WHERE (h.closer = 'client' OR h.cli_local) AND (h.sustained OR (h.n <= 2 AND h.max_tw >= 1000))
ORDER BY h.svc_port, h.svc_addr
