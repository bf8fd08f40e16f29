-- sockmortem analysis database, schema version 2 (PRAGMA user_version = 2).
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
    last_snapshot  INTEGER NOT NULL,
    -- The same connection's previous identity: a TIME_WAIT (or orphaned
    -- FIN_WAIT2) minisocket has no inode, so it is a new row, linked here to
    -- the inode socket with its 4-tuple that was in the snapshot before and
    -- is gone in the one where this appears. Added after v1 shipped: db.c
    -- adds the column to older databases (ALTER TABLE), so keep it last.
    prev_socket_id INTEGER
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

-- Host counters: sockstat, netstat (TcpExt), snmp, ss -s. One row per run
-- of one value: the counter held `value` in every snapshot from
-- first_snapshot to last_snapshot (v_counters gives one row per snapshot).
CREATE TABLE IF NOT EXISTS counters (
    netns          INTEGER NOT NULL,
    grp            TEXT NOT NULL,
    name           TEXT NOT NULL,
    first_snapshot INTEGER NOT NULL,
    last_snapshot  INTEGER NOT NULL,
    value          INTEGER,
    PRIMARY KEY (grp, name, netns, first_snapshot)
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
    truncated   INTEGER NOT NULL DEFAULT 0,
    -- The program's name where only the dump names it: a log's ident
    -- ("gateway" of "gateway[1466]:") when no capture shows the process.
    -- Added after v2 shipped (db.c adds it to older databases): keep it last.
    comm        TEXT
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

-- History (issue 7). Per snapshot and process, the counts that would
-- otherwise need the interval tables expanded (sockets x snapshots):
-- written by ingest at each snapshot's end, so `trend` over months of
-- bundles reads a few rows per snapshot instead of every socket. The size
-- of process_samples, not of sockets x snapshots; only non-zero counts.
-- process_id 0 = the whole host (every socket in the tables, owned or not).
CREATE TABLE IF NOT EXISTS snapshot_counts (
    snapshot_id INTEGER NOT NULL,
    process_id  INTEGER NOT NULL,      -- 0: the host
    name        TEXT NOT NULL,         -- a tcp state (ESTABLISHED, CLOSE_WAIT, TIME_WAIT, ...),
                                       -- 'tcp' (all tcp), 'sockets' (host: every protocol), 'orphan_fds'
    value       INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, process_id, name)
) WITHOUT ROWID;

-- Regular files `load` has read (bundles, captures; not archive members):
-- loading a directory again skips a file with the same path, size and
-- mtime without reading it, and hashes only the others.
CREATE TABLE IF NOT EXISTS loaded_files (
    path      TEXT PRIMARY KEY,
    size      INTEGER NOT NULL,
    mtime_ns  INTEGER NOT NULL,
    loaded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);

-- Time-range lookups per host (trend --since, timeline start/exit).
CREATE INDEX IF NOT EXISTS snapshots_host_wall ON snapshots(host, wall_ns);
-- A source's first, last and next snapshot (min/max(id) WHERE source_id):
-- v_transitions asks it for every socket interval, the timeline and two
-- rules too; without it each answer scans the source's snapshots (an hour
-- of them: `timeline` 23 s, with it 1.3 s).
CREATE INDEX IF NOT EXISTS snapshots_source ON snapshots(source_id, id);
-- Socket fd -> owner by inode (v_socket_owners, the timeline's owners):
-- without it each lookup scans every fd (timeline of 3,000 sockets x 120
-- snapshots: 17 s, with it 1 s). Socket fds only: others have no inode.
CREATE INDEX IF NOT EXISTS fds_inode ON fds(inode) WHERE inode IS NOT NULL;

-- Packet captures (issue 5): one row per capture file or bundle segment,
-- one per TCP connection seen in them, and the fixed-delay close clusters
-- found among those connections (they feed the peer_timeout_close rule).
CREATE TABLE IF NOT EXISTS captures (
    id             INTEGER PRIMARY KEY,
    source_id      INTEGER NOT NULL,
    path           TEXT NOT NULL,      -- bundle member (pcap/seg-000001.pcap) or file
    linktype       TEXT,               -- libpcap's name: EN10MB LINUX_SLL LINUX_SLL2 NULL RAW ...
    packets        INTEGER NOT NULL DEFAULT 0,
    tcp            INTEGER NOT NULL DEFAULT 0,  -- TCP segments decoded
    non_tcp        INTEGER NOT NULL DEFAULT 0,  -- ARP, ICMP, UDP, non-first fragments
    truncated      INTEGER NOT NULL DEFAULT 0,  -- caplen < wire length (headers-only: all)
    cut            INTEGER NOT NULL DEFAULT 0,  -- skipped: captured bytes end inside the headers
    malformed      INTEGER NOT NULL DEFAULT 0,  -- skipped: headers contradict themselves
    kernel_dropped INTEGER,            -- drops during this segment (pcap_stats); NULL for files
    if_dropped     INTEGER,
    first_ns       INTEGER,
    last_ns        INTEGER,
    kernel_received INTEGER,           -- packets the kernel passed during this segment
    collector_dropped INTEGER,         -- lost by the collector's queue (cumulative)
    read_error     INTEGER NOT NULL DEFAULT 0,  -- the file ended on a corrupt record
    wire_bytes     INTEGER
);

CREATE TABLE IF NOT EXISTS tcp_conns (
    id                  INTEGER PRIMARY KEY,
    capture_id          INTEGER NOT NULL,   -- where its first segment was
    source_id           INTEGER NOT NULL,
    family              INTEGER NOT NULL,   -- 4 | 6
    client_addr         TEXT NOT NULL,      -- the initiator (see init_rule)
    client_port         INTEGER NOT NULL,
    server_addr         TEXT NOT NULL,
    server_port         INTEGER NOT NULL,
    init_rule           TEXT NOT NULL,      -- syn | synack | port | first
    first_ns            INTEGER NOT NULL,
    last_ns             INTEGER NOT NULL,
    syn_ns              INTEGER,
    synack_ns           INTEGER,
    closed_by           TEXT,               -- client | server | NULL: first FIN or RST
    close_kind          TEXT,               -- fin | rst | NULL
    close_ns            INTEGER,
    client_fin_ns       INTEGER,
    server_fin_ns       INTEGER,
    client_rst_ns       INTEGER,
    server_rst_ns       INTEGER,
    client_fin_delay_ms REAL,               -- FIN time minus the last data (either side) before it
    server_fin_delay_ms REAL,
    client_retrans      INTEGER NOT NULL DEFAULT 0,
    server_retrans      INTEGER NOT NULL DEFAULT 0,
    client_zero_windows INTEGER NOT NULL DEFAULT 0,
    server_zero_windows INTEGER NOT NULL DEFAULT 0,
    client_bytes        INTEGER NOT NULL DEFAULT 0,  -- payload, retransmissions included
    server_bytes        INTEGER NOT NULL DEFAULT 0,
    end_reason          TEXT NOT NULL,      -- closed | open | evicted | reused
    client_socket_id    INTEGER,            -- sockets.id of each end, when a snapshot saw it
    server_socket_id    INTEGER,
    client_pid          INTEGER,
    server_pid          INTEGER,
    state               TEXT,               -- syn_sent refused established half_closed closed reset
    client_packets      INTEGER,
    server_packets      INTEGER,
    client_last_data_ns INTEGER,
    server_last_data_ns INTEGER,
    client_process_id   INTEGER,            -- processes.id behind client_pid / server_pid
    server_process_id   INTEGER
);
CREATE INDEX IF NOT EXISTS tcp_conns_source ON tcp_conns(source_id);

CREATE TABLE IF NOT EXISTS close_delays (
    id          INTEGER PRIMARY KEY,
    source_id   INTEGER NOT NULL,
    closer_addr TEXT NOT NULL,
    closer_port INTEGER,               -- the server port when the closer is the server, else NULL
    closer_role TEXT NOT NULL,         -- client | server
    peer_addr   TEXT NOT NULL,
    peer_port   INTEGER,               -- the server port when the closer is the client, else NULL
    delay_ms    REAL NOT NULL,         -- median FIN delay after the last data, in the cluster
    spread_ms   REAL NOT NULL,         -- largest distance of a member from delay_ms
    n           INTEGER NOT NULL,      -- connections in the cluster
    n_total     INTEGER NOT NULL,      -- connections between that closer endpoint and peer
    first_ns    INTEGER,               -- first and last close in the cluster
    last_ns     INTEGER,
    closer_pid  INTEGER,
    peer_pid    INTEGER,
    n_closed    INTEGER,               -- of n_total: closed first by the closer with a FIN after data
    share       REAL,                  -- n / n_closed
    tolerance_ms REAL                  -- half-width used for membership
);
