/*
 * ingest_pcap: packet-capture evidence into the database (tables
 * captures, tcp_conns, close_delays; schema/README.md). Knows SQL, not
 * the capture format: load_pcap.c decodes and tracks, then writes here.
 *
 *   ingest_capture_begin   one per capture file or bundle segment
 *     ingest_tcp_conn      each connection the tracker emits
 *   ingest_capture_end     the capture's counts
 *   ingest_capture_drops   a bundle segment's kernel drop counts (its .json)
 *   ingest_pcap_tie        after the source's snapshots: sockets and pids
 *   ingest_close_delays    after the tie: fixed-delay close clusters
 *
 * Errors: -1 with ingest_pcap_error() saying what failed (SQLite).
 */
#ifndef SM_INGEST_PCAP_H
#define SM_INGEST_PCAP_H

#include <sqlite3.h>
#include <stdint.h>

#include "tcp_track.h"

struct ingest_capture_info {
	const char *linktype;      /* libpcap's name, NULL if not opened */
	uint64_t packets, tcp, non_tcp, truncated, cut, malformed, wire_bytes;
	int64_t first_ns, last_ns; /* SM_NONE when no packet */
	int read_error;
};

struct ingest_pcap;

/* NULL when the statements cannot be prepared (the schema is missing). */
struct ingest_pcap *ingest_pcap_new(sqlite3 *db);
void ingest_pcap_free(struct ingest_pcap *ip);
const char *ingest_pcap_error(const struct ingest_pcap *ip);

/* A new captures row; returns its id (> 0) or -1. */
int64_t ingest_capture_begin(struct ingest_pcap *ip, int64_t source_id, const char *path);
int ingest_capture_end(struct ingest_pcap *ip, int64_t capture_id, const struct ingest_capture_info *ci);
/* Per-segment figures (SM_NONE: unknown) for the capture at path. */
int ingest_capture_drops(struct ingest_pcap *ip, int64_t source_id, const char *path,
			 int64_t kernel_received, int64_t kernel_dropped, int64_t if_dropped,
			 int64_t collector_dropped);
int ingest_tcp_conn(struct ingest_pcap *ip, int64_t source_id, int64_t capture_id, const struct tcp_conn *c);
/* Ties the source's connections to sockets seen in snapshots (any source)
 * by 4-tuple and time, and to the processes owning them. */
int ingest_pcap_tie(struct ingest_pcap *ip, int64_t source_id);
/* A source made of captures only: its time range from theirs. */
int ingest_pcap_source_times(struct ingest_pcap *ip, int64_t source_id);
/* Finds fixed-delay close clusters among the source's connections. */
int ingest_close_delays(struct ingest_pcap *ip, int64_t source_id);

#endif
