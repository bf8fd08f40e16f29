/* Line and field iteration over untrusted text; see lines.h. */
#include "lines.h"

#include <string.h>

void lines_init(struct line_iter *it, const char *buf, size_t len)
{
	it->p = buf;
	it->end = len ? buf + len : buf;   /* NULL + 0 is undefined behaviour */
	it->lineno = 0;
}

int lines_next(struct line_iter *it, const char **line, size_t *len)
{
	const char *nl;
	size_t n;

	if (it->p >= it->end)
		return 0;
	nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	n = nl ? (size_t)(nl - it->p) : (size_t)(it->end - it->p);
	*line = it->p;
	if (n && it->p[n - 1] == '\r')
		*len = n - 1;
	else
		*len = n;
	it->p += n + (nl ? 1 : 0);
	it->lineno++;
	return 1;
}

size_t lines_rtrim(const char *s, size_t len)
{
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	return len;
}

/* Stores up to max fields; counts the rest only if count_rest. */
static size_t fields_split_core(const char *s, size_t len, const char **f, size_t *flen, size_t max,
				int count_rest)
{
	size_t i = 0, n = 0;

	while (i < len && (count_rest || n < max)) {
		size_t start;

		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		if (n < max) {
			f[n] = s + start;
			flen[n] = i - start;
		}
		n++;
	}
	return n;
}

size_t fields_split(const char *s, size_t len, const char **f, size_t *flen, size_t max)
{
	return fields_split_core(s, len, f, flen, max, 1);
}

size_t fields_split_first(const char *s, size_t len, const char **f, size_t *flen, size_t max)
{
	return fields_split_core(s, len, f, flen, max, 0);
}
