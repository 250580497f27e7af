/* nodes: a run against several servers at once, the nodes of a cluster (charlad --cluster). The
 * receivers are spread round-robin over the ports given (--port P1,P2,...), the senders all use
 * the first; each delivery's latency also goes to its port's histogram, so cross-node receivers
 * can be told from same-node ones. When sending starts and when the run ends, it reads every
 * --pid's CPU time and RSS and, with --redis, the Redis's counters (rinfo.c): the report gives
 * each node's CPU per delivery to its own receivers and what crossed Redis per room message. */
#include <inttypes.h>
#include <stdio.h>

#include "bench.h"

void nodes_setup(struct bench *b)
{
	struct opts *o = &b->o;
	if (!o->nports) {
		o->nports = 1;
		o->ports[0] = o->port;
	}
	if (!o->npids && o->pid) {
		o->npids = 1;
		o->pids[0] = o->pid;
	}
	for (uint32_t i = 0; i < o->n; i++) {
		b->cl[i].port_idx = (uint8_t)(i % o->nports);
		b->port_receivers[b->cl[i].port_idx]++;
	}
	if (o->nports > 1) {
		b->port_lat = bench_alloc(o->nports * sizeof(*b->port_lat));
		for (unsigned p = 0; p < o->nports; p++)
			hist_init(&b->port_lat[p]);
	}
	for (int w = 0; w < 2; w++)
		for (unsigned k = 0; k < MAX_PIDS; k++) {
			b->pid_cpu[w][k] = -1;
			b->pid_rss[w][k] = -1;
		}
}

void nodes_snap(struct bench *b, int when)
{
	const struct opts *o = &b->o;
	for (unsigned k = 0; k < o->npids; k++) {
		b->pid_cpu[when][k] = proc_cpu(o->pids[k]);
		proc_rss(o->pids[k], &b->pid_rss[when][k], NULL);
	}
	if (o->redis_port)
		rinfo_read(o->host, o->redis_port, &b->redis[when]);
}

/* CPU seconds pid k used while sending, or -1. */
static double nodes_cpu(const struct bench *b, unsigned k)
{
	double a = b->pid_cpu[NODES_SEND][k], z = b->pid_cpu[NODES_END][k];
	return a >= 0 && z >= 0 ? z - a : -1;
}

/* The same for all of them, summed (-1 if any is unknown). */
double nodes_cpu_sum(const struct bench *b)
{
	double sum = 0;
	for (unsigned k = 0; k < b->o.npids; k++) {
		double c = nodes_cpu(b, k);
		if (c < 0)
			return -1;
		sum += c;
	}
	return b->o.npids ? sum : -1;
}

static bool nodes_redis(const struct bench *b)
{
	return b->o.redis_port && b->redis[NODES_SEND].ok && b->redis[NODES_END].ok;
}

void nodes_print(const struct bench *b)
{
	const struct opts *o = &b->o;
	if (b->port_lat)
		for (unsigned p = 0; p < o->nports; p++) {
			const struct hist *h = &b->port_lat[p];
			printf("  %-15s port %u: %u receivers, %" PRIu64 " deliveries, p50 %.0f us, p99 %.0f "
			       "us, max %.0f us%s\n", p ? "" : "per port", o->ports[p],
			       b->port_receivers[p], b->port_delivered[p],
			       (double)hist_quantile(h, 0.5) / 1e3, (double)hist_quantile(h, 0.99) / 1e3,
			       (double)h->max / 1e3, p ? "" : " (the senders' server)");
		}
	if (o->npids > 1)
		for (unsigned k = 0; k < o->npids; k++)
			printf("  %-15s pid %ld: %.2f s CPU while sending, RSS %ld -> %ld KiB\n",
			       k ? "" : "per server", o->pids[k], nodes_cpu(b, k),
			       b->pid_rss[NODES_SEND][k], b->pid_rss[NODES_END][k]);
	if (o->redis_port) {
		if (!nodes_redis(b)) {
			printf("  %-15s INFO could not be read\n", "redis");
			return;
		}
		const struct rinfo *a = &b->redis[NODES_SEND], *z = &b->redis[NODES_END];
		double msgs = b->sent_total ? (double)b->sent_total : 1;
		printf("  %-15s while sending: %" PRIu64 " PUBLISH (%.2f per message), %" PRIu64
		       " EVAL(SHA), %" PRIu64 " commands, %.3f s CPU, %" PRIu64 " bytes in, %" PRIu64
		       " out\n", "redis", z->publish - a->publish,
		       (double)(z->publish - a->publish) / msgs, z->evalsha - a->evalsha,
		       z->commands - a->commands, z->cpu - a->cpu, z->net_in - a->net_in,
		       z->net_out - a->net_out);
	}
}

void nodes_json(const struct bench *b)
{
	const struct opts *o = &b->o;
	printf(",\"ports\":[");
	for (unsigned p = 0; p < o->nports; p++) {
		const struct hist *h = b->port_lat ? &b->port_lat[p] : &b->lat;
		printf("%s{\"port\":%u,\"receivers\":%u,\"delivered\":%" PRIu64 ",\"lat_us\":{\"p50\":%.1f,"
		       "\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f}}", p ? "," : "", o->ports[p],
		       b->port_receivers[p], b->port_delivered[p], (double)hist_quantile(h, 0.5) / 1e3,
		       (double)hist_quantile(h, 0.99) / 1e3, (double)hist_quantile(h, 0.999) / 1e3,
		       (double)h->max / 1e3);
	}
	printf("],\"pids\":[");
	for (unsigned k = 0; k < o->npids; k++)
		printf("%s{\"pid\":%ld,\"cpu_send_s\":%.3f,\"rss_kb_send\":%ld,\"rss_kb_end\":%ld}",
		       k ? "," : "", o->pids[k], nodes_cpu(b, k), b->pid_rss[NODES_SEND][k],
		       b->pid_rss[NODES_END][k]);
	printf("],\"redis\":");
	if (!nodes_redis(b)) {
		printf("null");
		return;
	}
	const struct rinfo *a = &b->redis[NODES_SEND], *z = &b->redis[NODES_END];
	printf("{\"publish\":%" PRIu64 ",\"evalsha\":%" PRIu64 ",\"commands\":%" PRIu64
	       ",\"cpu_s\":%.4f,\"net_in\":%" PRIu64 ",\"net_out\":%" PRIu64 "}",
	       z->publish - a->publish, z->evalsha - a->evalsha, z->commands - a->commands,
	       z->cpu - a->cpu, z->net_in - a->net_in, z->net_out - a->net_out);
}
