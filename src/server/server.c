#include "server/server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/i18n.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "bridge/accounts/accounts.h"
#include "bridge/cluster/cluster.h"
#include "bridge/assistant/assistant.h"
#include "face/web/web_metrics.h"
#include "net/listener.h"
#include "server/server_metrics.h"
#include "server/files.h"

/* How long a stopping server waits for clients to take their last lines. */
enum { STOP_GRACE_MS = 800, STOP_POLL_MS = 20 };
/* The accounts service bot's name, as IRC networks call theirs. */
static const char SERVER_NICKSERV[] = "NickServ";

enum {
	SERVER_BACKLOG = 511,              /* pending connections per listener (Linux's usual cap) */
	SERVER_UDP_QUEUE = 1024 * 1024,    /* bytes a UDP socket may queue before datagrams drop */
	SERVER_LINGER_MS = 2000,           /* a closing connection waits this long for the peer */
	SERVER_RESET_GRACE_MS = 200,       /* ...and is reset this long after its goodbye arrived */
	SERVER_WHOWAS = 256,               /* departures IRC's WHOWAS remembers */
	SERVER_MONITOR = 100,              /* nicks one IRC client may MONITOR */
	SERVER_HTTP_IDLE_MS = 30000,       /* an idle keep-alive HTTP connection closes after this */
	SERVER_WS_MESSAGE = 4096 + 512,    /* bytes of a WebSocket message: an IRC line and its tags */
};

enum { SERVER_ERR = 512, USEC_PER_NSEC = 1000 };

/* The user-facing text of this file's reload and service-manager messages. */
static const char T_READY[] = "READY=1\nSTATUS=charlad %s: listening";
static const char T_RELOADING[] = "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading";
static const char T_RELOADED[] = "READY=1\nSTATUS=charlad %s: listening; settings reloaded";
static const char T_RELOAD_FAILED[] = "READY=1\nSTATUS=charlad %s: listening; the last reload "
				      "failed, old settings kept: %s";
static const char T_STOPPING[] = "STOPPING=1\nSTATUS=shutting down, %zu connections to close";
static const char T_LOG_RELOADING[] = "SIGHUP: reloading the settings (%s)";
static const char T_LOG_NO_FILE[] = "no config file";
static const char T_LOG_RELOAD_FAILED[] = "reload failed, old settings kept: %s";
static const char T_LOG_RESTART[] = "reload: %s changed, which needs a restart; keeping the old "
				    "value";
static const char T_LOG_CHANGED[] = "reload: %s changed";
static const char T_LOG_RELOADED[] = "reload done";
static const char T_LOG_NOTIFY[] = "cannot tell the service manager ($NOTIFY_SOCKET): %s";

/* The hub's clock for event times and ids: the wall clock, in ms since 1970. */
static uint64_t server_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The throttle's clock: the loop's, which is monotonic. */
static uint64_t server_auth_clock(void *clock)
{
	struct server *sv = clock;
	return uv_now(&sv->loop);
}

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
	net_close_all(&sv->net);
	udp_face_close(&sv->udp);
	accounts_shutdown(sv->accounts);
	server_close_handle((uv_handle_t *)&sv->sigint);
	server_close_handle((uv_handle_t *)&sv->sigterm);
	server_close_handle((uv_handle_t *)&sv->sighup);
	server_close_handle((uv_handle_t *)t);
	net_close(&sv->net);
}

/* The cluster refused this node (its name is a running node's): stop now, exit status 1. */
static void server_cluster_refused(void *ctx, const char *why)
{
	struct server *sv = ctx;
	fprintf(stderr, "charlad: %s\n", why);
	sv->exit_code = 1;
	uv_stop(&sv->loop);
}

/* After the listeners: the default node name is HOSTNAME:PORT of the first line listener. */
static int server_start_cluster(struct server *sv, const struct config *cfg, char *err,
				size_t errlen)
{
	if (!cfg->cluster_url)
		return 0;
	if (cfg->node_name)
		snprintf(sv->node_name, sizeof(sv->node_name), "%s", cfg->node_name);
	else
		snprintf(sv->node_name, sizeof(sv->node_name), "%s:%d", sv->hostname,
			 sv->line.listeners ? listener_port(sv->line.listeners) : 0);
	struct cluster_config cc = {
		.url = cfg->cluster_url,
		.password = cfg->cluster_password,
		.node = sv->node_name,
		.lease_ms = cfg->cluster_lease_s * 1000u,
		.buffer = cfg->cluster_buffer,
		.refused = server_cluster_refused,
		.ctx = sv,
	};
	sv->cluster = cluster_new(&sv->loop, &sv->hub, &cc, &sv->log, err, errlen);
	if (!sv->cluster)
		return -1;
	cluster_start(sv->cluster);
	log_info(&sv->log, "cluster: node %s, Redis %s", sv->node_name, cfg->cluster_url);
	return 0;
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
	notify_sendf(&sv->notify, T_STOPPING, sv->net.count);
	/* The assistant first: its last words (MSG_SHUTDOWN to whoever waits for an answer) go
	 * out before the faces close their connections. */
	assistant_shutdown(sv->ai);
	if (sv->ask_on)
		ask_face_shutdown(&sv->ask);
	/* The others hear this node go (its people quit there, its names are free) before the
	 * hub goes quiet. */
	if (sv->cluster)
		cluster_shutdown(sv->cluster, "Server shutting down");
	hub_stop(&sv->hub);
	line_face_shutdown(&sv->line);
	udp_face_shutdown(&sv->udp);
	if (sv->web_on)
		web_face_shutdown(&sv->web);
	if (sv->irc_on)
		irc_face_shutdown(&sv->irc);
	sv->stop_deadline = uv_now(&sv->loop) + STOP_GRACE_MS;
	uv_timer_start(&sv->stop_timer, server_stop_tick, 0, STOP_POLL_MS);
}

/* The accounts bridge over the store's accounts (read at start by server_store_start) and the
 * password hashes (sv->pwhash, started with the operators' checks). */
static int server_start_accounts(struct server *sv, const struct config *cfg, char *err,
				 size_t errlen)
{
	(void)err;
	(void)errlen;
	struct accounts_config ac = {
		.name_grace_s = cfg->name_grace_s,
		.login_fails = cfg->login_fails,
		.login_window_s = cfg->login_window_s,
		.register_rate = cfg->register_rate,
		.clock_ms = server_clock_ms,
		.nickserv = SERVER_NICKSERV,
	};
	struct server_store *ss = &sv->store;
	sv->accounts = accounts_new(&sv->loop, &sv->hub, ss->store_open ? &ss->store : NULL,
				    &sv->pwhash, &ac, &sv->log, ss->accounts, ss->naccounts);
	ss->accounts = NULL;
	ss->naccounts = 0;
	return 0;
}

/* The assistant, and the ask port if asked for. */
static int server_start_ai(struct server *sv, const struct config *cfg, char *err, size_t errlen)
{
	const char *key = cfg->ai_key;
	if (cfg->ai_key_file) {
		if (!(sv->ai_key = files_read_key(cfg->ai_key_file, err, errlen)))
			return -1;
		key = sv->ai_key;
	}
	if (key) {
		/* A key goes into an HTTP header: no line breaks or controls. */
		for (const char *p = key; *p; p++) {
			if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f) {
				snprintf(err, errlen, "the API key holds a control character");
				return -1;
			}
		}
	}
	const char *url = cfg->ai_url ? cfg->ai_url : key ? "https://api.openai.com/v1" : NULL;
	struct assistant_config ac = {
		.name = cfg->ai_name,
		.base_url = url,
		.api_key = key,
		.model = cfg->ai_model,
		.system = cfg->ai_system,
		.max_tokens = cfg->ai_max_tokens,
		.cap_key = (enum chat_cap_key)cfg->ai_cap_key,
		.inflight = cfg->ai_inflight,
		.queue = cfg->ai_queue,
		.rate_per_min = cfg->ai_rate,
		.max_question = cfg->ai_max_question,
		.max_answer = cfg->ai_max_answer,
		.memory = cfg->ai_memory,
		.connect_ms = (uint64_t)cfg->ai_connect_s * 1000,
		.first_byte_ms = (uint64_t)cfg->ai_first_byte_s * 1000,
		.stall_ms = (uint64_t)cfg->ai_stall_s * 1000,
		.total_ms = (uint64_t)cfg->ai_total_s * 1000,
	};
	sv->ai = assistant_new(&sv->loop, &sv->hub, &ac, &sv->log, err, errlen);
	if (!sv->ai)
		return -1;
	if (!cfg->nask)
		return 0;
	struct ask_config kc = {
		.pause_ms = cfg->ask_pause_ms,
		.lang = cfg->lang,
		.idle_timeout_ms = (uint64_t)cfg->idle_timeout_s * 1000,
		.backlog = SERVER_BACKLOG,
	};
	/* The ask face knows the assistant only as an answerer (ai/answerer.h). */
	struct answerer an = assistant_answerer(sv->ai);
	ask_face_init(&sv->ask, &kc, &an, &sv->net, &sv->log);
	sv->ask_on = true;
	for (size_t i = 0; i < cfg->nask; i++)
		if (ask_face_listen(&sv->ask, cfg->ask_listen[i], err, errlen) < 0)
			return -1;
	return 0;
}

/* The IRC face: on --irc-listen, or on IRC's usual port when it is free. */
static int server_start_irc(struct server *sv, const struct config *cfg, char *err, size_t errlen)
{
	if (cfg->motd_file && !(sv->motd = files_slurp(cfg->motd_file, "--motd", err, errlen)))
		return -1;
	struct irc_config ic = {
		.version = CHARLA_VERSION,
		.network = cfg->network,
		.info = cfg->server_info,
		.password = cfg->irc_password,
		.motd = sv->motd,
		.ping_ms = (uint64_t)cfg->irc_ping_s * 1000,
		.ping_timeout_ms = (uint64_t)cfg->irc_ping_timeout_s * 1000,
		.register_timeout_ms = (uint64_t)cfg->name_timeout_s * 1000,
		.flood_rate = cfg->irc_flood,
		.flood_burst = cfg->irc_flood_burst,
		.whowas_max = SERVER_WHOWAS,
		.monitor_max = SERVER_MONITOR,
		.history_on_join = cfg->history_on_join,
		.backlog = SERVER_BACKLOG,
	};
	if (irc_face_init(&sv->irc, &ic, &sv->hub, &sv->net, &sv->log, err, errlen) < 0)
		return -1;
	sv->irc_on = true;
	if (cfg->nirc == 0) {
		/* Unasked, IRC's port is a convenience: a machine already running an IRC server
		 * (or a second charlad) still gets its chat, with a warning. */
		char why[256];
		if (irc_face_listen(&sv->irc, CONFIG_DEFAULT_IRC_LISTEN, why, sizeof(why)) < 0)
			log_warn(&sv->log, "no IRC: %s (--irc-listen to choose a port)", why);
		return 0;
	}
	for (size_t i = 0; i < cfg->nirc; i++)
		if (irc_face_listen(&sv->irc, cfg->irc_listen[i], err, errlen) < 0)
			return -1;
	return 0;
}

/* A WebSocket the web face upgraded becomes an IRC client: the faces never see each other. */
static void server_adopt_ws(void *ctx, struct conn *conn)
{
	struct server *sv = ctx;
	irc_face_adopt(&sv->irc, conn);
}

/* The web face: on --http-listen, or on 8080 when it is free. */
static int server_start_web(struct server *sv, const struct config *cfg, char *err, size_t errlen)
{
	struct web_config wc = {
		.version = CHARLA_VERSION,
		.origins = cfg->http_origins,
		.head_timeout_ms = (uint64_t)cfg->http_timeout_s * 1000,
		.idle_timeout_ms = SERVER_HTTP_IDLE_MS,
		.max_message = SERVER_WS_MESSAGE,
		.started_s = (uint64_t)time(NULL),
		.backlog = SERVER_BACKLOG,
		.adopt = sv->irc_on ? server_adopt_ws : NULL,
		.adopt_ctx = sv,
		.metrics = server_metrics,
		.metrics_ctx = sv,
	};
	web_face_init(&sv->web, &wc, &sv->hub, &sv->net, &sv->log);
	sv->web_on = true;
	if (web_face_metrics_allow(&sv->web, cfg->metrics_allow, err, errlen) < 0)
		return -1;
	if (cfg->nhttp == 0) {
		char why[256];
		if (web_face_listen(&sv->web, CONFIG_DEFAULT_HTTP_LISTEN, why, sizeof(why)) < 0)
			log_warn(&sv->log, "no web page: %s (--http-listen to choose a port)", why);
		return 0;
	}
	for (size_t i = 0; i < cfg->nhttp; i++)
		if (web_face_listen(&sv->web, cfg->http_listen[i], err, errlen) < 0)
			return -1;
	return 0;
}

/* ---- TLS listeners: a face's listen function, then its new listeners made TLS ---- */

/* What a client that speaks in clear on a TLS port is told, in its protocol, before the close:
 * the line protocol's in the server's language (nothing is known of the client's yet). */
static const char T_TLS_PLAIN_LINE[] =
	N_("! This port speaks TLS: connect with charla --tls (or openssl s_client).\n");
static const char T_TLS_PLAIN_IRC[] = "ERROR :This port speaks TLS only\r\n";
#define SERVER_TLS_PLAIN_BODY "This port speaks HTTPS only.\n"
#define SERVER_TLS_PLAIN_LENGTH "29"
_Static_assert(sizeof(SERVER_TLS_PLAIN_BODY) - 1 == 29, "the Content-Length is the body's");
static const char T_TLS_PLAIN_HTTP[] =
	"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
	"Content-Length: " SERVER_TLS_PLAIN_LENGTH "\r\nConnection: close\r\n\r\n"
	SERVER_TLS_PLAIN_BODY;

typedef int server_listen_fn(struct server *sv, const char *spec, char *err, size_t errlen);

static int server_listen_line(struct server *sv, const char *spec, char *err, size_t errlen)
{
	struct listener *before = sv->line.listeners;
	int r = line_face_listen(&sv->line, spec, err, errlen);
	listener_set_tls(sv->line.listeners, before, &sv->tls, TLS_ALPN_NONE,
			 i18n_tr((enum lang)sv->cfg.lang, T_TLS_PLAIN_LINE));
	return r;
}

static int server_listen_irc(struct server *sv, const char *spec, char *err, size_t errlen)
{
	struct listener *before = sv->irc.listeners;
	int r = irc_face_listen(&sv->irc, spec, err, errlen);
	listener_set_tls(sv->irc.listeners, before, &sv->tls, TLS_ALPN_NONE, T_TLS_PLAIN_IRC);
	return r;
}

static int server_listen_web(struct server *sv, const char *spec, char *err, size_t errlen)
{
	struct listener *before = sv->web.listeners;
	int r = web_face_listen(&sv->web, spec, err, errlen);
	listener_set_tls(sv->web.listeners, before, &sv->tls, TLS_ALPN_HTTP, T_TLS_PLAIN_HTTP);
	return r;
}

/* A face's TLS listeners: on the addresses asked for, or, unasked, on the default port if it is
 * free (as IRC's 6667 is). */
static int server_listen_tls(struct server *sv, server_listen_fn *listen, const char *const *specs,
			     size_t n, const char *def, const char *what, char *err, size_t errlen)
{
	if (n == 0) {
		char why[256];
		if (listen(sv, def, why, sizeof(why)) < 0)
			log_warn(&sv->log, "no %s over TLS: %s", what, why);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (listen(sv, specs[i], err, errlen) < 0)
			return -1;
	return 0;
}

/* The TLS context and the listeners of every face that runs, once a certificate is given. */
static int server_start_tls(struct server *sv, const struct config *cfg, char *err, size_t errlen)
{
	if (!cfg->tls_cert)
		return 0;
	if (tls_server_init(&sv->tls, cfg->tls_cert, cfg->tls_key,
			    (uint64_t)cfg->tls_handshake_s * 1000, &sv->log, err, errlen) < 0)
		return -1;
	sv->tls_on = true;
	if (server_listen_tls(sv, server_listen_line, cfg->tls_listen, cfg->ntls,
			      CONFIG_DEFAULT_TLS_LISTEN, "line protocol", err, errlen) < 0)
		return -1;
	if (sv->irc_on && server_listen_tls(sv, server_listen_irc, cfg->irc_tls_listen,
					    cfg->nirc_tls, CONFIG_DEFAULT_IRC_TLS_LISTEN, "IRC",
					    err, errlen) < 0)
		return -1;
	if (sv->web_on && server_listen_tls(sv, server_listen_web, cfg->https_listen, cfg->nhttps,
					    CONFIG_DEFAULT_HTTPS_LISTEN, "web page", err,
					    errlen) < 0)
		return -1;
	return 0;
}

/* A SIGHUP's TLS part: the certificate and key files again, for new connections. */
static void server_reload_tls(struct server *sv)
{
	char err[SERVER_ERR];
	if (!sv->tls_on) {
		if (sv->cfg.tls_cert)
			log_warn(&sv->log, T_LOG_RESTART, "--tls-cert");
		return;
	}
	if (!sv->cfg.tls_cert) {
		log_warn(&sv->log, "reload: TLS cannot be turned off without a restart; keeping "
			 "the old certificate");
		return;
	}
	if (tls_server_reload(&sv->tls, sv->cfg.tls_cert, sv->cfg.tls_key, err, sizeof(err)) < 0)
		log_error(&sv->log, "reload: TLS certificate not changed: %s", err);
	else
		log_info(&sv->log, "reload: TLS certificate loaded from %s", sv->cfg.tls_cert);
}

static enum log_level server_level(const struct config *cfg)
{
	return cfg->verbosity < 0 ? LOG_ERROR : cfg->verbosity > 0 ? LOG_DEBUG : LOG_INFO;
}

/* Whether p points into text's bytes. */
static bool server_in_text(const struct config_text *text, const char *p)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)text->data;
	return text->data && a >= lo && a < lo + text->len;
}

/* A SIGHUP: the settings again (argv and the config file); those marked OPT_RELOAD are applied,
 * the others, if changed, logged and kept. Everything is read and checked before anything is
 * applied, so that a bad file or a missing MOTD changes nothing. The files are read here, on the
 * loop: they are small (CONFIG_FILE_MAX, FILES_MAX) and local, so a reload costs a few reads, not
 * a pause anyone sees. */
static void server_reload(struct server *sv)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	notify_sendf(&sv->notify, T_RELOADING,
		     (unsigned long long)now.tv_sec * 1000000ull +
			     (unsigned long long)now.tv_nsec / USEC_PER_NSEC);
	log_info(&sv->log, T_LOG_RELOADING, sv->cfg.config_file ? sv->cfg.config_file : T_LOG_NO_FILE);
	struct config fresh;
	struct config_text text;
	char err[SERVER_ERR];
	char *motd = NULL;
	struct files_opers opers = {0};
	int r = config_load(&fresh, &text, sv->argc, sv->argv, err, sizeof(err));
	if (r == 0 && !sv->cfg.irc_off && fresh.motd_file &&
	    !(motd = files_slurp(fresh.motd_file, "--motd", err, sizeof(err))))
		r = -1;
	if (r == 0 && fresh.oper_file &&
	    files_read_opers(&opers, fresh.oper_file, err, sizeof(err)) < 0)
		r = -1;
	if (r != 0) {
		log_error(&sv->log, T_LOG_RELOAD_FAILED, err);
		notify_sendf(&sv->notify, T_RELOAD_FAILED, CHARLA_VERSION, err);
		free(motd);
		files_opers_free(&opers);
		config_text_free(&text);
		return;
	}
	/* main.c wiped --ai-key in argv once it held a copy: the key in force is that copy. */
	if (fresh.ai_key_arg && !server_in_text(&text, fresh.ai_key_arg))
		fresh.ai_key = sv->cfg.ai_key;
	size_t i = 0;
	bool reloadable;
	for (const char *name; (name = config_next_change(&sv->cfg, &fresh, &i, &reloadable));) {
		if (reloadable)
			log_info(&sv->log, T_LOG_CHANGED, name);
		else
			log_warn(&sv->log, T_LOG_RESTART, name);
	}
	config_take_reloadable(&sv->cfg, &fresh);
	/* The reloadable strings now point into this text or argv, none into the last reload's. */
	config_text_free(&sv->text);
	sv->text = text;
	sv->log.level = server_level(&sv->cfg);
	/* The hub and the IRC face read these at use time, on this loop: a new value holds from
	 * the next use (a lower --max-rooms leaves members where they are). */
	sv->hub.cfg.max_rooms = sv->cfg.max_rooms;
	sv->hub.cfg.max_queue = sv->cfg.max_queue;
	sv->hub.cfg.announce_max = sv->cfg.announce_max;
	sv->hub.cfg.msg_rate = sv->cfg.msg_rate;
	sv->hub.cfg.msg_burst = sv->cfg.msg_burst;
	/* Checks already running keep the hash they were given (pwhash copied it). */
	files_opers_free(&sv->opers);
	sv->opers = opers;
	server_auth_set_opers(&sv->auth, &sv->opers);
	if (sv->irc_on) {
		free(sv->motd);
		sv->motd = motd;
		sv->irc.cfg.motd = sv->motd;
		sv->irc.cfg.password = sv->cfg.irc_password;
	} else {
		free(motd);
	}
	server_reload_tls(sv);
	log_info(&sv->log, "%s", T_LOG_RELOADED);
	notify_sendf(&sv->notify, T_RELOADED, CHARLA_VERSION);
}

static void server_on_hup(uv_signal_t *h, int signum)
{
	(void)signum;
	struct server *sv = h->data;
	if (!sv->stopping)
		server_reload(sv);
}

int server_init(struct server *sv, const struct config *cfg, int argc, char **argv, char *err,
		size_t errlen)
{
	memset(sv, 0, sizeof(*sv));
	sv->cfg = *cfg;
	sv->argc = argc;
	sv->argv = argv;
	sv->log = (struct logger){.out = stderr, .prog = "charlad", .level = server_level(cfg),
				  .format = (enum log_format)cfg->log_format,
				  .clock_ms = server_clock_ms};
	int nr = notify_open(&sv->notify);
	if (nr < 0)
		log_warn(&sv->log, T_LOG_NOTIFY, strerror(-nr));
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
		.linger_ms = SERVER_LINGER_MS,
		.reset_grace_ms = SERVER_RESET_GRACE_MS,
		.max_paused = cfg->max_line + 4096,
		.limits = {.max_per_ip = cfg->max_per_ip, .max_per_ip24 = cfg->max_per_ip24,
			   .max_per_ip64 = cfg->max_per_ip64, .rate = cfg->connect_rate},
	};
	if (cfg->limit_exempt &&
	    netlim_parse_exempt(cfg->limit_exempt, &nc.limits, err, errlen) < 0)
		return -1;
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
		.announce_max = cfg->announce_max,
		.lang = (uint8_t)cfg->lang,
		.clock_ms = server_clock_ms,
		.history_on_join = cfg->history_on_join,
		.msg_rate = cfg->msg_rate,
		.msg_burst = cfg->msg_burst,
	};
	hub_init(&sv->hub, &hc, &sv->log, seed);
	/* Operators' passwords are checked off the loop (auth/pwhash.h); faces reach the check
	 * through the hub (hub/auth.h), the one interface for every secret a client gives. */
	if (cfg->oper_file && files_read_opers(&sv->opers, cfg->oper_file, err, errlen) < 0)
		return -1;
	if (pwhash_init(&sv->pwhash, &sv->loop, PWHASH_COST_INTERACTIVE) < 0) {
		snprintf(err, errlen, "cannot start libsodium");
		return -1;
	}
	sv->pwhash_on = true;
	server_auth_init(&sv->auth, &sv->pwhash, &sv->opers, server_auth_clock, sv, seed);
	sv->hub.auth = &sv->auth.iface;
	/* Before any listener: the saved rooms are back before anyone can join them. */
	r = server_store_start(&sv->store, cfg, &sv->hub, &sv->loop, &sv->log, server_clock_ms, err,
			       errlen);
	if (r < 0)
		return r;
	/* Bans from the store (or none) before any listener: a banned address is refused from
	 * the first connection. */
	server_bans_start(&sv->bans, sv, server_clock_ms);
	if (server_start_accounts(sv, cfg, err, errlen) < 0)
		return -1;
	struct line_config lc = {
		.version = CHARLA_VERSION,
		.name_timeout_ms = (uint64_t)cfg->name_timeout_s * 1000,
		.idle_timeout_ms = (uint64_t)cfg->idle_timeout_s * 1000,
		.backlog = SERVER_BACKLOG,
	};
	line_face_init(&sv->line, &lc, &sv->hub, &sv->net, &sv->log);

	if (cfg->nlisten == 0) {
		if (line_face_listen(&sv->line, CONFIG_DEFAULT_LISTEN, err, errlen) < 0)
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
		.max_queued = SERVER_UDP_QUEUE,
		.gate = &sv->bans.gate,
	};
	if (udp_face_init(&sv->udp, &uc, &sv->hub, &sv->loop, &sv->log, err, errlen) < 0)
		return -1;
	if (!cfg->udp_off && cfg->nudp == 0)
		udp_face_follow(&sv->udp, sv->line.listeners);
	for (size_t i = 0; !cfg->udp_off && i < cfg->nudp; i++) {
		if (udp_face_listen(&sv->udp, cfg->udp[i], err, errlen) < 0)
			return -1;
	}

	if (!cfg->irc_off && server_start_irc(sv, cfg, err, errlen) < 0)
		return -1;
	if (!cfg->http_off && server_start_web(sv, cfg, err, errlen) < 0)
		return -1;
	if (!cfg->ai_off && server_start_ai(sv, cfg, err, errlen) < 0)
		return -1;
	/* After UDP followed the plain line listeners, so that none follows a TLS one. */
	if (server_start_tls(sv, cfg, err, errlen) < 0)
		return -1;
	if (server_start_cluster(sv, cfg, err, errlen) < 0)
		return -1;

	uv_signal_init(&sv->loop, &sv->sigint);
	uv_signal_init(&sv->loop, &sv->sigterm);
	uv_signal_init(&sv->loop, &sv->sighup);
	sv->sigint.data = sv->sigterm.data = sv->sighup.data = sv;
	uv_signal_start(&sv->sighup, server_on_hup, SIGHUP);
	uv_signal_start(&sv->sigint, server_on_signal, SIGINT);
	uv_signal_start(&sv->sigterm, server_on_signal, SIGTERM);
	uv_timer_init(&sv->loop, &sv->stop_timer);
	sv->stop_timer.data = sv;
	return 0;
}

int server_run(struct server *sv)
{
	log_info(&sv->log, "charlad %s ready", CHARLA_VERSION);
	notify_sendf(&sv->notify, T_READY, CHARLA_VERSION);
	uv_run(&sv->loop, UV_RUN_DEFAULT);
	log_info(&sv->log, "stopped");
	return sv->exit_code;
}

static void server_close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	server_close_handle(h);
}

void server_free(struct server *sv)
{
	/* After a failed init some handles may still be open: close them and let their callbacks run. */
	if (sv->ask_on)
		ask_face_shutdown(&sv->ask);
	assistant_shutdown(sv->ai); /* a no-op after a normal stop */
	if (sv->cluster)
		cluster_shutdown(sv->cluster, "Server shutting down");
	udp_face_close(&sv->udp);
	accounts_shutdown(sv->accounts);
	/* Checks still waiting are dropped; running ones end on their thread during the last run. */
	if (sv->pwhash_on)
		pwhash_close(&sv->pwhash);
	sv->pwhash_on = false;
	/* The store's thread ends before its async handle is closed with the rest. */
	server_store_stop(&sv->store);
	uv_walk(&sv->loop, server_close_walk, NULL);
	uv_run(&sv->loop, UV_RUN_DEFAULT);
	if (sv->ask_on)
		ask_face_free(&sv->ask);
	assistant_free(sv->ai);
	sv->ai = NULL;
	accounts_free(sv->accounts);
	sv->accounts = NULL;
	cluster_free(sv->cluster);
	sv->cluster = NULL;
	files_key_free(sv->ai_key);
	sv->ai_key = NULL;
	udp_face_free(&sv->udp);
	if (sv->web_on)
		web_face_free(&sv->web);
	if (sv->irc_on)
		irc_face_free(&sv->irc);
	free(sv->motd);
	files_opers_free(&sv->opers);
	server_auth_free(&sv->auth);
	server_bans_free(&sv->bans);
	config_text_free(&sv->text);
	notify_close(&sv->notify);
	line_face_free(&sv->line);
	tls_server_free(&sv->tls);
	hub_free(&sv->hub);
	uv_loop_close(&sv->loop);
}
