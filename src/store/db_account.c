#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "base/xalloc.h"
#include "store/db.h"
#include "store/db_int.h"

/* Accounts are rare writes (a registration, a login's time, a new password): each statement is
 * prepared when used, as the rooms' are. */

enum db_status db_account_delete(struct db *db, const char *folded)
{
	static const char *const sql[] = {"DELETE FROM account_cert WHERE folded = ?1",
					  "DELETE FROM account WHERE folded = ?1"};
	enum db_status s = DB_OK;
	for (size_t i = 0; s == DB_OK && i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st = NULL;
		s = db_once(db, sql[i], &st);
		if (s == DB_OK) {
			sqlite3_bind_text(st, 1, folded, -1, SQLITE_STATIC);
			s = db_run(db, st);
		}
		sqlite3_finalize(st);
	}
	return s;
}

enum db_status db_account_save(struct db *db, const struct db_account *a)
{
	enum db_status s = db_account_delete(db, a->folded);
	sqlite3_stmt *st = NULL;
	if (s == DB_OK)
		s = db_once(db, "INSERT INTO account(folded, name, hash, email, created_ms,"
				" last_login_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6)", &st);
	if (s == DB_OK) {
		sqlite3_bind_text(st, 1, a->folded, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, a->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, a->hash, -1, SQLITE_STATIC);
		if (a->email)
			sqlite3_bind_text(st, 4, a->email, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (int64_t)a->created_ms);
		sqlite3_bind_int64(st, 6, (int64_t)a->last_login_ms);
		s = db_run(db, st);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (s == DB_OK && a->ncerts)
		s = db_once(db, "INSERT OR REPLACE INTO account_cert(fp, folded) VALUES(?1, ?2)", &st);
	for (size_t i = 0; s == DB_OK && i < a->ncerts; i++) {
		sqlite3_bind_text(st, 1, a->certs[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, a->folded, -1, SQLITE_STATIC);
		s = db_run(db, st);
	}
	sqlite3_finalize(st);
	return s;
}

enum db_status db_accounts_load(struct db *db, struct db_account **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t cap = 0;
	sqlite3_stmt *st = NULL, *cs = NULL;
	enum db_status s = db_once(db, "SELECT folded, name, hash, email, created_ms, last_login_ms"
				       " FROM account ORDER BY folded", &st);
	if (s == DB_OK)
		s = db_once(db, "SELECT fp FROM account_cert WHERE folded = ?1 ORDER BY fp", &cs);
	int rc = SQLITE_DONE;
	while (s == DB_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xgrow(*out, &cap, *n + 1, sizeof(**out));
		struct db_account *a = &(*out)[(*n)++];
		memset(a, 0, sizeof(*a));
		a->folded = db_col_str(st, 0, NULL);
		a->name = db_col_str(st, 1, NULL);
		a->hash = db_col_str(st, 2, NULL);
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			a->email = db_col_str(st, 3, NULL);
		a->created_ms = (uint64_t)sqlite3_column_int64(st, 4);
		a->last_login_ms = (uint64_t)sqlite3_column_int64(st, 5);
		sqlite3_bind_text(cs, 1, a->folded, -1, SQLITE_STATIC);
		size_t ccap = 0;
		while (sqlite3_step(cs) == SQLITE_ROW) {
			a->certs = xgrow(a->certs, &ccap, a->ncerts + 1, sizeof(*a->certs));
			a->certs[a->ncerts++] = db_col_str(cs, 0, NULL);
		}
		sqlite3_reset(cs);
	}
	if (s == DB_OK && rc != SQLITE_DONE)
		s = db_fail(db, rc);
	sqlite3_finalize(st);
	sqlite3_finalize(cs);
	if (s != DB_OK) {
		for (size_t i = 0; i < *n; i++)
			db_account_free(&(*out)[i]);
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return s;
}

void db_account_free(struct db_account *a)
{
	free(a->folded);
	free(a->name);
	free(a->hash);
	free(a->email);
	for (size_t i = 0; i < a->ncerts; i++)
		free(a->certs[i]);
	free(a->certs);
	memset(a, 0, sizeof(*a));
}

void db_account_copy(struct db_account *dst, const struct db_account *src)
{
	*dst = *src;
	dst->folded = db_dup(src->folded);
	dst->name = db_dup(src->name);
	dst->hash = db_dup(src->hash);
	dst->email = db_dup(src->email);
	dst->certs = src->ncerts ? xcalloc(src->ncerts, sizeof(*dst->certs)) : NULL;
	for (size_t i = 0; i < src->ncerts; i++)
		dst->certs[i] = xstrdup(src->certs[i]);
}
