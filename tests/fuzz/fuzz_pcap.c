/* fuzz_pcap: packet captures (pcap, pcapng) through parse_pcap(). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_sink.h"
#include "parse_pcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sm_sink sink = fuzz_sink(0);
	struct pcap_stats_out st;
	int r = parse_pcap((const char *)data, size, &sink, &st);

	FUZZ_CHECK(r == 0 || r == -1);
	/* Every emitted row is a counted record; the kinds never exceed the whole. */
	FUZZ_CHECK(st.tcp <= st.packets);
	FUZZ_CHECK(st.fragments <= st.non_tcp);
	FUZZ_CHECK(st.tcp + st.non_tcp + st.cut + st.malformed <= st.packets);
	return 0;
}
