/*
 * Unit tests for collect/bundle_writer.c. Bundles are written to a temp
 * dir and read back independently of the writer: libzstd's streaming
 * decompressor (tracking where each frame ends) and a small ustar walker
 * that checks magic and checksum of every header.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "bundle_writer.h"
#include "redact.h"

#define MAX_MEMBERS 256
#define MAX_FRAMES 64

static char tmpdir[256];

/* ---- reading bundles back ---------------------------------------------- */

struct member {
	char name[300];
	uint64_t size;
	const unsigned char *data;
	uint64_t mtime;
	unsigned mode;
	char type;
};

struct archive {
	unsigned char *raw;          /* decompressed bytes */
	size_t raw_len;              /* all decompressed output */
	size_t committed;            /* output of complete frames only */
	unsigned frames;             /* complete frames */
	size_t frame_raw_end[MAX_FRAMES];   /* raw offset where frame i ends */
	int incomplete;              /* input ended inside a frame */
	int zstd_error;              /* the decompressor reported an error */
	struct member m[MAX_MEMBERS];
	size_t nm;
	int trailer;                 /* two zero blocks seen */
	int tar_bad;                 /* bad magic/checksum or a cut member */
	char tar_why[128];
};

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t alloc = 0, n;

	*len = 0;
	if (!f)
		return NULL;
	do {
		if (alloc - *len < 65536) {
			alloc = alloc ? alloc * 2 : 65536;
			buf = realloc(buf, alloc);
			assert_non_null(buf);
		}
		n = fread(buf + *len, 1, alloc - *len, f);
		*len += n;
	} while (n);
	fclose(f);
	return buf;
}

/*
 * Streams [buf, buf+len) through ZSTD_decompressStream, noting where each
 * frame ends (it returns 0 exactly when a frame is complete and flushed).
 */
static void decode(struct archive *a, const unsigned char *buf, size_t len)
{
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_inBuffer in = { buf, len, 0 };
	size_t alloc = 1 << 20, frame_end_in = 0;

	assert_non_null(ds);
	memset(a, 0, sizeof(*a));
	a->raw = malloc(alloc);
	assert_non_null(a->raw);
	ZSTD_initDStream(ds);
	for (;;) {
		ZSTD_outBuffer out;
		size_t r, in_before = in.pos;

		if (alloc - a->raw_len < ZSTD_DStreamOutSize()) {
			alloc *= 2;
			a->raw = realloc(a->raw, alloc);
			assert_non_null(a->raw);
		}
		out.dst = a->raw + a->raw_len;
		out.size = alloc - a->raw_len;
		out.pos = 0;
		r = ZSTD_decompressStream(ds, &out, &in);
		if (ZSTD_isError(r)) {
			a->zstd_error = 1;
			break;
		}
		a->raw_len += out.pos;
		if (r == 0) {
			if (a->frames < MAX_FRAMES)
				a->frame_raw_end[a->frames] = a->raw_len;
			a->frames++;
			a->committed = a->raw_len;
			frame_end_in = in.pos;
			if (in.pos == in.size)
				break;
			continue;
		}
		/* output not full: it needs input that is not there */
		if (in.pos == in.size && out.pos < out.size)
			break;
		if (in.pos == in_before && out.pos == 0)
			break;   /* no progress at all: give up rather than spin */
	}
	/* bytes after the last complete frame: a cut or broken frame */
	a->incomplete = frame_end_in != len;
	ZSTD_freeDStream(ds);
}

static uint64_t octal(const unsigned char *p, size_t width)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < width && p[i] == ' ')
		i++;
	for (; i < width && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(p[i] - '0');
	return v;
}

static int all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

/* Walks the ustar headers of the first `limit` decompressed bytes. */
static void tar_walk(struct archive *a, size_t limit)
{
	size_t off = 0;

	a->nm = 0;
	while (off + 512 <= limit) {
		const unsigned char *h = a->raw + off;
		struct member *m;
		unsigned sum = 0, i;
		char name[101], prefix[156];

		if (all_zero(h, 512)) {
			if (off + 1024 <= limit && all_zero(h + 512, 512))
				a->trailer = 1;
			else
				snprintf(a->tar_why, sizeof(a->tar_why), "lone zero block at %zu", off);
			return;
		}
		if (memcmp(h + 257, "ustar", 6) || memcmp(h + 263, "00", 2)) {
			a->tar_bad = 1;
			snprintf(a->tar_why, sizeof(a->tar_why), "bad magic at %zu", off);
			return;
		}
		for (i = 0; i < 512; i++)
			sum += (i >= 148 && i < 156) ? ' ' : h[i];
		if (sum != octal(h + 148, 8)) {
			a->tar_bad = 1;
			snprintf(a->tar_why, sizeof(a->tar_why), "bad checksum at %zu", off);
			return;
		}
		assert_true(a->nm < MAX_MEMBERS);
		m = &a->m[a->nm];
		memcpy(name, h, 100);
		name[100] = '\0';
		memcpy(prefix, h + 345, 155);
		prefix[155] = '\0';
		if (prefix[0])
			snprintf(m->name, sizeof(m->name), "%s/%s", prefix, name);
		else
			snprintf(m->name, sizeof(m->name), "%s", name);
		m->size = octal(h + 124, 12);
		m->mtime = octal(h + 136, 12);
		m->mode = (unsigned)octal(h + 100, 8);
		m->type = (char)h[156];
		if (off + 512 + m->size > limit) {
			a->tar_bad = 1;
			snprintf(a->tar_why, sizeof(a->tar_why), "member %s cut", m->name);
			return;
		}
		m->data = h + 512;
		a->nm++;
		off += 512 + (size_t)((m->size + 511) / 512 * 512);
	}
}

/* Reads the bundle at path: decode + walk of complete frames. */
static void read_bundle(struct archive *a, const char *path)
{
	size_t len;
	unsigned char *buf = slurp(path, &len);

	assert_non_null(buf);
	decode(a, buf, len);
	tar_walk(a, a->committed);
	free(buf);
}

static void archive_free(struct archive *a)
{
	free(a->raw);
	a->raw = NULL;
}

static const struct member *find_member(const struct archive *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->nm; i++)
		if (!strcmp(a->m[i].name, name))
			return &a->m[i];
	return NULL;
}

static void expect_member(const struct archive *a, const char *name, const void *data, size_t len)
{
	const struct member *m = find_member(a, name);

	if (!m)
		fail_msg("member %s missing", name);
	if (m->size != len)
		fail_msg("member %s: size %llu, want %zu", name, (unsigned long long)m->size, len);
	if (len && memcmp(m->data, data, len))
		fail_msg("member %s: content differs", name);
	assert_int_equal(m->type, '0');
}

/* Number of zstd frames found by ZSTD_findFrameCompressedSize; *rest gets
 * the bytes left over that do not form a complete frame. */
static unsigned count_frames(const unsigned char *buf, size_t len, size_t *rest, size_t *ends, size_t max)
{
	size_t off = 0;
	unsigned n = 0;

	while (off < len) {
		size_t fs = ZSTD_findFrameCompressedSize(buf + off, len - off);
		if (ZSTD_isError(fs))
			break;
		off += fs;
		if (n < max)
			ends[n] = off;
		n++;
	}
	*rest = len - off;
	return n;
}

/* ---- helpers --------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_random(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(rng() >> 24);
}

/* Compressible but not trivial: text-like lines. */
static void fill_text(unsigned char *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)((i % 61 == 60) ? '\n' : 'a' + (i * 7 + seed + i / 61) % 26);
}

static void tmp_path(char *out, size_t outlen, const char *name)
{
	snprintf(out, outlen, "%s/%s", tmpdir, name);
}

static struct bundle_writer *open_bundle(const char *path, int force, uint64_t max, uint64_t reserve)
{
	struct bw_options o;
	struct bundle_writer *bw;
	char *err = NULL;

	memset(&o, 0, sizeof(o));
	o.path = path;
	o.force = force;
	o.max_size = max;
	o.reserve = reserve;
	o.level = 1;
	o.sync = 1;
	bw = bw_open(&o, &err);
	if (!bw)
		fail_msg("bw_open(%s): %s", path, err ? err : "?");
	assert_null(err);
	return bw;
}

static off_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static int setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/sm-bw-test.XXXXXX", t && *t ? t : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- tests ----------------------------------------------------------- */

static void test_roundtrip(void **state)
{
	static const size_t sizes[] = { 0, 1, 100, 511, 512, 513, 1024, 4097, 100000 };
	char path[300], name[64], longname[200];
	unsigned char *data = malloc(100000);
	struct bundle_writer *bw;
	struct archive a;
	struct stat st;
	size_t i;

	(void)state;
	assert_non_null(data);
	fill_text(data, 100000, 3);
	tmp_path(path, sizeof(path), "roundtrip.tar.zst");
	bw = open_bundle(path, 0, 0, 0);
	assert_int_equal(bw_add(bw, "manifest.json", 1700000000, "{}\n", 3), 0);
	assert_int_equal(bw_end_frame(bw), 0);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "snap/000001/m%zu", sizes[i]);
		assert_int_equal(bw_add(bw, name, 1700000001 + (int64_t)i, data, sizes[i]), 0);
	}
	/* a name of exactly 100 bytes fits the name field */
	memset(longname, 'n', 100);
	longname[100] = '\0';
	assert_int_equal(bw_add(bw, longname, 5, "x", 1), 0);
	/* a longer one is split into prefix and name */
	snprintf(longname, sizeof(longname), "snap/000001/proc/123456/%s",
		 "a-very-long-member-name-that-alone-is-well-under-one-hundred-bytes-but-not-with-its-dirs");
	assert_true(strlen(longname) > 100);
	assert_int_equal(bw_add(bw, longname, 6, "long", 4), 0);
	/* a member streamed in pieces */
	assert_int_equal(bw_member_begin(bw, "snap/000001/pieces", 7), 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(bw_member_write(bw, data + i * 1000, 1000), 0);
	assert_int_equal(bw_member_end(bw), 0);
	/* a negative mtime is written as 0 */
	assert_int_equal(bw_add(bw, "neg", -5, "", 0), 0);
	assert_int_equal(bw_end_frame(bw), 0);
	assert_int_equal(bw_is_full(bw), 0);
	assert_int_equal(bw_close(bw), 0);
	bw_free(bw);

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(S_ISREG(st.st_mode));

	read_bundle(&a, path);
	assert_false(a.incomplete);
	assert_false(a.tar_bad);
	assert_true(a.trailer);
	/* the trailer is 2 zero blocks and nothing else follows */
	assert_int_equal(a.raw_len % 512, 0);
	assert_int_equal(a.nm, 1 + sizeof(sizes) / sizeof(sizes[0]) + 4);
	assert_string_equal(a.m[0].name, "manifest.json");
	expect_member(&a, "manifest.json", "{}\n", 3);
	assert_int_equal(a.m[0].mtime, 1700000000);
	assert_int_equal(a.m[0].mode, 0644);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "snap/000001/m%zu", sizes[i]);
		expect_member(&a, name, data, sizes[i]);
		/* in the order written */
		assert_string_equal(a.m[1 + i].name, name);
		assert_int_equal(a.m[1 + i].mtime, 1700000001 + i);
	}
	memset(longname, 'n', 100);
	longname[100] = '\0';
	expect_member(&a, longname, "x", 1);
	snprintf(longname, sizeof(longname), "snap/000001/proc/123456/%s",
		 "a-very-long-member-name-that-alone-is-well-under-one-hundred-bytes-but-not-with-its-dirs");
	expect_member(&a, longname, "long", 4);
	expect_member(&a, "snap/000001/pieces", data, 100000);
	expect_member(&a, "neg", "", 0);
	assert_int_equal(find_member(&a, "neg")->mtime, 0);
	archive_free(&a);
	free(data);
}

/* One zstd frame per bw_end_frame, each ending on a member boundary. */
static void test_frames(void **state)
{
	char path[300];
	unsigned char small[700];
	struct bundle_writer *bw;
	struct archive a;
	uint64_t written[4];
	size_t len, rest, ends[8];
	unsigned char *buf;

	(void)state;
	fill_text(small, sizeof(small), 9);
	tmp_path(path, sizeof(path), "frames.tar.zst");
	bw = open_bundle(path, 0, 0, 0);
	assert_int_equal(bw_add(bw, "A", 1, small, 100), 0);
	assert_int_equal(bw_end_frame(bw), 0);
	written[0] = bw_bytes_written(bw);
	/* the frame is on disk right after bw_end_frame */
	assert_int_equal((uint64_t)file_size(path), written[0]);
	assert_int_equal(bw_add(bw, "B", 1, small, 700), 0);
	assert_int_equal(bw_add(bw, "C", 1, small, 512), 0);
	assert_int_equal(bw_end_frame(bw), 0);
	written[1] = bw_bytes_written(bw);
	assert_int_equal((uint64_t)file_size(path), written[1]);
	assert_int_equal(bw_add(bw, "D", 1, small, 1), 0);
	assert_int_equal(bw_end_frame(bw), 0);
	written[2] = bw_bytes_written(bw);
	assert_int_equal(bw_close(bw), 0);
	written[3] = bw_bytes_written(bw);
	bw_free(bw);
	assert_int_equal((uint64_t)file_size(path), written[3]);

	buf = slurp(path, &len);
	assert_non_null(buf);
	/* 3 explicit frames + the one bw_close ends (the tar trailer) */
	assert_int_equal(count_frames(buf, len, &rest, ends, 8), 4);
	assert_int_equal(rest, 0);
	assert_int_equal(ends[0], written[0]);
	assert_int_equal(ends[1], written[1]);
	assert_int_equal(ends[2], written[2]);
	assert_int_equal(ends[3], written[3]);
	decode(&a, buf, len);
	assert_int_equal(a.frames, 4);
	assert_false(a.incomplete);
	/* frame boundaries fall exactly after A, after C, after D, after the trailer */
	assert_int_equal(a.frame_raw_end[0], 512 + 512);
	assert_int_equal(a.frame_raw_end[1], 1024 + (512 + 1024) + (512 + 512));
	assert_int_equal(a.frame_raw_end[2], a.frame_raw_end[1] + 1024);
	assert_int_equal(a.frame_raw_end[3], a.frame_raw_end[2] + 1024);
	tar_walk(&a, a.committed);
	assert_int_equal(a.nm, 4);
	assert_true(a.trailer);
	archive_free(&a);

	/* frames carry a checksum: a flipped checksum byte of frame 2 is
	 * detected, and frame 1 still decodes */
	buf[written[1] - 1] ^= 0x55;
	decode(&a, buf, len);
	assert_int_equal(a.frames, 1);
	assert_true(a.zstd_error);
	assert_true(a.incomplete);
	archive_free(&a);
	buf[written[1] - 1] ^= 0x55;

	/* the first frame alone decodes to exactly member A */
	decode(&a, buf, (size_t)written[0]);
	assert_int_equal(a.frames, 1);
	assert_false(a.incomplete);
	tar_walk(&a, a.committed);
	assert_int_equal(a.nm, 1);
	expect_member(&a, "A", small, 100);
	archive_free(&a);
	free(buf);
}

/* Members over BW_CHUNK become NAME.partNNNN; exactly BW_CHUNK does not. */
static void test_large_parts(void **state)
{
	const size_t big = 2 * (size_t)BW_CHUNK + 12345;
	unsigned char *data = malloc(big);
	char path[300];
	struct bundle_writer *bw;
	struct archive a;
	size_t off, piece, i;

	(void)state;
	assert_non_null(data);
	fill_random(data, big);
	tmp_path(path, sizeof(path), "parts.tar.zst");
	bw = open_bundle(path, 0, 0, 0);

	/* 1: 2*CHUNK + 12345 in odd pieces -> three parts */
	assert_int_equal(bw_member_begin(bw, "big", 9), 0);
	for (off = 0; off < big; off += piece) {
		piece = big - off < 1000003 ? big - off : 1000003;
		assert_int_equal(bw_member_write(bw, data + off, piece), 0);
	}
	assert_int_equal(bw_member_end(bw), 0);
	assert_int_equal(bw_end_frame(bw), 0);
	/* 2: exactly CHUNK -> one plain member */
	assert_int_equal(bw_add(bw, "exact", 9, data, BW_CHUNK), 0);
	/* 3: exactly 2*CHUNK in half-chunk writes -> two full parts, no empty third */
	assert_int_equal(bw_member_begin(bw, "two", 9), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(bw_member_write(bw, data + i * (BW_CHUNK / 2), BW_CHUNK / 2), 0);
	assert_int_equal(bw_member_end(bw), 0);
	/* 4: CHUNK + 1 in one write -> CHUNK and 1 */
	assert_int_equal(bw_add(bw, "plus1", 9, data, (size_t)BW_CHUNK + 1), 0);
	/* 5: the next small member has its plain name again */
	assert_int_equal(bw_add(bw, "after", 9, "ok", 2), 0);
	assert_int_equal(bw_end_frame(bw), 0);
	assert_int_equal(bw_close(bw), 0);
	bw_free(bw);

	read_bundle(&a, path);
	assert_false(a.incomplete);
	assert_false(a.tar_bad);
	assert_true(a.trailer);
	assert_null(find_member(&a, "big"));
	expect_member(&a, "big.part0000", data, BW_CHUNK);
	expect_member(&a, "big.part0001", data + BW_CHUNK, BW_CHUNK);
	expect_member(&a, "big.part0002", data + 2 * (size_t)BW_CHUNK, 12345);
	assert_null(find_member(&a, "big.part0003"));
	/* concatenated in member order, the parts are the content */
	assert_string_equal(a.m[0].name, "big.part0000");
	assert_string_equal(a.m[1].name, "big.part0001");
	assert_string_equal(a.m[2].name, "big.part0002");
	assert_memory_equal(a.m[0].data, data, BW_CHUNK);
	assert_ptr_equal(a.m[1].data, a.m[0].data + BW_CHUNK + 512);

	expect_member(&a, "exact", data, BW_CHUNK);
	assert_null(find_member(&a, "exact.part0000"));
	expect_member(&a, "two.part0000", data, BW_CHUNK);
	expect_member(&a, "two.part0001", data + BW_CHUNK, BW_CHUNK);
	assert_null(find_member(&a, "two.part0002"));
	expect_member(&a, "plus1.part0000", data, BW_CHUNK);
	expect_member(&a, "plus1.part0001", data + BW_CHUNK, 1);
	expect_member(&a, "after", "ok", 2);
	assert_int_equal(a.nm, 3 + 1 + 2 + 2 + 1);
	for (i = 0; i < a.nm; i++)
		assert_true(a.m[i].size <= BW_CHUNK);
	archive_free(&a);
	free(data);
}

static void test_excl_and_force(void **state)
{
	char path[300];
	struct bw_options o;
	struct bundle_writer *bw;
	struct archive a;
	char *err = NULL;
	off_t size1;

	(void)state;
	tmp_path(path, sizeof(path), "excl.tar.zst");
	bw = open_bundle(path, 0, 0, 0);
	assert_int_equal(bw_add(bw, "first", 1, "1111", 4), 0);
	assert_int_equal(bw_close(bw), 0);
	bw_free(bw);
	size1 = file_size(path);

	memset(&o, 0, sizeof(o));
	o.path = path;
	o.level = 1;
	bw = bw_open(&o, &err);
	assert_null(bw);
	assert_non_null(err);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, strerror(EEXIST)));
	assert_non_null(strstr(err, "--force"));
	free(err);
	err = NULL;
	/* the refused open left the file alone */
	assert_int_equal(file_size(path), size1);
	read_bundle(&a, path);
	expect_member(&a, "first", "1111", 4);
	archive_free(&a);

	/* with force it is replaced, not appended to */
	o.force = 1;
	bw = bw_open(&o, &err);
	assert_non_null(bw);
	assert_null(err);
	assert_int_equal(bw_add(bw, "second", 1, "22", 2), 0);
	assert_int_equal(bw_close(bw), 0);
	bw_free(bw);
	read_bundle(&a, path);
	assert_int_equal(a.nm, 1);
	expect_member(&a, "second", "22", 2);
	assert_null(find_member(&a, "first"));
	archive_free(&a);

	/* a directory that does not exist */
	tmp_path(path, sizeof(path), "no/such/dir/x.tar.zst");
	o.force = 0;
	bw = bw_open(&o, &err);
	assert_null(bw);
	assert_non_null(err);
	assert_non_null(strstr(err, strerror(ENOENT)));
	assert_null(strstr(err, "--force"));
	free(err);
}

/* -f over a world-readable file: the bundle is still 0600 (issue 8). */
static void test_force_mode(void **state)
{
	char path[300];
	struct bundle_writer *bw;
	struct stat st;
	int fd;

	(void)state;
	tmp_path(path, sizeof(path), "mode.tar.zst");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0644), 0);
	close(fd);
	bw = open_bundle(path, 1, 0, 0);
	assert_int_equal(bw_close(bw), 0);
	bw_free(bw);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

/*
 * --redact: members are rewritten by kind as they stream, lines split
 * across writes included; copies are byte for byte.
 */
static void test_redact(void **state)
{
	static const char argv[] = "gw\0--password=hunter2\0--secret\0hunter3\0";
	char path[300];
	struct bundle_writer *bw;
	struct archive a;
	struct redact r;
	const struct member *m;

	(void)state;
	memset(&r, 0, sizeof(r));
	memset(r.key, 3, sizeof(r.key));
	tmp_path(path, sizeof(path), "redact.tar.zst");
	bw = open_bundle(path, 0, 0, 0);
	bw_set_redact(bw, &r);
	assert_int_equal(bw_add(bw, "snap/000001/proc/9/cmdline", 1, argv, sizeof(argv) - 1), 0);
	assert_int_equal(bw_member_begin(bw, "snap/000001/tools/ss-tanpie.out", 1), 0);
	assert_int_equal(bw_member_write(bw, "a token=ab", 10), 0);
	assert_int_equal(bw_member_write(bw, "c b\nhttps://u:p", 16), 0);
	assert_int_equal(bw_member_write(bw, "w@h/ x\n", 7), 0);
	assert_int_equal(bw_member_end(bw), 0);
	assert_int_equal(bw_add(bw, "snap/000001/net/1/tcp", 1, "0500000A:01BB\n", 14), 0);
	assert_int_equal(bw_close(bw), 0);
	bw_free(bw);
	read_bundle(&a, path);
	m = find_member(&a, "snap/000001/proc/9/cmdline");
	assert_non_null(m);
	assert_null(memmem(m->data, m->size, "hunter", 6));
	assert_non_null(memmem(m->data, m->size, "--password=" REDACT_PREFIX, 11 + strlen(REDACT_PREFIX)));
	assert_non_null(memmem(m->data, m->size, "--secret\0" REDACT_PREFIX, 9 + strlen(REDACT_PREFIX)));
	m = find_member(&a, "snap/000001/tools/ss-tanpie.out");
	assert_non_null(m);
	assert_null(memmem(m->data, m->size, "abc", 3));
	assert_null(memmem(m->data, m->size, "u:pw", 4));
	assert_non_null(memmem(m->data, m->size, "a token=" REDACT_PREFIX, 8 + strlen(REDACT_PREFIX)));
	assert_non_null(memmem(m->data, m->size, "@h/ x\n", 6));
	/* Without --redact-ips the tables are copied. */
	expect_member(&a, "snap/000001/net/1/tcp", "0500000A:01BB\n", 14);
	archive_free(&a);
}

/* --max-size: BW_FULL instead of passing the cap; reserved records still fit. */
static void test_max_size(void **state)
{
	const uint64_t max = 64u << 10, reserve = 4u << 10;
	static unsigned char members[32][6000];
	unsigned char chunk[300];
	char path[300], name[32];
	struct bundle_writer *bw;
	struct archive a;
	int r = 0, added = 0, i;

	(void)state;
	tmp_path(path, sizeof(path), "maxsize.tar.zst");
	bw = open_bundle(path, 0, max, reserve);
	for (i = 0; i < 32; i++) {
		fill_random(members[i], sizeof(members[i]));
		snprintf(name, sizeof(name), "m%02d", i);
		r = bw_add(bw, name, 1, members[i], sizeof(members[i]));
		if (r == BW_FULL)
			break;
		assert_int_equal(r, 0);
		added++;
		if (i % 3 == 2) {
			assert_int_equal(bw_end_frame(bw), 0);
			/* everything capped so far fits under max - reserve */
			assert_true(bw_bytes_written(bw) <= max - reserve);
			assert_true((uint64_t)file_size(path) <= max - reserve);
		}
	}
	/* 32 * 6000 random bytes cannot fit in 64K: the cap must have hit */
	assert_int_equal(r, BW_FULL);
	assert_true(added >= 5);
	assert_true(bw_is_full(bw));
	assert_true(bw_bytes_written(bw) <= max);
	/* full stays full, even for a tiny member */
	assert_int_equal(bw_add(bw, "tiny", 1, "t", 1), BW_FULL);
	assert_int_equal(bw_member_begin(bw, "tiny2", 1), BW_FULL);
	/* the closing records ignore the cap */
	fill_random(chunk, 300);
	assert_int_equal(bw_add_reserved(bw, "snap/meta.json", 1, chunk, 300), 0);
	assert_int_equal(bw_end_frame(bw), 0);
	assert_int_equal(bw_add_reserved(bw, "end.json", 1, "{\"reason\":\"max-size\"}\n", 22), 0);
	assert_int_equal(bw_close(bw), 0);
	assert_true(bw_bytes_written(bw) <= max);
	bw_free(bw);
	assert_true((uint64_t)file_size(path) <= max);

	read_bundle(&a, path);
	assert_false(a.incomplete);
	assert_false(a.tar_bad);
	assert_true(a.trailer);
	assert_int_equal(a.nm, (size_t)added + 2);
	for (i = 0; i < added; i++) {
		snprintf(name, sizeof(name), "m%02d", i);
		expect_member(&a, name, members[i], sizeof(members[i]));
	}
	snprintf(name, sizeof(name), "m%02d", added);
	assert_null(find_member(&a, name));   /* the refused one left no trace */
	assert_null(find_member(&a, "tiny"));
	expect_member(&a, "snap/meta.json", chunk, 300);
	expect_member(&a, "end.json", "{\"reason\":\"max-size\"}\n", 22);
	assert_string_equal(a.m[a.nm - 1].name, "end.json");
	archive_free(&a);
}

/* A big member at the cap: refused even though small ones would fit. */
static void test_max_size_big_member(void **state)
{
	const uint64_t max = 64u << 10;
	unsigned char *data = malloc(80000);
	char path[300];
	struct bundle_writer *bw;
	struct archive a;

	(void)state;
	assert_non_null(data);
	fill_random(data, 80000);
	tmp_path(path, sizeof(path), "maxsize-big.tar.zst");
	bw = open_bundle(path, 0, max, 2048);
	assert_int_equal(bw_add(bw, "small", 1, data, 1000), 0);
	assert_int_equal(bw_add(bw, "huge", 1, data, 80000), BW_FULL);
	assert_int_equal(bw_add_reserved(bw, "end.json", 1, "{}", 2), 0);
	assert_int_equal(bw_close(bw), 0);
	bw_free(bw);
	assert_true((uint64_t)file_size(path) <= max);
	read_bundle(&a, path);
	assert_false(a.incomplete);
	assert_true(a.trailer);
	assert_int_equal(a.nm, 2);
	expect_member(&a, "small", data, 1000);
	expect_member(&a, "end.json", "{}", 2);
	archive_free(&a);
	free(data);
}

/*
 * A bundle cut anywhere (kill -9, full disk) still yields every member of
 * every complete frame, and nothing of the cut frame is taken as complete.
 */
static void test_truncated(void **state)
{
	enum { NFRAMES = 6, PER_FRAME = 4, MSIZE = 3000 };
	static unsigned char content[NFRAMES][PER_FRAME][MSIZE];
	uint64_t frame_end[NFRAMES + 1];
	char path[300], cut_path[300], name[64];
	struct bundle_writer *bw;
	unsigned char *buf;
	size_t len, cuts[64], ncuts = 0, c;
	int f, k;

	(void)state;
	tmp_path(path, sizeof(path), "trunc.tar.zst");
	tmp_path(cut_path, sizeof(cut_path), "trunc-cut.tar.zst");
	bw = open_bundle(path, 0, 0, 0);
	for (f = 0; f < NFRAMES; f++) {
		for (k = 0; k < PER_FRAME; k++) {
			/* half random, half text: frames of a few KB */
			fill_random(content[f][k], MSIZE / 2);
			fill_text(content[f][k] + MSIZE / 2, MSIZE - MSIZE / 2, (unsigned)(f * 10 + k));
			snprintf(name, sizeof(name), "snap/%06d/m%d", f + 1, k);
			assert_int_equal(bw_add(bw, name, 1, content[f][k], MSIZE), 0);
		}
		assert_int_equal(bw_end_frame(bw), 0);
		frame_end[f] = bw_bytes_written(bw);
	}
	assert_int_equal(bw_close(bw), 0);
	frame_end[NFRAMES] = bw_bytes_written(bw);
	bw_free(bw);
	buf = slurp(path, &len);
	assert_non_null(buf);
	assert_int_equal(len, frame_end[NFRAMES]);

	/* cut the last N bytes for many N: inside frames and at their edges */
	for (c = 1; c <= 200 && ncuts < 20; c = c * 3 + 1)
		cuts[ncuts++] = len - c;
	for (f = 0; f < NFRAMES; f++) {
		cuts[ncuts++] = (size_t)frame_end[f];
		cuts[ncuts++] = (size_t)frame_end[f] - 1;
		cuts[ncuts++] = (size_t)frame_end[f] + 1;
		cuts[ncuts++] = (size_t)frame_end[f] - 200;
	}
	cuts[ncuts++] = 5;
	for (c = 0; c < ncuts; c++) {
		size_t cut = cuts[c], expect_members = 0;
		unsigned complete = 0;
		struct archive a;
		unsigned char *cbuf;
		size_t clen;
		int fd;

		/* a real file cut short, as a crash leaves it */
		fd = open(cut_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, buf, cut), (ssize_t)cut);
		close(fd);
		cbuf = slurp(cut_path, &clen);
		assert_int_equal(clen, cut);
		decode(&a, cbuf, clen);
		free(cbuf);
		for (f = 0; f < NFRAMES; f++)
			if (frame_end[f] <= cut) {
				complete++;
				expect_members += PER_FRAME;
			}
		if (frame_end[NFRAMES] <= cut)
			complete++;
		if (a.frames != complete)
			fail_msg("cut at %zu of %zu: %u complete frames, want %u", cut, len, a.frames, complete);
		/* at a frame edge nothing is pending; elsewhere the cut frame is incomplete */
		if (cut == (size_t)frame_end[0] || cut == (size_t)frame_end[1] || cut == (size_t)frame_end[2] ||
		    cut == (size_t)frame_end[3] || cut == (size_t)frame_end[4] || cut == (size_t)frame_end[5])
			assert_false(a.incomplete);
		else
			assert_true(a.incomplete);
		tar_walk(&a, a.committed);
		assert_false(a.tar_bad);
		if (a.nm != expect_members)
			fail_msg("cut at %zu: %zu members, want %zu", cut, a.nm, expect_members);
		for (f = 0; f < NFRAMES; f++) {
			if (frame_end[f] > cut)
				break;
			for (k = 0; k < PER_FRAME; k++) {
				snprintf(name, sizeof(name), "snap/%06d/m%d", f + 1, k);
				expect_member(&a, name, content[f][k], MSIZE);
			}
		}
		archive_free(&a);
	}
	free(buf);
}

/* The writer freed without bw_close (the process died): ended frames survive. */
static void test_unclosed(void **state)
{
	unsigned char *data = malloc(300000);
	char path[300];
	struct bundle_writer *bw;
	struct archive a;

	(void)state;
	assert_non_null(data);
	fill_random(data, 300000);
	tmp_path(path, sizeof(path), "unclosed.tar.zst");
	bw = open_bundle(path, 0, 0, 0);
	assert_int_equal(bw_add(bw, "manifest.json", 1, "{}", 2), 0);
	assert_int_equal(bw_end_frame(bw), 0);
	assert_int_equal(bw_add(bw, "snap/000001/a", 1, data, 1000), 0);
	assert_int_equal(bw_end_frame(bw), 0);
	/* a big unfinished snapshot: some of it reaches the file */
	assert_int_equal(bw_add(bw, "snap/000002/a", 1, data, 300000), 0);
	bw_free(bw);
	assert_true((uint64_t)file_size(path) > 300000 / 2);

	read_bundle(&a, path);
	assert_int_equal(a.frames, 2);
	assert_true(a.incomplete);
	assert_false(a.tar_bad);
	assert_false(a.trailer);
	assert_int_equal(a.nm, 2);
	expect_member(&a, "manifest.json", "{}", 2);
	expect_member(&a, "snap/000001/a", data, 1000);
	assert_null(find_member(&a, "snap/000002/a"));
	archive_free(&a);
	free(data);
}

/* Write errors are reported (not a crash) and the writer stays dead. */
static void test_write_failure(void **state)
{
	unsigned char *data = malloc(1 << 20);
	struct bundle_writer *bw;

	(void)state;
	assert_non_null(data);
	if (access("/dev/full", W_OK) != 0) {
		free(data);
		skip();
	}
	fill_random(data, 1 << 20);

	/* small member: the error shows at the latest when the frame is written */
	bw = open_bundle("/dev/full", 1, 0, 0);
	if (bw_add(bw, "a", 1, "abc", 3) == 0)
		assert_int_equal(bw_end_frame(bw), -1);
	assert_non_null(strstr(bw_error(bw), "cannot write bundle"));
	assert_non_null(strstr(bw_error(bw), strerror(ENOSPC)));
	assert_int_equal(bw_add(bw, "b", 1, "x", 1), -1);
	assert_int_equal(bw_add_reserved(bw, "end.json", 1, "{}", 2), -1);
	assert_int_equal(bw_end_frame(bw), -1);
	assert_int_equal(bw_close(bw), -1);
	assert_non_null(strstr(bw_error(bw), strerror(ENOSPC)));
	bw_free(bw);

	/* big member: the error shows in bw_add itself */
	bw = open_bundle("/dev/full", 1, 0, 0);
	assert_int_equal(bw_add(bw, "big", 1, data, 1 << 20), -1);
	assert_non_null(strstr(bw_error(bw), strerror(ENOSPC)));
	assert_int_equal(bw_member_begin(bw, "c", 1), -1);
	assert_int_equal(bw_close(bw), -1);
	bw_free(bw);

	/* a writer dropped without close after an error frees cleanly too */
	bw = open_bundle("/dev/full", 1, 16u << 20, 4096);
	assert_int_equal(bw_member_begin(bw, "streamed", 1), 0);
	assert_int_equal(bw_member_write(bw, data, 1 << 20), 0);
	assert_int_equal(bw_member_end(bw), -1);
	bw_free(bw);
	free(data);
}

static void test_bad_names(void **state)
{
	char path[300], name[300];
	struct bundle_writer *bw;
	struct archive a;

	(void)state;
	tmp_path(path, sizeof(path), "names.tar.zst");
	bw = open_bundle(path, 0, 0, 0);
	memset(name, 'x', 241);
	name[241] = '\0';
	assert_int_equal(bw_member_begin(bw, name, 1), -1);
	assert_non_null(strstr(bw_error(bw), "too long"));
	/* 150 bytes without a slash cannot be split into prefix/name */
	memset(name, 'y', 150);
	name[150] = '\0';
	assert_int_equal(bw_add(bw, name, 1, "z", 1), -1);
	assert_non_null(strstr(bw_error(bw), "too long"));
	/* write/end without a member are refused */
	assert_int_equal(bw_member_write(bw, "q", 1), -1);
	assert_int_equal(bw_member_end(bw), -1);
	bw_free(bw);
	read_bundle(&a, path);
	/* nothing half-written made it to the file */
	assert_int_equal(a.nm, 0);
	assert_false(a.tar_bad);
	archive_free(&a);
}

/* "-" writes to standard output. */
static void test_stdout(void **state)
{
	char path[300];
	struct bundle_writer *bw;
	struct archive a;
	int saved, fd, r1, r2, r3;
	struct bw_options o;
	char *err = NULL;

	(void)state;
	tmp_path(path, sizeof(path), "stdout.tar.zst");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	close(fd);
	memset(&o, 0, sizeof(o));
	o.path = "-";
	o.level = 1;
	o.sync = 1;
	bw = bw_open(&o, &err);
	/* no cmocka output while stdout is the bundle: check afterwards */
	r1 = bw ? bw_add(bw, "via-stdout", 1, "hello", 5) : -9;
	r2 = bw ? bw_end_frame(bw) : -9;
	r3 = bw ? bw_close(bw) : -9;
	bw_free(bw);
	assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	assert_null(err);
	assert_int_equal(r1, 0);
	assert_int_equal(r2, 0);
	assert_int_equal(r3, 0);
	read_bundle(&a, path);
	assert_true(a.trailer);
	expect_member(&a, "via-stdout", "hello", 5);
	archive_free(&a);
}

/* GNU tar reads what we write. */
static void test_tar_cli(void **state)
{
	char path[300], list[300], cmd[1200], line[400];
	char longname[200];
	struct bundle_writer *bw;
	FILE *f;
	int n = 0;
	static const char *const want[] = {
		"manifest.json", "snap/000001/net/4026531840/tcp", "snap/000001/meta.json", NULL,
	};

	(void)state;
	if (system("tar --help 2>/dev/null | grep -q -- --zstd") != 0 ||
	    system("command -v zstd >/dev/null 2>&1") != 0) {
		print_message("tar without --zstd or no zstd: skipping the tar listing check\n");
		skip();
	}
	tmp_path(path, sizeof(path), "tar-cli.tar.zst");
	tmp_path(list, sizeof(list), "tar-cli.list");
	snprintf(longname, sizeof(longname), "snap/000001/proc/4194303/%s",
		 "fd-listing-with-a-name-long-enough-to-need-the-ustar-prefix-field-for-sure-xxxxxxxxx");
	bw = open_bundle(path, 0, 0, 0);
	assert_int_equal(bw_add(bw, want[0], 1700000000, "{\"format\":1}\n", 13), 0);
	assert_int_equal(bw_end_frame(bw), 0);
	assert_int_equal(bw_add(bw, want[1], 1700000000, "  sl  local_address\n", 20), 0);
	assert_int_equal(bw_add(bw, longname, 1700000000, "3\tsocket:[1]\n", 13), 0);
	assert_int_equal(bw_add(bw, want[2], 1700000000, "{}\n", 3), 0);
	assert_int_equal(bw_end_frame(bw), 0);
	assert_int_equal(bw_close(bw), 0);
	bw_free(bw);

	snprintf(cmd, sizeof(cmd), "tar --zstd -tf '%s' > '%s' 2>&1", path, list);
	assert_int_equal(system(cmd), 0);
	f = fopen(list, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		switch (n) {
		case 0: assert_string_equal(line, want[0]); break;
		case 1: assert_string_equal(line, want[1]); break;
		case 2: assert_string_equal(line, longname); break;
		case 3: assert_string_equal(line, want[2]); break;
		default: fail_msg("unexpected line from tar: %s", line);
		}
		n++;
	}
	fclose(f);
	assert_int_equal(n, 4);
	/* content through tar, and zstd's own integrity test */
	snprintf(cmd, sizeof(cmd), "tar --zstd -xOf '%s' '%s' | grep -qx '3.socket:\\[1\\]'", path, longname);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "zstd -qt '%s'", path);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_large_parts),
		cmocka_unit_test(test_excl_and_force),
		cmocka_unit_test(test_max_size),
		cmocka_unit_test(test_max_size_big_member),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_unclosed),
		cmocka_unit_test(test_write_failure),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_stdout),
		cmocka_unit_test(test_tar_cli),
		cmocka_unit_test(test_force_mode),
		cmocka_unit_test(test_redact),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
