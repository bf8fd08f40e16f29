/*
 * detect: which format a loose capture is in, from its content (and, only
 * to tell tables that look alike apart, its file name).
 */
#ifndef SM_DETECT_H
#define SM_DETECT_H

#include <stddef.h>

enum sm_format {
	FMT_UNKNOWN,
	FMT_LSOF, FMT_SS, FMT_SS_SUMMARY, FMT_NETSTAT,
	FMT_PROC_TCP, FMT_PROC_TCP6, FMT_PROC_UDP, FMT_PROC_UDP6, FMT_PROC_RAW, FMT_PROC_RAW6,
	FMT_PROC_UNIX, FMT_PROC_NETLINK, FMT_PROC_PACKET, FMT_SOCKSTAT, FMT_NETSTAT_SNMP,
	FMT_NETSTAT_STATS,        /* netstat -s: the same counters as sentences */
	FMT_GOROUTINE, FMT_GOROUTINE_DEBUG1, FMT_PPROF,
	FMT_PCAP,                 /* pcap or pcapng capture, by magic number */
	FMT_COUNT
};

enum sm_format detect_format(const char *buf, size_t len, const char *name);
/* Does buf start with a pcap (either byte order, us or ns) or pcapng magic? */
int detect_pcap_magic(const void *buf, size_t len);
/* Go goroutine dump formats (loaded as dumps, not socket tables). */
int format_is_dump(enum sm_format f);
const char *format_name(enum sm_format f);
/* --format NAME; FMT_UNKNOWN if no such name. */
enum sm_format format_by_name(const char *name);
/* The names, space separated, for usage messages. */
const char *format_names(void);

#endif
