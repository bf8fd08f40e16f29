/* corpus: test inputs read whole, in buffers of exactly their length. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corpus.h"

char *exact_copy(const char *s, size_t n)
{
	char *p = malloc(n ? n : 1);

	assert_non_null(p);
	if (n)
		memcpy(p, s, n);
	return p;
}

/* Everything left in f, in a buffer of exactly its length. */
static char *corpus_read_stream(FILE *f, size_t *len)
{
	char *buf = NULL, *exact;
	size_t cap = 0, n = 0, got;

	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	exact = exact_copy(buf, n);
	free(buf);
	*len = n;
	return exact;
}

char *read_corpus_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	*len = 0;
	if (!f)
		return NULL;
	buf = corpus_read_stream(f, len);
	fclose(f);
	return buf;
}

char *read_command_output(const char *cmd, size_t *len)
{
	FILE *f = popen(cmd, "r");
	char *buf;

	*len = 0;
	if (!f)
		return NULL;
	buf = corpus_read_stream(f, len);
	pclose(f);
	return buf;
}

const char *find_tool(const char *const *paths)
{
	for (; *paths; paths++)
		if (access(*paths, X_OK) == 0)
			return *paths;
	return NULL;
}
