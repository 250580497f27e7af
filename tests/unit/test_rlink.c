/* Unit tests for bridge/cluster/rlink against a real redis-server on loopback.
 *
 * Each test starts its own redis-server (no persistence, a temporary directory, a free port) and
 * waits for its "Ready to accept connections" line; the loop runs with UV_RUN_ONCE until a
 * condition holds or a deadline passes, a repeating guard timer making sure each turn returns.
 * Teardown closes the link, runs the loop until every handle is closed (uv_loop_close must
 * succeed) and kills the server. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "base/log.h"
#include "bridge/cluster/rlink.h"

enum {
	GUARD_MS = 20,         /* the loop turns at least this often */
	DEADLINE_MS = 10000,   /* how long a condition may take before the test fails */
	READY_MS = 10000,      /* redis-server's start */
	START_TRIES = 5,       /* ports tried when one is taken meanwhile */
	TIMEOUT_MS = 400,      /* the link's timeout in these tests */
	RETRY_MIN_MS = 20,
	RETRY_MAX_MS = 200,
	MAX_PENDING = 1 << 20,
	ORDER_COUNT = 1000,    /* messages whose order is checked */
};

static const char READY_MARK[] = "Ready to accept connections";

struct redis {
	pid_t pid;
	int port;
	char dir[64];
};

struct fx {
	uv_loop_t loop;
	uv_timer_t guard;
	struct rlink l;
	struct redis r;
	struct logger log;
	char *logbuf;
	size_t loglen;
	int ups, downs;
	char last_down[256];
	int received;     /* messages on "ch" */
	int next;         /* the number the next message on "ch" must carry */
	int out_of_order;
	int other;        /* messages on any other channel */
	int replies;
	char last_reply[256];
	int last_type;
	bool null_reply;
	int numsub; /* PUBSUB NUMSUB's count, -1 while it is asked */
	bool close_on_message;
	int closed; /* times done ran */
};

/* ---- redis-server ---- */

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t len = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* Starts redis-server on r->port with extra arguments; true once it is ready, false if it
 * exited first (the port was taken). */
static bool redis_spawn(struct redis *r, const char *const *extra)
{
	int out[2];
	assert_int_equal(pipe(out), 0);
	char port[16];
	snprintf(port, sizeof(port), "%d", r->port);
	const char *argv[32] = {"redis-server", "--port", port, "--bind", "127.0.0.1",
				"--save", "", "--appendonly", "no", "--dir", r->dir};
	size_t n = 11;
	for (size_t i = 0; extra && extra[i]; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	r->pid = fork();
	assert_true(r->pid >= 0);
	if (r->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* a test that dies takes its server along */
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		execvp("redis-server", (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(out[1]);
	char buf[8192];
	size_t len = 0;
	bool ready = false;
	uint64_t end = uv_hrtime() / 1000000 + READY_MS;
	while (!ready && len + 1 < sizeof(buf)) {
		int64_t left = (int64_t)(end - uv_hrtime() / 1000000);
		struct pollfd p = {.fd = out[0], .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		ssize_t got = read(out[0], buf + len, sizeof(buf) - 1 - len);
		if (got <= 0)
			break;
		len += (size_t)got;
		buf[len] = '\0';
		ready = strstr(buf, READY_MARK) != NULL;
	}
	close(out[0]); /* redis ignores SIGPIPE: its later log lines are lost, that is all */
	if (!ready) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		r->pid = 0;
	}
	return ready;
}

static void redis_start(struct redis *r, const char *const *extra)
{
	snprintf(r->dir, sizeof(r->dir), "/tmp/rlink-test-XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	for (int i = 0; i < START_TRIES; i++) {
		r->port = free_port();
		if (redis_spawn(r, extra))
			return;
	}
	fail_msg("redis-server did not start");
}

static void redis_kill(struct redis *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		r->pid = 0;
	}
}

/* ---- the loop ---- */

static void on_guard(uv_timer_t *t)
{
	(void)t;
}

static uint64_t now_ms(struct fx *f)
{
	uv_update_time(&f->loop);
	return uv_now(&f->loop);
}

#define RUN_UNTIL(f, cond)                                                                     \
	do {                                                                                   \
		uint64_t end_ = now_ms(f) + DEADLINE_MS;                                       \
		while (!(cond) && now_ms(f) < end_)                                            \
			uv_run(&(f)->loop, UV_RUN_ONCE);                                       \
		if (!(cond))                                                                   \
			fail_msg("timed out waiting for %s", #cond);                           \
	} while (0)

/* ---- the link's callbacks ---- */

static void on_up(void *ctx)
{
	struct fx *f = ctx;
	f->ups++;
}

static void on_down(void *ctx, const char *why)
{
	struct fx *f = ctx;
	f->downs++;
	snprintf(f->last_down, sizeof(f->last_down), "%s", why);
}

static void on_closed(void *ctx)
{
	struct fx *f = ctx;
	f->closed++;
}

static void on_message(void *ctx, const char *ch, size_t clen, const char *data, size_t len)
{
	struct fx *f = ctx;
	if (f->close_on_message)
		rlink_close(&f->l, on_closed, f);
	if (clen != 2 || memcmp(ch, "ch", 2) != 0) {
		f->other++;
		return;
	}
	char num[16];
	snprintf(num, sizeof(num), "%d", f->next);
	if (len != strlen(num) || memcmp(data, num, len) != 0)
		f->out_of_order++;
	f->next++;
	f->received++;
}

static void on_reply(void *privdata, const struct redisReply *r)
{
	struct fx *f = privdata;
	f->replies++;
	f->null_reply = r == NULL;
	f->last_type = r ? r->type : -1;
	snprintf(f->last_reply, sizeof(f->last_reply), "%s", r && r->str ? r->str : "");
	if (r && r->type == REDIS_REPLY_INTEGER)
		snprintf(f->last_reply, sizeof(f->last_reply), "%lld", r->integer);
}

/* ---- fixture ---- */

static void fx_link(struct fx *f, const char *url, size_t max_pending)
{
	struct rlink_config cfg = {
		.max_pending = max_pending,
		.timeout_ms = TIMEOUT_MS,
		.retry_min_ms = RETRY_MIN_MS,
		.retry_max_ms = RETRY_MAX_MS,
		.up = on_up,
		.down = on_down,
		.message = on_message,
		.ctx = f,
	};
	const char *err = NULL;
	if (!rlink_url_parse(url, &cfg.url, &err))
		fail_msg("%s: %s", url, err);
	assert_int_equal(rlink_init(&f->l, &f->loop, &cfg, &f->log), 0);
}

static struct fx *fx_new(const char *const *redis_args)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_int_equal(uv_loop_init(&f->loop), 0);
	uv_timer_init(&f->loop, &f->guard);
	uv_timer_start(&f->guard, on_guard, GUARD_MS, GUARD_MS);
	f->log = (struct logger){.out = open_memstream(&f->logbuf, &f->loglen),
				 .prog = "test",
				 .level = LOG_DEBUG};
	assert_non_null(f->log.out);
	redis_start(&f->r, redis_args);
	return f;
}

/* The link to f's redis with the given user information ("" or ":pw@"). */
static void fx_connect(struct fx *f, const char *userinfo, size_t max_pending)
{
	char url[256];
	snprintf(url, sizeof(url), "redis://%s127.0.0.1:%d", userinfo, f->r.port);
	fx_link(f, url, max_pending);
}

/* A redis-server with redis_args, and a link to it through userinfo subscribed to "ch", up. */
static struct fx *fx_up(const char *const *redis_args, const char *userinfo, size_t max_pending)
{
	struct fx *f = fx_new(redis_args);
	fx_connect(f, userinfo, max_pending);
	rlink_subscribe(&f->l, "ch", 2);
	rlink_start(&f->l);
	RUN_UNTIL(f, f->ups == 1);
	return f;
}

/* How many times the log holds s. */
static int log_count(struct fx *f, const char *s)
{
	fflush(f->log.out);
	int n = 0;
	for (const char *p = f->logbuf; p && (p = strstr(p, s)) != NULL; p++)
		n++;
	return n;
}

static void fx_free(struct fx *f)
{
	if (!f->closed) {
		rlink_close(&f->l, on_closed, f);
		assert_int_equal(f->closed, 0); /* from the loop, not at once */
		RUN_UNTIL(f, f->closed);
	}
	uv_run(&f->loop, UV_RUN_NOWAIT);
	assert_int_equal(f->closed, 1);
	uv_close((uv_handle_t *)&f->guard, NULL);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	redis_kill(&f->r);
	rmdir(f->r.dir);
	fclose(f->log.out);
	free(f->logbuf);
	free(f);
}

static void command(struct fx *f, int argc, const char **argv)
{
	size_t lens[8];
	for (int i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	int before = f->replies;
	assert_true(rlink_command(&f->l, on_reply, f, argc, argv, lens));
	RUN_UNTIL(f, f->replies > before);
}

static void on_numsub(void *privdata, const struct redisReply *r)
{
	struct fx *f = privdata;
	f->numsub = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2
			    ? (int)r->element[1]->integer
			    : -2;
}

/* Asks Redis until it counts n subscribers of ch: a subscription travels on sub, the question
 * on cmd, so only asking again tells when Redis has read it. */
static void wait_numsub(struct fx *f, const char *ch, int n)
{
	uint64_t end = now_ms(f) + DEADLINE_MS;
	do {
		const char *argv[] = {"PUBSUB", "NUMSUB", ch};
		size_t lens[] = {6, 6, strlen(ch)};
		f->numsub = -1;
		assert_true(rlink_command(&f->l, on_numsub, f, 3, argv, lens));
		RUN_UNTIL(f, f->numsub != -1);
		assert_true(f->numsub >= 0);
	} while (f->numsub != n && now_ms(f) < end);
	assert_int_equal(f->numsub, n);
}

static bool publish(struct fx *f, const char *ch, const char *data)
{
	return rlink_publish(&f->l, ch, strlen(ch), data, strlen(data));
}

/* ---- cases ---- */

static void test_command(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	fx_connect(f, "", MAX_PENDING);
	assert_false(rlink_up(&f->l));
	const char *set[] = {"SET", "k", "v\0w"};
	size_t lens[] = {3, 1, 3};
	assert_false(rlink_command(&f->l, on_reply, f, 3, set, lens)); /* not up yet */
	assert_int_equal(rlink_stats(&f->l).dropped, 1);
	rlink_start(&f->l);
	RUN_UNTIL(f, f->ups == 1);
	assert_true(rlink_up(&f->l));
	assert_true(rlink_command(&f->l, on_reply, f, 3, set, lens));
	RUN_UNTIL(f, f->replies == 1);
	assert_string_equal(f->last_reply, "OK");
	command(f, 2, (const char *[]){"STRLEN", "k"});
	assert_string_equal(f->last_reply, "3"); /* binary-safe: the NUL went through */
	/* An error reply: given to the callback, counted; the link stays. */
	command(f, 2, (const char *[]){"INCR", "k"});
	assert_int_equal(f->last_type, REDIS_REPLY_ERROR);
	assert_int_equal(rlink_stats(&f->l).errors, 1);
	assert_true(rlink_up(&f->l));
	assert_int_equal(rlink_stats(&f->l).commands, 3);
	assert_int_equal(f->downs, 0);
	fx_free(f);
}

/* -OOM (maxmemory reached) is an error reply like another: counted, the link stays. */
static void test_oom(void **state)
{
	(void)state;
	static const char *const args[] = {"--maxmemory", "1", NULL};
	struct fx *f = fx_up(args, "", MAX_PENDING);
	command(f, 3, (const char *[]){"SET", "k", "v"});
	assert_int_equal(f->last_type, REDIS_REPLY_ERROR);
	assert_non_null(strstr(f->last_reply, "OOM"));
	assert_int_equal(rlink_stats(&f->l).errors, 1);
	command(f, 1, (const char *[]){"PING"});
	assert_string_equal(f->last_reply, "PONG");
	assert_int_equal(f->downs, 0);
	fx_free(f);
}

/* A thousand messages arrive in the order they were published; another channel's do not. */
static void test_pubsub_order(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	fx_connect(f, "", MAX_PENDING);
	rlink_subscribe(&f->l, "ch", 2);
	rlink_subscribe(&f->l, "ch", 2); /* idempotent */
	rlink_subscribe(&f->l, "bad\0", 4); /* a NUL: ignored */
	assert_true(rlink_subscribed(&f->l, "ch", 2));
	assert_false(rlink_subscribed(&f->l, "bad\0", 4));
	rlink_start(&f->l);
	RUN_UNTIL(f, f->ups == 1);
	char num[16];
	for (int i = 0; i < ORDER_COUNT; i++) {
		snprintf(num, sizeof(num), "%d", i);
		assert_true(publish(f, "ch", num));
		if (i % 10 == 0)
			assert_true(publish(f, "elsewhere", num));
	}
	RUN_UNTIL(f, f->received == ORDER_COUNT);
	assert_int_equal(f->out_of_order, 0);
	assert_int_equal(f->other, 0);
	struct rlink_stats s = rlink_stats(&f->l);
	assert_int_equal(s.published, ORDER_COUNT + ORDER_COUNT / 10);
	assert_int_equal(s.received, ORDER_COUNT);
	fx_free(f);
}

/* Unsubscribing stops delivery at once, and Redis is told; a channel subscribed while up is
 * subscribed on Redis too. */
static void test_unsubscribe(void **state)
{
	(void)state;
	struct fx *f = fx_up(NULL, "", MAX_PENDING);
	rlink_subscribe(&f->l, "other", 5);
	wait_numsub(f, "other", 1);
	assert_true(publish(f, "ch", "0"));
	RUN_UNTIL(f, f->received == 1);
	rlink_unsubscribe(&f->l, "ch", 2);
	rlink_unsubscribe(&f->l, "never", 5); /* not in the set: nothing */
	assert_false(rlink_subscribed(&f->l, "ch", 2));
	assert_true(publish(f, "ch", "1")); /* may reach us before Redis reads UNSUBSCRIBE */
	wait_numsub(f, "ch", 0);
	assert_true(publish(f, "ch", "2"));
	assert_true(publish(f, "other", "x")); /* published after "2": received after it */
	RUN_UNTIL(f, f->other == 1);
	assert_int_equal(f->received, 1);
	fx_free(f);
}

/* Redis killed: down, and up again once it is back on its port, subscriptions restored. */
static void test_kill_restart(void **state)
{
	(void)state;
	struct fx *f = fx_up(NULL, "", MAX_PENDING);
	redis_kill(&f->r);
	RUN_UNTIL(f, f->downs == 1);
	assert_false(rlink_up(&f->l));
	assert_false(publish(f, "ch", "lost"));
	assert_int_equal(rlink_stats(&f->l).dropped, 1);
	assert_true(redis_spawn(&f->r, NULL)); /* the same port */
	RUN_UNTIL(f, f->ups == 2);
	assert_int_equal(f->downs, 1);
	assert_int_equal(rlink_stats(&f->l).reconnects, 1);
	assert_true(publish(f, "ch", "0"));
	RUN_UNTIL(f, f->received == 1);
	assert_int_equal(f->out_of_order, 0);
	fx_free(f);
}

/* Redis closes a connection (CLIENT KILL): down, then up again. */
static void test_closed_by_redis(void **state)
{
	(void)state;
	struct fx *f = fx_up(NULL, "", MAX_PENDING);
	command(f, 4, (const char *[]){"CLIENT", "KILL", "TYPE", "pubsub"});
	RUN_UNTIL(f, f->downs == 1);
	assert_non_null(strstr(f->last_down, "closed"));
	RUN_UNTIL(f, f->ups == 2);
	assert_true(publish(f, "ch", "0"));
	RUN_UNTIL(f, f->received == 1);
	fx_free(f);
}

static void test_auth(void **state)
{
	(void)state;
	static const char *const args[] = {"--requirepass", "s:cret", NULL};
	struct fx *f = fx_up(args, ":s:cret@", MAX_PENDING);
	command(f, 1, (const char *[]){"PING"});
	assert_string_equal(f->last_reply, "PONG");
	assert_true(publish(f, "ch", "0"));
	RUN_UNTIL(f, f->received == 1);
	fx_free(f);
}

/* A Redis 6 ACL user: AUTH USER PASSWORD. */
static void test_auth_user(void **state)
{
	(void)state;
	static const char *const args[] = {"--user", "alice", "on", ">pw", "~*", "&*", "+@all", NULL};
	struct fx *f = fx_up(args, "alice:pw@", MAX_PENDING);
	command(f, 2, (const char *[]){"ACL", "WHOAMI"});
	assert_string_equal(f->last_reply, "alice");
	fx_free(f);
}

/* A wrong password (or none when one is needed): never up, said once as an error, retried. */
static void test_auth_wrong(void **state)
{
	(void)state;
	static const char *const userinfo[] = {":wrong@", ""};
	for (size_t i = 0; i < 2; i++) {
		struct fx *f = fx_new((const char *const[]){"--requirepass", "right", NULL});
		fx_connect(f, userinfo[i], MAX_PENDING);
		rlink_start(&f->l);
		RUN_UNTIL(f, log_count(f, "cannot link") >= 3);
		assert_int_equal(log_count(f, "error: redis: 127.0.0.1"), 1);
		assert_int_equal(log_count(f, "warn: redis"), 0); /* the retries: at debug */
		assert_int_equal(f->ups, 0);
		assert_int_equal(f->downs, 0);
		fx_free(f);
	}
}

/* Past max_pending the command is refused and the link dropped (it is stuck), then back. A
 * command bigger than the limit alone is refused, the link kept. The loop does not run while
 * publishing, so nothing leaves hiredis's buffer. */
static void test_max_pending(void **state)
{
	(void)state;
	enum { LIMIT = 64 * 1024, MSG = 1000 };
	struct fx *f = fx_up(NULL, "", LIMIT);
	static char big[LIMIT + 1], msg[MSG + 1];
	memset(big, 'b', LIMIT);
	memset(msg, 'm', MSG);
	assert_false(publish(f, "ch", big));
	assert_true(rlink_up(&f->l));
	assert_int_equal(rlink_stats(&f->l).dropped, 1);
	int sent = 0;
	while (publish(f, "ch", msg))
		sent++;
	assert_true(sent > LIMIT / (MSG + 64) && sent <= LIMIT / MSG);
	struct rlink_stats s = rlink_stats(&f->l);
	assert_int_equal(s.dropped, 2);
	assert_int_equal(s.published, (uint64_t)sent);
	assert_int_equal(s.pending, 0); /* dropped with the link */
	assert_int_equal(f->downs, 1);
	assert_non_null(strstr(f->last_down, "over the limit"));
	RUN_UNTIL(f, f->ups == 2);
	assert_true(publish(f, "ch", msg));
	assert_true(rlink_stats(&f->l).pending > MSG);
	fx_free(f);
}

/* A stopped Redis (SIGSTOP) answers no PING: down within the timeout (and a tick), a pending
 * command answered NULL; up again once it runs. */
static void test_stopped(void **state)
{
	(void)state;
	struct fx *f = fx_up(NULL, "", MAX_PENDING);
	assert_int_equal(kill(f->r.pid, SIGSTOP), 0);
	uint64_t t0 = now_ms(f);
	const char *argv[] = {"PING"};
	size_t lens[] = {4};
	assert_true(rlink_command(&f->l, on_reply, f, 1, argv, lens));
	RUN_UNTIL(f, f->downs == 1);
	uint64_t took = now_ms(f) - t0;
	assert_true(took >= TIMEOUT_MS / 2);
	assert_true(took <= TIMEOUT_MS * 2 + GUARD_MS * 5); /* the header's bound, and a margin */
	assert_non_null(strstr(f->last_down, "PING"));
	assert_int_equal(f->replies, 1);
	assert_true(f->null_reply);
	assert_int_equal(kill(f->r.pid, SIGCONT), 0);
	RUN_UNTIL(f, f->ups == 2);
	fx_free(f);
}

/* Closing while up: what is queued (a goodbye) is written and answered first, then done runs
 * from the loop once all is closed. */
static void test_close_pending(void **state)
{
	(void)state;
	struct fx *f = fx_up(NULL, "", MAX_PENDING);
	const char *argv[] = {"PING"};
	size_t lens[] = {4};
	assert_true(rlink_command(&f->l, on_reply, f, 1, argv, lens));
	rlink_close(&f->l, on_closed, f);
	assert_int_equal(f->replies, 0);
	rlink_close(&f->l, on_closed, f); /* a second close does nothing */
	RUN_UNTIL(f, f->closed);
	assert_int_equal(f->replies, 1);
	assert_false(f->null_reply);
	assert_int_equal(f->downs, 0);
	fx_free(f);
}

/* Closing with a Redis that answers nothing: the grace ends, the command gets NULL, done runs. */
static void test_close_grace(void **state)
{
	(void)state;
	struct fx *f = fx_up(NULL, "", MAX_PENDING);
	assert_int_equal(kill(f->r.pid, SIGSTOP), 0);
	const char *argv[] = {"PING"};
	size_t lens[] = {4};
	assert_true(rlink_command(&f->l, on_reply, f, 1, argv, lens));
	rlink_close(&f->l, on_closed, f);
	RUN_UNTIL(f, f->closed);
	assert_int_equal(f->replies, 1);
	assert_true(f->null_reply);
	assert_int_equal(kill(f->r.pid, SIGCONT), 0);
	fx_free(f);
}

/* rlink_close from a callback (here message): the rest of hiredis's turn is safe, and done
 * still runs once, from the loop. */
static void test_close_in_callback(void **state)
{
	(void)state;
	struct fx *f = fx_up(NULL, "", MAX_PENDING);
	f->close_on_message = true;
	for (int i = 0; i < 3; i++) /* likely read in one turn: two after the close */
		assert_true(publish(f, "ch", i == 0 ? "0" : "x"));
	RUN_UNTIL(f, f->closed);
	assert_int_equal(f->received, 1);
	assert_int_equal(f->downs, 0);
	fx_free(f);
}

/* Nothing listens: attempts fail, the link retries with backoff and closes cleanly. */
static void test_unreachable(void **state)
{
	(void)state;
	struct fx *f = fx_new(NULL);
	fx_connect(f, "", MAX_PENDING);
	redis_kill(&f->r);
	rlink_start(&f->l);
	RUN_UNTIL(f, log_count(f, "cannot link") >= 3);
	assert_int_equal(log_count(f, "warn: redis: cannot link"), 1);
	assert_int_equal(f->ups + f->downs, 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_oom),
		cmocka_unit_test(test_pubsub_order),
		cmocka_unit_test(test_unsubscribe),
		cmocka_unit_test(test_kill_restart),
		cmocka_unit_test(test_closed_by_redis),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_auth_user),
		cmocka_unit_test(test_auth_wrong),
		cmocka_unit_test(test_max_pending),
		cmocka_unit_test(test_stopped),
		cmocka_unit_test(test_close_pending),
		cmocka_unit_test(test_close_grace),
		cmocka_unit_test(test_close_in_callback),
		cmocka_unit_test(test_unreachable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
