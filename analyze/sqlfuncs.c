/* sqlfuncs: linear regression aggregates, plural(); see sqlfuncs.h. */
#include "sqlfuncs.h"

#include <math.h>
#include <stddef.h>

struct regr {
	double n, sx, sy, sxx, syy, sxy;
};

/* Sums are taken around the first point: time series in ns since the
 * epoch would lose all precision in sxx otherwise. */
struct regr_ctx {
	struct regr r;
	double x0, y0;
	int have0;
};

static void regr_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct regr_ctx *c = sqlite3_aggregate_context(ctx, sizeof(*c));
	double x, y;

	(void)argc;
	if (!c || sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
		return;
	y = sqlite3_value_double(argv[0]);
	x = sqlite3_value_double(argv[1]);
	if (!c->have0) {
		c->x0 = x;
		c->y0 = y;
		c->have0 = 1;
	}
	x -= c->x0;
	y -= c->y0;
	c->r.n += 1;
	c->r.sx += x;
	c->r.sy += y;
	c->r.sxx += x * x;
	c->r.syy += y * y;
	c->r.sxy += x * y;
}

/* Variance-like terms; 0 when undefined. */
static int regr_terms(const struct regr_ctx *c, double *vx, double *vy, double *cov)
{
	double n;

	if (!c || c->r.n < 2)
		return -1;
	n = c->r.n;
	*vx = c->r.sxx - c->r.sx * c->r.sx / n;
	*vy = c->r.syy - c->r.sy * c->r.sy / n;
	*cov = c->r.sxy - c->r.sx * c->r.sy / n;
	return *vx > 0 ? 0 : -1;
}

static void regr_slope_final(sqlite3_context *ctx)
{
	struct regr_ctx *c = sqlite3_aggregate_context(ctx, 0);
	double vx, vy, cov;

	if (regr_terms(c, &vx, &vy, &cov) < 0)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_double(ctx, cov / vx);
}

static void regr_intercept_final(sqlite3_context *ctx)
{
	struct regr_ctx *c = sqlite3_aggregate_context(ctx, 0);
	double vx, vy, cov, slope;

	if (regr_terms(c, &vx, &vy, &cov) < 0) {
		sqlite3_result_null(ctx);
		return;
	}
	slope = cov / vx;
	/* intercept in the caller's coordinates, undoing the shift */
	sqlite3_result_double(ctx, c->y0 + c->r.sy / c->r.n - slope * (c->x0 + c->r.sx / c->r.n));
}

static void regr_r2_final(sqlite3_context *ctx)
{
	struct regr_ctx *c = sqlite3_aggregate_context(ctx, 0);
	double vx, vy, cov;

	if (regr_terms(c, &vx, &vy, &cov) < 0)
		sqlite3_result_null(ctx);
	else if (vy <= 0)
		sqlite3_result_double(ctx, 1.0);
	else
		sqlite3_result_double(ctx, fmin(1.0, cov * cov / (vx * vy)));
}

static void regr_count_final(sqlite3_context *ctx)
{
	struct regr_ctx *c = sqlite3_aggregate_context(ctx, 0);

	sqlite3_result_int64(ctx, c ? (sqlite3_int64)c->r.n : 0);
}

static void plural(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *noun = sqlite3_value_text(argv[1]);
	sqlite3_int64 n = sqlite3_value_int64(argv[0]);
	char *s;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	s = sqlite3_mprintf("%lld %s%s", (long long)n, noun ? (const char *)noun : "", n == 1 ? "" : "s");
	if (!s) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_text(ctx, s, -1, sqlite3_free);
}

int sqlfuncs_register(sqlite3 *db)
{
	static const struct {
		const char *name;
		void (*final)(sqlite3_context *);
	} aggs[] = {
		{ "regr_slope", regr_slope_final },
		{ "regr_intercept", regr_intercept_final },
		{ "regr_r2", regr_r2_final },
		{ "regr_count", regr_count_final },
	};
	size_t i;

	for (i = 0; i < sizeof(aggs) / sizeof(aggs[0]); i++)
		if (sqlite3_create_function(db, aggs[i].name, 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, NULL,
					    regr_step, aggs[i].final) != SQLITE_OK)
			return -1;
	if (sqlite3_create_function(db, "plural", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, plural, NULL, NULL) !=
	    SQLITE_OK)
		return -1;
	return 0;
}
