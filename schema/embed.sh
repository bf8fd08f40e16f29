#!/bin/sh
# Turns the schema SQL files into a C file, so the analyzer carries its
# schema and never depends on where it is installed.
# usage: embed.sh schema.sql views.sql > schema_sql.c
set -eu
echo "/* Generated from the schema SQL files by schema/embed.sh: do not edit. */"
echo "#include \"db.h\""
for f in "$@"; do
	name=$(basename "$f" .sql)
	echo "const char db_sql_${name}[] ="
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$/\\n"/' "$f"
	echo ";"
done
