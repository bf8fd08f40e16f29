/* fuzz_counters: /proc/net/sockstat, netstat and snmp counters, and netstat -s. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_sink.h"
#include "parse_counters.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sm_sink sink = fuzz_sink(1);

	parse_sockstat(buf, size, &sink);
	parse_netstat_snmp(buf, size, &sink);
	parse_netstat_stats(buf, size, &sink);
	return 0;
}
