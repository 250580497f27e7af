/* Unit tests of the store's SQL (src/store/db.c), synchronous, against ":memory:" and temporary
 * files: the migrations (from an empty file and from version 1), inserts and the ranges every
 * history query is made of, private targets, pruning by age and by rows, rooms' saved state, a
 * file that is not a database, one from a newer charlad, and text that looks like SQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/db.h"

enum { SEQ = 20 };

static struct db *mem(void)
{
	static struct db db;
	char err[256];
	assert_int_equal(db_open(&db, ":memory:", err, sizeof(err)), DB_OK);
	return &db;
}

static void put(struct db *db, const char *conv, uint64_t ms, const char *text)
{
	char c[64], t[256];
	snprintf(c, sizeof(c), "%s", conv);
	snprintf(t, sizeof(t), "%s", text);
	struct db_msg m = {.id = ms << SEQ, .time_ms = ms, .kind = 0, .conv = c, .from = "ana",
			   .target = c, .text = t, .len = strlen(t)};
	assert_int_equal(db_insert(db, &m), DB_OK);
}

static void t_fresh_file_is_at_the_last_version(void **state)
{
	(void)state;
	struct db *db = mem();
	assert_int_equal(db_version(db), DB_SCHEMA_VERSION);
	db_close(db);
}

static void t_ranges(void **state)
{
	(void)state;
	struct db *db = mem();
	assert_int_equal(db_begin(db), DB_OK);
	for (uint64_t ms = 1; ms <= 10; ms++) {
		char t[16];
		snprintf(t, sizeof(t), "m%llu", (unsigned long long)ms);
		put(db, "#a", ms, t);
		put(db, "#b", ms + 100, "other");
	}
	assert_int_equal(db_commit(db), DB_OK);
	struct db_msgs out = {0};
	/* The newest three, oldest first. */
	assert_int_equal(db_range(db, "#a", 0, 0, true, 3, &out), DB_OK);
	assert_int_equal(out.n, 3);
	assert_string_equal(out.v[0].text, "m8");
	assert_string_equal(out.v[2].text, "m10");
	db_msgs_free(&out);
	/* Before m5: m3, m4. */
	assert_int_equal(db_range(db, "#a", 0, 5ull << SEQ, true, 2, &out), DB_OK);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[0].text, "m3");
	assert_string_equal(out.v[1].text, "m4");
	db_msgs_free(&out);
	/* After m5, oldest first: m6, m7. */
	assert_int_equal(db_range(db, "#a", 5ull << SEQ, 0, false, 2, &out), DB_OK);
	assert_string_equal(out.v[0].text, "m6");
	assert_string_equal(out.v[1].text, "m7");
	db_msgs_free(&out);
	/* An id that does not exist, or a room without messages: nothing. */
	assert_int_equal(db_range(db, "#a", 99ull << SEQ, 0, false, 5, &out), DB_OK);
	assert_int_equal(out.n, 0);
	assert_int_equal(db_range(db, "#none", 0, 0, true, 5, &out), DB_OK);
	assert_int_equal(out.n, 0);
	uint64_t id, ms;
	assert_int_equal(db_last_of(db, "#b", 0, 0, &id, &ms), DB_OK);
	assert_int_equal(ms, 110);
	assert_int_equal(db_last_of(db, "#none", 0, 0, &id, &ms), DB_OK);
	assert_int_equal(id, 0);
	db_close(db);
}

/* An account's conversation with a name is two keys read as one: the `limit` nearest the bound. */
static void t_range_pair(void **state)
{
	(void)state;
	struct db *db = mem();
	assert_int_equal(db_begin(db), DB_OK);
	put(db, "@ana bob", 1, "a1");
	put(db, "@ana !bob", 2, "n2");
	put(db, "@ana bob", 3, "a3");
	put(db, "@ana !bob", 4, "n4");
	put(db, "@bob cid", 5, "other");
	assert_int_equal(db_commit(db), DB_OK);
	struct db_msgs out = {0};
	assert_int_equal(db_range_pair(db, "@ana bob", "@ana !bob", 0, 0, true, 3, &out), DB_OK);
	assert_int_equal(out.n, 3);
	assert_string_equal(out.v[0].text, "n2");
	assert_string_equal(out.v[1].text, "a3");
	assert_string_equal(out.v[2].text, "n4");
	db_msgs_free(&out);
	assert_int_equal(db_range_pair(db, "@ana bob", "@ana !bob", 0, 0, false, 3, &out), DB_OK);
	assert_int_equal(out.n, 3);
	assert_string_equal(out.v[0].text, "a1");
	assert_string_equal(out.v[2].text, "a3");
	db_msgs_free(&out);
	assert_int_equal(db_range_pair(db, "@ana bob", NULL, 0, 0, true, 10, &out), DB_OK);
	assert_int_equal(out.n, 2);
	db_msgs_free(&out);
	db_close(db);
}

static void t_sql_text_is_stored_byte_exact(void **state)
{
	(void)state;
	struct db *db = mem();
	const char *evil = "'); DROP TABLE msg; -- \" \\ %s \xc3\xb1";
	put(db, "#a", 1, evil);
	struct db_msgs out = {0};
	assert_int_equal(db_range(db, "#a", 0, 0, true, 10, &out), DB_OK);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.v[0].len, strlen(evil));
	assert_memory_equal(out.v[0].text, evil, strlen(evil));
	db_msgs_free(&out);
	db_close(db);
}

static void t_private_targets(void **state)
{
	(void)state;
	struct db *db = mem();
	put(db, "@ana bob", 1, "hi bob");
	put(db, "@ana bob", 3, "again");
	put(db, "@bob cy", 2, "not ana's");
	put(db, "@al zed", 4, "not ana's either");
	struct db_targets t = {0};
	assert_int_equal(db_private_targets(db, "ana", 0, 0, &t), DB_OK);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.v[0].name, "bob");
	assert_int_equal(t.v[0].last_ms, 3);
	db_targets_free(&t);
	assert_int_equal(db_private_targets(db, "bob", 0, 0, &t), DB_OK);
	assert_int_equal(t.n, 2);
	db_targets_free(&t);
	db_close(db);
}

static void t_prune(void **state)
{
	(void)state;
	struct db *db = mem();
	for (uint64_t ms = 1; ms <= 20; ms++)
		put(db, "#a", ms, "x");
	size_t n;
	assert_int_equal(db_prune_age(db, 6ull << SEQ, 3, &n), DB_OK);
	assert_int_equal(n, 3);
	assert_int_equal(db_prune_age(db, 6ull << SEQ, 3, &n), DB_OK);
	assert_int_equal(n, 2);
	assert_int_equal(db_prune_age(db, 6ull << SEQ, 3, &n), DB_OK);
	assert_int_equal(n, 0);
	/* 15 left (6..20); keep 10: in batches of 4, 4, then none. */
	assert_int_equal(db_prune_rows(db, "#a", 10, 4, &n), DB_OK);
	assert_int_equal(n, 4);
	assert_int_equal(db_prune_rows(db, "#a", 10, 4, &n), DB_OK);
	assert_int_equal(n, 1);
	assert_int_equal(db_prune_rows(db, "#a", 10, 4, &n), DB_OK);
	assert_int_equal(n, 0);
	struct db_msgs out = {0};
	assert_int_equal(db_range(db, "#a", 0, 0, false, 100, &out), DB_OK);
	assert_int_equal(out.n, 10);
	assert_int_equal(out.v[0].time_ms, 11);
	db_msgs_free(&out);
	db_close(db);
}

/* Accounts (db_account.c): saved, replaced with their certificates, read back; and a room's
 * founder. */
static void t_accounts_saved(void **state)
{
	(void)state;
	struct db *db = mem();
	char *certs[] = {"abcd01", "abcd02"};
	struct db_account a = {.folded = "ana", .name = "Ana", .hash = "$argon2id$v=19$x",
			       .email = "ana@example.org", .created_ms = 5, .last_login_ms = 7,
			       .certs = certs, .ncerts = 2};
	assert_int_equal(db_account_save(db, &a), DB_OK);
	a.ncerts = 1;
	a.email = NULL;
	assert_int_equal(db_account_save(db, &a), DB_OK); /* replaces, certificates too */
	struct db_account b = {.folded = "bob", .name = "bob", .hash = "$argon2id$v=19$y"};
	assert_int_equal(db_account_save(db, &b), DB_OK);
	struct db_account *v;
	size_t n;
	assert_int_equal(db_accounts_load(db, &v, &n), DB_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "Ana");
	assert_string_equal(v[0].hash, "$argon2id$v=19$x");
	assert_null(v[0].email);
	assert_int_equal(v[0].last_login_ms, 7);
	assert_int_equal(v[0].ncerts, 1);
	assert_string_equal(v[0].certs[0], "abcd01");
	assert_int_equal(v[1].ncerts, 0);
	for (size_t i = 0; i < n; i++)
		db_account_free(&v[i]);
	free(v);
	struct db_room r = {.name = "#club", .modes = 0, .founder = "Ana"};
	assert_int_equal(db_room_save(db, &r), DB_OK);
	struct db_room *rv;
	assert_int_equal(db_rooms_load(db, &rv, &n), DB_OK);
	assert_int_equal(n, 1);
	assert_string_equal(rv[0].founder, "Ana");
	db_room_free(&rv[0]);
	free(rv);
	db_close(db);
}

static void t_rooms_saved(void **state)
{
	(void)state;
	struct db *db = mem();
	struct db_mask masks[] = {{0, "bad!*@*", "ana", 5}, {2, "friend!*@*", "ana", 6}};
	struct db_room r = {.name = "#Dev", .modes = 3, .topic = "the topic", .topic_len = 9,
			    .topic_by = "ana", .topic_ms = 7, .key = "k3y", .limit = 12,
			    .masks = masks, .nmasks = 2};
	assert_int_equal(db_room_save(db, &r), DB_OK);
	r.topic = NULL;
	r.topic_len = 0;
	assert_int_equal(db_room_save(db, &r), DB_OK); /* replaces */
	struct db_room *v;
	size_t n;
	assert_int_equal(db_rooms_load(db, &v, &n), DB_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].name, "#Dev");
	assert_null(v[0].topic);
	assert_string_equal(v[0].key, "k3y");
	assert_int_equal(v[0].limit, 12);
	assert_int_equal(v[0].nmasks, 2);
	assert_string_equal(v[0].masks[1].text, "friend!*@*");
	assert_int_equal(v[0].masks[1].list, 2);
	struct db_room copy;
	db_room_copy(&copy, &v[0]);
	db_room_free(&copy);
	db_room_free(&v[0]);
	free(v);
	assert_int_equal(db_room_delete(db, "#dev"), DB_OK);
	assert_int_equal(db_rooms_load(db, &v, &n), DB_OK);
	assert_int_equal(n, 0);
	free(v);
	db_close(db);
}

static void tmpname(char *out, size_t cap)
{
	snprintf(out, cap, "/tmp/charla-test-db-%ld-XXXXXX", (long)getpid());
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
}

static void rm_db(const char *path)
{
	char p[300];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static void t_bans_saved(void **state)
{
	(void)state;
	struct db *db = mem();
	struct db_ban a = {.mask = "Spam*!*@*", .reason = "spam", .by = "op", .set_ms = 5,
			   .until_ms = 0};
	struct db_ban b = {.mask = "192.0.2.0/24", .reason = "flood", .by = "op", .set_ms = 6,
			   .until_ms = 99};
	assert_int_equal(db_ban_save(db, &a), DB_OK);
	assert_int_equal(db_ban_save(db, &b), DB_OK);
	a.mask = "SPAM*!*@*"; /* the same mask, any case: replaced */
	a.reason = "more spam";
	a.set_ms = 7;
	assert_int_equal(db_ban_save(db, &a), DB_OK);
	struct db_ban *v;
	size_t n;
	assert_int_equal(db_bans_load(db, &v, &n), DB_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].mask, "192.0.2.0/24");
	assert_int_equal(v[0].until_ms, 99);
	assert_string_equal(v[1].mask, "SPAM*!*@*");
	assert_string_equal(v[1].reason, "more spam");
	for (size_t i = 0; i < n; i++)
		db_ban_free(&v[i]);
	free(v);
	assert_int_equal(db_ban_delete(db, "spam*!*@*"), DB_OK);
	assert_int_equal(db_bans_load(db, &v, &n), DB_OK);
	assert_int_equal(n, 1);
	db_ban_free(&v[0]);
	free(v);
	db_close(db);
}

static void t_migrates_from_version_1(void **state)
{
	(void)state;
	char path[256];
	tmpname(path, sizeof(path));
	/* A file as the first schema left it, with a message. */
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	sqlite3_close(raw);
	struct db db;
	char err[256];
	/* Stop at version 1 through the same migrations, by hand. */
	assert_int_equal(sqlite3_open(path, &db.sql), SQLITE_OK);
	memset(db.stmt, 0, sizeof(db.stmt));
	assert_int_equal(db_migrate(&db, 1), DB_OK);
	assert_int_equal(db_version(&db), 1);
	assert_int_equal(sqlite3_exec(db.sql, "INSERT INTO msg VALUES(1048576, 1, 0, '#a', 'ana',"
				      " '#a', 'kept')", NULL, NULL, NULL), SQLITE_OK);
	/* A private row keyed by nicks, as before schema 5: nobody may read it, so it goes. */
	assert_int_equal(sqlite3_exec(db.sql, "INSERT INTO msg VALUES(2097152, 2, 0, '@ana bob',"
				      " 'ana', 'bob', 'by nick')", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db.sql);
	/* Opening brings it to the last version, and the message stays. */
	assert_int_equal(db_open(&db, path, err, sizeof(err)), DB_OK);
	assert_int_equal(db_version(&db), DB_SCHEMA_VERSION);
	struct db_msgs out = {0};
	assert_int_equal(db_range(&db, "#a", 0, 0, true, 10, &out), DB_OK);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0].text, "kept");
	db_msgs_free(&out);
	assert_int_equal(db_range(&db, "@ana bob", 0, 0, true, 10, &out), DB_OK);
	assert_int_equal(out.n, 0);
	db_msgs_free(&out);
	struct db_room *v;
	size_t n;
	assert_int_equal(db_rooms_load(&db, &v, &n), DB_OK);
	assert_int_equal(n, 0);
	free(v);
	db_close(&db);
	rm_db(path);
}

static void t_not_a_database(void **state)
{
	(void)state;
	char path[256];
	tmpname(path, sizeof(path));
	FILE *f = fopen(path, "w");
	for (int i = 0; i < 100; i++)
		fputs("this is not a database, whatever its name says\n", f);
	fclose(f);
	struct db db;
	char err[512];
	assert_int_equal(db_open(&db, path, err, sizeof(err)), DB_CORRUPT);
	assert_non_null(strstr(err, path));
	rm_db(path);
}

static void t_newer_schema_refused(void **state)
{
	(void)state;
	char path[256];
	tmpname(path, sizeof(path));
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(raw);
	struct db db;
	char err[512];
	assert_int_equal(db_open(&db, path, err, sizeof(err)), DB_TOO_NEW);
	rm_db(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_fresh_file_is_at_the_last_version),
		cmocka_unit_test(t_ranges),
		cmocka_unit_test(t_range_pair),
		cmocka_unit_test(t_sql_text_is_stored_byte_exact),
		cmocka_unit_test(t_private_targets),
		cmocka_unit_test(t_prune),
		cmocka_unit_test(t_rooms_saved),
		cmocka_unit_test(t_bans_saved),
		cmocka_unit_test(t_accounts_saved),
		cmocka_unit_test(t_migrates_from_version_1),
		cmocka_unit_test(t_not_a_database),
		cmocka_unit_test(t_newer_schema_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
