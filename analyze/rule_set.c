/*
 * rule_set: reads rule files (built-in and --rules DIR) and their headers;
 * see rules.h and analyze/rules/README.md for the file contract.
 */
#include "rules.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

#define RULE_FILE_MAX (1 << 20)   /* a rule is a query, not a data file */

static int rule_fail(char **err, const char *origin, const char *what)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "rule file '%s': %s", origin, what);
	*err = strbuf_detach(&sb, NULL);
	return -1;
}

static char *trim_dup(const char *s, size_t len)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	char *d = xmalloc(len + 1);

	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

/* Sets or extends (continuation lines) the header field *slot. */
static void field_add(char **slot, const char *val, size_t len)
{
	char *v = trim_dup(val, len);
	struct strbuf sb = STRBUF_INIT;

	if (!*slot) {
		*slot = v;
		return;
	}
	strbuf_addf(&sb, "%s %s", *slot, v);
	free(*slot);
	free(v);
	*slot = strbuf_detach(&sb, NULL);
}

static char **field_slot(struct rule *r, const char *key, size_t klen)
{
	static const char *const keys[] = { "rule", "title", "remedy", "requires", "uses" };
	char **slots[] = { &r->id, &r->title, &r->remedy, &r->requires, &r->uses };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == klen && !memcmp(keys[i], key, klen))
			return slots[i];
	return NULL;
}

/* The header: "-- key: value" lines; "--   more" continues the previous
 * key; unknown keys are for humans. It ends at the first non-comment line. */
static void parse_header(struct rule *r, const char *text)
{
	const char *p = text;
	char **last = NULL;

	while (*p) {
		const char *eol = strchr(p, '\n'), *q, *colon;
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len == 0 || (len == 1 && p[0] == '\r')) {
			last = NULL;
		} else if (len >= 2 && p[0] == '-' && p[1] == '-') {
			q = p + 2;
			while (q < p + len && *q == ' ')
				q++;
			colon = memchr(q, ':', len - (size_t)(q - p));
			if (q - p == 3 && colon && field_slot(r, q, (size_t)(colon - q))) {
				last = field_slot(r, q, (size_t)(colon - q));
				field_add(last, colon + 1, len - (size_t)(colon + 1 - p));
			} else if (q - p > 3 && last && q < p + len) {
				field_add(last, q, len - (size_t)(q - p));
			} else {
				last = NULL;
			}
		} else {
			break;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
}

void rule_free(struct rule *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->title);
	free(r->remedy);
	free(r->requires);
	free(r->uses);
	free(r->origin);
	free(r->sql);
	memset(r, 0, sizeof(*r));
}

int rule_parse(const char *origin, const char *name, const char *text, struct rule *out, char **err)
{
	memset(out, 0, sizeof(*out));
	parse_header(out, text);
	if (!out->id) {
		rule_free(out);
		return rule_fail(err, origin, "no '-- rule: ID' header line");
	}
	if (strcmp(out->id, name)) {
		rule_free(out);
		return rule_fail(err, origin, "the '-- rule:' id must be the file name");
	}
	if (!out->title)
		out->title = xstrdup(name);
	out->origin = xstrdup(origin);
	out->sql = xstrdup(text);
	return 0;
}

/* Adds r to the set, replacing a rule of the same id (a user override). */
static void set_put(struct rule_set *rs, struct rule *r)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (!strcmp(rs->rules[i].id, r->id)) {
			rule_free(&rs->rules[i]);
			rs->rules[i] = *r;
			return;
		}
	rs->rules = xreallocarray(rs->rules, rs->n + 1, sizeof(*rs->rules));
	rs->rules[rs->n++] = *r;
}

static void set_prelude(struct rule_set *rs, const char *text)
{
	rs->preludes = xreallocarray(rs->preludes, rs->npreludes + 1, sizeof(*rs->preludes));
	rs->preludes[rs->npreludes++] = xstrdup(text);
}

/* One file of either origin: "_prelude" is SQL to run first, "_*" else is
 * ignored (a user's scratch), anything else is a rule. */
static int set_add(struct rule_set *rs, const char *origin, const char *name, const char *text, char **err)
{
	struct rule r;

	if (!strcmp(name, "_prelude")) {
		set_prelude(rs, text);
		return 0;
	}
	if (name[0] == '_')
		return 0;
	if (rule_parse(origin, name, text, &r, err) < 0)
		return -1;
	set_put(rs, &r);
	return 0;
}

static char *read_small_file(const char *path, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f) {
		rule_fail(err, path, strerror(errno));
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		strbuf_add(&sb, buf, n);
		if (sb.len > RULE_FILE_MAX) {
			fclose(f);
			strbuf_release(&sb);
			rule_fail(err, path, "larger than 1 MiB");
			return NULL;
		}
	}
	if (ferror(f) || memchr(sb.buf ? sb.buf : "", '\0', sb.len)) {
		fclose(f);
		strbuf_release(&sb);
		rule_fail(err, path, "unreadable or not text");
		return NULL;
	}
	fclose(f);
	if (!sb.buf)
		strbuf_init(&sb, 1);
	return strbuf_detach(&sb, NULL);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.sql files of dir, sorted by name (so preludes run in a known order). */
static int list_sql(const char *dir, char ***names, size_t *n, char **err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t len;

	*names = NULL;
	*n = 0;
	if (!d)
		return rule_fail(err, dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 4 || strcmp(de->d_name + len - 4, ".sql"))
			continue;
		*names = xreallocarray(*names, *n + 1, sizeof(**names));
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_str);
	return 0;
}

static int set_add_dir(struct rule_set *rs, const char *dir, char **err)
{
	char **names = NULL, *text = NULL, *name = NULL;
	struct strbuf path = STRBUF_INIT;
	size_t n = 0, i;
	int r = -1;

	if (list_sql(dir, &names, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", dir, names[i]);
		text = read_small_file(path.buf, err);
		if (!text)
			goto fail;
		name = strndup(names[i], strlen(names[i]) - 4);
		if (!name || set_add(rs, path.buf, name, text, err) < 0)
			goto fail;
		free(name);
		free(text);
		name = text = NULL;
	}
	r = 0;
fail:
	free(name);
	free(text);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	strbuf_release(&path);
	return r;
}

int rule_set_load(struct rule_set *rs, const char *user_dir, char **err)
{
	const struct rule_file *f;

	memset(rs, 0, sizeof(*rs));
	for (f = rule_builtin_files; f->name; f++)
		if (set_add(rs, f->origin, f->name, f->text, err) < 0)
			goto fail;
	if (user_dir && set_add_dir(rs, user_dir, err) < 0)
		goto fail;
	return 0;
fail:
	rule_set_free(rs);
	return -1;
}

void rule_set_free(struct rule_set *rs)
{
	size_t i;

	if (!rs)
		return;
	for (i = 0; i < rs->n; i++)
		rule_free(&rs->rules[i]);
	free(rs->rules);
	for (i = 0; i < rs->npreludes; i++)
		free(rs->preludes[i]);
	free(rs->preludes);
	memset(rs, 0, sizeof(*rs));
}
