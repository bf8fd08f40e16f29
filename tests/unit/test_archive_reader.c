/*
 * Unit tests for analyze/archive_reader.c. Archives are built at test time
 * with libarchive's writer (tar, tar.gz, tar.zst, zip): members delivered
 * whole and in order, NAME.part0000.. joined, unsafe names ("../evil",
 * "/abs") and links skipped with a note, a truncated tar.zst delivering
 * every complete member before the cut (also a bundle-like one, a zstd
 * frame per snapshot, cut inside its last frame while all of it is less
 * than one read-ahead block), a member claiming more than
 * member_max skipped, a decompression bomb stopped (also one hidden in a
 * skipped member: a header claiming 2^60 bytes or a huge size over
 * concatenated zero frames), the callback stopping the walk, and
 * ar_is_archive. Nothing is ever extracted: the test checks
 * that the temporary directory holds only what it wrote itself.
 *
 * Every test runs twice: reading on the caller's thread, then on a thread
 * of its own (ar_options.threaded, as bundles are loaded), where members
 * kept by the callback are taken (ar_member_take) rather than copied.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "archive_reader.h"

enum { F_TAR, F_TGZ, F_TZST, F_ZIP };

struct wmember {
	const char *name;
	const char *data;       /* NULL: size zero bytes */
	size_t size;
	int type;               /* 0 regular, 'l' symlink, 'h' hard link, 'd' directory,
				 * 'c' character device, 'p' fifo */
	const char *link;
};

struct got {
	char *name;
	char *data;
	size_t size;
	int64_t mtime;
	uint64_t index;
};

struct note {
	char *member;
	char *msg;
	uint64_t offset;
};

struct coll {
	struct got m[64];
	size_t n;
	struct note notes[64];
	size_t nnotes;
	size_t stop_after;      /* stop the walk after this many members (0: never) */
	int keep_data;          /* copy member data (off for huge members) */
};

static char tmpdir[64];
static int walk_threaded;   /* this round's ar_options.threaded */

static int coll_member(void *ctx, const struct ar_member *m)
{
	struct coll *c = ctx;
	struct got *g;

	assert_true(c->n < 64);
	g = &c->m[c->n++];
	g->name = strdup(m->name);
	g->size = m->size;
	g->mtime = m->mtime;
	g->index = m->index;
	g->data = NULL;
	if (c->keep_data && walk_threaded) {
		g->data = ar_member_take(m);
		assert_non_null(g->data);
		assert_int_equal(g->data[m->size], '\0');
	} else if (c->keep_data) {
		g->data = malloc(m->size ? m->size : 1);
		assert_non_null(g->data);
		if (m->size)
			memcpy(g->data, m->data, m->size);
	} else if (m->size) {
		/* touch every byte: the whole member must be there */
		size_t i, sum = 0;
		for (i = 0; i < m->size; i += 4096)
			sum += (unsigned char)m->data[i];
		sum += (unsigned char)m->data[m->size - 1];
		assert_true(sum < (size_t)-1);
	}
	return c->stop_after && c->n >= c->stop_after;
}

static void coll_note(void *ctx, const char *member, uint64_t offset, const char *msg)
{
	struct coll *c = ctx;

	assert_true(c->nnotes < 64);
	c->notes[c->nnotes].member = strdup(member);
	c->notes[c->nnotes].msg = strdup(msg);
	c->notes[c->nnotes].offset = offset;
	c->nnotes++;
}

static void coll_free(struct coll *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->m[i].name);
		free(c->m[i].data);
	}
	for (i = 0; i < c->nnotes; i++) {
		free(c->notes[i].member);
		free(c->notes[i].msg);
	}
	memset(c, 0, sizeof(*c));
}

static const struct got *find(const struct coll *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->m[i].name, name))
			return &c->m[i];
	return NULL;
}

static const struct note *find_note(const struct coll *c, const char *member, const char *needle)
{
	size_t i;

	for (i = 0; i < c->nnotes; i++)
		if (!strcmp(c->notes[i].member, member) && strstr(c->notes[i].msg, needle))
			return &c->notes[i];
	return NULL;
}

static int walk(const char *path, struct coll *c, size_t member_max, uint64_t ratio_max, struct ar_result *res)
{
	struct ar_options o;

	memset(&o, 0, sizeof(o));
	o.member = coll_member;
	o.note = coll_note;
	o.ctx = c;
	o.member_max = member_max;
	o.ratio_max = ratio_max;
	o.threaded = walk_threaded;
	return ar_walk(path, &o, res);
}

static char *tpath(const char *name)
{
	static char buf[8][256];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmpdir, name);
	return buf[i];
}

static void write_archive(const char *path, int fmt, const struct wmember *m, size_t n)
{
	static char zeros[1 << 16];
	struct archive *a = archive_write_new();
	size_t i;

	assert_non_null(a);
	if (fmt == F_ZIP) {
		assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	} else {
		assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
		if (fmt == F_TGZ)
			assert_true(archive_write_add_filter_gzip(a) >= ARCHIVE_WARN);
		if (fmt == F_TZST)
			assert_true(archive_write_add_filter_zstd(a) >= ARCHIVE_WARN);
	}
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_mtime(e, 1795000000 + (time_t)i, 0);
		archive_entry_set_perm(e, 0644);
		switch (m[i].type) {
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, m[i].link);
			archive_entry_set_size(e, 0);
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, m[i].link);
			archive_entry_set_size(e, 0);
			break;
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
			archive_entry_set_size(e, 0);
			break;
		case 'c':
			archive_entry_set_filetype(e, AE_IFCHR);
			archive_entry_set_rdevmajor(e, 1);
			archive_entry_set_rdevminor(e, 5);
			archive_entry_set_size(e, 0);
			break;
		case 'p':
			archive_entry_set_filetype(e, AE_IFIFO);
			archive_entry_set_size(e, 0);
			break;
		default:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)m[i].size);
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (!m[i].type) {
			if (m[i].data) {
				assert_int_equal(archive_write_data(a, m[i].data, m[i].size), (la_ssize_t)m[i].size);
			} else {
				size_t left = m[i].size;
				while (left) {
					size_t k = left < sizeof(zeros) ? left : sizeof(zeros);
					assert_int_equal(archive_write_data(a, zeros, k), (la_ssize_t)k);
					left -= k;
				}
			}
		}
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* Deterministic incompressible bytes. */
static char *noise(size_t n, uint32_t seed)
{
	char *b = malloc(n ? n : 1);
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	assert_non_null(b);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (char)(x >> 24);
	}
	return b;
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sm-test-ar.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

/* Only the archives this test wrote are in the directory: nothing was
 * ever extracted (no "evil", no "abs", no "link"). */
static int teardown(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	int bad = 0;

	(void)state;
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char p[512];
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		if (!((l > 4 && !strcmp(de->d_name + l - 4, ".tar")) || (l > 4 && !strcmp(de->d_name + l - 4, ".tgz")) ||
		      (l > 4 && !strcmp(de->d_name + l - 4, ".zip")) || (l > 8 && !strcmp(de->d_name + l - 8, ".tar.zst")) ||
		      (l > 4 && !strcmp(de->d_name + l - 4, ".txt")))) {
			fprintf(stderr, "unexpected file in %s: %s\n", tmpdir, de->d_name);
			bad = 1;
		}
		snprintf(p, sizeof(p), "%s/%s", tmpdir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(tmpdir);
	return bad ? -1 : 0;
}

static void check_whole(int fmt, const char *file)
{
	char *big = noise(1000000, 7);
	const char small[] = "State Recv-Q Send-Q\nESTAB 0 0 1.2.3.4:80 5.6.7.8:9\n";
	const struct wmember m[] = {
		{ "dir", NULL, 0, 'd', NULL },
		{ "dir/small.txt", small, sizeof(small) - 1, 0, NULL },
		{ "empty", "", 0, 0, NULL },
		{ "dir/big.bin", big, 1000000, 0, NULL },
	};
	struct coll c = { .keep_data = 1 };
	struct ar_result res;
	const struct got *g;

	write_archive(tpath(file), fmt, m, 4);
	assert_true(ar_is_archive(tpath(file)));
	assert_int_equal(walk(tpath(file), &c, 0, 0, &res), 0);
	assert_int_equal(res.members, 3);
	assert_int_equal(res.skipped, 0);
	assert_int_equal(res.truncated, 0);
	assert_int_equal(res.stopped, 0);
	assert_int_equal(res.not_archive, 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.nnotes, 0);
	/* in archive order, directories not delivered */
	assert_string_equal(c.m[0].name, "dir/small.txt");
	assert_string_equal(c.m[1].name, "empty");
	assert_string_equal(c.m[2].name, "dir/big.bin");
	g = find(&c, "dir/small.txt");
	assert_int_equal(g->size, sizeof(small) - 1);
	assert_memory_equal(g->data, small, sizeof(small) - 1);
	assert_int_equal(g->mtime, 1795000001);
	assert_int_equal(g->index, 1);
	g = find(&c, "empty");
	assert_int_equal(g->size, 0);
	g = find(&c, "dir/big.bin");
	assert_int_equal(g->size, 1000000);
	assert_memory_equal(g->data, big, 1000000);
	assert_int_equal(g->index, 3);
	assert_true(res.offset > 0);
	coll_free(&c);
	free(big);
}

static void test_whole_tar(void **state)
{
	(void)state;
	check_whole(F_TAR, "whole.tar");
}

static void test_whole_tgz(void **state)
{
	(void)state;
	check_whole(F_TGZ, "whole.tgz");
}

static void test_whole_tzst(void **state)
{
	(void)state;
	check_whole(F_TZST, "whole.tar.zst");
}

static void test_whole_zip(void **state)
{
	(void)state;
	check_whole(F_ZIP, "whole.zip");
}

/* NAME.part0000, .part0001, ... arrive as NAME, their concatenation. */
static void test_parts_joined(void **state)
{
	char *a = noise(70000, 1), *b = noise(70000, 2), *cc = noise(123, 3), *joined;
	const struct wmember m[] = {
		{ "manifest.json", "{}", 2, 0, NULL },
		{ "snap/000001/proc/7/fd.part0000", a, 70000, 0, NULL },
		{ "snap/000001/proc/7/fd.part0001", b, 70000, 0, NULL },
		{ "snap/000001/proc/7/fd.part0002", cc, 123, 0, NULL },
		{ "snap/000001/meta.json", "{\"n\":1}", 7, 0, NULL },
		/* a lone later part without part0000 is just a member */
		{ "stray.part0001", "zz", 2, 0, NULL },
		/* parts at the very end are flushed too */
		{ "tail.part0000", "abc", 3, 0, NULL },
		{ "tail.part0001", "def", 3, 0, NULL },
	};
	struct coll c = { .keep_data = 1 };
	struct ar_result res;
	const struct got *g;

	(void)state;
	write_archive(tpath("parts.tar.zst"), F_TZST, m, 8);
	assert_int_equal(walk(tpath("parts.tar.zst"), &c, 0, 0, &res), 0);
	assert_int_equal(c.n, 5);
	assert_int_equal(res.members, 5);
	assert_string_equal(c.m[0].name, "manifest.json");
	assert_string_equal(c.m[1].name, "snap/000001/proc/7/fd");
	assert_string_equal(c.m[2].name, "snap/000001/meta.json");
	assert_string_equal(c.m[3].name, "stray.part0001");
	assert_string_equal(c.m[4].name, "tail");
	g = &c.m[1];
	assert_int_equal(g->size, 140123);
	joined = malloc(140123);
	assert_non_null(joined);
	memcpy(joined, a, 70000);
	memcpy(joined + 70000, b, 70000);
	memcpy(joined + 140000, cc, 123);
	assert_memory_equal(g->data, joined, 140123);
	assert_int_equal(c.m[4].size, 6);
	assert_memory_equal(c.m[4].data, "abcdef", 6);
	assert_null(find(&c, "snap/000001/proc/7/fd.part0000"));
	coll_free(&c);
	free(a);
	free(b);
	free(cc);
	free(joined);
}

static void test_unsafe_names_and_links(void **state)
{
	const struct wmember m[] = {
		{ "ok1", "1", 1, 0, NULL },
		{ "../evil", "evil", 4, 0, NULL },
		{ "/abs", "abs", 3, 0, NULL },
		{ "a/../../b", "b", 1, 0, NULL },
		{ "link", NULL, 0, 'l', "/etc/passwd" },
		{ "hard", NULL, 0, 'h', "ok1" },
		{ "..dots/..x", "fine", 4, 0, NULL },
		{ "dev/zero", NULL, 0, 'c', NULL },
		{ "fifo", NULL, 0, 'p', NULL },
		{ "ok2", "2", 1, 0, NULL },
	};
	struct coll c = { .keep_data = 1 };
	struct ar_result res;
	const struct note *nt;
	struct stat st;

	(void)state;
	write_archive(tpath("evil.tar"), F_TAR, m, 10);
	assert_int_equal(walk(tpath("evil.tar"), &c, 0, 0, &res), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.m[0].name, "ok1");
	assert_string_equal(c.m[1].name, "..dots/..x");
	assert_string_equal(c.m[2].name, "ok2");
	assert_int_equal(res.skipped, 7);
	assert_int_equal(c.nnotes, 7);
	assert_non_null(find_note(&c, "../evil", "unsafe"));
	assert_non_null(find_note(&c, "/abs", "unsafe"));
	assert_non_null(find_note(&c, "a/../../b", "unsafe"));
	/* each note says what the member is */
	assert_non_null(find_note(&c, "link", "not a regular file (symbolic link to '/etc/passwd')"));
	assert_non_null(find_note(&c, "hard", "not a regular file (hard link to 'ok1')"));
	assert_non_null(find_note(&c, "dev/zero", "not a regular file (character device)"));
	assert_non_null(find_note(&c, "fifo", "not a regular file (fifo)"));
	nt = find_note(&c, "../evil", "unsafe");
	assert_true(nt->offset > 0);
	/* and nothing was written anywhere */
	assert_int_equal(stat("/abs", &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != 3, 1);
	coll_free(&c);

	/* zip too */
	write_archive(tpath("evil.zip"), F_ZIP, m, 3);
	assert_int_equal(walk(tpath("evil.zip"), &c, 0, 0, &res), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(res.skipped, 2);
	assert_non_null(find_note(&c, "../evil", "unsafe"));
	assert_non_null(find_note(&c, "/abs", "unsafe"));
	coll_free(&c);
}

/* A tar.zst cut in the middle: every member before the cut arrives whole,
 * the one cut is not delivered, and the result says truncated. */
static void test_truncated(void **state)
{
	enum { N = 10, SZ = 100000 };
	struct wmember m[N];
	char *data[N], names[N][16];
	struct coll c = { .keep_data = 1 };
	struct ar_result res;
	struct stat st;
	size_t i;
	int fd;

	(void)state;
	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "m%02zu", i);
		data[i] = noise(SZ, (uint32_t)(100 + i));
		m[i].name = names[i];
		m[i].data = data[i];
		m[i].size = SZ;
		m[i].type = 0;
		m[i].link = NULL;
	}
	write_archive(tpath("cut.tar.zst"), F_TZST, m, N);
	assert_int_equal(stat(tpath("cut.tar.zst"), &st), 0);
	fd = open(tpath("cut.tar.zst"), O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, st.st_size * 55 / 100), 0);
	close(fd);

	assert_int_equal(walk(tpath("cut.tar.zst"), &c, 0, 0, &res), -1);
	assert_int_equal(res.truncated, 1);
	assert_int_equal(res.not_archive, 0);
	assert_true(res.error[0] != '\0');
	/* noise does not compress: about half the members made it */
	assert_true(c.n >= 3 && c.n <= 6);
	assert_int_equal(res.members, c.n);
	for (i = 0; i < c.n; i++) {
		assert_string_equal(c.m[i].name, names[i]);
		assert_int_equal(c.m[i].size, SZ);
		assert_memory_equal(c.m[i].data, data[i], SZ);
	}
	assert_true(res.offset <= (uint64_t)(st.st_size * 55 / 100));
	coll_free(&c);

	/* cut inside the first header: nothing, and it still says so */
	fd = open(tpath("cut.tar.zst"), O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 100), 0);
	close(fd);
	assert_int_equal(walk(tpath("cut.tar.zst"), &c, 0, 0, &res), -1);
	assert_int_equal(c.n, 0);
	assert_true(res.truncated || res.not_archive);
	assert_true(res.error[0] != '\0');
	coll_free(&c);
	for (i = 0; i < N; i++)
		free(data[i]);
}

/* A bundle is a tar in several zstd frames (one per snapshot, each
 * flushed); kill -9 cuts the file inside a frame. Every member of the
 * complete frames must arrive, even when all of it decompresses to less
 * than one read-ahead block, and the result must say truncated. */
static void write_frames(const char *path, size_t nframes, size_t cut_in_last)
{
	struct wmember all[16];
	char names[16][48], *datas[16], tarpath[300], *tar;
	size_t bound[17], f, i, tl;
	FILE *in, *out;
	long n;

	assert_true(nframes >= 1 && nframes <= 16);
	/* one tar holding every member ... */
	for (i = 0; i < nframes; i++) {
		snprintf(names[i], sizeof(names[i]), "snap/%06u/meta.json", (unsigned)(i + 1));
		datas[i] = noise(3000, (uint32_t)(40 + i));
		all[i].name = names[i];
		all[i].data = datas[i];
		all[i].size = 3000;
		all[i].type = 0;
		all[i].link = NULL;
	}
	snprintf(tarpath, sizeof(tarpath), "%s.tar", path);
	write_archive(tarpath, F_TAR, all, nframes);
	in = fopen(tarpath, "rb");
	assert_non_null(in);
	assert_int_equal(fseek(in, 0, SEEK_END), 0);
	n = ftell(in);
	assert_true(n > 0);
	tl = (size_t)n;
	rewind(in);
	tar = malloc(tl);
	assert_non_null(tar);
	assert_int_equal(fread(tar, 1, tl, in), tl);
	fclose(in);
	unlink(tarpath);
	/* ... split at member boundaries (512 header + 3000 data padded to
	 * 3072) into one zstd frame per member, the last one with the tar's
	 * end blocks, as the collector does per snapshot */
	for (i = 0; i < nframes; i++)
		bound[i] = i * (512 + 3072);
	bound[nframes] = tl;
	out = fopen(path, "wb");
	assert_non_null(out);
	for (f = 0; f < nframes; f++) {
		size_t cap = ZSTD_compressBound(bound[f + 1] - bound[f]), zn;
		char *z = malloc(cap);

		assert_non_null(z);
		zn = ZSTD_compress(z, cap, tar + bound[f], bound[f + 1] - bound[f], 1);
		assert_false(ZSTD_isError(zn));
		if (f == nframes - 1 && cut_in_last)
			zn = cut_in_last < zn ? cut_in_last : zn / 2;
		assert_int_equal(fwrite(z, 1, zn, out), zn);
		free(z);
	}
	fclose(out);
	free(tar);
	for (i = 0; i < nframes; i++)
		free(datas[i]);
}

static void test_truncated_frames(void **state)
{
	struct coll c = { .keep_data = 1 };
	struct ar_result res;
	size_t i;

	(void)state;
	/* four frames, the fourth cut in its middle: three members arrive */
	write_frames(tpath("frames.tar.zst"), 4, 1000);
	assert_true(ar_is_archive(tpath("frames.tar.zst")));
	assert_int_equal(walk(tpath("frames.tar.zst"), &c, 0, 0, &res), -1);
	assert_int_equal(res.truncated, 1);
	assert_int_equal(res.not_archive, 0);
	assert_int_equal(c.n, 3);
	for (i = 0; i < 3; i++) {
		char want[48], *d = noise(3000, (uint32_t)(40 + i));

		snprintf(want, sizeof(want), "snap/%06u/meta.json", (unsigned)(i + 1));
		assert_string_equal(c.m[i].name, want);
		assert_int_equal(c.m[i].size, 3000);
		assert_memory_equal(c.m[i].data, d, 3000);
		free(d);
	}
	coll_free(&c);

	/* cut a few bytes into the second frame: the first member arrives */
	write_frames(tpath("frames.tar.zst"), 2, 5);
	assert_true(ar_is_archive(tpath("frames.tar.zst")));
	assert_int_equal(walk(tpath("frames.tar.zst"), &c, 0, 0, &res), -1);
	assert_int_equal(res.truncated, 1);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.m[0].name, "snap/000001/meta.json");
	coll_free(&c);

	/* all frames whole: everything, no truncation */
	write_frames(tpath("frames.tar.zst"), 4, 0);
	assert_int_equal(walk(tpath("frames.tar.zst"), &c, 0, 0, &res), 0);
	assert_int_equal(res.truncated, 0);
	assert_int_equal(c.n, 4);
	coll_free(&c);
}

/* A member whose header claims more than member_max is skipped, and the
 * walk goes on with the next one. */
static void test_member_max(void **state)
{
	char *big = noise(1000000, 9);
	const struct wmember m[] = {
		{ "first", "1", 1, 0, NULL },
		{ "big", big, 1000000, 0, NULL },
		{ "after", "2", 1, 0, NULL },
	};
	struct coll c = { 0 };
	struct ar_result res;

	(void)state;
	write_archive(tpath("big.tar.zst"), F_TZST, m, 3);
	assert_int_equal(walk(tpath("big.tar.zst"), &c, 512 * 1024, 0, &res), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.m[0].name, "first");
	assert_string_equal(c.m[1].name, "after");
	assert_int_equal(res.skipped, 1);
	assert_non_null(find_note(&c, "big", "size limit"));
	assert_null(find(&c, "big"));
	coll_free(&c);

	/* exactly at the limit is allowed */
	assert_int_equal(walk(tpath("big.tar.zst"), &c, 1000000, 0, &res), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.m[1].size, 1000000);
	assert_int_equal(res.skipped, 0);
	coll_free(&c);
	free(big);
}

/* 200 MB of zeros compress to a few KB: with the default ratio (2000) the
 * walk is stopped as a bomb long before the member is in memory; raising
 * ratio_max shows it is the ratio that stopped it. */
static void test_bomb(void **state)
{
	const struct wmember m[] = {
		{ "first", "1", 1, 0, NULL },
		{ "bomb", NULL, 200u << 20, 0, NULL },
		{ "after", "2", 1, 0, NULL },
	};
	struct coll c = { 0 };
	struct ar_result res;
	struct stat st;

	(void)state;
	write_archive(tpath("bomb.tar.zst"), F_TZST, m, 3);
	assert_int_equal(stat(tpath("bomb.tar.zst"), &st), 0);
	assert_true(st.st_size < (1 << 20));

	assert_int_equal(walk(tpath("bomb.tar.zst"), &c, 0, 0, &res), -1);
	assert_non_null(strstr(res.error, "decompression bomb"));
	assert_non_null(strstr(res.error, "bomb:"));   /* names the member */
	assert_int_equal(res.hostile, 1);
	assert_int_equal(res.truncated, 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.m[0].name, "first");
	assert_null(find(&c, "bomb"));
	coll_free(&c);

	/* the same archive with a generous ratio loads whole */
	assert_int_equal(walk(tpath("bomb.tar.zst"), &c, 256u << 20, 1000000000, &res), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.m[1].size, 200u << 20);
	coll_free(&c);
}

/* A ustar header for name whose size field is GNU base-256 (0x80, then
 * the size big-endian): how GNU tar writes sizes of 8 GiB and more. */
static void gnu_huge_header(unsigned char h[512], const char *name, uint64_t size)
{
	unsigned sum = 0;
	int i;

	memset(h, 0, 512);
	memcpy(h, name, strlen(name));
	memcpy(h + 100, "0000644", 7);
	memcpy(h + 108, "0000000", 7);
	memcpy(h + 116, "0000000", 7);
	h[124] = 0x80;
	for (i = 0; i < 8; i++)
		h[135 - i] = (unsigned char)(size >> (8 * i));
	memcpy(h + 136, "14750531400", 11);
	memset(h + 148, ' ', 8);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
}

/* A header claiming 2^60 bytes is skipped without allocating them, and the
 * walk ends at the archive's end, truncated; the member is named with the
 * size it claims. */
static void test_huge_claim(void **state)
{
	const struct wmember m[] = { { "first", "1", 1, 0, NULL } };
	unsigned char h[512], pad[1024];
	struct coll c = { 0 };
	struct ar_result res;
	FILE *f;

	(void)state;
	write_archive(tpath("claim.tar"), F_TAR, m, 1);
	/* keep "first", drop the end blocks, add the huge header and a block */
	assert_int_equal(truncate(tpath("claim.tar"), 1024), 0);
	gnu_huge_header(h, "huge", (uint64_t)1 << 60);
	memset(pad, 'x', sizeof(pad));
	f = fopen(tpath("claim.tar"), "ab");
	assert_non_null(f);
	assert_int_equal(fwrite(h, 1, 512, f), 512);
	assert_int_equal(fwrite(pad, 1, sizeof(pad), f), sizeof(pad));
	fclose(f);
	assert_int_equal(walk(tpath("claim.tar"), &c, 0, 0, &res), -1);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.m[0].name, "first");
	assert_int_equal(res.skipped, 1);
	assert_non_null(find_note(&c, "huge", "claims 1152921504606846976 bytes"));
	assert_int_equal(res.truncated, 1);
	assert_int_equal(res.hostile, 0);
	coll_free(&c);
}

/* A member too big to keep is still read past, through the bomb ratio: 1
 * GiB of zeros under a header claiming 100 GiB (frames of zeros repeated:
 * concatenated zstd frames are one stream) is stopped within the first
 * few hundred MiB, as a bomb, not a cut. */
static void test_skipped_bomb(void **state)
{
	enum { CHUNK = 1 << 20 };
	const char *path = tpath("skipbomb.tar.zst");
	unsigned char h[512];
	char *zeros = calloc(1, CHUNK), *z;
	size_t cap = ZSTD_compressBound(CHUNK), zn, i;
	struct coll c = { 0 };
	struct ar_result res;
	FILE *f;

	(void)state;
	assert_non_null(zeros);
	z = malloc(cap);
	assert_non_null(z);
	gnu_huge_header(h, "zeros", (uint64_t)100 << 30);
	f = fopen(path, "wb");
	assert_non_null(f);
	zn = ZSTD_compress(z, cap, h, sizeof(h), 1);
	assert_false(ZSTD_isError(zn));
	assert_int_equal(fwrite(z, 1, zn, f), zn);
	zn = ZSTD_compress(z, cap, zeros, CHUNK, 19);
	assert_false(ZSTD_isError(zn));
	for (i = 0; i < 1024; i++)      /* 1 GiB out, a few hundred KB in */
		assert_int_equal(fwrite(z, 1, zn, f), zn);
	fclose(f);
	assert_int_equal(walk(path, &c, 0, 0, &res), -1);
	assert_int_equal(c.n, 0);
	assert_int_equal(res.skipped, 1);
	assert_non_null(find_note(&c, "zeros", "claims 107374182400 bytes"));
	assert_non_null(strstr(res.error, "decompression bomb"));
	assert_non_null(strstr(res.error, "zeros:"));
	assert_int_equal(res.hostile, 1);
	assert_int_equal(res.truncated, 0);
	coll_free(&c);
	free(z);
	free(zeros);
}

static void test_callback_stops(void **state)
{
	const struct wmember m[] = {
		{ "a", "1", 1, 0, NULL },
		{ "b", "2", 1, 0, NULL },
		{ "c", "3", 1, 0, NULL },
	};
	struct coll c = { .stop_after = 2 };
	struct ar_result res;

	(void)state;
	write_archive(tpath("stop.tar"), F_TAR, m, 3);
	assert_int_equal(walk(tpath("stop.tar"), &c, 0, 0, &res), 0);
	assert_int_equal(res.stopped, 1);
	assert_int_equal(c.n, 2);
	assert_int_equal(res.members, 2);
	coll_free(&c);
}

static void test_not_archives(void **state)
{
	struct coll c = { 0 };
	struct ar_result res;
	FILE *f;

	(void)state;
	f = fopen(tpath("plain.txt"), "w");
	assert_non_null(f);
	fputs("State Recv-Q Send-Q Local Address:Port Peer Address:Port\n", f);
	fclose(f);
	f = fopen(tpath("empty.txt"), "w");
	assert_non_null(f);
	fclose(f);
	assert_false(ar_is_archive(tpath("plain.txt")));
	assert_false(ar_is_archive(tpath("empty.txt")));
	assert_false(ar_is_archive(tpath("missing.txt")));
	assert_int_equal(walk(tpath("plain.txt"), &c, 0, 0, &res), -1);
	assert_int_equal(res.not_archive, 1);
	assert_int_equal(c.n, 0);
	assert_int_equal(walk(tpath("missing.txt"), &c, 0, 0, &res), -1);
	assert_int_equal(res.not_archive, 1);
	assert_non_null(strstr(res.error, "missing.txt"));
	assert_int_equal(c.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_tar),
		cmocka_unit_test(test_whole_tgz),
		cmocka_unit_test(test_whole_tzst),
		cmocka_unit_test(test_whole_zip),
		cmocka_unit_test(test_parts_joined),
		cmocka_unit_test(test_unsafe_names_and_links),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_truncated_frames),
		cmocka_unit_test(test_member_max),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_huge_claim),
		cmocka_unit_test(test_skipped_bomb),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_not_archives),
	};

	int failed;

	failed = cmocka_run_group_tests_name("archive_reader (one thread)", tests, setup, teardown);
	walk_threaded = 1;
	failed += cmocka_run_group_tests_name("archive_reader (threaded)", tests, setup, teardown);
	return failed;
}
