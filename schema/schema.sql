-- sockmortem analysis database, schema version 1 (PRAGMA user_version = 1).
-- Documented table by table in schema/README.md. Times are nanoseconds since
-- the Unix epoch (wall clock of the recorded host) unless a column says
-- otherwise. Interval tables hold one row per unchanged stretch, with the
-- first and last snapshot it was seen in: a socket that sits in ESTABLISHED
-- for 700 snapshots is one row, not 700.

CREATE TABLE IF NOT EXISTS sm_meta (
    key   TEXT PRIMARY KEY,
    value TEXT
);

-- One loaded input: a bundle, or a loose capture (lsof, ss, netstat, /proc copy).
CREATE TABLE IF NOT EXISTS sources (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,      -- bundle | lsof | ss | ss-summary | netstat | procnet | ...
    path           TEXT NOT NULL,      -- as given to `load` (inside an archive: archive!member)
    sha256         TEXT NOT NULL UNIQUE,
    host           TEXT,
    boot_id        TEXT,
    kernel         TEXT,
    format_version INTEGER,
    tool_version   TEXT,
    started_ns     INTEGER,
    ended_ns       INTEGER,
    snapshots      INTEGER NOT NULL DEFAULT 0,
    complete       INTEGER NOT NULL DEFAULT 1,  -- 0: cut short (killed, truncated)
    end_reason     TEXT,               -- count | duration | signal | max-size | NULL
    manifest       TEXT,               -- the bundle's manifest.json, verbatim
    loaded_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);

CREATE TABLE IF NOT EXISTS snapshots (
    id          INTEGER PRIMARY KEY,   -- global order: consecutive within a source
    source_id   INTEGER NOT NULL REFERENCES sources(id),
    seq         INTEGER NOT NULL,      -- 1-based within the source
    wall_ns     INTEGER,               -- when the snapshot started
    ended_ns    INTEGER,
    mono_ns     INTEGER,
    host        TEXT,
    boot_id     TEXT,
    processes   INTEGER,
    fds         INTEGER,
    errors      INTEGER,
    complete    INTEGER NOT NULL DEFAULT 1,
    UNIQUE (source_id, seq)
);

-- A process is (boot id, pid, start time): pids are reused.
CREATE TABLE IF NOT EXISTS processes (
    id             INTEGER PRIMARY KEY,
    boot_id        TEXT,
    pid            INTEGER NOT NULL,
    start_ticks    INTEGER,            -- /proc/PID/stat field 22 (clock ticks since boot)
    comm           TEXT,
    cmdline        TEXT,
    uid            INTEGER,
    netns          INTEGER,
    first_snapshot INTEGER NOT NULL,
    last_snapshot  INTEGER NOT NULL,
    UNIQUE (boot_id, pid, start_ticks)
);

-- Per process per snapshot: the figures that change every time.
CREATE TABLE IF NOT EXISTS process_samples (
    snapshot_id  INTEGER NOT NULL,
    process_id   INTEGER NOT NULL,
    state        TEXT,                 -- R S D Z ...
    threads      INTEGER,
    rss_kb       INTEGER,
    fd_count     INTEGER,              -- NULL when the fd table was unreadable
    socket_fds   INTEGER,
    nofile_soft  INTEGER,              -- RLIMIT_NOFILE; -1 = unlimited
    nofile_hard  INTEGER,
    PRIMARY KEY (snapshot_id, process_id)
) WITHOUT ROWID;

-- A socket identity: its inode while it has one; TIME_WAIT and other
-- inode-less minisockets by (proto, netns, 4-tuple).
CREATE TABLE IF NOT EXISTS sockets (
    id             INTEGER PRIMARY KEY,
    source_id      INTEGER NOT NULL,
    netns          INTEGER,
    proto          TEXT NOT NULL,      -- tcp tcp6 udp udp6 raw raw6 unix netlink packet ...
    inode          INTEGER,            -- 0: none (TIME_WAIT, orphaned FIN_WAIT2)
    local_addr     TEXT,
    local_port     INTEGER,
    remote_addr    TEXT,
    remote_port    INTEGER,
    unix_path      TEXT,
    uid            INTEGER,
    first_snapshot INTEGER NOT NULL,
    last_snapshot  INTEGER NOT NULL
);

-- Socket state intervals: consecutive rows of one socket are its transitions.
CREATE TABLE IF NOT EXISTS socket_states (
    socket_id      INTEGER NOT NULL,
    state          TEXT,
    first_snapshot INTEGER NOT NULL,
    last_snapshot  INTEGER NOT NULL,
    tx_queue       INTEGER,            -- at the last snapshot of the interval
    rx_queue       INTEGER,
    tx_queue_max   INTEGER,
    rx_queue_max   INTEGER,
    timer          INTEGER,            -- /proc tr: 0 none 1 retransmit 2 keepalive 3 TIME_WAIT 4 probe
    retransmits    INTEGER,            -- maximum seen in the interval
    PRIMARY KEY (socket_id, first_snapshot)
) WITHOUT ROWID;

-- fd table intervals: process, fd number and what it pointed at.
CREATE TABLE IF NOT EXISTS fds (
    process_id     INTEGER NOT NULL,
    fd             INTEGER NOT NULL,
    target         TEXT,
    type           TEXT,               -- socket pipe anon file other error
    inode          INTEGER,            -- socket inode for type = 'socket'
    first_snapshot INTEGER NOT NULL,
    last_snapshot  INTEGER NOT NULL,
    socket_id      INTEGER,            -- set when the source named the socket but no inode (ss -p, netstat -p)
    PRIMARY KEY (process_id, fd, first_snapshot)
) WITHOUT ROWID;

-- Socket fds whose inode is in no protocol table of their network
-- namespace: what old lsof calls "can't identify protocol".
CREATE TABLE IF NOT EXISTS orphan_fds (
    process_id     INTEGER NOT NULL,
    fd             INTEGER NOT NULL,
    inode          INTEGER NOT NULL,
    first_snapshot INTEGER NOT NULL,
    last_snapshot  INTEGER NOT NULL,
    PRIMARY KEY (process_id, fd, first_snapshot)
) WITHOUT ROWID;

-- Both ends of a connection on the same host and namespace.
CREATE TABLE IF NOT EXISTS socket_peers (
    socket_id      INTEGER NOT NULL,
    peer_id        INTEGER NOT NULL,
    first_snapshot INTEGER NOT NULL,
    last_snapshot  INTEGER NOT NULL,
    PRIMARY KEY (socket_id, peer_id)
) WITHOUT ROWID;

-- Host counters: sockstat, netstat (TcpExt), snmp, ss -s.
CREATE TABLE IF NOT EXISTS counters (
    snapshot_id INTEGER NOT NULL,
    netns       INTEGER,
    grp         TEXT NOT NULL,
    name        TEXT NOT NULL,
    value       INTEGER,
    PRIMARY KEY (snapshot_id, netns, grp, name)
) WITHOUT ROWID;

-- What the collector could not read (errors.tsv) and how its steps went.
CREATE TABLE IF NOT EXISTS collection_errors (
    snapshot_id INTEGER NOT NULL,
    path        TEXT,
    error       TEXT,
    detail      TEXT
);

CREATE TABLE IF NOT EXISTS collection_steps (
    snapshot_id INTEGER NOT NULL,
    step        TEXT,
    name        TEXT,
    outcome     TEXT,
    duration_us INTEGER,
    detail      TEXT                   -- the step's JSON, verbatim
);

-- What the loader skipped or doubted: unknown members, bad lines, cuts.
CREATE TABLE IF NOT EXISTS load_notes (
    source_id INTEGER,
    path      TEXT,
    line      INTEGER,                 -- line, or byte offset for binary input
    severity  TEXT,                    -- info | warning | error
    message   TEXT
);

-- Go goroutine evidence. A dump is one capture of one process's
-- goroutines (pprof debug=1, debug=2, debug=0 protobuf, goroutineleak, or
-- a panic/SIGQUIT trace); stacks are deduplicated by their function
-- sequence, so storage grows with distinct stacks, not goroutines.
CREATE TABLE IF NOT EXISTS dumps (
    id          INTEGER PRIMARY KEY,
    source_id   INTEGER NOT NULL,
    snapshot_id INTEGER,               -- the snapshot it was written with
    process_id  INTEGER,               -- NULL when the dump names no process we know
    pid         INTEGER,
    kind        TEXT NOT NULL,         -- debug1 | debug2 | proto | goroutineleak | trace
    path        TEXT,                  -- bundle member or file
    wall_ns     INTEGER,               -- when it was fetched (or the snapshot/file time)
    total       INTEGER,               -- what the dump says ("total N"), if it says
    goroutines  INTEGER NOT NULL DEFAULT 0,  -- what was parsed (sum of counts)
    truncated   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS stacks (
    id          INTEGER PRIMARY KEY,
    hash        TEXT NOT NULL UNIQUE,  -- of the function sequence
    nframes     INTEGER,
    top_func    TEXT,                  -- innermost frame
    app_func    TEXT,                  -- the application frame nearest the block
    app_file    TEXT,
    app_line    INTEGER,
    wait_kind   TEXT,                  -- lock | netpoll | chan | select | sleep | syscall | running | other
    role        TEXT,                  -- http_client | http_server | grpc_client | grpc_server | NULL
    lock_func   TEXT,                  -- for wait_kind = lock: sync.(*RWMutex).RLock ...
    created_by  TEXT
);

CREATE TABLE IF NOT EXISTS frames (
    stack_id INTEGER NOT NULL,
    depth    INTEGER NOT NULL,         -- 0 = innermost
    func     TEXT,
    file     TEXT,
    line     INTEGER,
    PRIMARY KEY (stack_id, depth)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS goroutines (
    dump_id      INTEGER NOT NULL,
    goid         INTEGER,              -- NULL for aggregated rows (debug1, proto)
    count        INTEGER NOT NULL DEFAULT 1,
    state        TEXT,                 -- "IO wait", "semacquire", ... (NULL if the format has none)
    wait_minutes INTEGER,
    locked       INTEGER,
    stack_id     INTEGER NOT NULL,
    created_by_goid INTEGER,
    labels       TEXT
);
