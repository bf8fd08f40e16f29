/*
 * close_delay: does one closer's FIN delay cluster at a constant value?
 * (pure logic: no SQLite, no I/O).
 *
 * A proxy that closes after a fixed timeout (nginx's proxy_read_timeout,
 * an idle keep-alive timer) sends its FINs the same time after the last
 * data, connection after connection: 3.0 s, 3.0 s, 3.001 s, ... Normal
 * closes spread out. The test is robust to outliers: it finds the largest
 * group of delays lying within a tolerance of the group's own median and
 * reports the share of all delays it holds; a cluster needs at least
 * CLOSE_DELAY_MIN_N members, CLOSE_DELAY_MIN_SHARE of the delays and a
 * median of CLOSE_DELAY_MIN_MEDIAN seconds.
 */
#ifndef SM_CLOSE_DELAY_H
#define SM_CLOSE_DELAY_H

#include <stddef.h>

/* Report a cluster when at least this many delays and this share agree. */
#define CLOSE_DELAY_MIN_N 5
#define CLOSE_DELAY_MIN_SHARE 0.6
/* A close within half a second of the last data is the protocol ending
 * (a client done with its answer), not a timeout running out. */
#define CLOSE_DELAY_MIN_MEDIAN 0.5

struct close_delay_cluster {
	size_t n;          /* finite, non-negative delays considered */
	size_t count;      /* in the largest group */
	double share;      /* count / n, 0 when n is 0 */
	double median;     /* of the group, seconds */
	double min, max;   /* of the group */
	double tolerance;  /* the half-width used: max(0.1 s, 3% of median) */
	int is_cluster;    /* count >= CLOSE_DELAY_MIN_N, share >= MIN_SHARE and
			      median >= CLOSE_DELAY_MIN_MEDIAN */
};

/*
 * Do these FIN delays (seconds) cluster at a constant value? Finds the
 * largest group of delays lying within max(0.1 s, 3% of the group's
 * median) of that median (the tighter group on a tie). NaN, infinite and
 * negative values are ignored. Returns 0, or -1 when there is no value to
 * consider (out is then zeroed).
 */
int close_delay_cluster(const double *delays, size_t n, struct close_delay_cluster *out);

#endif
