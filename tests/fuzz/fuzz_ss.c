/* fuzz_ss: ss listings (also as filtered by a state the caller names) and
 * the ss -s summary. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_sink.h"
#include "parse_ss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sm_sink sink = fuzz_sink(1);
	int stateless = 0;

	parse_ss(buf, size, &sink);
	parse_ss_filtered(buf, size, &sink, "listening", &stateless);
	parse_ss_summary(buf, size, &sink);
	return 0;
}
