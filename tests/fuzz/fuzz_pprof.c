/* fuzz_pprof: the binary goroutine profile, gzip-compressed or raw protobuf. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_sink.h"
#include "parse_pprof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Lines are byte offsets here, which may be 0. */
	struct sm_sink sink = fuzz_sink(0);

	parse_pprof_proto((const char *)data, size, &sink);
	return 0;
}
