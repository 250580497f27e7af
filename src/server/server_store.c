#include "server/server_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"

static const char SERVER_STORE_FILE[] = "charla.db";
static const char SERVER_STORE_XDG_SUB[] = "charla";
static const char SERVER_STORE_FALLBACK[] = "./charla-data";

enum {
	SERVER_STORE_DIR_MODE = 0700,
	SERVER_STORE_MS_PER_DAY = 86400000,
};

/* The data directory: --data-dir, else $XDG_STATE_HOME/charla, else ./charla-data. */
static void server_store_dir(const struct config *cfg, char *out, size_t cap)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	if (cfg->data_dir)
		snprintf(out, cap, "%s", cfg->data_dir);
	else if (xdg && *xdg)
		snprintf(out, cap, "%s/%s", xdg, SERVER_STORE_XDG_SUB);
	else
		snprintf(out, cap, "%s", SERVER_STORE_FALLBACK);
}

/* Registers the bridge over no store: history is "unavailable", and users are told. */
static void server_store_without(struct server_store *ss, struct hub *hub, const struct config *cfg,
				 const struct logger *log)
{
	struct history_config hc = {.store_private = cfg->store_private};
	history_init(&ss->history, hub, NULL, &hc, log);
	ss->history_on = true;
}

int server_store_start(struct server_store *ss, const struct config *cfg, struct hub *hub,
		       uv_loop_t *loop, const struct logger *log, uint64_t (*clock_ms)(void),
		       char *err, size_t errlen)
{
	memset(ss, 0, sizeof(*ss));
	if (cfg->store_off)
		return 0;
	char dir[SERVER_STORE_PATH_MAX - sizeof(SERVER_STORE_FILE) - 1];
	server_store_dir(cfg, dir, sizeof(dir));
	if (mkdir(dir, SERVER_STORE_DIR_MODE) < 0 && errno != EEXIST) {
		log_error(log, "cannot create the data directory %s: %s; running without history",
			  dir, strerror(errno));
		server_store_without(ss, hub, cfg, log);
		return 0;
	}
	snprintf(ss->path, sizeof(ss->path), "%s/%s", dir, SERVER_STORE_FILE);
	struct store_config sc = {
		.max_age_ms = (uint64_t)cfg->history_max_age_d * SERVER_STORE_MS_PER_DAY,
		.max_rows = cfg->history_max_rows,
		.clock_ms = clock_ms,
		.id_seq_bits = HUB_ID_SEQ_BITS,
	};
	char why[SERVER_STORE_PATH_MAX + DB_ERR_MAX + sizeof(": ")];
	enum db_status s = store_open(&ss->store, ss->path, &sc, log, why, sizeof(why));
	if (s == DB_CANNOT_OPEN) {
		log_error(log, "cannot open the database %s; running without history", why);
		server_store_without(ss, hub, cfg, log);
		return 0;
	}
	size_t nrooms = 0;
	if (s == DB_OK) {
		ss->store_open = true;
		s = history_restore(&ss->history, hub, &ss->store, &nrooms);
		/* The bans too, before the thread starts: server_bans_start takes them. */
		if (s == DB_OK)
			s = store_bans(&ss->store, &ss->bans, &ss->nbans);
		if (s == DB_OK)
			s = store_accounts(&ss->store, &ss->accounts, &ss->naccounts);
		if (s != DB_OK)
			snprintf(why, sizeof(why), "%s: %s", ss->path, ss->store.db.err);
	}
	if (s != DB_OK) {
		snprintf(err, errlen, "the database %s; refusing to start (move the file away to "
				      "start afresh, or restore a backup)", why);
		return SERVER_STORE_REFUSED;
	}
	struct history_config hc = {.store_private = cfg->store_private};
	history_init(&ss->history, hub, &ss->store, &hc, log);
	ss->history_on = true;
	int r = store_start(&ss->store, loop, history_on_health, &ss->history);
	if (r < 0) {
		snprintf(err, errlen, "cannot start the store's thread: %s", uv_strerror(r));
		return -1;
	}
	log_info(log, "history in %s (%zu rooms restored); %zu accounts", ss->path, nrooms,
		 ss->naccounts);
	return 0;
}

void server_store_stop(struct server_store *ss)
{
	for (size_t i = 0; i < ss->nbans; i++) /* read, never taken (a failed start) */
		db_ban_free(&ss->bans[i]);
	free(ss->bans);
	ss->bans = NULL;
	ss->nbans = 0;
	for (size_t i = 0; i < ss->naccounts; i++)
		db_account_free(&ss->accounts[i]);
	free(ss->accounts);
	ss->accounts = NULL;
	ss->naccounts = 0;
	if (ss->history_on)
		history_free(&ss->history);
	ss->history_on = false;
	if (ss->store_open)
		store_close(&ss->store);
	ss->store_open = false;
}
