/*
 * Minimal JSON writer into a strbuf: enough for manifests and reports.
 * The caller places commas; json_str() escapes any bytes, so text read from
 * a hostile /proc (a comm with quotes, control bytes, invalid UTF-8) always
 * yields valid JSON: bytes >= 0x80 that do not form valid UTF-8 are written
 * as \u00XX of the raw byte.
 */
#ifndef SM_JSON_H
#define SM_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

void json_str(struct strbuf *sb, const char *s, size_t len);
void json_cstr(struct strbuf *sb, const char *s);  /* NULL -> null */
/* "key": prefix with a leading comma unless first. */
void json_key(struct strbuf *sb, const char *key, int first);
void json_kv_str(struct strbuf *sb, const char *key, const char *val, int first);
void json_kv_u64(struct strbuf *sb, const char *key, uint64_t val, int first);
void json_kv_i64(struct strbuf *sb, const char *key, int64_t val, int first);
void json_kv_double(struct strbuf *sb, const char *key, double val, int first);
void json_kv_bool(struct strbuf *sb, const char *key, int val, int first);
/* ["s0","s1",...]: n strings (a NULL one as null). */
void json_strs(struct strbuf *sb, char *const *strs, size_t n);

#endif
