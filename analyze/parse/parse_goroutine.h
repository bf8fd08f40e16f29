/*
 * parse_goroutine: Go goroutine dumps in text form.
 *
 * Both functions take the whole dump (buf, len), which need not be
 * NUL-terminated, and emit rows through the sink (rows.h: strings are
 * borrowed for the callback only). Malformed lines are reported through
 * sink->warn with their 1-based line number and skipped; after 100 warnings
 * one last "further warnings suppressed" is sent and the rest dropped.
 * Sink callbacks may be NULL.
 *
 * Memory: bounded whatever the input -- at most 4,096 frames and 16 MiB of
 * names per goroutine or stack, lines longer than 64 KiB are skipped with a
 * warning; nothing grows with the number of goroutines.
 *
 * Return: 0 when the input was read to the end (empty or blank input
 * included), a callback's non-zero value if it stopped the parse, -1 when
 * the input holds no goroutine header (debug=2) or no "profile: total"
 * header (debug=1) at all.
 */
#ifndef SM_PARSE_GOROUTINE_H
#define SM_PARSE_GOROUTINE_H

#include <stddef.h>

#include "rows.h"

/*
 * Tracebacks: /debug/pprof/goroutine?debug=2, runtime.Stack(buf, true),
 * panics, fatal errors and SIGQUIT / GOTRACEBACK dumps, Go 1.0 to 1.24+,
 * also when every line is indented (test-framework output) or CRLF-ended.
 *
 * One sink->goroutine row per "goroutine N [...]:" header, count 1, in
 * input order: id, state ("chan receive", "IO wait", "sync.Mutex.Lock",
 * " (scan)" dropped), wait_minutes (0 when not printed), locked_to_thread,
 * frames innermost first (func without arguments, file, line; file NULL
 * and line SM_NONE when the dump omits them), created_by (+ file, line,
 * "in goroutine N"), elided (the dump or our frame cap dropped frames),
 * truncated (the input ends inside this goroutine: a function or created-by
 * line without its file line, a cut line, or a header with no frames).
 * labels is NULL. "[originating from goroutine N]:" sections
 * (GODEBUG=tracebackancestors) are skipped: they describe the goroutine's
 * ancestors, which are not live goroutines. Text outside goroutines (panic
 * messages, signal lines, register dumps, "runtime stack:" frames, test
 * output) is skipped quietly.
 */
int parse_goroutine_text(const char *buf, size_t len, const struct sm_sink *sink);

/*
 * The aggregated profile: /debug/pprof/goroutine?debug=1 (also a pasted one
 * whose '#' was lost, and profiles with no symbol lines at all).
 *
 * "NAME profile: total N" (anywhere in the line, e.g. behind a log
 * timestamp) emits sink->counter {group NAME, name "total", value N}. In a
 * goroutine profile (or Go 1.26's "goroutineleak" one) every
 * "COUNT @ pc..." stack emits one sink->goroutine
 * row: count COUNT, id SM_NONE, state NULL, wait_minutes SM_NONE, frames
 * from the "#" lines (the "+0x.." offset stripped; a frame with no symbol
 * is named by its address, "0x45f2b1"), labels from "# labels: {...}" as
 * "k=v,k2=v2". Stacks of other profiles (threadcreate) emit no rows. When a
 * profile's stack counts do not add up to its total (a partial paste), a
 * warning names both figures.
 */
int parse_goroutine_debug1(const char *buf, size_t len, const struct sm_sink *sink);

#endif
