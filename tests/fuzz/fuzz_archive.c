/*
 * fuzz_archive: the archive reader (bundles' tar.zst, tar.gz, zip, plain
 * tar) through ar_walk() on a private temporary file, read on the
 * caller's thread and then on a thread of its own: the same outcome
 * (members delivered and skipped, cut, hostile, error) both ways.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "archive_reader.h"
#include "fuzz_sink.h"
#include "fuzz_tmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small caps: the fuzzer's memory limit should find bugs, not big members. */
#define FUZZ_MEMBER_MAX ((size_t)4 << 20)

/* archive_reader.h: no member escapes a directory, none is over the cap. */
static int fuzz_member(void *ctx, const struct ar_member *m)
{
	const char *p;

	(void)ctx;
	FUZZ_CHECK(m->name != NULL && m->name[0] != '\0' && m->name[0] != '/');
	for (p = m->name; *p; p += strcspn(p, "/"), p += strspn(p, "/"))
		FUZZ_CHECK(strncmp(p, "..", 2) || (p[2] != '/' && p[2] != '\0'));
	FUZZ_CHECK(m->size <= FUZZ_MEMBER_MAX);
	FUZZ_CHECK(m->size == 0 || m->data != NULL);
	fuzz_touch(m->name);
	fuzz_touch_mem(m->data, m->size);
	return 0;
}

static void fuzz_note(void *ctx, const char *member, uint64_t offset, const char *msg)
{
	(void)ctx;
	(void)offset;
	fuzz_touch(member);
	FUZZ_CHECK(msg != NULL);
	fuzz_touch(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_tmp_write(data, size);
	struct ar_options o;
	struct ar_result res;

	memset(&o, 0, sizeof(o));
	o.member_max = FUZZ_MEMBER_MAX;
	o.ratio_max = 2000;
	o.member = fuzz_member;
	o.note = fuzz_note;
	ar_walk(path, &o, &res);
	FUZZ_CHECK(memchr(res.error, '\0', sizeof(res.error)) != NULL);
	{
		/* read on a thread of its own (as bundles are): the same outcome */
		struct ar_result tres;

		o.threaded = 1;
		ar_walk(path, &o, &tres);
		FUZZ_CHECK(tres.members == res.members && tres.skipped == res.skipped &&
			   tres.truncated == res.truncated && tres.hostile == res.hostile &&
			   tres.not_archive == res.not_archive && !strcmp(tres.error, res.error));
	}
	ar_is_archive(path);
	return 0;
}
