#!/bin/sh
# Turns the rule files (analyze/rules/*.sql) into a C table, so the analyzer
# carries its rules and never depends on where it is installed. A user's
# `--rules DIR` adds to or overrides these at run time.
# usage: embed.sh analyze/rules/*.sql > rules_sql.c
set -eu
echo "/* Generated from the analyze/rules/ SQL files by analyze/rules/embed.sh: do not edit. */"
echo "#include \"rules.h\""
echo "const struct rule_file rule_builtin_files[] = {"
for f in "$@"; do
	name=$(basename "$f" .sql)
	echo "{ \"$name\", \"analyze/rules/$name.sql\","
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$/\\n"/' "$f"
	echo "},"
done
echo "{ 0, 0, 0 },"
echo "};"
