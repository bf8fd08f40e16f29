/*
 * load_pcap: packet captures into the database. A bundle's segments
 * (pcap/seg-NNNNNN.pcap and its .json, written between snapshots) feed
 * one tracker per bundle, so a connection that spans segments is one
 * connection; a loose .pcap/.pcapng file is a source of its own (kind
 * "pcap"), streamed from disk, never held whole in memory.
 *
 * After the last segment, load_pcap_finish emits the connections still
 * open, ties every connection to the sockets and processes the snapshots
 * saw (by 4-tuple and time), and finds fixed-delay close clusters.
 *
 * Errors: -1 means a database error (said on ld->msg); a capture that is
 * damaged or not a capture at all is a load note and a warning, and the
 * rest of the bundle still loads.
 */
#ifndef SM_LOAD_PCAP_H
#define SM_LOAD_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "load.h"

struct load_pcap;

/* State for one source (a bundle); NULL if the database lacks the tables. */
struct load_pcap *load_pcap_new(struct load *ld, int64_t source_id);
/* A bundle member under pcap/: a segment (.pcap) or its stats (.json). */
int load_pcap_member(struct load_pcap *lp, const char *name, const char *data, size_t len);
/* Emit, tie, cluster. Call once, after the source's snapshots. */
int load_pcap_finish(struct load_pcap *lp);
/* Segments loaded so far. */
uint64_t load_pcap_segments(const struct load_pcap *lp);
void load_pcap_free(struct load_pcap *lp);

/* A loose capture file, streamed: its own source, its own transaction. */
int load_pcap_file(struct load *ld, const char *path);
/* A loose capture held in memory (an archive member). */
int load_pcap_buf(struct load *ld, const char *path, const char *data, size_t len, const char *sha256);

#endif
