/*
 * fuzz_bundle: the whole load path on one input — format detection, the
 * archive reader, the bundle loader with its manifest, every parser and
 * ingest — into a fresh in-memory database, as `sockmortem load` would.
 * The input is a private temporary file (load_input takes a path).
 */
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fuzz_sink.h"
#include "fuzz_tmp.h"
#include "load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Messages are part of the code under test, but not worth reading. */
static FILE *fuzz_devnull(void)
{
	static FILE *f;

	if (!f && !(f = fopen("/dev/null", "w")))
		abort();
	return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_tmp_write(data, size);
	struct load_options lo;
	struct load ld;
	sqlite3 *db = NULL;
	char *err = NULL;

	if (db_open(":memory:", DB_CREATE, &db, &err) < 0) {
		fprintf(stderr, "fuzz_bundle: %s\n", err);
		abort();
	}
	memset(&lo, 0, sizeof(lo));
	lo.quiet = 1;
	memset(&ld, 0, sizeof(ld));
	ld.db = db;
	ld.opt = &lo;
	ld.msg = fuzz_devnull();
	ld.ing = ingest_new(db);
	FUZZ_CHECK(ld.ing != NULL);
	load_input(&ld, path);
	/* Whatever happened, the transaction is closed. */
	FUZZ_CHECK(sqlite3_get_autocommit(db));
	ingest_free(ld.ing);
	db_close(db);
	return 0;
}
