/*
 * sockmortem export: re-writes a bundle with secrets (and, optionally, IP
 * addresses) redacted, so that it can go to a vendor. The redaction is the
 * collector's --redact (lib/redact.c), under a fresh key per export.
 *
 * Export reads bundles, not databases: a database holds rows interpreted
 * from the evidence (and more: process names, paths, rule figures), while
 * the bundle is the evidence itself, which the vendor can re-analyze.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_reader.h"
#include "cmd.h"
#include "manifest.h"
#include "redact.h"
#include "strbuf.h"

static const char export_help[] =
"Writes a copy of BUNDLE (a sockmortem-collect .tar.zst) to OUT with\n"
"secrets redacted, as sockmortem-collect --redact does while recording:\n"
"command-line arguments that look like secrets (--password=..., --token x,\n"
"apikey=..., Authorization: ...) and URL credentials (https://user:pw@host)\n"
"become redacted:sha256:XXXXXXXX, the same secret the same pseudonym within\n"
"the export, under a random key that is never written. With --redact-ips,\n"
"IP addresses in /proc/net tables, tool output and packet headers become\n"
"stable pseudonyms too (same family, same first octet; loopback and\n"
"unspecified kept; ports kept; packet checksums fixed).\n"
"\n"
"Export reads bundles, not databases: export the bundle a database was\n"
"loaded from. OUT is created mode 0600 and never overwritten without -f.\n"
"\n"
"  -o, --output OUT     the redacted bundle to write (required)\n"
"      --redact         redact secrets (required: export exists for it)\n"
"      --redact-ips     also map IP addresses (implies --redact)\n"
"  -f, --force          overwrite OUT\n";

struct export_state {
	struct sm_ctx *ctx;
	struct redact r;
	sqlite3 *db;              /* for the manifest's JSON */
	struct archive *out;
	const char *bundle;
	uint64_t members, dropped;
	int failed;
};

/* Writes one member; -1 when the output failed. */
static int export_put(struct export_state *x, const char *name, int64_t mtime, const char *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	int ok;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, mtime, 0);
	ok = archive_write_header(x->out, e) == ARCHIVE_OK &&
	     (!len || archive_write_data(x->out, data, len) == (la_ssize_t)len);
	archive_entry_free(e);
	if (!ok) {
		fprintf(x->ctx->err, "sockmortem export: cannot write '%s': %s\n", name,
			archive_error_string(x->out) ? archive_error_string(x->out) : "write failed");
		return -1;
	}
	x->members++;
	return 0;
}

/* The first member is the manifest: its byte order decides the tables'. */
static int export_manifest(struct export_state *x, const struct ar_member *m)
{
	struct manifest mf;
	char *red = NULL;
	size_t len = 0;
	int r = manifest_parse(x->db, m->data, m->size, &mf);

	if (r != MANIFEST_OK || strcmp(m->name, "manifest.json")) {
		fprintf(x->ctx->err, "sockmortem export: %s: %s\n", x->bundle,
			r == MANIFEST_TOO_NEW ? "bundle format newer than this sockmortem: cannot redact it safely"
					      : "not a sockmortem bundle (no manifest.json first)");
		manifest_free(&mf);
		return -1;
	}
	x->r.big_endian = mf.byte_order && !strcmp(mf.byte_order, "big");
	manifest_free(&mf);
	red = manifest_redact(x->db, &x->r, m->data, m->size, &len);
	if (!red) {
		fprintf(x->ctx->err, "sockmortem export: %s: cannot rewrite manifest.json\n", x->bundle);
		return -1;
	}
	r = export_put(x, m->name, m->mtime, red, len);
	free(red);
	return r;
}

static int export_member(void *ctx, const struct ar_member *m)
{
	struct export_state *x = ctx;
	struct strbuf sb = STRBUF_INIT;
	enum redact_kind kind;
	int r;

	if (m->index == 0) {
		if (export_manifest(x, m) < 0) {
			x->failed = 1;
			return 1;
		}
		return 0;
	}
	kind = redact_member_kind(&x->r, m->name);
	if (redact_member(&x->r, kind, m->data, m->size, &sb) < 0) {
		/* A capture we cannot rewrite (pcapng, an odd link type) goes. */
		fprintf(x->ctx->err, "sockmortem export: %s: cannot redact addresses in it: left out\n", m->name);
		x->dropped++;
		strbuf_release(&sb);
		return 0;
	}
	r = export_put(x, m->name, m->mtime, sb.buf, sb.len);
	strbuf_release(&sb);
	if (r < 0) {
		x->failed = 1;
		return 1;
	}
	return 0;
}

static void export_note(void *ctx, const char *member, uint64_t offset, const char *msg)
{
	struct export_state *x = ctx;

	fprintf(x->ctx->err, "sockmortem export: %s: %s: %s (at byte %llu)\n", x->bundle, member, msg,
		(unsigned long long)offset);
}

/* OUT, created 0600 (O_EXCL unless forced), as a tar.zst writer. */
static struct archive *export_open(struct sm_ctx *ctx, const char *path, int force)
{
	struct archive *a = NULL;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0600);

	if (fd < 0) {
		fprintf(ctx->err, "sockmortem export: cannot create '%s': %s%s\n", path, strerror(errno),
			errno == EEXIST ? " (use -f to overwrite)" : "");
		return NULL;
	}
	/* -f over an existing file keeps its mode: make it ours. */
	if (fchmod(fd, 0600) < 0)
		goto fail;
	a = archive_write_new();
	if (!a || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_zstd(a) != ARCHIVE_OK || archive_write_open_fd(a, fd) != ARCHIVE_OK)
		goto fail;
	return a;
fail:
	fprintf(ctx->err, "sockmortem export: cannot write '%s': %s\n", path,
		a && archive_error_string(a) ? archive_error_string(a) : strerror(errno));
	if (a)
		archive_write_free(a);
	close(fd);
	return NULL;
}

static int export_run(struct sm_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "redact", no_argument, NULL, 'R' },
		{ "redact-ips", no_argument, NULL, 'I' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct export_state x;
	struct ar_options o;
	struct ar_result res;
	const char *outpath = NULL;
	int ch, redact = 0, force = 0, rc = CMD_FAILED, closed;

	memset(&x, 0, sizeof(x));
	x.ctx = ctx;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:fh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o': outpath = optarg; break;
		case 'R': redact = 1; break;
		case 'I': redact = x.r.ips = 1; break;
		case 'f': force = 1; break;
		case 'h':
			printf("usage: sockmortem export %s\n\n%s", cmd_export.usage, export_help);
			return CMD_OK;
		default:
			return cmd_usage(ctx, &cmd_export, "bad option");
		}
	}
	if (optind + 1 != argc)
		return cmd_usage(ctx, &cmd_export, optind >= argc ? "no bundle given" : "one bundle at a time");
	if (!outpath)
		return cmd_usage(ctx, &cmd_export, "-o OUT is required");
	if (!redact)
		return cmd_usage(ctx, &cmd_export, "say --redact (or --redact-ips): export exists to redact");
	x.bundle = argv[optind];
	if (cmd_is_database(x.bundle))
		return cmd_usage(ctx, &cmd_export, "'%s' is a database: export reads bundles (export the bundle it "
				 "was loaded from)", x.bundle);
	if (redact_random_key(x.r.key) < 0) {
		fprintf(ctx->err, "sockmortem export: no random key (getrandom and /dev/urandom failed)\n");
		return CMD_FAILED;
	}
	if (cmd_open_db(ctx, ":memory:", DB_CREATE, &x.db) < 0)
		return CMD_FAILED;
	x.out = export_open(ctx, outpath, force);
	if (!x.out)
		goto out;
	memset(&o, 0, sizeof(o));
	o.member = export_member;
	o.note = export_note;
	o.ctx = &x;
	if (ar_walk(x.bundle, &o, &res) < 0 && !x.failed) {
		fprintf(ctx->err, "sockmortem export: %s: %s%s\n", x.bundle, res.error,
			res.not_archive ? "" : " (every member before it was exported)");
		x.failed = res.not_archive || !x.members;
	}
	closed = archive_write_close(x.out) == ARCHIVE_OK;
	if (!closed)
		fprintf(ctx->err, "sockmortem export: cannot finish '%s': %s\n", outpath, archive_error_string(x.out));
	if (x.failed || !closed || !x.members) {
		unlink(outpath);   /* no half-redacted bundle is left behind */
		goto out;
	}
	fprintf(ctx->err, "sockmortem export: wrote %s: %llu members%s%s\n", outpath, (unsigned long long)x.members,
		x.r.ips ? ", secrets and addresses redacted" : ", secrets redacted",
		x.dropped ? " (some captures left out)" : "");
	rc = CMD_OK;
out:
	if (x.out)
		archive_write_free(x.out);
	db_close(x.db);
	memset(x.r.key, 0, sizeof(x.r.key));
	return rc;
}

const struct sm_cmd cmd_export = {
	"export", "BUNDLE --redact [--redact-ips] -o OUT.tar.zst [-f]",
	"re-write a bundle with secrets (and IP addresses) redacted", export_run,
};
