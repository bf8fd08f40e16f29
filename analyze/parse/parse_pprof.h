/*
 * parse_pprof: the binary goroutine profile, /debug/pprof/goroutine
 * (debug=0) or pprof.Lookup("goroutine").WriteTo(w, 0): a gzip-compressed
 * profile.proto message (github.com/google/pprof/proto/profile.proto).
 *
 * Takes the whole file (buf, len), gzip-compressed or plain protobuf, not
 * NUL-terminated. Emits one sink->goroutine row per sample: count = the
 * sample's goroutine count, id SM_NONE, state NULL, wait_minutes SM_NONE,
 * frames innermost first (a location holding inlined calls gives several
 * frames; a location without line info is named by its address, "0x4a1b2c",
 * with no file), labels "k=v,k2=v2" in the profile's order (numeric labels
 * print their number), line = the sample's byte offset in the decompressed
 * protobuf. Then one sink->counter {group "goroutine", name "total", value
 * = the sum of the counts}. Go 1.26's goroutineleak profile (sample type
 * "goroutineleak", GOEXPERIMENT=goroutineleakprofile) is read alike, its
 * counter group being "goroutineleak". Row strings are borrowed for the
 * callback only.
 *
 * Problems are reported through sink->warn with a byte offset as the line
 * (in the compressed input for gzip errors, in the protobuf otherwise; the
 * message says which); at most 100, then one "further warnings suppressed".
 * A damaged record (a bad location or sample, a reference to a missing id,
 * a negative count) is skipped, or only the bad frame of a sample.
 *
 * Memory is bounded: at most 256 MiB of decompressed protobuf (and a
 * compression ratio over 256:1 past 8 MiB is refused as a bomb), at most
 * 1 Mi functions, locations and strings and 4 Mi location lines, 4,096
 * frames per sample (more set elided).
 *
 * Return: 0 when the profile was read (empty input included), a callback's
 * non-zero value if it stopped the parse, -1 when the input is not a
 * readable goroutine profile: corrupt or truncated gzip, a protobuf whose
 * top-level structure is broken, a decompression bomb, or a profile of
 * another kind (cpu, heap...: the warning names its sample types; no rows
 * are emitted).
 */
#ifndef SM_PARSE_PPROF_H
#define SM_PARSE_PPROF_H

#include <stddef.h>

#include "rows.h"

int parse_pprof_proto(const char *buf, size_t len, const struct sm_sink *sink);

#endif
