/* manifest: a bundle's manifest.json, read through SQLite's JSON functions. */
#include "manifest.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "redact.h"
#include "rows.h"
#include "strbuf.h"

#define MANIFEST_FORMAT "sockmortem-bundle"

/* json_extract(data, path) as an owned string, or NULL (absent, not JSON). */
static char *manifest_text(sqlite3 *db, const char *data, size_t len, const char *path)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;

	if (sqlite3_prepare_v2(db, "SELECT json_extract(?, ?) WHERE json_valid(?1)", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, data, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* json_extract(data, path) when it is an integer, else SM_NONE. */
static int64_t manifest_int(sqlite3 *db, const char *data, size_t len, const char *path)
{
	sqlite3_stmt *st = NULL;
	int64_t v = SM_NONE;

	if (sqlite3_prepare_v2(db, "SELECT json_extract(?, ?) WHERE json_valid(?1)", -1, &st, NULL) != SQLITE_OK)
		return SM_NONE;
	sqlite3_bind_text(st, 1, data, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int manifest_parse(sqlite3 *db, const char *data, size_t len, struct manifest *out)
{
	char *fmt = NULL;
	int r = MANIFEST_NOT_OURS;

	memset(out, 0, sizeof(*out));
	out->format_version = SM_NONE;
	/* SQLite takes text lengths as int; a manifest is a few KiB. */
	if (len > INT_MAX)
		return MANIFEST_NOT_OURS;
	fmt = manifest_text(db, data, len, "$.format");
	out->format_version = manifest_int(db, data, len, "$.format_version");
	/* Versions count from 1: 0 or below was never written, so it is not ours. */
	if (!fmt || strcmp(fmt, MANIFEST_FORMAT) || out->format_version == SM_NONE || out->format_version < 1)
		goto out;
	if (out->format_version > MANIFEST_FORMAT_VERSION_KNOWN) {
		r = MANIFEST_TOO_NEW;
		goto out;
	}
	out->hostname = manifest_text(db, data, len, "$.host.hostname");
	out->boot_id = manifest_text(db, data, len, "$.host.boot_id");
	out->kernel_release = manifest_text(db, data, len, "$.host.kernel_release");
	out->tool_version = manifest_text(db, data, len, "$.tool_version");
	out->byte_order = manifest_text(db, data, len, "$.host.byte_order");
	r = MANIFEST_OK;
out:
	free(fmt);
	return r;
}

void manifest_free(struct manifest *m)
{
	if (!m)
		return;
	free(m->hostname);
	free(m->boot_id);
	free(m->kernel_release);
	free(m->tool_version);
	free(m->byte_order);
	memset(m, 0, sizeof(*m));
	m->format_version = SM_NONE;
}

/* collector.argv, redacted, as a JSON array; NULL if the manifest has none. */
static char *manifest_argv_json(sqlite3 *db, const struct redact *r, const char *data, size_t len)
{
	sqlite3_stmt *st = NULL;
	struct strbuf sb = STRBUF_INIT;
	char **argv = NULL, **red = NULL;
	int argc = 0, i;

	if (sqlite3_prepare_v2(db, "SELECT value FROM json_each(?, '$.collector.argv') WHERE json_valid(?1)",
			       -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, data, (int)len, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);

		argv = xreallocarray(argv, (size_t)argc + 1, sizeof(*argv));
		argv[argc++] = xstrdup(v ? v : "");
	}
	sqlite3_finalize(st);
	if (!argc)
		return NULL;
	red = xreallocarray(NULL, (size_t)argc, sizeof(*red));
	redact_argv_vec(r, argc, argv, red);
	json_strs(&sb, red, (size_t)argc);
	for (i = 0; i < argc; i++) {
		free(red[i]);
		free(argv[i]);
	}
	free(red);
	free(argv);
	return strbuf_detach(&sb, NULL);
}

char *manifest_redact(sqlite3 *db, const struct redact *r, const char *data, size_t len, size_t *outlen)
{
	struct strbuf info = STRBUF_INIT, out = STRBUF_INIT;
	sqlite3_stmt *st = NULL;
	char *argv = NULL, id[17];
	const char *v;

	if (len > INT_MAX)
		return NULL;
	argv = manifest_argv_json(db, r, data, len);
	redact_key_id(r, id);
	strbuf_addch(&info, '{');
	json_kv_bool(&info, "args", 1, 1);
	json_kv_bool(&info, "ips", r->ips, 0);
	json_kv_str(&info, "key_id", id, 0);
	json_kv_str(&info, "by", "sockmortem export", 0);
	strbuf_addch(&info, '}');
	/* json_replace: an argv the manifest does not have is not invented. */
	if (sqlite3_prepare_v2(db, "SELECT json_set(json_replace(?1, '$.collector.argv', json(coalesce(?2, '[]'))),"
			       " '$.redaction', json(?3)) WHERE json_valid(?1)", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, data, (int)len, SQLITE_STATIC);
	if (argv)
		sqlite3_bind_text(st, 2, argv, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, info.buf, (int)info.len, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && (v = (const char *)sqlite3_column_text(st, 0)) != NULL) {
		redact_text(r, v, (size_t)sqlite3_column_bytes(st, 0), &out);
		strbuf_addch(&out, '\n');
	}
out:
	sqlite3_finalize(st);
	free(argv);
	strbuf_release(&info);
	if (!out.len) {
		strbuf_release(&out);
		return NULL;
	}
	return strbuf_detach(&out, outlen);
}
