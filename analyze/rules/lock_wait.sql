-- rule: lock_wait
-- title: many goroutines blocked on the same lock for minutes (suspected deadlock)
-- uses: goroutines
-- remedy: find the goroutine that holds the lock and is itself blocked (on IO,
--   a channel, or the same lock taken again); never hold a lock across IO or
--   across a call that may take the same lock.
-- why: Go's sync.RWMutex blocks new readers as soon as a writer waits, so a
--   goroutine that holds RLock and calls RLock again (defer RUnlock inside a
--   loop, a method that calls another RLock-ing method) deadlocks with the
--   writer: waiters in (*RWMutex).Lock plus many in RLock is that signature.
--   Fires on >= 10 goroutines waiting on locks for >= 1 minute, or showing
--   that RWMutex signature, or >= 100 when the dump has no wait times
--   (debug=1), in the process's latest dump.
WITH last AS (
    SELECT pkey, max(id) AS dump_id, count(*) AS dumps FROM rule_dumps GROUP BY pkey
), g AS (
    SELECT l.pkey, v.* FROM last l JOIN v_stack_groups v ON v.dump_id = l.dump_id WHERE v.wait_kind = 'lock'
), per_lock AS (
    SELECT pkey, dump_id, lock_func, sum(goroutines) AS n, max(coalesce(max_wait_minutes, 0)) AS minutes,
           (SELECT x.app_func || ' (' || x.app_file || ':' || x.app_line || ')' FROM g x
             WHERE x.pkey = g.pkey AND x.lock_func IS g.lock_func AND x.app_func IS NOT NULL
             ORDER BY x.goroutines DESC LIMIT 1) AS where_
    FROM g GROUP BY pkey, lock_func
), rw AS (      -- the RWMutex signature: a writer waiting while readers pile up
    SELECT pkey, sum(CASE WHEN lock_func = 'sync.(*RWMutex).Lock' THEN n END) AS writers,
           sum(CASE WHEN lock_func = 'sync.(*RWMutex).RLock' THEN n END) AS readers,
           max(CASE WHEN lock_func = 'sync.(*RWMutex).RLock' THEN where_ END) AS reader_at,
           max(CASE WHEN lock_func = 'sync.(*RWMutex).Lock' THEN where_ END) AS writer_at
    FROM per_lock GROUP BY pkey
), top AS (
    SELECT p.*, row_number() OVER (PARTITION BY p.pkey ORDER BY p.n DESC) AS rk,
           (SELECT sum(n) FROM per_lock q WHERE q.pkey = p.pkey) AS total
    FROM per_lock p
), h AS (
    SELECT t.*, d.process_id, d.pid, d.comm AS dump_comm, d.wall_ns, d.kind, (SELECT dumps FROM last WHERE last.pkey = t.pkey) AS dumps, r.writers, r.readers, r.reader_at, r.writer_at,
           (coalesce(r.writers, 0) > 0 AND coalesce(r.readers, 0) > 0) AS rw_sig,
           (SELECT count(*) FROM rule_dumps x JOIN v_stack_groups y ON y.dump_id = x.id
             WHERE x.pkey = t.pkey AND x.id <> t.dump_id AND y.wait_kind = 'lock') AS earlier_groups
    FROM top t JOIN dumps d ON d.id = t.dump_id JOIN rw r ON r.pkey = t.pkey
    WHERE t.rk = 1
)
SELECT h.process_id, coalesce(p.pid, h.pid) AS pid, coalesce(p.comm, h.dump_comm) AS comm, h.wall_ns AS start_ns,
       h.wall_ns AS end_ns,
       CASE WHEN h.minutes >= 5 OR h.total >= 100 THEN 'high' ELSE 'medium' END AS severity,
       min(0.95, 0.5 + 0.2 * (h.minutes >= 1) + 0.15 * h.rw_sig + 0.1 * (h.earlier_groups > 0)) AS confidence,
       printf('%d goroutines of %s are blocked on %s%s%s.', h.total,
              coalesce(p.comm || ' (pid ' || p.pid || ')', coalesce(h.dump_comm, 'a Go process') || coalesce(' (pid ' || h.pid || ')', '')),
              CASE WHEN h.rw_sig THEN 'one sync.RWMutex' ELSE coalesce(h.lock_func, 'a lock') END,
              CASE WHEN h.minutes > 0 THEN printf(' for up to %d min', h.minutes) ELSE '' END,
              CASE WHEN h.rw_sig THEN printf(': %s %s behind %s; the read lock is re-entered at %s while a writer waits (deadlock)',
                                             plural(h.readers, 'reader'), CASE WHEN h.readers = 1 THEN 'waits' ELSE 'wait' END,
                                             plural(h.writers, 'writer'), coalesce(h.reader_at, '?'))
                   ELSE ' at ' || coalesce(h.where_, '?') END) AS summary,
       json_object('goroutines_on_locks', h.total, 'top_lock_func', h.lock_func, 'top_lock_goroutines', h.n,
                   'max_wait_minutes', h.minutes, 'rwmutex_writers', h.writers, 'rwmutex_readers', h.readers,
                   'reader_frame', h.reader_at, 'writer_frame', h.writer_at, 'where', h.where_,
                   'dump_id', h.dump_id, 'dump_kind', h.kind, 'dumps', h.dumps) AS figures,
       (SELECT group_concat(line, char(10)) FROM (SELECT printf('%s in %s at %s, up to %d min', plural(q.n, 'goroutine'),
               coalesce(q.lock_func, '?'), coalesce(q.where_, '?'), q.minutes) AS line
               FROM per_lock q WHERE q.pkey = h.pkey ORDER BY q.n DESC LIMIT 5))
       || CASE WHEN h.earlier_groups > 0 THEN char(10) || 'earlier dumps of this process show goroutines on locks too' ELSE '' END AS evidence,
       printf('SELECT goroutines, lock_func, app_func, app_file, app_line, max_wait_minutes FROM v_stack_groups WHERE dump_id = %d AND wait_kind = ''lock'' ORDER BY goroutines DESC',
              h.dump_id) AS sql,
       CASE WHEN h.rw_sig THEN printf('%s takes the read lock again while already holding it (e.g. defer RUnlock() inside a loop, or a method'
                 || ' holding RLock calling another that RLocks); once a writer (%s) waits, Go''s RWMutex blocks every new reader,'
                 || ' so the holder never gets its second RLock and the writer never gets the lock. Release the read lock before'
                 || ' re-entering (no defer inside loops), or split the code into locked and already-locked variants.',
                 coalesce(h.reader_at, 'The code'), coalesce(h.writer_at, 'a writer')) END AS remedy
FROM h LEFT JOIN processes p ON p.id = h.process_id
WHERE (h.total >= 10 AND (h.minutes >= 1 OR h.rw_sig)) OR h.total >= 100
ORDER BY h.pkey
