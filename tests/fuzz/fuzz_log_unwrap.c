/* fuzz_log_unwrap: Go traces inside logs (journalctl, docker logs -t, CRI),
 * unwrapped, then read as parse_goroutine reads them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_sink.h"
#include "lines.h"
#include "log_unwrap.h"
#include "parse_goroutine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t count_lines(const char *buf, size_t len)
{
	struct line_iter it;
	const char *line;
	size_t n;

	lines_init(&it, buf, len);
	while (lines_next(&it, &line, &n))
		;
	return it.lineno;
}

/* A program name fit to print: terminated in its buffer, no control byte. */
static int program_ok(const struct log_unwrap_info *info)
{
	size_t i, n = strnlen(info->program, sizeof(info->program));

	if (n == sizeof(info->program))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)info->program[i] < 0x21 || (unsigned char)info->program[i] > 0x7e)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct strbuf out = STRBUF_INIT;
	struct log_unwrap_info info;
	struct sm_sink sink = fuzz_sink(1);

	if (log_unwrap(buf, size, &out, &info)) {
		/* Its promises: line numbers still point into the input, the
		 * trace's first line is one of them, never more text than came. */
		if (count_lines(out.buf, out.len) != count_lines(buf, size) || !info.first_line ||
		    info.first_line > count_lines(buf, size) || out.len > size || !info.style || !program_ok(&info) ||
		    info.time_ns < 0)
			abort();
		parse_goroutine_text(out.buf, out.len, &sink);
	}
	strbuf_release(&out);
	return 0;
}
