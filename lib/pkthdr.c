/*
 * pkthdr: header length of a captured frame; see pkthdr.h.
 * Layouts: Ethernet II (+802.1Q/802.1ad tags), Linux cooked v1 (16 bytes,
 * protocol at 14) and v2 (20 bytes, protocol at 0), BSD loopback (4-byte
 * family), raw IP; IPv4 (IHL), IPv6 (extension header chain), TCP (data
 * offset), UDP (8).
 */
#include "pkthdr.h"

#include <stdint.h>

#define UNKNOWN_KEEP 64

static size_t clamp(size_t n, size_t caplen)
{
	return n < caplen ? n : caplen;
}

/* Offset of the IP header and its version (4/6), or 0 version if none. */
static size_t link_len(int dlt, const unsigned char *f, size_t caplen, int *ipver)
{
	size_t off;
	unsigned type;

	*ipver = 0;
	switch (dlt) {
	case PKT_DLT_EN10MB:
		if (caplen < 14)
			return caplen;
		off = 12;
		type = (unsigned)f[off] << 8 | f[off + 1];
		while ((type == 0x8100 || type == 0x88a8) && off + 6 <= caplen) {
			off += 4;
			type = (unsigned)f[off] << 8 | f[off + 1];
		}
		off += 2;
		*ipver = type == 0x0800 ? 4 : type == 0x86dd ? 6 : 0;
		return off;
	case PKT_DLT_LINUX_SLL:
		if (caplen < 16)
			return caplen;
		type = (unsigned)f[14] << 8 | f[15];
		*ipver = type == 0x0800 ? 4 : type == 0x86dd ? 6 : 0;
		return 16;
	case PKT_DLT_LINUX_SLL2:
		if (caplen < 20)
			return caplen;
		type = (unsigned)f[0] << 8 | f[1];
		*ipver = type == 0x0800 ? 4 : type == 0x86dd ? 6 : 0;
		return 20;
	case PKT_DLT_NULL:
	case PKT_DLT_LOOP:
		if (caplen < 4)
			return caplen;
		off = 4;
		break;
	case PKT_DLT_RAW:
	case PKT_DLT_LINKTYPE_RAW:
	case PKT_DLT_IPV4:
	case PKT_DLT_IPV6:
		off = 0;
		break;
	default:
		return 0;
	}
	if (off < caplen)
		*ipver = f[off] >> 4 == 4 ? 4 : f[off] >> 4 == 6 ? 6 : 0;
	return off;
}

/* Transport header length at off for protocol proto. */
static size_t l4_len(int proto, const unsigned char *f, size_t off, size_t caplen)
{
	if (proto == 6 && off + 13 <= caplen)
		return (size_t)(f[off + 12] >> 4) * 4;
	if (proto == 6)
		return 20;
	if (proto == 17)
		return 8;
	return 8;   /* ICMP and others: type, code, checksum, id/seq */
}

static size_t ipv6_chain(const unsigned char *f, size_t off, size_t caplen, int *proto)
{
	int next = f[off + 6];

	off += 40;
	/* hop-by-hop 0, routing 43, fragment 44, destination 60 */
	while ((next == 0 || next == 43 || next == 44 || next == 60) && off + 8 <= caplen) {
		size_t len = next == 44 ? 8 : ((size_t)f[off + 1] + 1) * 8;
		next = f[off];
		off += len;
	}
	*proto = next;
	return off;
}

size_t pkthdr_ip_offset(int dlt, const unsigned char *frame, size_t caplen, int *ipver)
{
	return link_len(dlt, frame, caplen, ipver);
}

size_t pkthdr_len(int dlt, const unsigned char *f, size_t caplen)
{
	int ipver, proto;
	size_t off = link_len(dlt, f, caplen, &ipver);

	if (!ipver || off >= caplen)
		return clamp(off + UNKNOWN_KEEP, caplen);
	if (ipver == 4) {
		if (off + 20 > caplen)
			return caplen;
		proto = f[off + 9];
		/* A later fragment carries no transport header. */
		if (((unsigned)(f[off + 6] & 0x1f) << 8 | f[off + 7]) != 0)
			return clamp(off + (size_t)(f[off] & 0x0f) * 4, caplen);
		off += (size_t)(f[off] & 0x0f) * 4;
	} else {
		if (off + 40 > caplen)
			return caplen;
		off = ipv6_chain(f, off, caplen, &proto);
	}
	return clamp(off + l4_len(proto, f, off, caplen), caplen);
}
