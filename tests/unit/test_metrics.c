/* Unit tests for base/metrics: the Prometheus text writer and the histogram. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/metrics.h"

static void t_family_and_samples(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	metrics_family(&b, "charla_x_total", METRICS_COUNTER, "A help\\text\nwith a newline.");
	metrics_uint(&b, "charla_x_total", NULL, NULL, 18446744073709551615ull);
	metrics_uint(&b, "charla_x_total", "face", "a\"b\\c\nd", 0);
	metrics_family(&b, "charla_g", METRICS_GAUGE, "G.");
	metrics_double(&b, "charla_g", NULL, NULL, 0.1);
	metrics_double(&b, "charla_g", "k", "inf", INFINITY);
	metrics_double(&b, "charla_g", "k", "nan", NAN);
	metrics_double(&b, "charla_g", "k", "third", 1.0 / 3.0);
	assert_string_equal(b.data,
			    "# HELP charla_x_total A help\\\\text\\nwith a newline.\n"
			    "# TYPE charla_x_total counter\n"
			    "charla_x_total 18446744073709551615\n"
			    "charla_x_total{face=\"a\\\"b\\\\c\\nd\"} 0\n"
			    "# HELP charla_g G.\n"
			    "# TYPE charla_g gauge\n"
			    "charla_g 0.1\n"
			    "charla_g{k=\"inf\"} +Inf\n"
			    "charla_g{k=\"nan\"} NaN\n"
			    "charla_g{k=\"third\"} 0.33333333333333331\n");
	buf_free(&b);
}

static void t_histogram(void **state)
{
	(void)state;
	static const double bounds[] = {0.1, 1, 10};
	struct metrics_hist h;
	metrics_hist_init(&h, bounds, 3);
	/* On a bound counts in that bucket (le is "less than or equal"). */
	metrics_hist_observe(&h, 0.1);
	metrics_hist_observe(&h, 0.5);
	metrics_hist_observe(&h, 1);
	metrics_hist_observe(&h, 11);
	metrics_hist_observe(&h, 0);
	struct buf b = BUF_INIT;
	metrics_hist_write(&b, "charla_d_seconds", &h);
	assert_string_equal(b.data, "charla_d_seconds_bucket{le=\"0.1\"} 2\n"
				    "charla_d_seconds_bucket{le=\"1\"} 4\n"
				    "charla_d_seconds_bucket{le=\"10\"} 4\n"
				    "charla_d_seconds_bucket{le=\"+Inf\"} 5\n"
				    "charla_d_seconds_sum 12.6\n"
				    "charla_d_seconds_count 5\n");
	buf_free(&b);
}

static void t_histogram_empty(void **state)
{
	(void)state;
	static const double bounds[] = {2.5};
	struct metrics_hist h;
	metrics_hist_init(&h, bounds, 1);
	struct buf b = BUF_INIT;
	metrics_family(&b, "charla_e_seconds", METRICS_HISTOGRAM, "E.");
	metrics_hist_write(&b, "charla_e_seconds", &h);
	assert_string_equal(b.data, "# HELP charla_e_seconds E.\n"
				    "# TYPE charla_e_seconds histogram\n"
				    "charla_e_seconds_bucket{le=\"2.5\"} 0\n"
				    "charla_e_seconds_bucket{le=\"+Inf\"} 0\n"
				    "charla_e_seconds_sum 0\n"
				    "charla_e_seconds_count 0\n");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_family_and_samples),
		cmocka_unit_test(t_histogram),
		cmocka_unit_test(t_histogram_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
