/* fuzz_tmp: a private temporary file, removed at exit. */
#include "fuzz_tmp.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char fuzz_tmp_dir[4096];
static char fuzz_tmp_path[4096 + 16];

static void fuzz_tmp_cleanup(void)
{
	unlink(fuzz_tmp_path);
	rmdir(fuzz_tmp_dir);
}

/* Makes the directory on first use. */
static void fuzz_tmp_init(void)
{
	const char *base = getenv("TMPDIR");

	if (fuzz_tmp_dir[0])
		return;
	if (!base || !*base)
		base = "/tmp";
	snprintf(fuzz_tmp_dir, sizeof(fuzz_tmp_dir), "%s/sm-fuzz.XXXXXX", base);
	if (!mkdtemp(fuzz_tmp_dir)) {
		perror("fuzz_tmp: mkdtemp");
		abort();
	}
	snprintf(fuzz_tmp_path, sizeof(fuzz_tmp_path), "%s/input", fuzz_tmp_dir);
	atexit(fuzz_tmp_cleanup);
}

const char *fuzz_tmp_write(const uint8_t *data, size_t size)
{
	size_t off = 0;
	int fd;

	fuzz_tmp_init();
	fd = open(fuzz_tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror("fuzz_tmp: open");
		abort();
	}
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0) {
			perror("fuzz_tmp: write");
			abort();
		}
		off += (size_t)n;
	}
	close(fd);
	return fuzz_tmp_path;
}
