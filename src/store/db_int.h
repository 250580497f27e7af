/* db_int: what db.c shares with the other files of the store's SQL (db_account.c): running a
 * statement prepared once or for one use, and reading a column into a new string. Internal to
 * store/. The statements belong to their caller, which finalizes what db_once prepared. */
#ifndef CHARLA_STORE_DB_INT_H
#define CHARLA_STORE_DB_INT_H

#include <stddef.h>

#include "store/db.h"

/* Records SQLite's error rc in db->err and says what kind of failure it is. */
enum db_status db_fail(struct db *db, int rc);
/* Runs a statement to its end (no rows wanted) and resets it. */
enum db_status db_run(struct db *db, struct sqlite3_stmt *st);
/* Prepares sql for one use (*st: sqlite3_finalize it). */
enum db_status db_once(struct db *db, const char *sql, struct sqlite3_stmt **st);
/* A copy of s, or NULL for NULL. */
char *db_dup(const char *s);
/* The column as a new NUL-terminated string (its length in *len when len is not NULL). */
char *db_col_str(struct sqlite3_stmt *st, int col, size_t *len);

#endif
