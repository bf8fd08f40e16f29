/*
 * fuzz_redact: lib/redact.c on hostile bytes, as `sockmortem export` meets
 * them in a stranger's bundle: argv, free text, /proc/net tables and pcap
 * headers, with and without address mapping.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_sink.h"
#include "redact.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t fuzz_count(const char *s, size_t n, char c)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct redact r;
	struct strbuf out = STRBUF_INIT;
	unsigned char *copy;
	int ips;

	memset(&r, 0, sizeof(r));
	memset(r.key, 7, sizeof(r.key));
	for (ips = 0; ips < 2; ips++) {
		r.ips = ips;
		r.big_endian = size && (data[0] & 1);
		/* argv keeps its shape: as many arguments out as in. */
		redact_argv(&r, buf, size, &out);
		FUZZ_CHECK(fuzz_count(out.buf, out.len, '\0') == fuzz_count(buf, size, '\0'));
		strbuf_reset(&out);
		/* Text keeps its lines. */
		redact_text(&r, buf, size, &out);
		FUZZ_CHECK(fuzz_count(out.buf, out.len, '\n') == fuzz_count(buf, size, '\n'));
		strbuf_reset(&out);
		/* Tables are rewritten in place: same length. */
		redact_procnet(&r, buf, size, &out);
		FUZZ_CHECK(out.len == size);
		strbuf_reset(&out);
	}
	copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	if (size)
		memcpy(copy, data, size);
	redact_pcap(&r, copy, size);
	free(copy);
	strbuf_release(&out);
	return 0;
}
