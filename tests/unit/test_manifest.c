/*
 * Unit tests for analyze/manifest.c: manifest_parse() on a real-shaped
 * manifest, a future version, foreign and broken JSON; manifest_redact()
 * rewriting argv and recording what it did.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "redact.h"
#include "rows.h"

static const char good[] =
	"{\"format\":\"sockmortem-bundle\",\"format_version\":1,\"tool\":\"sockmortem-collect\","
	"\"tool_version\":\"0.1.0\",\"host\":{\"hostname\":\"gw1\",\"boot_id\":\"b-1\","
	"\"kernel_release\":\"6.1.0\",\"byte_order\":\"little\"},"
	"\"collector\":{\"pid\":1,\"argv\":[\"sockmortem-collect\",\"--pprof\",\"http://u:pw@10.0.0.5:6060\","
	"\"--secret\",\"s3\"]},\"options\":{\"pcap_filter\":\"host 10.0.0.5\"}}";

static int setup(void **state)
{
	sqlite3 *db = NULL;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return -1;
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	sqlite3_close(*state);
	return 0;
}

static void t_parse(void **state)
{
	struct manifest m;

	assert_int_equal(manifest_parse(*state, good, sizeof(good) - 1, &m), MANIFEST_OK);
	assert_int_equal(m.format_version, 1);
	assert_string_equal(m.hostname, "gw1");
	assert_string_equal(m.boot_id, "b-1");
	assert_string_equal(m.kernel_release, "6.1.0");
	assert_string_equal(m.tool_version, "0.1.0");
	assert_string_equal(m.byte_order, "little");
	manifest_free(&m);
	assert_null(m.hostname);
	manifest_free(NULL);
}

static void t_reject(void **state)
{
	static const char future[] = "{\"format\":\"sockmortem-bundle\",\"format_version\":7}";
	static const char other[] = "{\"format\":\"x\",\"format_version\":1}";
	static const char noversion[] = "{\"format\":\"sockmortem-bundle\"}";
	static const char broken[] = "{\"format\":\"sockmortem-bundle\",";
	/* versions no sockmortem wrote, or not integers */
	static const char *const badver[] = {
		"{\"format\":\"sockmortem-bundle\",\"format_version\":0}",
		"{\"format\":\"sockmortem-bundle\",\"format_version\":-1}",
		"{\"format\":\"sockmortem-bundle\",\"format_version\":-9223372036854775808}",
		"{\"format\":\"sockmortem-bundle\",\"format_version\":1.5}",
		"{\"format\":\"sockmortem-bundle\",\"format_version\":\"1\"}",
		"{\"format\":\"sockmortem-bundle\",\"format_version\":1e30}",
	};
	static const char huge[] = "{\"format\":\"sockmortem-bundle\",\"format_version\":9223372036854775807}";
	struct manifest m;
	size_t i;

	assert_int_equal(manifest_parse(*state, future, sizeof(future) - 1, &m), MANIFEST_TOO_NEW);
	assert_int_equal(m.format_version, 7);
	manifest_free(&m);
	assert_int_equal(manifest_parse(*state, other, sizeof(other) - 1, &m), MANIFEST_NOT_OURS);
	manifest_free(&m);
	assert_int_equal(manifest_parse(*state, noversion, sizeof(noversion) - 1, &m), MANIFEST_NOT_OURS);
	manifest_free(&m);
	assert_int_equal(manifest_parse(*state, broken, sizeof(broken) - 1, &m), MANIFEST_NOT_OURS);
	manifest_free(&m);
	assert_int_equal(manifest_parse(*state, "", 0, &m), MANIFEST_NOT_OURS);
	manifest_free(&m);
	for (i = 0; i < sizeof(badver) / sizeof(badver[0]); i++) {
		assert_int_equal(manifest_parse(*state, badver[i], strlen(badver[i]), &m), MANIFEST_NOT_OURS);
		manifest_free(&m);
	}
	assert_int_equal(manifest_parse(*state, huge, sizeof(huge) - 1, &m), MANIFEST_TOO_NEW);
	assert_int_equal(m.format_version, INT64_MAX);
	manifest_free(&m);
}

static void t_redact(void **state)
{
	struct redact r;
	struct manifest m;
	size_t len = 0;
	char *out;

	memset(&r, 0, sizeof(r));
	memset(r.key, 1, sizeof(r.key));
	r.ips = 1;
	out = manifest_redact(*state, &r, good, sizeof(good) - 1, &len);
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	assert_null(strstr(out, "pw@"));
	assert_null(strstr(out, "\"s3\""));
	assert_null(strstr(out, "10.0.0.5"));
	assert_non_null(strstr(out, "\"--secret\",\"redacted:sha256:"));
	assert_non_null(strstr(out, "\"redaction\":{\"args\":true,\"ips\":true,\"key_id\":\""));
	assert_non_null(strstr(out, ":6060"));
	/* Still a manifest of ours. */
	assert_int_equal(manifest_parse(*state, out, len, &m), MANIFEST_OK);
	assert_string_equal(m.hostname, "gw1");
	manifest_free(&m);
	free(out);
	assert_null(manifest_redact(*state, &r, "not json", 8, &len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_parse),
		cmocka_unit_test(t_reject),
		cmocka_unit_test(t_redact),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
