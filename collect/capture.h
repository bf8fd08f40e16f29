/*
 * capture: --pcap. A thread reads packets with libpcap and appends them,
 * headers only unless --pcap-payload, to an in-memory pcap segment; full
 * segments (--pcap-segment bytes) queue up for the snapshot loop, which
 * writes them into the bundle (pcap/seg-NNNNNN.pcap + .json with the
 * kernel's drop counts) and so counts them against --max-size.
 *
 * Without CAP_NET_RAW, or with a filter that does not compile, capture_open
 * says why and returns NULL: the rest of the collection goes on.
 * Memory is bounded: at most CAPTURE_QUEUE_MAX segments wait; past that,
 * packets are dropped and counted (dropped_by_collector).
 */
#ifndef SM_CAPTURE_H
#define SM_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct collector;
struct snap_log;
struct capture;
struct strbuf;

struct capture_options {
	const char *filter;       /* BPF expression */
	const char *iface;        /* default "any" */
	unsigned snaplen;         /* what libpcap captures */
	int payload;              /* keep payload (up to snaplen) */
	size_t segment;           /* rotate at this many bytes */
};

/* Opens and starts capturing; NULL with *why (static or in why_buf) if not. */
struct capture *capture_open(const struct capture_options *o, char *why_buf, size_t why_len);
/* Writes finished segments (all of them when final) into the bundle. */
int capture_write(struct collector *c, struct capture *cap, int final, struct snap_log *log);
/* Stops the thread (after a last read) and frees. */
void capture_free(struct capture *cap);

#endif
