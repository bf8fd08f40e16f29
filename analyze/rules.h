/*
 * rules: root-cause rules as data. Each rule is one SQL file
 * (analyze/rules/<rule_id>.sql, contract in analyze/rules/README.md): a
 * header of "-- key: value" lines and ONE SELECT whose rows are findings.
 * The built-in files are compiled in (analyze/rules/embed.sh); a user's
 * --rules DIR adds rules or overrides built-in ones by id, and may add a
 * _prelude.sql that runs after the built-in one.
 *
 *   rule_set_load   built-in rules, then DIR's (NULL: none)
 *   rules_run       prelude, then every rule: rows -> report findings;
 *                   a rule whose `requires:` tables are missing is skipped
 *                   and recorded as a gap; confidence drops for every gap
 *                   that affects what the rule `uses:`
 *
 * Errors: -1 with *err (caller frees). A rule whose SQL fails is not an
 * error of the run: it is listed in report.skipped and said on `warn`.
 */
#ifndef SM_RULES_H
#define SM_RULES_H

#include <sqlite3.h>
#include <stdio.h>

#include "report.h"

/* One embedded file (generated table, ends with a NULL name). */
struct rule_file {
	const char *name;         /* file name without .sql */
	const char *origin;       /* where it came from, for messages */
	const char *text;
};
extern const struct rule_file rule_builtin_files[];

struct rule {
	char *id;
	char *title;
	char *remedy;             /* default remedy when the rows give none */
	char *requires;           /* comma-separated tables, or NULL */
	char *uses;               /* comma-separated evidence areas, or NULL */
	char *origin;             /* analyze/rules/x.sql or the user's path */
	char *sql;                /* the whole file (SQLite skips the comments) */
};

struct rule_set {
	struct rule *rules;
	size_t n;
	char **preludes;          /* run in order before the rules */
	size_t npreludes;
};

/* Parses one rule file; name is the file name without .sql. */
int rule_parse(const char *origin, const char *name, const char *text, struct rule *out, char **err);
void rule_free(struct rule *r);

int rule_set_load(struct rule_set *rs, const char *user_dir, char **err);
void rule_set_free(struct rule_set *rs);

int rules_run(sqlite3 *db, const struct rule_set *rs, struct report *rep, FILE *warn, char **err);

/* Multiplies a finding's confidence for each gap touching one of `uses`
 * (comma-separated areas) and says why in confidence_note. */
void rules_apply_gaps(struct finding *f, const char *uses, const struct report *rep);

#endif
