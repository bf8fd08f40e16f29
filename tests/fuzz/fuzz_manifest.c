/* fuzz_manifest: a bundle's manifest.json through manifest_parse(). */
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_sink.h"
#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One connection for the whole run: manifest_parse only reads through it. */
static sqlite3 *fuzz_db(void)
{
	static sqlite3 *db;

	if (!db && sqlite3_open(":memory:", &db) != SQLITE_OK)
		abort();
	return db;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest m;
	int r = manifest_parse(fuzz_db(), (const char *)data, size, &m);

	FUZZ_CHECK(r == MANIFEST_OK || r == MANIFEST_NOT_OURS || r == MANIFEST_TOO_NEW);
	if (r == MANIFEST_OK)
		FUZZ_CHECK(m.format_version != SM_NONE && m.format_version <= MANIFEST_FORMAT_VERSION_KNOWN);
	if (r == MANIFEST_TOO_NEW)
		FUZZ_CHECK(m.format_version > MANIFEST_FORMAT_VERSION_KNOWN);
	fuzz_touch(m.hostname);
	fuzz_touch(m.boot_id);
	fuzz_touch(m.kernel_release);
	fuzz_touch(m.tool_version);
	fuzz_touch(m.byte_order);
	manifest_free(&m);
	return 0;
}
