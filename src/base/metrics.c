#include "base/metrics.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

enum {
	METRICS_NUM_MAX = 32, /* bytes of a formatted double */
	METRICS_DIGITS_SHORT = 15, /* digits that print 0.1 as 0.1 */
	METRICS_DIGITS_EXACT = 17, /* digits that always read back as the same double */
};

static const char *const metrics_type_names[] = {
	[METRICS_COUNTER] = "counter",
	[METRICS_GAUGE] = "gauge",
	[METRICS_HISTOGRAM] = "histogram",
};

void metrics_hist_init(struct metrics_hist *h, const double *bounds, size_t n)
{
	assert(n <= METRICS_HIST_MAX);
	memset(h, 0, sizeof(*h));
	h->bounds = bounds;
	h->n = n;
}

void metrics_hist_observe(struct metrics_hist *h, double v)
{
	size_t i = 0;
	while (i < h->n && v > h->bounds[i])
		i++;
	h->counts[i]++;
	h->count++;
	h->sum += v;
}

/* Help text: backslash and line feed escaped (the format's rule for HELP). */
static void metrics_put_help(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_puts(b, "\\\\");
		else if (*s == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, *s);
	}
}

/* A label value: backslash, double quote and line feed escaped. */
static void metrics_put_label(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '"')
			buf_puts(b, "\\\"");
		else if (*s == '\\' || *s == '\n')
			buf_puts(b, *s == '\n' ? "\\n" : "\\\\");
		else
			buf_putc(b, *s);
	}
}

void metrics_family(struct buf *b, const char *name, enum metrics_type type, const char *help)
{
	buf_printf(b, "# HELP %s ", name);
	metrics_put_help(b, help);
	buf_printf(b, "\n# TYPE %s %s\n", name, metrics_type_names[type]);
}

static void metrics_head(struct buf *b, const char *name, const char *label, const char *value)
{
	buf_puts(b, name);
	if (label) {
		buf_printf(b, "{%s=\"", label);
		metrics_put_label(b, value);
		buf_puts(b, "\"}");
	}
	buf_putc(b, ' ');
}

void metrics_uint(struct buf *b, const char *name, const char *label, const char *value,
		  uint64_t v)
{
	metrics_head(b, name, label, value);
	buf_printf(b, "%" PRIu64 "\n", v);
}

/* A float as Prometheus reads it (Go's ParseFloat): +Inf, -Inf, NaN, or the shorter of 15 and
 * 17 significant digits that reads back as v (so a bucket bound of 0.1 is "0.1"). */
static void metrics_put_double(struct buf *b, double v)
{
	if (isnan(v)) {
		buf_puts(b, "NaN");
		return;
	}
	if (isinf(v)) {
		buf_puts(b, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	char num[METRICS_NUM_MAX];
	snprintf(num, sizeof(num), "%.*g", METRICS_DIGITS_SHORT, v);
	if (strtod(num, NULL) != v)
		snprintf(num, sizeof(num), "%.*g", METRICS_DIGITS_EXACT, v);
	buf_puts(b, num);
}

void metrics_double(struct buf *b, const char *name, const char *label, const char *value,
		    double v)
{
	metrics_head(b, name, label, value);
	metrics_put_double(b, v);
	buf_putc(b, '\n');
}

void metrics_hist_write(struct buf *b, const char *name, const struct metrics_hist *h)
{
	uint64_t cum = 0;
	for (size_t i = 0; i <= h->n; i++) {
		cum += h->counts[i];
		buf_printf(b, "%s_bucket{le=\"", name);
		if (i < h->n)
			metrics_put_double(b, h->bounds[i]);
		else
			buf_puts(b, "+Inf");
		buf_printf(b, "\"} %" PRIu64 "\n", cum);
	}
	buf_printf(b, "%s_sum ", name);
	metrics_put_double(b, h->sum);
	buf_printf(b, "\n%s_count %" PRIu64 "\n", name, h->count);
}
