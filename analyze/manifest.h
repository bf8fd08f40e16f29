/*
 * manifest: reads a bundle's manifest.json (written by collect/hostinfo.c)
 * into a struct, separate from loading so that it can be tested and fuzzed
 * alone.
 *
 * JSON is read with SQLite's json_extract (the analyzer has no JSON parser
 * of its own), so a database handle is needed: any connection will do, a
 * ":memory:" one included; nothing is written to it.
 */
#ifndef SM_MANIFEST_H
#define SM_MANIFEST_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* The newest bundle format this analyzer reads. */
#define MANIFEST_FORMAT_VERSION_KNOWN 1

/* Strings are owned (manifest_free) and NULL when absent. */
struct manifest {
	int64_t format_version;
	char *hostname;
	char *boot_id;
	char *kernel_release;
	char *tool_version;
	char *byte_order;       /* "little" or "big" */
};

enum {
	MANIFEST_OK = 0,
	MANIFEST_NOT_OURS = -1,  /* not JSON, or not "format": "sockmortem-bundle" with an
				  * integer format_version of 1 or more */
	MANIFEST_TOO_NEW = -2,   /* format_version above MANIFEST_FORMAT_VERSION_KNOWN */
};

/*
 * Parses (data, len), not NUL-terminated. Returns MANIFEST_OK with *out
 * filled, or a negative MANIFEST_* code; out->format_version is set for
 * MANIFEST_TOO_NEW, and out needs manifest_free() whatever the result.
 */
int manifest_parse(sqlite3 *db, const char *data, size_t len, struct manifest *out);

/*
 * The manifest (data, len) as `sockmortem export --redact` writes it:
 * collector.argv redacted argument by argument, then the whole text
 * redacted (URL credentials, NAME=VALUE secrets, addresses with r->ips),
 * and "redaction" set to {"args", "ips", "key_id", "by"}. Returns the new
 * manifest (caller frees, *outlen set), or NULL when data is not JSON.
 */
struct redact;
char *manifest_redact(sqlite3 *db, const struct redact *r, const char *data, size_t len, size_t *outlen);

/* Frees the strings and resets m; NULL is ignored. */
void manifest_free(struct manifest *m);

#endif
