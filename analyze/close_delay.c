/*
 * close_delay: fixed-delay close clusters; see close_delay.h.
 *
 * The delays are sorted once; every distinct value is tried as a centre,
 * then the window is re-centred on its group's median a few times (it
 * moves less each round), and the largest group wins. O(n log n) per
 * centre with binary searches: a closer has at most a few thousand
 * connections in a capture.
 */
#include "close_delay.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"


static int cd_cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return a < b ? -1 : a > b;
}

/* First index in sorted v[0..n) with v[i] >= x. */
static size_t cd_lower(const double *v, size_t n, double x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static double cd_tolerance(double median)
{
	return median * 0.03 > 0.1 ? median * 0.03 : 0.1;
}

/* Median of sorted v[lo..hi), hi > lo. */
static double cd_median(const double *v, size_t lo, size_t hi)
{
	size_t n = hi - lo;

	return n % 2 ? v[lo + n / 2] : (v[lo + n / 2 - 1] + v[lo + n / 2]) / 2;
}

/* The values within tol(center) of center: [*lo, *hi). */
static void cd_window(const double *v, size_t n, double center, size_t *lo, size_t *hi)
{
	double tol = cd_tolerance(center) + 1e-9;   /* 3.0 +- 0.1 is inclusive */

	*lo = cd_lower(v, n, center - tol);
	*hi = cd_lower(v, n, nextafter(center + tol, INFINITY));
}

int close_delay_cluster(const double *delays, size_t n, struct close_delay_cluster *out)
{
	double *v = NULL;
	size_t m = 0, i, lo, hi, best_lo = 0, best_hi = 0;
	int iter;

	memset(out, 0, sizeof(*out));
	if (!n)
		return -1;
	v = xreallocarray(NULL, n, sizeof(*v));
	for (i = 0; i < n; i++)
		if (isfinite(delays[i]) && delays[i] >= 0)
			v[m++] = delays[i];
	if (!m) {
		free(v);
		return -1;
	}
	qsort(v, m, sizeof(*v), cd_cmp_double);
	/*
	 * Try every value as the centre, then let the window settle on its
	 * group's median (a few rounds: it moves by less each time). Keep the
	 * largest group, the tighter one on a tie.
	 */
	for (i = 0; i < m; i++) {
		if (i && v[i] == v[i - 1])
			continue;
		cd_window(v, m, v[i], &lo, &hi);
		for (iter = 0; iter < 4; iter++) {
			size_t nlo, nhi;

			cd_window(v, m, cd_median(v, lo, hi), &nlo, &nhi);
			if (nhi <= nlo || (nlo == lo && nhi == hi))
				break;
			lo = nlo;
			hi = nhi;
		}
		if (hi - lo > best_hi - best_lo ||
		    (hi - lo == best_hi - best_lo && hi > lo &&
		     v[hi - 1] - v[lo] < v[best_hi - 1] - v[best_lo])) {
			best_lo = lo;
			best_hi = hi;
		}
	}
	out->n = m;
	out->count = best_hi - best_lo;
	out->share = (double)out->count / (double)m;
	out->median = cd_median(v, best_lo, best_hi);
	out->min = v[best_lo];
	out->max = v[best_hi - 1];
	out->tolerance = cd_tolerance(out->median);
	out->is_cluster = out->count >= CLOSE_DELAY_MIN_N && out->share >= CLOSE_DELAY_MIN_SHARE &&
			  out->median >= CLOSE_DELAY_MIN_MEDIAN;
	free(v);
	return 0;
}
