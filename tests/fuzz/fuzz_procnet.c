/* fuzz_procnet: the /proc/net protocol tables (every table parser on each input). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_sink.h"
#include "parse_procnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sm_sink sink = fuzz_sink(1);

	/* The inet parser takes the table name: v4, v6 and raw paths differ. */
	parse_procnet_inet(buf, size, "tcp", &sink);
	parse_procnet_inet(buf, size, "udp6", &sink);
	parse_procnet_inet(buf, size, "raw", &sink);
	parse_procnet_unix(buf, size, &sink);
	parse_procnet_netlink(buf, size, &sink);
	parse_procnet_packet(buf, size, &sink);
	/* again, as the loader reads them: lines offered to known() first */
	sink.known = fuzz_known;
	parse_procnet_inet(buf, size, "tcp6", &sink);
	parse_procnet_unix(buf, size, &sink);
	parse_procnet_netlink(buf, size, &sink);
	/* and with the line expected next taken before its end is sought */
	sink.known_next = fuzz_known_next;
	parse_procnet_inet(buf, size, "tcp", &sink);
	parse_procnet_unix(buf, size, &sink);
	return 0;
}
