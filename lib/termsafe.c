/* termsafe: control characters escaped on the way out; see termsafe.h. */
#include "termsafe.h"

#include <string.h>
#include <sys/types.h>

static int termsafe_byte_ok(unsigned char c)
{
	return (c >= 0x20 && c != 0x7f) || c == '\n' || c == '\r' || c == '\t';
}

/*
 * The colour codes the text report uses pass through: they only colour
 * (no cursor moves, no title, no conceal), so a name that holds one can
 * do no more than the report does itself.
 */
static size_t termsafe_colour_len(const char *s, size_t n)
{
	static const char *const ok[] = { "\033[0m", "\033[1m", "\033[1;31m", "\033[1;33m", "\033[36m" };
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		size_t l = strlen(ok[i]);

		if (n >= l && !memcmp(s, ok[i], l))
			return l;
	}
	return 0;
}

static ssize_t termsafe_write(void *cookie, const char *buf, size_t len)
{
	FILE *out = cookie;
	size_t i, run = 0, l;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (termsafe_byte_ok(c))
			continue;
		if ((l = termsafe_colour_len(buf + i, len - i)) != 0) {
			i += l - 1;
			continue;
		}
		if (i > run)
			fwrite(buf + run, 1, i - run, out);
		fprintf(out, "\\x%02x", c);
		run = i + 1;
	}
	if (len > run)
		fwrite(buf + run, 1, len - run, out);
	fflush(out);
	return ferror(out) ? -1 : (ssize_t)len;
}

FILE *termsafe_open(FILE *out, int mode)
{
	cookie_io_functions_t io = { NULL, termsafe_write, NULL, NULL };
	FILE *f = fopencookie(out, "w", io);

	if (f)
		setvbuf(f, NULL, mode, mode == _IONBF ? 0 : BUFSIZ);
	return f;
}
