/* server_metrics: the body of /metrics. server/ is the one layer that may read every module's
 * counters (the hub's, the net's, each face's, the assistant's: base/metrics.h says who owns
 * them), so it writes them here, in the Prometheus text format, when the web face asks
 * (web_config.metrics). The process's own figures are read from /proc at that moment: a scrape
 * costs a few small reads and a walk of /proc/self/fd; chatting costs nothing more.
 *
 * Ownership. Nothing is kept between scrapes: the body goes into the caller's buffer. ctx is the
 * struct server, which outlives its web face. docs/metrics.md lists every family. */
#ifndef CHARLA_SERVER_SERVER_METRICS_H
#define CHARLA_SERVER_SERVER_METRICS_H

struct buf;

/* Appends the body of /metrics to out; ctx is a struct server. */
void server_metrics(void *ctx, struct buf *out);

#endif
