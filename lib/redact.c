/*
 * redact: secrets out of command lines and text, and the member dispatch;
 * the address maps are in redact_net.c. See redact.h for what is redacted.
 */
#include "redact.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "sha256.h"

int redact_random_key(unsigned char key[REDACT_KEY_LEN])
{
	size_t got = 0;
	int fd;

	while (got < REDACT_KEY_LEN) {
		ssize_t n = getrandom(key + got, REDACT_KEY_LEN - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == REDACT_KEY_LEN)
		return 0;
	/* Kernels before 3.17 have no getrandom. */
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	got = 0;
	while (got < REDACT_KEY_LEN) {
		ssize_t n = read(fd, key + got, REDACT_KEY_LEN - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return got == REDACT_KEY_LEN ? 0 : -1;
}

void redact_key_id(const struct redact *r, char out[17])
{
	unsigned char d[SHA256_LEN];

	sha256(r->key, sizeof(r->key), d);
	digest_hex(d, 8, out);
}

/* Appends the pseudonym of a secret: "redacted:sha256:" and 8 hex digits. */
static void redact_put_hash(const struct redact *r, const char *s, size_t len, struct strbuf *out)
{
	unsigned char d[SHA256_LEN];
	char hex[9];

	hmac_sha256(r->key, sizeof(r->key), "secret", 6, s, len, d);
	digest_hex(d, 4, hex);
	strbuf_addstr(out, REDACT_PREFIX);
	strbuf_addstr(out, hex);
}

int redact_secret_name(const char *name, size_t len)
{
	static const char *const words[] = {
		"pass", "pwd", "secret", "token", "apikey", "api_key", "api-key", "auth",
		"credential", "cookie", "session", "private", "access_key", "access-key",
		"accesskey", "signature",
	};
	char low[128];
	size_t i, n = 0;

	while (len && *name == '-') {
		name++;
		len--;
	}
	while (len && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		len--;
	if (!len || len >= sizeof(low))
		return 0;
	for (i = 0; i < len; i++)
		low[n++] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	low[n] = '\0';
	if (!strcmp(low, "key"))
		return 1;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(low, words[i]))
			return 1;
	return 0;
}

static int redact_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

/* Where a NAME=VALUE value ends: query, list and quoting separators. */
static int redact_value_end(char c)
{
	return c == '&' || c == ';' || c == ',' || c == ' ' || c == '\t' || c == '"' ||
	       c == '\'' || c == '\n' || c == '\r' || c == '\0';
}

/* "scheme://user:pass@host" -> "scheme://redacted:sha256:X@host", all of them. */
static void redact_urls(const struct redact *r, const char *s, size_t len, struct strbuf *out)
{
	size_t i = 0, start = 0;

	while (i + 3 <= len) {
		size_t a, at = 0;

		if (memcmp(s + i, "://", 3)) {
			i++;
			continue;
		}
		a = i + 3;
		/* The authority ends at '/', '?', '#', whitespace or a quote;
		 * userinfo is what precedes its last '@'. */
		for (size_t j = a; j < len && !strchr("/?# \t\r\n\"'<>", s[j]) && s[j]; j++)
			if (s[j] == '@')
				at = j;
		/* Already redacted (a bundle exported twice): leave it. */
		if (at > a && !(at - a >= strlen(REDACT_PREFIX) && !memcmp(s + a, REDACT_PREFIX, strlen(REDACT_PREFIX)))) {
			strbuf_add(out, s + start, a - start);
			redact_put_hash(r, s + a, at - a, out);
			start = at;
			i = at;
		} else {
			i = a;
		}
	}
	strbuf_add(out, s + start, len - start);
}

/* NAME=VALUE anywhere, and "NAME: VALUE" at the start, with a secret NAME. */
static void redact_pairs(const struct redact *r, const char *s, size_t len, struct strbuf *out)
{
	size_t i, start = 0, colon;

	/* Header form, "Authorization: Bearer x": the rest of the text goes. */
	for (colon = 0; colon < len && redact_name_char(s[colon]); colon++)
		;
	if (colon && colon + 1 < len && s[colon] == ':' && (s[colon + 1] == ' ' || s[colon + 1] == '\t') &&
	    redact_secret_name(s, colon)) {
		size_t v = colon + 1, e;

		while (v < len && (s[v] == ' ' || s[v] == '\t'))
			v++;
		for (e = v; e < len && s[e] != '\n' && s[e] != '\r' && s[e] != '"'; e++)
			;
		strbuf_add(out, s, v);
		if (e > v)
			redact_put_hash(r, s + v, e - v, out);
		start = e;
	}
	for (i = start; i < len; i++) {
		size_t n = i, e;

		if (s[i] != '=')
			continue;
		while (n > start && redact_name_char(s[n - 1]))
			n--;
		if (n == i || !redact_secret_name(s + n, i - n))
			continue;
		/* An argument that is all NAME=VALUE ("--password=a,b c") keeps
		 * nothing of its value; elsewhere separators end it. */
		if (n == 0)
			for (e = len; e > i + 1 && (s[e - 1] == '\n' || s[e - 1] == '\r'); e--)
				;
		else
			for (e = i + 1; e < len && !redact_value_end(s[e]); e++)
				;
		if (e == i + 1 || (e - i - 1 >= strlen(REDACT_PREFIX) &&
				   !memcmp(s + i + 1, REDACT_PREFIX, strlen(REDACT_PREFIX))))
			continue;   /* empty, or already redacted */
		strbuf_add(out, s + start, i + 1 - start);
		redact_put_hash(r, s + i + 1, e - i - 1, out);
		start = e;
		i = e - 1;
	}
	strbuf_add(out, s + start, len - start);
}

/* One argument or one line: URLs, pairs, then addresses. */
static void redact_piece(const struct redact *r, const char *s, size_t len, struct strbuf *out)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	redact_urls(r, s, len, &a);
	if (r->ips) {
		redact_pairs(r, a.buf, a.len, &b);
		redact_text_ips(r, b.buf, b.len, out);
	} else {
		redact_pairs(r, a.buf, a.len, out);
	}
	strbuf_release(&a);
	strbuf_release(&b);
}

/* "--password" with no value of its own: the next argument is the secret. */
static int redact_takes_secret(const char *arg, size_t len)
{
	return len > 1 && arg[0] == '-' && !memchr(arg, '=', len) && redact_secret_name(arg, len);
}

void redact_argv(const struct redact *r, const char *buf, size_t len, struct strbuf *out)
{
	size_t i = 0;
	int secret_next = 0;

	while (i < len) {
		const char *nul = memchr(buf + i, '\0', len - i);
		size_t n = nul ? (size_t)(nul - (buf + i)) : len - i;

		if (secret_next && n)
			redact_put_hash(r, buf + i, n, out);
		else
			redact_piece(r, buf + i, n, out);
		secret_next = redact_takes_secret(buf + i, n);
		i += n;
		if (nul) {
			strbuf_addch(out, '\0');
			i++;
		}
	}
}

void redact_argv_vec(const struct redact *r, int argc, char *const *argv, char **out)
{
	int i, secret_next = 0;

	for (i = 0; i < argc; i++) {
		struct strbuf sb = STRBUF_INIT;
		size_t n = strlen(argv[i]);

		if (secret_next && n)
			redact_put_hash(r, argv[i], n, &sb);
		else
			redact_piece(r, argv[i], n, &sb);
		secret_next = redact_takes_secret(argv[i], n);
		out[i] = strbuf_detach(&sb, NULL);
	}
}

void redact_text(const struct redact *r, const char *buf, size_t len, struct strbuf *out)
{
	size_t i = 0;

	/* Line by line: nothing redacted spans lines, and pairs' header form
	 * is recognised at each line start. */
	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (buf + i)) + 1 : len - i;

		redact_piece(r, buf + i, n, out);
		i += n;
	}
}

enum redact_kind redact_member_kind(const struct redact *r, const char *name)
{
	static const char *const hex_tables[] = {
		"tcp", "tcp6", "udp", "udp6", "udplite", "udplite6", "raw", "raw6", "icmp", "icmp6",
	};
	const char *base = strrchr(name, '/'), *net;
	size_t i, n = strlen(name);

	base = base ? base + 1 : name;
	if (!strcmp(base, "cmdline") && strstr(name, "proc/"))
		return REDACT_ARGV;
	if (n > 5 && !strcmp(name + n - 5, ".pcap"))
		return r->ips ? REDACT_PCAP : REDACT_COPY;
	net = strstr(name, "net/");
	if (net && (net == name || net[-1] == '/'))
		for (i = 0; i < sizeof(hex_tables) / sizeof(hex_tables[0]); i++)
			if (!strcmp(base, hex_tables[i]))
				return r->ips ? REDACT_PROCNET : REDACT_COPY;
	return REDACT_TEXT;
}

int redact_member(const struct redact *r, enum redact_kind kind, const char *buf, size_t len,
		  struct strbuf *out)
{
	switch (kind) {
	case REDACT_ARGV:
		redact_argv(r, buf, len, out);
		return 0;
	case REDACT_PROCNET:
		redact_procnet(r, buf, len, out);
		return 0;
	case REDACT_PCAP: {
		size_t at = out->len;

		strbuf_add(out, buf, len);
		if (redact_pcap(r, (unsigned char *)out->buf + at, len) < 0) {
			out->len = at;
			if (out->alloc)
				out->buf[at] = '\0';
			return -1;
		}
		return 0;
	}
	case REDACT_TEXT:
		/* Binary data (a gzip'd profile, a capture by another name) is
		 * not text: rewriting it would corrupt it. */
		if (len && (memchr(buf, '\0', len) || (len >= 2 && (unsigned char)buf[0] == 0x1f &&
							(unsigned char)buf[1] == 0x8b)))
			break;
		redact_text(r, buf, len, out);
		return 0;
	case REDACT_COPY:
		break;
	}
	strbuf_add(out, buf, len);
	return 0;
}
