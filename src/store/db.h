/* db: the SQL of charlad's store, synchronous and pure of threads: the schema and its numbered
 * migrations, inserting messages, the history queries (a range of ids in a conversation, newest or
 * oldest first), the conversations with history, pruning, and the rooms' saved state.
 *
 * Everything here runs on whichever thread owns the connection: store.c's writer thread while
 * the server runs, the main thread at start (reading the rooms back, before the loop serves
 * anyone), and the unit tests against ":memory:" or a temporary file. Only bound parameters reach
 * SQLite: no statement is built from a string.
 *
 * A conversation ("conv") is a key the caller makes: a room's folded name ("#dev"), or for a
 * private conversation "@" and two folded account names in byte order, separated by a space
 * ("@ana bob"), or, kept for one account only (the other end was not logged in), "@", the
 * account, a space, DB_NICK_MARK and the other end's folded nick ("@ana !guest"). '@' starts no
 * room and no name, and '!' is in no name, so none of them meet. (Before schema 5 the two halves
 * were nicks; migration 5 deleted those rows.)
 *
 * Ownership. struct db owns its connection and prepared statements; db_close frees them. A
 * struct db_msgs, db_targets or db_room owns every string it holds (db_*_free). */
#ifndef CHARLA_STORE_DB_H
#define CHARLA_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sqlite3;
struct sqlite3_stmt;

enum db_status {
	DB_OK,
	DB_CANNOT_OPEN, /* the file cannot be created or written (permissions, a full disk) */
	DB_CORRUPT,     /* the file is not a database, or a damaged one */
	DB_TOO_NEW,     /* written by a newer charlad (a schema version this one does not know) */
	DB_FAILED,      /* any other error (the message says) */
};

enum {
	DB_SCHEMA_VERSION = 5, /* the migrations in db.c, numbered 1.. */
	DB_ERR_MAX = 256,
	DB_PRIVATE_MARK = '@', /* the first byte of a private conversation's key */
	DB_NICK_MARK = '!',    /* before the nick of a private key's end that had no account */
};

enum db_stmt_id {
	DB_INSERT,
	DB_RANGE_ASC,
	DB_RANGE_DESC,
	DB_LAST_OF,
	DB_PRIVATE_TARGETS,
	DB_PRUNE_AGE,
	DB_NTH_NEWEST,
	DB_PRUNE_CONV,
	DB_BEGIN,
	DB_COMMIT,
	DB_ROLLBACK,
	DB_STMT_COUNT
};

struct db {
	struct sqlite3 *sql;
	struct sqlite3_stmt *stmt[DB_STMT_COUNT];
	char err[DB_ERR_MAX]; /* the last error, for the log */
};

struct db_msg {
	uint64_t id, time_ms;
	uint8_t kind;
	char *conv, *from, *target;
	char *text;
	size_t len; /* of text (bytes as given: stored as a blob, returned byte-exact) */
};

struct db_msgs {
	struct db_msg *v;
	size_t n, cap;
};

struct db_target {
	char *name; /* a room's folded name, or the other party's folded name */
	uint64_t last_id, last_ms;
};

struct db_targets {
	struct db_target *v;
	size_t n, cap;
};

struct db_mask {
	uint8_t list; /* 0..2: ban, exception, invite (mode.h's order) */
	char *text, *by;
	uint64_t at_ms;
};

/* A room's saved state. modes holds bits 1u << enum room_mode (mode.h: its order is part of the
 * schema). */
struct db_room {
	char *name;   /* as written */
	uint32_t modes;
	char *topic;  /* NULL: none */
	size_t topic_len;
	char *topic_by;
	uint64_t topic_ms, created_ms;
	char *key;    /* NULL: none */
	uint32_t limit;
	char *founder; /* the account that created it (as registered), or NULL */
	struct db_mask *masks;
	size_t nmasks;
};

/* A server ban (server/ban.h), as saved. */
struct db_ban {
	char *mask;
	char *reason;
	char *by;
	uint64_t set_ms;
	uint64_t until_ms; /* 0: for good */
};

/* Opens (creating) the database at path (":memory:" for one in memory), sets WAL and applies the
 * migrations the file lacks. On failure db is closed and err says why, with the path. */
enum db_status db_open(struct db *db, const char *path, char *err, size_t errlen);
void db_close(struct db *db);
/* The file's schema version (PRAGMA user_version). */
int db_version(struct db *db);
/* Applies the migrations from the file's version up to `upto` (tests migrate step by step). */
enum db_status db_migrate(struct db *db, int upto);

enum db_status db_begin(struct db *db);
enum db_status db_commit(struct db *db);
void db_rollback(struct db *db);

enum db_status db_insert(struct db *db, const struct db_msg *m);
/* Appends to out the messages of conv with lo < id < hi (hi 0: unbounded), at most limit, taken
 * from the newest end (newest) or the oldest; out comes oldest first either way. */
enum db_status db_range(struct db *db, const char *conv, uint64_t lo, uint64_t hi, bool newest,
			unsigned limit, struct db_msgs *out);
/* db_range over two conversations at once (conv2 NULL: conv alone): the `limit` messages of
 * either nearest the bound db_range would keep, oldest first. */
enum db_status db_range_pair(struct db *db, const char *conv, const char *conv2, uint64_t lo,
			     uint64_t hi, bool newest, unsigned limit, struct db_msgs *out);
/* The newest message id and time of conv with lo < id < hi, if any (*id 0 when none). */
enum db_status db_last_of(struct db *db, const char *conv, uint64_t lo, uint64_t hi, uint64_t *id,
			  uint64_t *ms);
/* Appends the private conversations of the folded account `me` with a message lo < id < hi: each
 * with the other party's half of the key (a folded account, or DB_NICK_MARK and a folded nick)
 * and its newest message. */
enum db_status db_private_targets(struct db *db, const char *me, uint64_t lo, uint64_t hi,
				  struct db_targets *out);
/* Deletes at most batch messages with id < before_id; *deleted gets how many. */
enum db_status db_prune_age(struct db *db, uint64_t before_id, unsigned batch, size_t *deleted);
/* Deletes at most batch of the messages of conv beyond its newest keep; *deleted: how many. */
enum db_status db_prune_rows(struct db *db, const char *conv, unsigned keep, unsigned batch,
			     size_t *deleted);

/* Saves a room's state (replacing what was saved), or forgets it. */
enum db_status db_room_save(struct db *db, const struct db_room *r);
enum db_status db_room_delete(struct db *db, const char *folded);
/* Reads every saved room into a new array (*out, *n); db_room_free each and free the array. */
enum db_status db_rooms_load(struct db *db, struct db_room **out, size_t *n);

/* Saves a ban (replacing one with the same mask, any case), or forgets it. */
enum db_status db_ban_save(struct db *db, const struct db_ban *b);
enum db_status db_ban_delete(struct db *db, const char *mask);
/* Reads every saved ban into a new array (*out, *n); db_ban_free each and free the array. */
enum db_status db_bans_load(struct db *db, struct db_ban **out, size_t *n);
void db_ban_free(struct db_ban *b);
void db_ban_copy(struct db_ban *dst, const struct db_ban *src);
/* An account (db_account.c). folded is its key (the hub's folding of name). */
struct db_account {
	char *folded, *name;
	char *hash;       /* an Argon2id string (auth/pwhash.h) */
	char *email;      /* NULL: none */
	uint64_t created_ms, last_login_ms;
	char **certs;     /* certificate fingerprints, lower-case hex */
	size_t ncerts;
};

/* Saves an account (replacing what was saved under its folded name, certificates included). */
enum db_status db_account_save(struct db *db, const struct db_account *a);
enum db_status db_account_delete(struct db *db, const char *folded);
/* Reads every account into a new array (*out, *n); db_account_free each and free the array. */
enum db_status db_accounts_load(struct db *db, struct db_account **out, size_t *n);
void db_account_free(struct db_account *a);
void db_account_copy(struct db_account *dst, const struct db_account *src);

void db_msgs_free(struct db_msgs *m);
void db_targets_free(struct db_targets *t);
void db_room_free(struct db_room *r);
/* A deep copy of r (the store's jobs carry copies). */
void db_room_copy(struct db_room *dst, const struct db_room *src);

#endif
