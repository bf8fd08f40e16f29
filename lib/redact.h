/*
 * redact: takes secrets and, optionally, IP addresses out of bundle
 * members, so that a bundle can go to a vendor. Shared by the collector
 * (sockmortem-collect --redact) and the analyzer (sockmortem export
 * --redact); pure: buffers in, buffers out, no files, no globals.
 *
 * Secrets in command lines (redact_argv): an argument NAME=VALUE or
 * NAME:VALUE whose NAME looks secret (pass, pwd, secret, token, apikey,
 * auth, credential, cookie, session, private, access_key, signature, or
 * exactly "key"; any case, any leading dashes) keeps NAME and has VALUE
 * replaced by "redacted:sha256:XXXXXXXX" (8 hex digits of an HMAC-SHA256
 * under the bundle's key: equal secrets stay equal within one bundle and
 * cannot be tested against a guess without the key, which is never
 * written); an option with such a name and no value ("--password x")
 * has its next argument replaced whole; URLs with credentials keep
 * scheme and host: "https://user:pw@host/" -> "https://redacted:sha256:
 * XXXXXXXX@host/"; query parameters (?token=...) follow the NAME=VALUE rule.
 *
 * IP addresses (with ips set): each address maps to a stable pseudonym
 * under the key, a bijection (no two addresses share a pseudonym) that
 * keeps the family, the first octet of IPv4 (10.x stays 10.x: private
 * stays private) and the first 16 bits of IPv6; unspecified, loopback,
 * multicast and reserved addresses (0/8, 127/8, 224/3, ::, ::1, ff00::/8)
 * are kept; ::ffff:a.b.c.d maps its IPv4 part like a.b.c.d. Ports are
 * never changed.
 */
#ifndef SM_REDACT_H
#define SM_REDACT_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define REDACT_KEY_LEN 32
#define REDACT_PREFIX "redacted:sha256:"

struct redact {
	unsigned char key[REDACT_KEY_LEN];
	int ips;                  /* also map IP addresses */
	int big_endian;           /* /proc/net hex addresses from a big-endian host */
};

/* Fills key from the kernel's random source; 0, or -1 if none could be had. */
int redact_random_key(unsigned char key[REDACT_KEY_LEN]);
/* A public name for the key, 16 hex digits of SHA-256(key), for manifests. */
void redact_key_id(const struct redact *r, char out[17]);

/* Does this argument name (dashes and all) look like it holds a secret? */
int redact_secret_name(const char *name, size_t len);
/*
 * argv as /proc/PID/cmdline holds it: NUL-separated (and usually
 * NUL-terminated) arguments. Appends the redacted form to out, same shape.
 */
void redact_argv(const struct redact *r, const char *buf, size_t len, struct strbuf *out);
/* The same for a vector; each result goes to out[i] (caller frees). */
void redact_argv_vec(const struct redact *r, int argc, char *const *argv, char **out);
/*
 * Free text (tool output, JSON, logs): URL credentials and NAME=VALUE
 * secrets are redacted; with r->ips, every IPv4 and IPv6 address written
 * out in text is mapped (bracketed or not; "addr:port" and BSD "addr.port"
 * keep their port).
 */
void redact_text(const struct redact *r, const char *buf, size_t len, struct strbuf *out);
/* Only the addresses of free text (whatever r->ips says). */
void redact_text_ips(const struct redact *r, const char *buf, size_t len, struct strbuf *out);
/*
 * /proc/net/{tcp,tcp6,udp,udp6,udplite,udplite6,raw,raw6,icmp,icmp6}: the
 * hex "ADDR:PORT" columns are mapped (with r->ips; else copied).
 */
void redact_procnet(const struct redact *r, const char *buf, size_t len, struct strbuf *out);
/*
 * A classic pcap file (either byte order, micro or nano): IPv4 and IPv6
 * source and destination of every Ethernet, Linux cooked, loopback or raw
 * IP record are mapped in place, and the IPv4 header, TCP and UDP
 * checksums updated to match (RFC 1624), so they stay right wherever they
 * were right. Returns 0, or -1 when buf is not a pcap file it can rewrite
 * (pcapng, another link type): the caller must then drop it.
 */
int redact_pcap(const struct redact *r, unsigned char *buf, size_t len);

/* Address maps, in network byte order. */
void redact_ip4(const struct redact *r, const unsigned char in[4], unsigned char out[4]);
void redact_ip6(const struct redact *r, const unsigned char in[16], unsigned char out[16]);

/* How a bundle member is redacted, by its name in the bundle. */
enum redact_kind {
	REDACT_COPY,          /* nothing to redact: copied as is */
	REDACT_ARGV,          /* proc/PID/cmdline */
	REDACT_PROCNET,       /* hex address tables: IPs only */
	REDACT_TEXT,          /* tool output, JSON indexes, errors */
	REDACT_PCAP,          /* a capture segment */
};
enum redact_kind redact_member_kind(const struct redact *r, const char *name);
/*
 * Redacts a whole member by kind, appending to out. Returns 0, or -1 when
 * the member cannot be redacted and must be left out (a capture that is
 * not classic pcap).
 */
int redact_member(const struct redact *r, enum redact_kind kind, const char *buf, size_t len,
		  struct strbuf *out);

#endif
