/*
 * replay_main: a plain main() for a fuzz target, so that its seeds and
 * regression inputs replay under any compiler (gcc's ASan/UBSan build in
 * `make test`) without libFuzzer. Arguments are files or directories (whose
 * regular files are replayed, sorted); each input is handed over in a
 * buffer of exactly its size, as libFuzzer does, so over-reads are seen.
 *
 * Exit: 0 when every input ran, 2 when one could not be read; a crash is
 * the sanitizer's.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads path whole into a buffer of exactly its size (1 byte for empty). */
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;
	int r = -1;

	if (!f)
		goto out;
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0)
		goto out;
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || (n && fread(buf, 1, (size_t)n, f) != (size_t)n))
		goto out;
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	r = 0;
out:
	if (r < 0)
		fprintf(stderr, "replay: cannot read '%s'\n", path);
	free(buf);
	if (f)
		fclose(f);
	return r;
}

static int replay_dir(const char *dir, unsigned *count)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort), i, r = 0;

	if (n < 0) {
		fprintf(stderr, "replay: cannot list '%s'\n", dir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(path) < 0)
				r = -1;
			else
				(*count)++;
		}
		free(ents[i]);
	}
	free(ents);
	return r;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int i, r = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) < 0)
				r = 2;
		} else if (replay_file(argv[i]) < 0) {
			r = 2;
		} else {
			count++;
		}
	}
	fprintf(stderr, "replay: %u inputs\n", count);
	return r;
}
