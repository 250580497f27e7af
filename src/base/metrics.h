/* metrics: counters that modules keep for /metrics, and a writer of the Prometheus text
 * exposition format (version 0.0.4). Pure: no I/O, no clock, no allocation of its own.
 *
 * Ownership. Every counter lives in the module that moves it, as a plain field of that module's
 * own struct (the hub's, a face's, the net's, the assistant's), and only that module writes it:
 * no locks (everything runs on the loop) and no registry, so counting costs one increment where
 * the event happens. server/ alone reads them all (it is the one layer that may include every
 * module) and writes /metrics with the functions below into a buffer the caller owns; the web
 * face serves that buffer. struct metrics_conns and struct metrics_hist are values embedded in
 * their owner's struct.
 *
 * The format. A family is announced once by metrics_family (# HELP and # TYPE), then its samples
 * follow, each `name{label="value"} value`. Label values are escaped (backslash, double quote,
 * newline); help texts escape backslash and newline, as the format requires. Counters are named
 * *_total by their callers; histograms write cumulative _bucket samples ending with le="+Inf",
 * then _sum and _count. */
#ifndef CHARLA_BASE_METRICS_H
#define CHARLA_BASE_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct buf;

enum metrics_type { METRICS_COUNTER, METRICS_GAUGE, METRICS_HISTOGRAM };

enum {
	METRICS_HIST_MAX = 16, /* finite bucket bounds a histogram may have */
};

/* What a face counts of its connections. */
struct metrics_conns {
	uint64_t accepted; /* since the start */
	uint64_t slow;     /* disconnected as slow readers (an output limit passed) */
	size_t open;       /* now */
};

/* A histogram of observations (seconds, say): counts[i] counts those <= bounds[i] and above
 * bounds[i-1]; counts[n] those above every bound. bounds is ascending and outlives the value. */
struct metrics_hist {
	const double *bounds;
	size_t n;                              /* <= METRICS_HIST_MAX */
	uint64_t counts[METRICS_HIST_MAX + 1];
	uint64_t count;
	double sum;
};

/* Sets h up with n ascending bounds (n <= METRICS_HIST_MAX), all counts 0. */
void metrics_hist_init(struct metrics_hist *h, const double *bounds, size_t n);
/* Counts one observation v. O(n). */
void metrics_hist_observe(struct metrics_hist *h, double v);

/* "# HELP name help" and "# TYPE name type". */
void metrics_family(struct buf *b, const char *name, enum metrics_type type, const char *help);
/* One sample: `name value`, or `name{label="value"} value` when label is not NULL. */
void metrics_uint(struct buf *b, const char *name, const char *label, const char *value,
		  uint64_t v);
void metrics_double(struct buf *b, const char *name, const char *label, const char *value,
		    double v);
/* A whole histogram family's samples (after its metrics_family): name_bucket{le=...}, name_sum,
 * name_count. */
void metrics_hist_write(struct buf *b, const char *name, const struct metrics_hist *h);

#endif
