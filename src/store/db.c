#include "store/db.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "base/fold.h"
#include "base/xalloc.h"
#include "store/db_int.h"

/* The migrations, numbered from 1: migration i takes a file from version i-1 to i, inside one
 * transaction with the new PRAGMA user_version. Never edit one that shipped: add the next. */
static const char *const db_migrations[DB_SCHEMA_VERSION] = {
	/* 1: messages. The id is the hub's event id (time and sequence: unique, increasing), so
	 * age pruning is a range of the primary key and needs no index of its own. */
	"CREATE TABLE msg(id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL,"
	" kind INTEGER NOT NULL, conv TEXT NOT NULL, sender TEXT NOT NULL,"
	" target TEXT NOT NULL, text BLOB NOT NULL);"
	"CREATE INDEX msg_conv ON msg(conv, id);",
	/* 2: rooms' state (topic, modes, key, limit) and their mask lists. */
	"CREATE TABLE room(folded TEXT PRIMARY KEY, name TEXT NOT NULL, modes INTEGER NOT NULL,"
	" topic BLOB, topic_by TEXT, topic_ms INTEGER NOT NULL DEFAULT 0,"
	" created_ms INTEGER NOT NULL DEFAULT 0, key TEXT, lim INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE room_mask(folded TEXT NOT NULL, list INTEGER NOT NULL, mask TEXT NOT NULL,"
	" by TEXT, at_ms INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(folded, list, mask));",
	/* 3: accounts (db_account.c): the Argon2id hash string, never the password; and the
	 * client certificates' fingerprints that log an account in (SASL EXTERNAL). */
	"CREATE TABLE account(folded TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL,"
	" email TEXT, created_ms INTEGER NOT NULL DEFAULT 0,"
	" last_login_ms INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE account_cert(fp TEXT PRIMARY KEY, folded TEXT NOT NULL);"
	"CREATE INDEX account_cert_folded ON account_cert(folded);"
	/* ...and a room's founder: the account that created it gets op back on joining. */
	"ALTER TABLE room ADD COLUMN founder TEXT;",
	/* 4: server bans (K-lines): a mask (folded: the key), as typed, why, who, when, until
	 * when (0: for good). */
	"CREATE TABLE ban(folded TEXT PRIMARY KEY, mask TEXT NOT NULL, reason TEXT NOT NULL,"
	" by TEXT NOT NULL, set_ms INTEGER NOT NULL, until_ms INTEGER NOT NULL);",
	/* 5: private conversations belong to accounts now ("@" and two accounts, or an account
	 * and "!" and a nick: db.h). The rows of before were keyed by the names of the moment,
	 * which anyone could take later: nobody can be shown them safely, so they go. */
	"DELETE FROM msg WHERE conv >= '@' AND conv < 'A';",
};

static const char *const db_sql[DB_STMT_COUNT] = {
	[DB_INSERT] = "INSERT OR IGNORE INTO msg(id, time_ms, kind, conv, sender, target, text)"
		      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[DB_RANGE_ASC] = "SELECT id, time_ms, kind, conv, sender, target, text FROM msg"
			 " WHERE conv = ?1 AND id > ?2 AND id < ?3 ORDER BY id ASC LIMIT ?4",
	[DB_RANGE_DESC] = "SELECT id, time_ms, kind, conv, sender, target, text FROM msg"
			  " WHERE conv = ?1 AND id > ?2 AND id < ?3 ORDER BY id DESC LIMIT ?4",
	[DB_LAST_OF] = "SELECT id, time_ms FROM msg WHERE conv = ?1 AND id > ?2 AND id < ?3"
		       " ORDER BY id DESC LIMIT 1",
	/* The private range of the index ('@' .. 'A'), grouped: only with --store-private. */
	[DB_PRIVATE_TARGETS] =
		"SELECT conv, MAX(id), MAX(time_ms) FROM msg WHERE conv >= '@' AND conv < 'A'"
		" AND id > ?2 AND id < ?3 AND (substr(conv, 2, length(?1) + 1) = ?1 || ' '"
		" OR substr(conv, -(length(?1) + 1)) = ' ' || ?1) GROUP BY conv",
	[DB_PRUNE_AGE] = "DELETE FROM msg WHERE id IN (SELECT id FROM msg WHERE id < ?1 LIMIT ?2)",
	[DB_NTH_NEWEST] = "SELECT id FROM msg WHERE conv = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2",
	[DB_PRUNE_CONV] = "DELETE FROM msg WHERE id IN (SELECT id FROM msg WHERE conv = ?1"
			  " AND id <= ?2 ORDER BY id LIMIT ?3)",
	[DB_BEGIN] = "BEGIN IMMEDIATE",
	[DB_COMMIT] = "COMMIT",
	[DB_ROLLBACK] = "ROLLBACK",
};

enum { DB_BUSY_MS = 5000 };

enum db_status db_fail(struct db *db, int rc)
{
	snprintf(db->err, sizeof(db->err), "%s", db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc));
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return DB_OK;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return DB_CORRUPT;
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_PERM:
		return DB_CANNOT_OPEN;
	default:
		return DB_FAILED;
	}
}

/* Runs a statement to its end (no rows wanted) and resets it. */
enum db_status db_run(struct db *db, sqlite3_stmt *st)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	enum db_status s = rc == SQLITE_DONE ? DB_OK : db_fail(db, rc);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return s;
}

static enum db_status db_exec(struct db *db, const char *sql)
{
	int rc = sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? DB_OK : db_fail(db, rc);
}

int db_version(struct db *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(db->sql, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else
		db_fail(db, sqlite3_errcode(db->sql));
	sqlite3_finalize(st);
	return v;
}

enum db_status db_migrate(struct db *db, int upto)
{
	int v = db_version(db);
	if (v < 0)
		return db_fail(db, sqlite3_errcode(db->sql));
	if (v > DB_SCHEMA_VERSION) {
		snprintf(db->err, sizeof(db->err),
			 "schema version %d is newer than this charlad's (%d)", v, DB_SCHEMA_VERSION);
		return DB_TOO_NEW;
	}
	for (int i = v; i < upto && i < DB_SCHEMA_VERSION; i++) {
		/* PRAGMA takes no parameters; the number is ours, not the user's. */
		char bump[64];
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", i + 1);
		enum db_status s = db_exec(db, "BEGIN IMMEDIATE");
		if (s == DB_OK)
			s = db_exec(db, db_migrations[i]);
		if (s == DB_OK)
			s = db_exec(db, bump);
		if (s == DB_OK)
			s = db_exec(db, "COMMIT");
		if (s != DB_OK) {
			char keep[DB_ERR_MAX];
			memcpy(keep, db->err, sizeof(keep));
			sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
			memcpy(db->err, keep, sizeof(keep));
			return s;
		}
	}
	return DB_OK;
}

static enum db_status db_prepare(struct db *db)
{
	for (int i = 0; i < DB_STMT_COUNT; i++) {
		int rc = sqlite3_prepare_v3(db->sql, db_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					    &db->stmt[i], NULL);
		if (rc != SQLITE_OK)
			return db_fail(db, rc);
	}
	return DB_OK;
}

enum db_status db_open(struct db *db, const char *path, char *err, size_t errlen)
{
	memset(db, 0, sizeof(*db));
	int rc = sqlite3_open_v2(path, &db->sql,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				 NULL);
	enum db_status s = rc == SQLITE_OK ? DB_OK : db_fail(db, rc);
	if (s == DB_OK) {
		sqlite3_busy_timeout(db->sql, DB_BUSY_MS);
		sqlite3_extended_result_codes(db->sql, 0);
		/* WAL: a commit appends to the log; NORMAL syncs at checkpoints only, so a crash
		 * loses at most the last commits, never the file's consistency. */
		s = db_exec(db, "PRAGMA journal_mode = WAL");
	}
	if (s == DB_OK)
		s = db_exec(db, "PRAGMA synchronous = NORMAL");
	if (s == DB_OK)
		s = db_migrate(db, DB_SCHEMA_VERSION);
	if (s == DB_OK)
		s = db_prepare(db);
	if (s == DB_OK)
		return DB_OK;
	snprintf(err, errlen, "%s: %s", path, db->err);
	db_close(db);
	return s;
}

void db_close(struct db *db)
{
	for (int i = 0; i < DB_STMT_COUNT; i++)
		sqlite3_finalize(db->stmt[i]);
	if (db->sql)
		sqlite3_close(db->sql);
	memset(db->stmt, 0, sizeof(db->stmt));
	db->sql = NULL;
}

enum db_status db_begin(struct db *db)
{
	return db_run(db, db->stmt[DB_BEGIN]);
}

enum db_status db_commit(struct db *db)
{
	return db_run(db, db->stmt[DB_COMMIT]);
}

void db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->sql))
		db_run(db, db->stmt[DB_ROLLBACK]);
}

static int64_t db_hi(uint64_t hi)
{
	return hi ? (int64_t)hi : INT64_MAX;
}

enum db_status db_insert(struct db *db, const struct db_msg *m)
{
	sqlite3_stmt *st = db->stmt[DB_INSERT];
	sqlite3_bind_int64(st, 1, (int64_t)m->id);
	sqlite3_bind_int64(st, 2, (int64_t)m->time_ms);
	sqlite3_bind_int(st, 3, m->kind);
	sqlite3_bind_text(st, 4, m->conv, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, m->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, m->target, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, m->len ? m->text : "", (int)m->len, SQLITE_STATIC);
	return db_run(db, st);
}

char *db_col_str(sqlite3_stmt *st, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	char *s = xmalloc(n + 1);
	if (n)
		memcpy(s, p, n);
	s[n] = 0;
	if (len)
		*len = n;
	return s;
}

enum db_status db_range(struct db *db, const char *conv, uint64_t lo, uint64_t hi, bool newest,
			unsigned limit, struct db_msgs *out)
{
	sqlite3_stmt *st = db->stmt[newest ? DB_RANGE_DESC : DB_RANGE_ASC];
	sqlite3_bind_text(st, 1, conv, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)lo);
	sqlite3_bind_int64(st, 3, db_hi(hi));
	sqlite3_bind_int64(st, 4, limit);
	size_t first = out->n;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->v = xgrow(out->v, &out->cap, out->n + 1, sizeof(*out->v));
		struct db_msg *m = &out->v[out->n++];
		m->id = (uint64_t)sqlite3_column_int64(st, 0);
		m->time_ms = (uint64_t)sqlite3_column_int64(st, 1);
		m->kind = (uint8_t)sqlite3_column_int(st, 2);
		m->conv = db_col_str(st, 3, NULL);
		m->from = db_col_str(st, 4, NULL);
		m->target = db_col_str(st, 5, NULL);
		m->text = db_col_str(st, 6, &m->len);
	}
	enum db_status s = rc == SQLITE_DONE ? DB_OK : db_fail(db, rc);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (newest) /* oldest first */
		for (size_t i = first, j = out->n; i + 1 < j; i++, j--) {
			struct db_msg t = out->v[i];
			out->v[i] = out->v[j - 1];
			out->v[j - 1] = t;
		}
	return s;
}

static int db_msg_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct db_msg *)a)->id, y = ((const struct db_msg *)b)->id;
	return (x > y) - (x < y);
}

enum db_status db_range_pair(struct db *db, const char *conv, const char *conv2, uint64_t lo,
			     uint64_t hi, bool newest, unsigned limit, struct db_msgs *out)
{
	size_t first = out->n;
	enum db_status s = db_range(db, conv, lo, hi, newest, limit, out);
	if (s != DB_OK || !conv2)
		return s;
	s = db_range(db, conv2, lo, hi, newest, limit, out);
	size_t n = out->n - first;
	if (s != DB_OK || n <= 1)
		return s;
	qsort(out->v + first, n, sizeof(*out->v), db_msg_cmp);
	if (n <= limit)
		return s;
	/* Each gave its `limit` nearest the bound: keep the `limit` nearest of both. */
	size_t cut = n - limit, keep_from = newest ? first + cut : first;
	size_t drop_from = newest ? first : first + limit;
	for (size_t i = drop_from; i < drop_from + cut; i++) {
		struct db_msg *m = &out->v[i];
		free(m->conv);
		free(m->from);
		free(m->target);
		free(m->text);
	}
	if (newest)
		memmove(out->v + first, out->v + keep_from, limit * sizeof(*out->v));
	out->n = first + limit;
	return s;
}

enum db_status db_last_of(struct db *db, const char *conv, uint64_t lo, uint64_t hi, uint64_t *id,
			  uint64_t *ms)
{
	sqlite3_stmt *st = db->stmt[DB_LAST_OF];
	sqlite3_bind_text(st, 1, conv, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)lo);
	sqlite3_bind_int64(st, 3, db_hi(hi));
	*id = *ms = 0;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = (uint64_t)sqlite3_column_int64(st, 0);
		*ms = (uint64_t)sqlite3_column_int64(st, 1);
		rc = SQLITE_DONE;
	}
	enum db_status s = rc == SQLITE_DONE ? DB_OK : db_fail(db, rc);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return s;
}

enum db_status db_private_targets(struct db *db, const char *me, uint64_t lo, uint64_t hi,
				  struct db_targets *out)
{
	sqlite3_stmt *st = db->stmt[DB_PRIVATE_TARGETS];
	sqlite3_bind_text(st, 1, me, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)lo);
	sqlite3_bind_int64(st, 3, db_hi(hi));
	size_t melen = strlen(me);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *conv = (const char *)sqlite3_column_text(st, 0);
		/* "@a b": the other party is the half that is not me. */
		const char *sp = strchr(conv, ' ');
		if (!sp)
			continue;
		const char *a = conv + 1;
		size_t alen = (size_t)(sp - a);
		const char *other = (alen == melen && memcmp(a, me, melen) == 0) ? sp + 1 : NULL;
		out->v = xgrow(out->v, &out->cap, out->n + 1, sizeof(*out->v));
		struct db_target *t = &out->v[out->n++];
		if (other) {
			t->name = xstrdup(other);
		} else {
			t->name = xmalloc(alen + 1);
			memcpy(t->name, a, alen);
			t->name[alen] = 0;
		}
		t->last_id = (uint64_t)sqlite3_column_int64(st, 1);
		t->last_ms = (uint64_t)sqlite3_column_int64(st, 2);
	}
	enum db_status s = rc == SQLITE_DONE ? DB_OK : db_fail(db, rc);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return s;
}

enum db_status db_prune_age(struct db *db, uint64_t before_id, unsigned batch, size_t *deleted)
{
	sqlite3_stmt *st = db->stmt[DB_PRUNE_AGE];
	sqlite3_bind_int64(st, 1, (int64_t)before_id);
	sqlite3_bind_int64(st, 2, batch);
	enum db_status s = db_run(db, st);
	*deleted = s == DB_OK ? (size_t)sqlite3_changes(db->sql) : 0;
	return s;
}

enum db_status db_prune_rows(struct db *db, const char *conv, unsigned keep, unsigned batch,
			     size_t *deleted)
{
	*deleted = 0;
	sqlite3_stmt *st = db->stmt[DB_NTH_NEWEST];
	sqlite3_bind_text(st, 1, conv, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, keep);
	int rc = sqlite3_step(st);
	int64_t upto = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	enum db_status s = rc == SQLITE_ROW || rc == SQLITE_DONE ? DB_OK : db_fail(db, rc);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (s != DB_OK || upto == 0)
		return s;
	st = db->stmt[DB_PRUNE_CONV];
	sqlite3_bind_text(st, 1, conv, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, upto);
	sqlite3_bind_int64(st, 3, batch);
	s = db_run(db, st);
	*deleted = s == DB_OK ? (size_t)sqlite3_changes(db->sql) : 0;
	return s;
}

/* ---- rooms: rare, so prepared when used ---- */

enum db_status db_once(struct db *db, const char *sql, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(db->sql, sql, -1, st, NULL);
	return rc == SQLITE_OK ? DB_OK : db_fail(db, rc);
}

static void db_fold(const char *name, char *out, size_t cap)
{
	fold_utf8(name, strlen(name), out, cap);
}

enum { DB_FOLD_MAX = 512 };

static enum db_status db_room_forget(struct db *db, const char *folded)
{
	static const char *const sql[] = {"DELETE FROM room WHERE folded = ?1",
					  "DELETE FROM room_mask WHERE folded = ?1"};
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st = NULL;
		enum db_status s = db_once(db, sql[i], &st);
		if (s == DB_OK) {
			sqlite3_bind_text(st, 1, folded, -1, SQLITE_STATIC);
			s = db_run(db, st);
		}
		sqlite3_finalize(st);
		if (s != DB_OK)
			return s;
	}
	return DB_OK;
}

enum db_status db_room_delete(struct db *db, const char *folded)
{
	return db_room_forget(db, folded);
}

enum db_status db_room_save(struct db *db, const struct db_room *r)
{
	char folded[DB_FOLD_MAX];
	db_fold(r->name, folded, sizeof(folded));
	enum db_status s = db_room_forget(db, folded);
	sqlite3_stmt *st = NULL;
	if (s == DB_OK)
		s = db_once(db, "INSERT INTO room(folded, name, modes, topic, topic_by, topic_ms,"
				" created_ms, key, lim, founder)"
				" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			    &st);
	if (s == DB_OK) {
		sqlite3_bind_text(st, 1, folded, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, r->modes);
		if (r->topic)
			sqlite3_bind_blob(st, 4, r->topic, (int)r->topic_len, SQLITE_STATIC);
		if (r->topic_by)
			sqlite3_bind_text(st, 5, r->topic_by, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, (int64_t)r->topic_ms);
		sqlite3_bind_int64(st, 7, (int64_t)r->created_ms);
		if (r->key)
			sqlite3_bind_text(st, 8, r->key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 9, r->limit);
		if (r->founder)
			sqlite3_bind_text(st, 10, r->founder, -1, SQLITE_STATIC);
		s = db_run(db, st);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (s == DB_OK && r->nmasks)
		s = db_once(db, "INSERT OR IGNORE INTO room_mask(folded, list, mask, by, at_ms)"
				" VALUES(?1, ?2, ?3, ?4, ?5)", &st);
	for (size_t i = 0; s == DB_OK && i < r->nmasks; i++) {
		sqlite3_bind_text(st, 1, folded, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, r->masks[i].list);
		sqlite3_bind_text(st, 3, r->masks[i].text, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, r->masks[i].by ? r->masks[i].by : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (int64_t)r->masks[i].at_ms);
		s = db_run(db, st);
	}
	sqlite3_finalize(st);
	return s;
}

static char *db_col_opt(sqlite3_stmt *st, int col, size_t *len)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	return db_col_str(st, col, len);
}

enum db_status db_rooms_load(struct db *db, struct db_room **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t cap = 0;
	sqlite3_stmt *st = NULL, *ms = NULL;
	enum db_status s = db_once(db, "SELECT folded, name, modes, topic, topic_by, topic_ms,"
				       " created_ms, key, lim, founder FROM room ORDER BY folded",
				   &st);
	if (s == DB_OK)
		s = db_once(db, "SELECT list, mask, by, at_ms FROM room_mask WHERE folded = ?1"
				" ORDER BY list, at_ms, mask", &ms);
	int rc = SQLITE_DONE;
	while (s == DB_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xgrow(*out, &cap, *n + 1, sizeof(**out));
		struct db_room *r = &(*out)[(*n)++];
		memset(r, 0, sizeof(*r));
		r->name = db_col_str(st, 1, NULL);
		r->modes = (uint32_t)sqlite3_column_int64(st, 2);
		r->topic = db_col_opt(st, 3, &r->topic_len);
		r->topic_by = db_col_opt(st, 4, NULL);
		r->topic_ms = (uint64_t)sqlite3_column_int64(st, 5);
		r->created_ms = (uint64_t)sqlite3_column_int64(st, 6);
		r->key = db_col_opt(st, 7, NULL);
		r->limit = (uint32_t)sqlite3_column_int64(st, 8);
		r->founder = db_col_opt(st, 9, NULL);
		sqlite3_bind_text(ms, 1, (const char *)sqlite3_column_text(st, 0), -1,
				  SQLITE_TRANSIENT);
		size_t mcap = 0;
		int mrc;
		while ((mrc = sqlite3_step(ms)) == SQLITE_ROW) {
			r->masks = xgrow(r->masks, &mcap, r->nmasks + 1, sizeof(*r->masks));
			struct db_mask *m = &r->masks[r->nmasks++];
			m->list = (uint8_t)sqlite3_column_int(ms, 0);
			m->text = db_col_str(ms, 1, NULL);
			m->by = db_col_str(ms, 2, NULL);
			m->at_ms = (uint64_t)sqlite3_column_int64(ms, 3);
		}
		if (mrc != SQLITE_DONE)
			s = db_fail(db, mrc);
		sqlite3_reset(ms);
	}
	if (s == DB_OK && rc != SQLITE_DONE)
		s = db_fail(db, rc);
	sqlite3_finalize(st);
	sqlite3_finalize(ms);
	return s;
}

void db_msgs_free(struct db_msgs *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].conv);
		free(m->v[i].from);
		free(m->v[i].target);
		free(m->v[i].text);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

void db_targets_free(struct db_targets *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

void db_room_free(struct db_room *r)
{
	free(r->name);
	free(r->topic);
	free(r->topic_by);
	free(r->key);
	free(r->founder);
	for (size_t i = 0; i < r->nmasks; i++) {
		free(r->masks[i].text);
		free(r->masks[i].by);
	}
	free(r->masks);
	memset(r, 0, sizeof(*r));
}

char *db_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void db_room_copy(struct db_room *dst, const struct db_room *src)
{
	*dst = *src;
	dst->name = db_dup(src->name);
	dst->topic = NULL;
	if (src->topic) {
		dst->topic = xmalloc(src->topic_len + 1);
		memcpy(dst->topic, src->topic, src->topic_len);
		dst->topic[src->topic_len] = 0;
	}
	dst->topic_by = db_dup(src->topic_by);
	dst->key = db_dup(src->key);
	dst->founder = db_dup(src->founder);
	dst->masks = src->nmasks ? xcalloc(src->nmasks, sizeof(*dst->masks)) : NULL;
	for (size_t i = 0; i < src->nmasks; i++) {
		dst->masks[i] = src->masks[i];
		dst->masks[i].text = db_dup(src->masks[i].text);
		dst->masks[i].by = db_dup(src->masks[i].by);
	}
}

enum db_status db_ban_delete(struct db *db, const char *mask)
{
	char folded[DB_FOLD_MAX];
	db_fold(mask, folded, sizeof(folded));
	sqlite3_stmt *st = NULL;
	enum db_status s = db_once(db, "DELETE FROM ban WHERE folded = ?1", &st);
	if (s == DB_OK) {
		sqlite3_bind_text(st, 1, folded, -1, SQLITE_STATIC);
		s = db_run(db, st);
	}
	sqlite3_finalize(st);
	return s;
}

enum db_status db_ban_save(struct db *db, const struct db_ban *b)
{
	char folded[DB_FOLD_MAX];
	db_fold(b->mask, folded, sizeof(folded));
	sqlite3_stmt *st = NULL;
	enum db_status s = db_once(db, "INSERT OR REPLACE INTO ban(folded, mask, reason, by, set_ms,"
				       " until_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6)", &st);
	if (s == DB_OK) {
		sqlite3_bind_text(st, 1, folded, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, b->mask, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, b->reason, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, b->by, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (int64_t)b->set_ms);
		sqlite3_bind_int64(st, 6, (int64_t)b->until_ms);
		s = db_run(db, st);
	}
	sqlite3_finalize(st);
	return s;
}

enum db_status db_bans_load(struct db *db, struct db_ban **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t cap = 0;
	sqlite3_stmt *st = NULL;
	enum db_status s = db_once(db, "SELECT mask, reason, by, set_ms, until_ms FROM ban"
				       " ORDER BY set_ms, folded", &st);
	int rc = SQLITE_DONE;
	while (s == DB_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xgrow(*out, &cap, *n + 1, sizeof(**out));
		struct db_ban *b = &(*out)[(*n)++];
		b->mask = db_col_str(st, 0, NULL);
		b->reason = db_col_str(st, 1, NULL);
		b->by = db_col_str(st, 2, NULL);
		b->set_ms = (uint64_t)sqlite3_column_int64(st, 3);
		b->until_ms = (uint64_t)sqlite3_column_int64(st, 4);
	}
	if (s == DB_OK && rc != SQLITE_DONE)
		s = db_fail(db, rc);
	sqlite3_finalize(st);
	return s;
}

void db_ban_free(struct db_ban *b)
{
	free(b->mask);
	free(b->reason);
	free(b->by);
	memset(b, 0, sizeof(*b));
}

void db_ban_copy(struct db_ban *dst, const struct db_ban *src)
{
	*dst = *src;
	dst->mask = xstrdup(src->mask);
	dst->reason = xstrdup(src->reason);
	dst->by = xstrdup(src->by);
}
