/* Strict number parsing; see numparse.h for the contract. */
#include "numparse.h"

#include <string.h>

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

int num_u64(const char *s, size_t len, int base, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len || base < 2 || base > 16)
		return -1;
	/* The loaders' hottest call: up to 15 hex or 19 decimal digits cannot
	 * overflow, so they skip the division of the check below. */
	if ((base == 16 && len <= 15) || (base == 10 && len <= 19)) {
		for (i = 0; i < len; i++) {
			int d = digit_value(s[i]);
			if (d >= base)
				return -1;
			v = v * (uint64_t)base + (uint64_t)d;
		}
		*out = v;
		return 0;
	}
	for (i = 0; i < len; i++) {
		int d = digit_value(s[i]);
		if (d >= base)
			return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

int num_i64(const char *s, size_t len, int base, int64_t *out)
{
	uint64_t v;
	int neg = 0;

	if (len && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		s++;
		len--;
	}
	if (num_u64(s, len, base, &v) < 0)
		return -1;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -1;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > (uint64_t)INT64_MAX)
			return -1;
		*out = (int64_t)v;
	}
	return 0;
}

int num_u64_str(const char *s, int base, uint64_t *out)
{
	return num_u64(s, strlen(s), base, out);
}

int num_i64_str(const char *s, int base, int64_t *out)
{
	return num_i64(s, strlen(s), base, out);
}

int num_duration_us(const char *s, int allow_zero, uint64_t *out_us)
{
	size_t len = strlen(s), ilen, flen = 0;
	const char *dot, *unit;
	uint64_t whole = 0, frac = 0, mult, fracdiv = 1, v;

	unit = s + len;
	while (unit > s && !(unit[-1] >= '0' && unit[-1] <= '9'))
		unit--;
	if (!strcmp(unit, "") || !strcmp(unit, "s"))
		mult = 1000000;
	else if (!strcmp(unit, "ms"))
		mult = 1000;
	else if (!strcmp(unit, "m"))
		mult = 60000000;
	else if (!strcmp(unit, "h"))
		mult = 3600000000ULL;
	else
		return -1;
	dot = memchr(s, '.', (size_t)(unit - s));
	ilen = dot ? (size_t)(dot - s) : (size_t)(unit - s);
	if (num_u64(s, ilen, 10, &whole) < 0)
		return -1;
	if (dot) {
		flen = (size_t)(unit - dot - 1);
		if (!flen || flen > 6 || num_u64(dot + 1, flen, 10, &frac) < 0)
			return -1;
		while (flen--)
			fracdiv *= 10;
	}
	if (whole > UINT64_MAX / mult / 2)
		return -1;
	v = whole * mult + frac * mult / fracdiv;
	if (!v && !allow_zero)
		return -1;
	*out_us = v;
	return 0;
}

int num_size(const char *s, uint64_t *out)
{
	size_t len = strlen(s);
	uint64_t v, mult = 1;

	if (len && (s[len - 1] == 'B' || s[len - 1] == 'b'))
		len--;
	if (len) {
		switch (s[len - 1]) {
		case 'k': case 'K': mult = 1ULL << 10; len--; break;
		case 'm': case 'M': mult = 1ULL << 20; len--; break;
		case 'g': case 'G': mult = 1ULL << 30; len--; break;
		case 't': case 'T': mult = 1ULL << 40; len--; break;
		default: break;
		}
	}
	if (num_u64(s, len, 10, &v) < 0 || v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

int num_is_digits(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int num_dec_count(const char *s, size_t len, int64_t *out)
{
	uint64_t v;

	if (!num_is_digits(s, len) || num_u64(s, len, 10, &v) < 0 || v > INT64_MAX)
		return -1;
	*out = (int64_t)v;
	return 0;
}
