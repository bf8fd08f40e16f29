/*
 * pkthdr: how many bytes of a captured frame are headers (link + IP + TCP
 * or UDP), so the collector can keep headers and drop payload: a fixed
 * snaplen cannot, since header sizes vary (IPv6 extension headers, TCP
 * options) and a snaplen that always fits the headers also keeps the first
 * bytes of small-header packets' payload — user data that must not travel
 * on a ticket.
 */
#ifndef SM_PKTHDR_H
#define SM_PKTHDR_H

#include <stddef.h>

/* DLT values we understand (pcap/dlt.h numbering). */
#define PKT_DLT_NULL 0
#define PKT_DLT_EN10MB 1
#define PKT_DLT_RAW 12        /* Linux's DLT_RAW value is 12 in pcap files: LINKTYPE_RAW is 101 */
#define PKT_DLT_LOOP 108
#define PKT_DLT_LINUX_SLL 113
#define PKT_DLT_LINKTYPE_RAW 101
#define PKT_DLT_LINUX_SLL2 276
#define PKT_DLT_IPV4 228
#define PKT_DLT_IPV6 229

/*
 * Length of the headers at the start of frame (caplen bytes captured) for
 * link type dlt; for a non-IP or unparseable frame, the link header plus
 * at most 64 bytes (enough to tell what it was). Never more than caplen.
 */
size_t pkthdr_len(int dlt, const unsigned char *frame, size_t caplen);

/*
 * Offset of the IP header in frame and its version in *ipver (4 or 6; 0
 * when the frame is not IP or too short to say). For a link type not
 * listed above, 0 with *ipver 0.
 */
size_t pkthdr_ip_offset(int dlt, const unsigned char *frame, size_t caplen, int *ipver);

#endif
