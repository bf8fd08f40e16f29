/*
 * parse_pcap: TCP segments out of a packet capture (pcap, any byte order,
 * micro- or nanosecond; pcapng), decoded with libpcap's savefile reader.
 *
 * One sm_packet_row per TCP segment goes to sink->packet (strings borrowed
 * for the callback only, see rows.h); every other record is counted in
 * struct pcap_stats_out. Link types: Ethernet (with 802.1Q/802.1ad tags),
 * Linux cooked v1 and v2, BSD loopback (DLT_NULL, DLT_LOOP), raw IP
 * (DLT_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6). IPv4 with options and fragments,
 * IPv6 with extension headers; TCP payload lengths come from the IP
 * lengths, so a capture cut to headers only still reports them.
 *
 * Warnings (sink->warn): `line` is the byte offset in the capture where the
 * record ends (the start of the next record), the message names the 0-based
 * packet index. At most PCAP_MAX_WARN warnings per parse, then one saying
 * how many more were suppressed; the counts in pcap_stats_out are complete.
 *
 * Return: 0 when the capture was read to its end or to a corrupt record
 * (then st->read_error is set and a warning says where; every row before it
 * was emitted); the callback's non-zero value if sink->packet stopped the
 * parse; -1 when the input is not a capture libpcap can open (empty,
 * garbage, a truncated file header) or its link type is not one of the
 * above (a warning names it).
 */
#ifndef SM_PARSE_PCAP_H
#define SM_PARSE_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rows.h"

#define PCAP_MAX_WARN 50

struct pcap_stats_out {
	int linktype;          /* DLT_ value libpcap reports, -1 if not opened */
	int swapped;           /* file written in the other byte order */
	int read_error;        /* stopped on a corrupt or truncated record */
	uint64_t packets;      /* records read */
	uint64_t tcp;          /* TCP segments emitted (rows) */
	uint64_t non_tcp;      /* well-formed records that are not TCP: ARP,
				  ICMP, UDP, non-first fragments... */
	uint64_t fragments;    /* of non_tcp: IPv4/IPv6 non-first fragments */
	uint64_t truncated;    /* records with caplen < wire length (any kind) */
	uint64_t cut;          /* skipped: captured bytes end before the fixed
				  20-byte TCP header (snaplen too small) */
	uint64_t malformed;    /* skipped: headers that contradict themselves */
	uint64_t wire_bytes;   /* sum of wire lengths */
	int64_t first_ns;      /* first and last record time, SM_NONE if none */
	int64_t last_ns;
};

/*
 * Decode a capture held in memory: buf need not be NUL-terminated and is
 * not modified. st may be NULL; it is reset first.
 */
int parse_pcap(const char *buf, size_t len, const struct sm_sink *sink,
	       struct pcap_stats_out *st);

/*
 * Decode a capture read from f (a file or a pipe, from its current
 * position). f is consumed: it is closed in every case, because libpcap
 * closes the stream it reads.
 */
int parse_pcap_fp(FILE *f, const struct sm_sink *sink, struct pcap_stats_out *st);

/* libpcap's name of a link type ("EN10MB", "LINUX_SLL2"); NULL if unknown. */
const char *parse_pcap_linktype_name(int linktype);

#endif
