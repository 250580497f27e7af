/* report: the end of a run, printed as a table for people and as one JSON line for bench/run
 * (always the last line of standard output). Only reads the struct bench. */
#include <inttypes.h>
#include <stdio.h>

#include "bench.h"

static double report_ms(uint64_t from, uint64_t to)
{
	return to && to >= from ? (double)(to - from) / 1e6 : -1;
}

static double report_us(uint64_t ns)
{
	return (double)ns / 1e3;
}

bool report_clean(const struct bench *b)
{
	return !b->failed && !b->timed_out && b->dup == 0 && b->reorder == 0 && b->bogus == 0 &&
	       b->echoes == 0 && b->errors == 0 && b->delivered == b->expected;
}

void report_print(const struct bench *b)
{
	const struct opts *o = &b->o;
	const char *pname = b->proto->name;
	double connect_ms = report_ms(b->t0, b->t_connected);
	double ready_ms = report_ms(b->t0, b->t_ready);
	double settle_ms = report_ms(b->t0, b->t_settled);
	uint64_t lost = b->expected > b->delivered ? b->expected - b->delivered : 0;
	uint64_t send_end = b->t_last > b->t_send ? b->t_last : b->t_send;
	double secs = (double)(send_end - b->t_send) / 1e9;
	double dps = secs > 0 ? (double)b->delivered / secs : 0;
	long per_client = -1;
	if (o->idle && b->rss_end >= 0 && b->rss_base >= 0 && b->connected)
		per_client = (b->rss_end - b->rss_base) * 1024 / (long)b->connected;
	uint64_t p50 = hist_quantile(&b->lat, 0.50), p99 = hist_quantile(&b->lat, 0.99);
	uint64_t p999 = hist_quantile(&b->lat, 0.999);
	const char *status = b->failed ? "failed" : b->timed_out ? "deadline" : "done";
	/* Server CPU time is a fairer yardstick than wall time on a busy machine. */
	double cpu_join = b->cpu_ready >= 0 && b->cpu_start >= 0 ? b->cpu_ready - b->cpu_start : -1;
	double cpu_send = b->cpu_end >= 0 && b->cpu_send >= 0 ? b->cpu_end - b->cpu_send : -1;
	if (o->npids > 1) /* the servers together: a cluster's cost per delivery */
		cpu_send = nodes_cpu_sum(b);
	double cpu_ns = cpu_send >= 0 && b->delivered ? cpu_send * 1e9 / (double)b->delivered : -1;

	printf("charla-bench: %s protocol%s at %s:%u, server pid %ld%s%s\n", pname,
	       o->tls ? " over TLS" : "", o->host, o->port, o->pid, o->label ? ", " : "",
	       o->label ? o->label : "");
	printf("  %-15s %u (%u receivers, %u senders, %u source address%s)\n", "clients", b->total,
	       o->n, o->s, b->nsources, b->nsources == 1 ? "" : "es");
	printf("  %-15s %.1f ms\n", "connected", connect_ms);
	printf("  %-15s %.1f ms\n", o->proto == PROTO_LINE ? "named+joined"
				   : o->irc ? "registered" : "subscribed", ready_ms);
	if (o->proto == PROTO_LINE && o->join_quiet)
		printf("  %-15s %.1f ms (%" PRIu64 " join announcements, then %.1f s of silence)\n",
		       "joins settled", settle_ms, b->join_lines, o->settle_quiet_s);
	else if (o->proto == PROTO_LINE)
		printf("  %-15s %.1f ms (%" PRIu64 " of %" PRIu64 " join announcements)\n", "joins settled",
		       settle_ms, b->join_lines, b->join_expected);
	if (o->irc)
		printf("  %-15s %.1f ms (%u of %u in the channel, %" PRIu64 " JOIN announcements; PING "
		       "fence answered by %" PRIu64 "; %" PRIu64 " server PINGs)\n", "joined+settled",
		       settle_ms, b->listed, b->total, b->join_lines, b->fenced, b->server_pings);
	if (!o->idle) {
		if (o->rate > 0)
			printf("  %-15s %u x %u, %u bytes, paced at %.0f/s per sender\n", "messages", o->s,
			       o->m, o->size, o->rate);
		else
			printf("  %-15s %u x %u, %u bytes, at most %u in flight per sender\n", "messages",
			       o->s, o->m, o->size, o->window);
		printf("  %-15s %" PRIu64 " of %" PRIu64 " in %.3f s = %.0f /s\n", "deliveries",
		       b->delivered, b->expected, secs, dps);
		printf("  %-15s p50 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.0f us\n", "latency",
		       report_us(p50), report_us(p99), report_us(p999), report_us(b->lat.max));
		printf("  %-15s lost %" PRIu64 ", duplicated %" PRIu64 ", reordered %" PRIu64 "\n",
		       "integrity", lost, b->dup, b->reorder);
		printf("  %-15s %.2f s while sending (%.0f ns per delivery), %.2f s connecting\n",
		       "server CPU", cpu_send, cpu_ns, cpu_join);
	}
	nodes_print(b);
	printf("  %-15s base %ld KiB, ready %ld KiB, end %ld KiB, peak %ld KiB\n", "server RSS",
	       b->rss_base, b->rss_ready, b->rss_end, b->hwm_end);
	if (o->idle)
		printf("  %-15s %ld bytes per named idle client\n", "idle memory", per_client);
	if (b->errors || b->bogus || b->echoes)
		printf("  %-15s %" PRIu64 " error lines (first: %s), %" PRIu64 " unparsable, %" PRIu64
		       " echoes\n", "anomalies", b->errors, b->first_error, b->bogus, b->echoes);
	printf("  %-15s %s%s%s\n", "status", status, b->failed ? ": " : "", b->failed ? b->fail_msg : "");

	/* The JSON line: numbers and fixed words only, except the label and the failure text, which
	 * are sanitised to printable ASCII without quotes or backslashes. */
	char label[128] = "", why[256] = "";
	const char *srcs[2] = {o->label ? o->label : "", b->fail_msg};
	char *dsts[2] = {label, why};
	size_t caps[2] = {sizeof(label), sizeof(why)};
	for (int k = 0; k < 2; k++) {
		size_t j = 0;
		for (const char *p = srcs[k]; *p && j + 1 < caps[k]; p++)
			dsts[k][j++] = (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') ? *p : '?';
		dsts[k][j] = '\0';
	}
	printf("{\"tool\":\"charla-bench\",\"mode\":\"%s\",\"proto\":\"%s\",\"tls\":%s,\"label\":\"%s\","
	       "\"status\":\"%s\",\"clean\":%s,\"error\":\"%s\","
	       "\"n\":%u,\"s\":%u,\"m\":%u,\"window\":%u,\"rate\":%.3f,\"size\":%u,\"sources\":%u,"
	       "\"connect_ms\":%.3f,\"ready_ms\":%.3f,\"settle_ms\":%.3f,"
	       "\"join_lines\":%" PRIu64 ",\"join_expected\":%" PRIu64 ","
	       "\"sent\":%" PRIu64 ",\"expected\":%" PRIu64 ",\"delivered\":%" PRIu64 ","
	       "\"lost\":%" PRIu64 ",\"dup\":%" PRIu64 ",\"reorder\":%" PRIu64 ","
	       "\"bogus\":%" PRIu64 ",\"echoes\":%" PRIu64 ",\"error_lines\":%" PRIu64 ","
	       "\"peer_lines\":%" PRIu64 ",\"other_lines\":%" PRIu64 ",\"server_pings\":%" PRIu64 ","
	       "\"fenced\":%" PRIu64 ",\"seconds\":%.6f,\"deliveries_per_s\":%.1f,"
	       "\"lat_us\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f,\"mean\":%.1f},"
	       "\"rss_kb\":{\"base\":%ld,\"ready\":%ld,\"end\":%ld,\"hwm\":%ld},"
	       "\"server_cpu_s\":{\"connect\":%.3f,\"send\":%.3f},\"server_cpu_ns_per_delivery\":%.1f,"
	       "\"idle_bytes_per_client\":%ld",
	       o->idle ? "idle" : o->rate > 0 ? "rate" : "throughput", pname,
	       o->tls ? "true" : "false", label, status,
	       report_clean(b) ? "true" : "false", why, o->n, o->s, o->m, o->window, o->rate, o->size,
	       b->nsources, connect_ms, ready_ms, settle_ms, b->join_lines,
	       o->join_quiet ? 0 : b->join_expected,	       b->sent_total, b->expected, b->delivered, lost, b->dup, b->reorder, b->bogus, b->echoes,
	       b->errors, b->peer_lines, b->other_lines, b->server_pings, b->fenced, secs, dps,
	       report_us(p50), report_us(p99), report_us(p999), report_us(b->lat.max),
	       b->lat.count ? report_us(b->lat.sum / b->lat.count) : 0.0,
	       b->rss_base, b->rss_ready, b->rss_end, b->hwm_end, cpu_join, cpu_send, cpu_ns,
	       per_client);
	nodes_json(b);
	printf("}\n");
	fflush(stdout);
}
