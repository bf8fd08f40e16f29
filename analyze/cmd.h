/*
 * cmd: the analyzer's subcommands. Each cmd_*.c exports one struct sm_cmd;
 * main.c finds it by name in cmd_table (tmux's cmd_table, git's commands[]).
 *
 * Exit codes (the only place they are decided): CMD_OK 0, CMD_FAILED 1
 * (bad or unreadable input, database error), CMD_USAGE 2.
 */
#ifndef SM_CMD_H
#define SM_CMD_H

#include <sqlite3.h>
#include <stdio.h>

#include "db.h"

enum { CMD_OK = 0, CMD_FAILED = 1, CMD_USAGE = 2 };

struct sm_ctx {
	FILE *out;
	FILE *err;
	int out_tty;
	int err_tty;
	int color;
};

struct sm_cmd {
	const char *name;
	const char *usage;
	const char *help;
	int (*run)(struct sm_ctx *ctx, int argc, char **argv);
};

extern const struct sm_cmd cmd_load;
extern const struct sm_cmd cmd_info;
extern const struct sm_cmd cmd_query;
extern const struct sm_cmd cmd_sockets;
extern const struct sm_cmd cmd_stacks;
extern const struct sm_cmd cmd_trend;
extern const struct sm_cmd cmd_timeline;
extern const struct sm_cmd cmd_conns;
extern const struct sm_cmd cmd_report;
extern const struct sm_cmd cmd_export;

extern const struct sm_cmd *const cmd_table[];

/* Shared by commands: usage error message + exit code. */
int cmd_usage(struct sm_ctx *ctx, const struct sm_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Opens a database the command was given; prints the error itself. */
int cmd_open_db(struct sm_ctx *ctx, const char *path, enum db_mode mode, sqlite3 **db);
/* -h/--help as the only handling of help, same for every command. */
int cmd_wants_help(int argc, char **argv);
/* Loads inputs (bundles, captures) into a fresh in-memory database,
 * quietly; opt: the load options the command was given (--ss-state,
 * --series), or NULL. */
struct load_options;
int cmd_load_into_memory(struct sm_ctx *ctx, int ninputs, char **inputs, const struct load_options *opt, sqlite3 **db);
/* --ss-state NAME checked: the state filter it names (parse_ss_state), or a usage error. */
/* --dump PID=FILE into lo->dumps; 0, or cmd_usage's status. */
int cmd_dump_of(struct sm_ctx *ctx, const struct sm_cmd *cmd, const char *arg, struct load_options *lo);
int cmd_ss_state(struct sm_ctx *ctx, const struct sm_cmd *cmd, const char *name, const char **out);
/* Is path one of our databases (by its SQLite header and application id)? */
int cmd_is_database(const char *path);
/* One CSV field (RFC 4180: quoted when it holds a comma, quote or line end); NULL: empty. */
void cmd_csv_field(FILE *out, const char *s);

#endif
