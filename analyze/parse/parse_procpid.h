/*
 * parse_procpid: per-process files from /proc/PID, as captured by the
 * collector, and the collector's own fd listing.
 *
 * Input is the whole file (buf, len), never assumed NUL-terminated. The
 * per-process parsers fill a caller-owned struct (no allocation; strings are
 * fixed arrays inside the struct, truncated if the input is longer) and
 * report suspect input through sink->warn when sink and warn are non-NULL
 * (sink may be NULL). Numbers the input does not give are SM_NONE.
 */
#ifndef SM_PARSE_PROCPID_H
#define SM_PARSE_PROCPID_H

#include <stddef.h>
#include <stdint.h>

#include "rows.h"

/* Room for a kernel task name: 15 bytes for comm, 63 for kworker names. */
#define SM_PROC_NAME_MAX 128
/* Levels of PID namespace kept from NSpid (the kernel allows 32). */
#define SM_PROC_NSPID_MAX 8
/*
 * parse_procpid_limits: an "unlimited" soft or hard limit (also any finite
 * limit of INT64_MAX or more, which is the same thing in practice).
 */
#define SM_LIMIT_UNLIMITED INT64_MAX

/* /proc/PID/status. */
struct sm_proc_status {
	char name[SM_PROC_NAME_MAX];  /* "Name:" as printed (the kernel escapes
	                                 '\n' and '\\'; other control bytes
	                                 become '?'); "" if absent */
	char state;                   /* 'R', 'S', 'D', 'Z', ... or 0 if absent */
	int64_t pid, ppid;
	int64_t uid_real, uid_effective;
	int64_t threads;
	int64_t vmrss_kb;             /* SM_NONE for kernel threads */
	int64_t fdsize;               /* fd table slots, not open fds */
	int64_t nspid[SM_PROC_NSPID_MAX]; /* outermost first; [0] == pid */
	size_t nspid_count;           /* 0 when the kernel (< 4.1) has no NSpid */
};

/*
 * Returns 0 (fields not found are SM_NONE or empty, bad ones warned about),
 * -1 when neither Name nor Pid is present (not a status file).
 */
int parse_procpid_status(const char *buf, size_t len, struct sm_proc_status *out,
			 const struct sm_sink *sink);

/* /proc/PID/limits, "Max open files" (RLIMIT_NOFILE). */
struct sm_proc_limits {
	int64_t nofile_soft;          /* SM_LIMIT_UNLIMITED, SM_NONE if absent */
	int64_t nofile_hard;
};

/* Returns 0, or -1 when there is no "Max open files" row or it is malformed. */
int parse_procpid_limits(const char *buf, size_t len, struct sm_proc_limits *out,
			 const struct sm_sink *sink);

/* /proc/PID/stat (fields numbered as in proc(5)). */
struct sm_proc_stat {
	int64_t pid;                  /* (1) */
	char comm[SM_PROC_NAME_MAX];  /* (2) without the parentheses; may hold
	                                 spaces and parens; control bytes
	                                 (a newline) become '?' */
	char state;                   /* (3) */
	int64_t ppid;                 /* (4) */
	int64_t num_threads;          /* (20) */
	int64_t starttime;            /* (22) clock ticks after boot */
	int64_t rss_pages;            /* (24) */
};

/*
 * Returns 0 when pid, comm and state were read (later fields missing or bad
 * are SM_NONE, with a warning), -1 otherwise.
 */
int parse_procpid_stat(const char *buf, size_t len, struct sm_proc_stat *out,
		       const struct sm_sink *sink);

/*
 * /proc/PID/cmdline: NUL-separated argv joined by single spaces, written to
 * out (always NUL-terminated when outsz > 0, truncated to fit). Trailing
 * NULs are dropped (setproctitle pads with them); control bytes become '?'.
 * Returns the length of the full result, so a return >= outsz means out
 * was truncated (snprintf's convention).
 */
size_t parse_procpid_cmdline(const char *buf, size_t len, char *out, size_t outsz);

/*
 * The collector's fd listing, one line per fd: "FD<TAB>TARGET" where TARGET
 * is readlink(/proc/PID/fd/FD), or "FD<TAB>!ERRNAME" when readlink failed.
 * Emits one sm_fd_row per fd (pid as given, fd and fd_text from FD, target
 * verbatim) with type:
 *   "socket" socket:[N] (inode = N)   "pipe"  pipe:[N]
 *   "anon"   anon_inode:...           "file"  an absolute path
 *   "other"  anything else, including "!ERRNAME" (target keeps the '!')
 * Blank lines are ignored; other bad lines are warned about and skipped.
 * Returns 0, the callback's non-zero value, or -1 when there were non-blank
 * lines and none of them was a valid entry.
 */
int parse_fd_listing(const char *buf, size_t len, int64_t pid, const struct sm_sink *sink);

#endif
