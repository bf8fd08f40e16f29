/*
 * detect: content sniffing for loose captures. Each test looks at the
 * first lines for what only that format prints (a header, a section title,
 * a line shape); the first that matches wins, most specific first.
 */
#include "detect.h"

#include <string.h>

#include "lines.h"

static const char *const format_table[FMT_COUNT] = {
	[FMT_UNKNOWN] = "unknown", [FMT_LSOF] = "lsof", [FMT_SS] = "ss",
	[FMT_SS_SUMMARY] = "ss-summary", [FMT_NETSTAT] = "netstat",
	[FMT_PROC_TCP] = "proc-tcp", [FMT_PROC_TCP6] = "proc-tcp6", [FMT_PROC_UDP] = "proc-udp",
	[FMT_PROC_UDP6] = "proc-udp6", [FMT_PROC_RAW] = "proc-raw", [FMT_PROC_RAW6] = "proc-raw6",
	[FMT_PROC_UNIX] = "proc-unix", [FMT_PROC_NETLINK] = "proc-netlink",
	[FMT_PROC_PACKET] = "proc-packet", [FMT_SOCKSTAT] = "sockstat",
	[FMT_NETSTAT_SNMP] = "proc-netstat-snmp", [FMT_NETSTAT_STATS] = "netstat-s",
	[FMT_GOROUTINE] = "goroutine", [FMT_GOROUTINE_DEBUG1] = "goroutine-debug1", [FMT_PPROF] = "pprof",
	[FMT_PCAP] = "pcap",
};

int format_is_dump(enum sm_format f)
{
	return f == FMT_GOROUTINE || f == FMT_GOROUTINE_DEBUG1 || f == FMT_PPROF;
}

const char *format_name(enum sm_format f)
{
	return (unsigned)f < FMT_COUNT ? format_table[f] : "unknown";
}

enum sm_format format_by_name(const char *name)
{
	int i;

	for (i = 1; i < FMT_COUNT; i++)
		if (!strcmp(name, format_table[i]))
			return (enum sm_format)i;
	return FMT_UNKNOWN;
}

const char *format_names(void)
{
	return "lsof ss ss-summary netstat proc-tcp proc-tcp6 proc-udp proc-udp6 proc-raw "
	       "proc-raw6 proc-unix proc-netlink proc-packet sockstat proc-netstat-snmp netstat-s "
	       "goroutine goroutine-debug1 pprof pcap";
}

static int has(const char *line, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	return len >= n && memmem(line, len, needle, n) != NULL;
}

static int starts(const char *line, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	return len >= n && !memcmp(line, prefix, n);
}

static const char *base_name(const char *name)
{
	const char *slash = name ? strrchr(name, '/') : NULL;
	const char *b = slash ? slash + 1 : name ? name : "";
	const char *bang = strrchr(b, '!');   /* archive!member */

	return bang ? bang + 1 : b;
}

/* /proc/net/{tcp,udp,raw}[6] share one header: tell them apart. */
static enum sm_format detect_inet_table(const char *buf, size_t len, const char *name)
{
	const char *b = base_name(name);
	int v6 = -1;   /* unknown until a data row shows the address width */
	struct line_iter it;
	const char *line;
	size_t n;

	lines_init(&it, buf, len);
	while (lines_next(&it, &line, &n) && it.lineno < 4) {
		const char *colon = memchr(line, ':', n);
		/* "   0: 0100007F:0277" vs "   0: 00000000000000000000000001000000:0277" */
		if (colon && it.lineno > 1) {
			const char *p = colon + 1;
			size_t hex = 0;
			while (p < line + n && *p == ' ')
				p++;
			while (p + hex < line + n && p[hex] != ':')
				hex++;
			v6 = hex == 32 ? 1 : hex == 8 ? 0 : -1;
			break;
		}
	}
	/* The content says v4 or v6 when it has a row; the name only otherwise
	 * (a '6' in "udp-2026-11-16.txt" is a date, not a family). */
	if (strstr(b, "udp"))
		return (v6 >= 0 ? v6 : strstr(b, "6") != NULL) ? FMT_PROC_UDP6 : FMT_PROC_UDP;
	if (strstr(b, "raw"))
		return (v6 >= 0 ? v6 : strstr(b, "6") != NULL) ? FMT_PROC_RAW6 : FMT_PROC_RAW;
	return (v6 >= 0 ? v6 : strstr(b, "tcp6") != NULL) ? FMT_PROC_TCP6 : FMT_PROC_TCP;
}

int detect_pcap_magic(const void *buf, size_t len)
{
	static const unsigned char magics[][4] = {
		{ 0xd4, 0xc3, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0xc3, 0xd4 },
		{ 0x4d, 0x3c, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0x3c, 0x4d },
		{ 0x0a, 0x0d, 0x0d, 0x0a },
	};
	size_t i;

	for (i = 0; len >= 4 && i < sizeof(magics) / sizeof(magics[0]); i++)
		if (!memcmp(buf, magics[i], 4))
			return 1;
	return 0;
}

/* "goroutine 18 [IO wait, 5 minutes]:" or "goroutine 1 gp=0x.. m=0 [running]:" */
static int goroutine_header(const char *line, size_t n)
{
	size_t i;

	while (n && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	if (n < 13 || memcmp(line, "goroutine ", 10))
		return 0;
	for (i = 10; i < n && line[i] >= '0' && line[i] <= '9'; i++)
		;
	return i > 10 && i < n && line[i] == ' ' && memchr(line + i, '[', n - i) && line[n - 1] == ':';
}

static enum sm_format detect_go(const char *buf, size_t len)
{
	struct line_iter it;
	const char *line;
	size_t n;

	if (len >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b)
		return FMT_PPROF;
	lines_init(&it, buf, len);
	while (lines_next(&it, &line, &n) && it.lineno <= 400) {
		if (starts(line, n, "goroutine profile: total") || starts(line, n, "threadcreate profile: total") ||
		    starts(line, n, "goroutineleak profile: total"))
			return FMT_GOROUTINE_DEBUG1;
		if (goroutine_header(line, n))
			return FMT_GOROUTINE;
	}
	return FMT_UNKNOWN;
}

enum sm_format detect_format(const char *buf, size_t len, const char *name)
{
	struct line_iter it;
	const char *line;
	size_t n;
	int lsof_rows = 0;
	enum sm_format go;

	if (len > 65536)
		len = 65536;
	if (detect_pcap_magic(buf, len))
		return FMT_PCAP;
	go = detect_go(buf, len);
	if (go != FMT_UNKNOWN)
		return go;
	lines_init(&it, buf, len);
	while (lines_next(&it, &line, &n) && it.lineno <= 40) {
		n = lines_rtrim(line, n);
		if (starts(line, n, "sl ") && has(line, n, "local_address"))
			return detect_inet_table(buf, len, name);
		if (starts(line, n, "Num ") && has(line, n, "RefCount") && has(line, n, "Protocol"))
			return FMT_PROC_UNIX;
		if (starts(line, n, "sk ") && has(line, n, "Eth") && has(line, n, "Pid"))
			return FMT_PROC_NETLINK;
		if (starts(line, n, "sk ") && has(line, n, "Iface"))
			return FMT_PROC_PACKET;
		if (starts(line, n, "sockets: used") || starts(line, n, "TCP6: inuse"))
			return FMT_SOCKSTAT;
		/* netstat -s: "Ip:" alone on its line, the counters indented below */
		if ((n == 3 && starts(line, n, "Ip:")) || (n == 4 && starts(line, n, "Tcp:")) ||
		    (n == 7 && starts(line, n, "TcpExt:")))
			return FMT_NETSTAT_STATS;
		if (starts(line, n, "TcpExt:") || starts(line, n, "Ip: Forwarding") || starts(line, n, "IpExt:"))
			return FMT_NETSTAT_SNMP;
		if (starts(line, n, "Total:") || (starts(line, n, "TCP:") && has(line, n, "estab")))
			return FMT_SS_SUMMARY;
		if ((starts(line, n, "State") || starts(line, n, "Netid")) && has(line, n, "Recv-Q") &&
		    has(line, n, "Send-Q"))
			return FMT_SS;
		/* ss filtered by state (ss -tan state close-wait): no State column */
		if (starts(line, n, "Recv-Q") && has(line, n, "Send-Q") && has(line, n, "Local Address"))
			return FMT_SS;
		if (starts(line, n, "Active Internet connections") || starts(line, n, "Active UNIX domain") ||
		    starts(line, n, "Active Connections") ||
		    (starts(line, n, "Proto") && has(line, n, "Local Address") && has(line, n, "Foreign Address")))
			return FMT_NETSTAT;
		if (starts(line, n, "COMMAND") && has(line, n, "PID") && has(line, n, " FD"))
			return FMT_LSOF;
		/* grep'd lsof rows without the header */
		if (has(line, n, "can't identify protocol") || has(line, n, " protocol: ") ||
		    (has(line, n, " IPv4 ") || has(line, n, " IPv6 ") || has(line, n, " unix 0x")))
			lsof_rows++;
		/* ss rows without a header: "ESTAB 0 0 1.2.3.4:80 ..." */
		if (starts(line, n, "ESTAB ") || starts(line, n, "CLOSE-WAIT ") || starts(line, n, "TIME-WAIT ") ||
		    starts(line, n, "SYN-SENT ") || starts(line, n, "LISTEN ") || starts(line, n, "FIN-WAIT-"))
			return FMT_SS;
		if ((starts(line, n, "tcp ") || starts(line, n, "tcp6 ") || starts(line, n, "udp ")) &&
		    (has(line, n, "ESTABLISHED") || has(line, n, "CLOSE_WAIT") || has(line, n, "LISTEN") ||
		     has(line, n, "TIME_WAIT")))
			return FMT_NETSTAT;
	}
	return lsof_rows ? FMT_LSOF : FMT_UNKNOWN;
}
