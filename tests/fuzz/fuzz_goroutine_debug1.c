/* fuzz_goroutine_debug1: the aggregated goroutine profile, debug=1. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_sink.h"
#include "parse_goroutine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sm_sink sink = fuzz_sink(1);

	parse_goroutine_debug1(buf, size, &sink);
	return 0;
}
