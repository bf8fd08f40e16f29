/* fuzz_netstat: netstat listings (Linux, BSD, macOS, Windows layouts). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_sink.h"
#include "parse_netstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sm_sink sink = fuzz_sink(1);

	parse_netstat(buf, size, &sink);
	return 0;
}
