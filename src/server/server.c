#include "server/server.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How long a stopping server waits for clients to take their last lines. */
enum { STOP_GRACE_MS = 800, STOP_POLL_MS = 20 };

static void server_close_handle(uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void server_stop_tick(uv_timer_t *t)
{
	struct server *sv = t->data;
	uint64_t now = uv_now(&sv->loop);
	if (sv->net.count && now < sv->stop_deadline)
		return;
	/* Past the grace period, whatever is still open is closed without waiting. */
	for (struct conn *c = sv->net.all; c; c = c->next)
		conn_close(c);
	udp_face_close(&sv->udp);
	server_close_handle((uv_handle_t *)&sv->sigint);
	server_close_handle((uv_handle_t *)&sv->sigterm);
	server_close_handle((uv_handle_t *)t);
	net_close(&sv->net);
}

static void server_on_signal(uv_signal_t *h, int signum)
{
	struct server *sv = h->data;
	if (sv->stopping) {
		log_warn(&sv->log, "second %s: stopping now", signum == SIGINT ? "SIGINT" : "SIGTERM");
		sv->stop_deadline = 0;
		return;
	}
	sv->stopping = true;
	log_info(&sv->log, "%s: shutting down, %zu connections to close",
		 signum == SIGINT ? "SIGINT" : "SIGTERM", sv->net.count);
	hub_stop(&sv->hub);
	line_face_shutdown(&sv->line);
	udp_face_shutdown(&sv->udp);
	sv->stop_deadline = uv_now(&sv->loop) + STOP_GRACE_MS;
	uv_timer_start(&sv->stop_timer, server_stop_tick, 0, STOP_POLL_MS);
}

int server_init(struct server *sv, const struct config *cfg, char *err, size_t errlen)
{
	memset(sv, 0, sizeof(*sv));
	sv->log = (struct logger){.out = stderr, .prog = "charlad",
				  .level = cfg->verbosity < 0 ? LOG_ERROR
					 : cfg->verbosity > 0 ? LOG_DEBUG : LOG_INFO};
	int r = uv_loop_init(&sv->loop);
	if (r < 0) {
		snprintf(err, errlen, "cannot start the event loop: %s", uv_strerror(r));
		return -1;
	}
	struct net_config nc = {
		.max_line = cfg->max_line,
		.outq = {.hard = cfg->outq_hard, .soft = cfg->outq_soft,
			 .soft_ms = (uint64_t)cfg->outq_soft_s * 1000},
		.keepalive_s = cfg->keepalive_s,
		.linger_ms = 2000,
		.max_paused = cfg->max_line + 4096,
	};
	r = net_init(&sv->net, &sv->loop, &nc, &sv->log);
	if (r < 0) {
		snprintf(err, errlen, "cannot start: %s", uv_strerror(r));
		return -1;
	}
	if (cfg->server_name) {
		snprintf(sv->hostname, sizeof(sv->hostname), "%s", cfg->server_name);
	} else if (gethostname(sv->hostname, sizeof(sv->hostname) - 1) < 0 || !sv->hostname[0]) {
		strcpy(sv->hostname, "localhost");
	}
	uint64_t seed = 0;
	if (uv_random(NULL, NULL, &seed, sizeof(seed), 0, NULL) < 0)
		seed = (uint64_t)uv_hrtime() ^ (uint64_t)getpid();
	struct hub_config hc = {
		.server_name = sv->hostname,
		.lobby = "#lobby",
		.max_rooms = cfg->max_rooms,
		.max_clients = cfg->max_clients,
		.max_queue = cfg->max_queue,
	};
	hub_init(&sv->hub, &hc, &sv->log, seed);
	struct line_config lc = {
		.version = CHARLA_VERSION,
		.name_timeout_ms = (uint64_t)cfg->name_timeout_s * 1000,
		.idle_timeout_ms = (uint64_t)cfg->idle_timeout_s * 1000,
		.backlog = 511,
	};
	line_face_init(&sv->line, &lc, &sv->hub, &sv->net, &sv->log);

	if (cfg->nlisten == 0) {
		if (line_face_listen(&sv->line, "*:7777", err, errlen) < 0)
			return -1;
	}
	for (size_t i = 0; i < cfg->nlisten; i++) {
		if (line_face_listen(&sv->line, cfg->listen[i], err, errlen) < 0)
			return -1;
	}

	/* UDP: next to each TCP listener (same port number) unless --udp says where, or off. */
	struct udp_config uc = {
		.version = CHARLA_VERSION,
		.idle_ms = (uint64_t)cfg->udp_idle_s * 1000,
		.name_timeout_ms = (uint64_t)cfg->name_timeout_s * 1000,
		.quiet_ms = (uint64_t)cfg->idle_timeout_s * 1000,
		.rate = cfg->udp_rate,
		.burst = 2 * cfg->udp_rate,
		.max_peers = cfg->udp_max_peers,
		.max_line = cfg->max_line,
		.max_queued = 1024 * 1024,
	};
	if (udp_face_init(&sv->udp, &uc, &sv->hub, &sv->loop, &sv->log, err, errlen) < 0)
		return -1;
	if (!cfg->udp_off && cfg->nudp == 0)
		udp_face_follow(&sv->udp, sv->line.listeners);
	for (size_t i = 0; !cfg->udp_off && i < cfg->nudp; i++) {
		if (udp_face_listen(&sv->udp, cfg->udp[i], err, errlen) < 0)
			return -1;
	}

	uv_signal_init(&sv->loop, &sv->sigint);
	uv_signal_init(&sv->loop, &sv->sigterm);
	sv->sigint.data = sv->sigterm.data = sv;
	uv_signal_start(&sv->sigint, server_on_signal, SIGINT);
	uv_signal_start(&sv->sigterm, server_on_signal, SIGTERM);
	uv_timer_init(&sv->loop, &sv->stop_timer);
	sv->stop_timer.data = sv;
	return 0;
}

int server_run(struct server *sv)
{
	log_info(&sv->log, "charlad %s ready", CHARLA_VERSION);
	uv_run(&sv->loop, UV_RUN_DEFAULT);
	log_info(&sv->log, "stopped");
	return 0;
}

static void server_close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	server_close_handle(h);
}

void server_free(struct server *sv)
{
	/* After a failed init some handles may still be open: close them and let their callbacks run. */
	udp_face_close(&sv->udp);
	uv_walk(&sv->loop, server_close_walk, NULL);
	uv_run(&sv->loop, UV_RUN_DEFAULT);
	udp_face_free(&sv->udp);
	line_face_free(&sv->line);
	hub_free(&sv->hub);
	uv_loop_close(&sv->loop);
}
