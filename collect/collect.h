/*
 * collect.h: the collector's options and run context, shared by its
 * modules. collect/ never includes analyze/ headers and vice versa; both
 * use lib/.
 */
#ifndef SM_COLLECT_H
#define SM_COLLECT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bundle_writer.h"
#include "guard.h"
#include "strbuf.h"

#define BUNDLE_FORMAT "sockmortem-bundle"
#define BUNDLE_FORMAT_VERSION 1

struct collect_options {
	const char *output;
	int force;
	uint64_t interval_us;
	uint64_t duration_us;     /* 0 = not set */
	uint64_t count;           /* 0 = not set */
	pid_t *pids;
	size_t npids;
	char **comms;
	size_t ncomms;
	int with_tools;
	unsigned tools_every;     /* tools on every Nth snapshot (and first, last) */
	unsigned tool_timeout_ms;
	int allow_modload;
	unsigned read_timeout_ms; /* guarded /proc reads */
	uint64_t max_size;
	int level;
	int sync;
	int quiet;
	int kthreads;             /* include kernel threads */
	int no_nice;
	char **attach;            /* --attach FILE */
	size_t nattach;
	struct pprof *pprof;      /* --pprof targets (NULL if none) */
	unsigned pprof_every;
	uint64_t pprof_debug2_max;
	unsigned pprof_timeout_ms;
	uint64_t pprof_max_body;
	const char *pcap_filter;  /* --pcap (NULL: no capture) */
	const char *pcap_iface;
	unsigned pcap_snaplen;
	int pcap_payload;
	uint64_t pcap_segment;
	int redact;               /* --redact: secrets out of argv and text */
	int redact_ips;           /* --redact-ips: IP addresses pseudonymised too */
};

struct clock_set {
	int64_t wall_ns;
	int64_t mono_ns;
	int64_t boot_ns;
};

struct collector {
	const struct collect_options *opt;
	struct bundle_writer *bw;
	struct guard *guard;
	volatile sig_atomic_t *stop;
	uint64_t snapshots;       /* finished so far */
	uint64_t host_netns;      /* the collector's own net namespace inode */
	uint64_t errors_total;
	int cut;                  /* the bundle hit --max-size */
	struct capture *capture;  /* --pcap, when it could start */
	char capture_error[512];  /* why it could not */
	struct redact *redact;    /* --redact: the bundle's key (NULL without) */
};

/* A record of what could not be read in one snapshot. */
struct snap_log {
	struct strbuf errors;     /* TSV: path, error, detail */
	uint64_t nerrors;
	struct strbuf steps;      /* JSON array items */
	int nsteps;
};

void clock_now(struct clock_set *c);
/* The monotonic clock in microseconds: deadlines and durations. */
uint64_t clock_mono_us(void);
void clock_json(struct strbuf *sb, const char *key, const struct clock_set *c, int first);

void snap_log_error(struct snap_log *log, const char *path, int err, const char *detail);

/* hostinfo.c: the manifest, once, first in the bundle. */
int hostinfo_write_manifest(struct collector *c, int argc, char **argv);
uint64_t netns_inode_at(int dirfd, const char *link);

/* proc_scan.c: per-process part of a snapshot. */
struct proc_scan_stats {
	uint64_t processes;
	uint64_t fds;
	uint64_t exited;
	uint64_t denied;
	uint64_t timeouts;
};
struct netns_set {
	uint64_t *ino;
	pid_t *pid;            /* one process inside each namespace */
	size_t n, alloc;
};
int proc_scan(struct collector *c, const char *prefix, int64_t mtime, struct snap_log *log,
	      struct netns_set *ns, struct proc_scan_stats *st);
void netns_set_free(struct netns_set *ns);

/* attach.c: --attach files, once, after the manifest. */
int attach_files(struct collector *c);

/* snapshot.c */
int snapshot_take(struct collector *c, int with_tools);
/* Streams a file into a bundle member; records failures in log. */
int snap_copy_file(struct collector *c, struct snap_log *log, int dirfd, const char *name,
		   const char *member, const char *logpath, int64_t mtime, size_t max);

#endif
