/* Unit tests for net/stream, and for net/conn, the line framing over it, with real sockets.
 *
 * In the manner of libuv's test-tcp-close: each test opens a listener and a client on 127.0.0.1
 * (ephemeral port) on one loop, lets callbacks count what happens, runs the loop until every
 * handle is closed, then asserts the counts. The client is a bare uv_tcp_t, so what it sees is
 * what a peer sees. Teardown closes the net and checks uv_loop_close, which fails if any handle
 * was left open. A watchdog timer (unreferenced) fails a test that would hang. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/frame.h"
#include "base/xalloc.h"
#include "net/conn.h"
#include "net/stream.h"

enum {
	WATCHDOG_MS = 10000,
	BATCH1 = 100,           /* frames queued in one loop turn */
	BATCH2 = 50,            /* and in the next */
	BIG_FRAME = 200,
	BIG_FRAMES = 10,        /* 2000 bytes: past the hard limit below */
	HARD_LIMIT = 1000,
	RESET_GRACE_MS = 50,
	LINGER_MS = 5000,
	CLIENT_CHECK_MS = 20,
	RESUME_DELAY_MS = 30,
};

/* The test's layer above one accepted stream. */
struct side {
	struct stream s; /* first */
};

static struct {
	uv_loop_t loop;
	struct net net;
	uv_tcp_t server;
	uv_tcp_t client;
	uv_connect_t connect;
	uv_timer_t watchdog;
	uv_timer_t later;          /* a test's own delayed step */
	bool use_conn;             /* accept into a conn (the line framing) rather than a bare stream */
	struct stream *s;          /* the accepted stream, until it is closed */
	struct conn *c;            /* the same, as a conn */
	void (*on_accept)(void);
	void (*on_data)(void);     /* after a stream's data op or a conn's input op */
	void (*on_client_data)(void);
	const char *const *pieces; /* what the client writes, one piece per server read */
	size_t npieces, next_piece;
	bool client_keeps_open;    /* on EOF, the client does not close (a lingering peer) */
	struct frame *frame;       /* a frame the test holds a reference to */
	struct buf got;            /* the server's input: stream pieces or conn lines, each + '|' */
	struct buf client_got;
	int client_status;         /* UV_EOF or an error, once the client's read ended */
	int data, gone, overflow, closed, lines;
	int gone_status;
	enum outq_verdict verdict;
	/* Observations made inside callbacks, asserted after the loop. */
	int overflow_after_send;
	unsigned flags_after_send;
	uint64_t writes_at_overflow, writes_at_batch1, writes_at_batch2;
	uint32_t refs_after_send, refs_at_batch1;
	bool linked_at_closed;
	size_t count_at_closed, queued_at_closed, pending_at_closed;
	uint32_t refs_at_closed;
	int gone_at_closed;
	bool peer_ok, net_ok;
	int lines_after_resume, lines_after_cancel;
	uint64_t accept_ms, closed_ms;
	int client_tcp_state;
} T;

static const char *str(const struct buf *b)
{
	return b->data ? b->data : "";
}

/* ---- the client ---- */

static void client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char space[65536];
	(void)h;
	(void)suggested;
	*buf = uv_buf_init(space, sizeof(space));
}

static void client_close(void)
{
	if (!uv_is_closing((uv_handle_t *)&T.client))
		uv_close((uv_handle_t *)&T.client, NULL);
}

static void client_read(uv_stream_t *h, ssize_t nread, const uv_buf_t *buf)
{
	(void)h;
	if (nread < 0) {
		T.client_status = (int)nread;
		if (!T.client_keeps_open || nread != UV_EOF)
			client_close();
		return;
	}
	buf_append(&T.client_got, buf->base, (size_t)nread);
	if (T.on_client_data)
		T.on_client_data();
}

/* Writes the next piece at once (loopback takes it whole); after the last, closes. */
static void client_write_next(void)
{
	if (T.next_piece == T.npieces) {
		client_close();
		return;
	}
	const char *p = T.pieces[T.next_piece++];
	uv_buf_t b = uv_buf_init((char *)(uintptr_t)p, (unsigned)strlen(p));
	assert_int_equal(uv_try_write((uv_stream_t *)&T.client, &b, 1), (int)strlen(p));
}

static void client_connected(uv_connect_t *req, int status)
{
	(void)req;
	assert_int_equal(status, 0);
	uv_read_start((uv_stream_t *)&T.client, client_alloc, client_read);
	if (T.npieces)
		client_write_next();
}

/* ---- the layer above a bare stream ---- */

static void side_data(struct stream *s, char *data, size_t len)
{
	(void)s;
	T.data++;
	buf_append(&T.got, data, len);
	buf_putc(&T.got, '|');
	if (T.on_data)
		T.on_data();
}

static void side_gone(struct stream *s, int status)
{
	(void)s;
	T.gone++;
	T.gone_status = status;
}

static void side_overflow(struct stream *s, enum outq_verdict verdict)
{
	T.overflow++;
	T.verdict = verdict;
	T.writes_at_overflow = T.net.writes;
	/* What the line face does: drop what has not started, say why, close after the flush. */
	stream_drop_unsent(s);
	stream_close_after_flush(s);
	struct frame *f = frame_from("slow\n", 5);
	stream_send(s, f);
	frame_unref(f);
}

/* Everything the stream owned is released before the owner hears of the close, and the memory is
 * still valid (ASan would say otherwise) until the owner frees it here. */
static void side_closed(struct stream *s)
{
	T.closed++;
	T.closed_ms = uv_now(&T.loop);
	T.linked_at_closed = list_linked(&s->link);
	T.count_at_closed = T.net.count;
	T.queued_at_closed = s->out.count;
	T.pending_at_closed = list_linked(&s->work);
	T.refs_at_closed = T.frame ? T.frame->refs : 0;
	T.gone_at_closed = T.gone;
	T.s = NULL;
	free(s);
}

static const struct stream_ops side_ops = {
	.data = side_data,
	.gone = side_gone,
	.overflow = side_overflow,
	.closed = side_closed,
};

/* ---- the layer above a conn (a face) ---- */

static bool face_line(struct conn *c, char *line, size_t len, bool too_long)
{
	(void)c;
	assert_false(too_long);
	T.lines++;
	buf_append(&T.got, line, len);
	buf_putc(&T.got, '|');
	return true;
}

static void face_gone(struct conn *c, int status)
{
	(void)c;
	T.gone++;
	T.gone_status = status;
}

static void face_overflow(struct conn *c, enum outq_verdict verdict)
{
	(void)c;
	T.overflow++;
	T.verdict = verdict;
}

static void face_input(struct conn *c)
{
	(void)c;
	T.data++;
	if (T.on_data)
		T.on_data();
}

static void face_closed(struct conn *c)
{
	T.closed++;
	T.gone_at_closed = T.gone;
	/* The conn is whole until this returns: its peer string, net and linebuf are still there. */
	T.peer_ok = strncmp(c->peer, "127.0.0.1:", 10) == 0;
	T.net_ok = c->net == &T.net;
	T.queued_at_closed = linebuf_pending(&c->in);
	T.c = NULL;
	T.s = NULL;
}

static const struct conn_ops face_ops = {
	.line = face_line,
	.gone = face_gone,
	.overflow = face_overflow,
	.closed = face_closed,
	.input = face_input,
};

/* ---- the fixture ---- */

static void server_connection(uv_stream_t *server, int status)
{
	assert_int_equal(status, 0);
	T.accept_ms = uv_now(&T.loop);
	if (T.use_conn) {
		assert_int_equal(conn_accept(&T.net, server, &face_ops, NULL, &T.c), 0);
		T.s = &T.c->stream;
	} else {
		struct side *sd = xcalloc(1, sizeof(*sd));
		assert_int_equal(stream_init(&sd->s, &T.net, &side_ops), 0);
		assert_int_equal(stream_accept(&sd->s, server), 0);
		T.s = &sd->s;
	}
	uv_close((uv_handle_t *)&T.server, NULL); /* one connection per test */
	if (T.on_accept)
		T.on_accept();
}

static void watchdog(uv_timer_t *t)
{
	(void)t;
	fail_msg("the test did not finish within %d ms", WATCHDOG_MS);
}

static int setup(void **state)
{
	(void)state;
	memset(&T, 0, sizeof(T));
	assert_int_equal(uv_loop_init(&T.loop), 0);
	struct net_config cfg = {
		.max_line = 1024,
		.linger_ms = LINGER_MS,
		.max_paused = 4096,
	};
	assert_int_equal(net_init(&T.net, &T.loop, &cfg, NULL), 0);
	uv_timer_init(&T.loop, &T.watchdog);
	uv_timer_start(&T.watchdog, watchdog, WATCHDOG_MS, 0);
	uv_unref((uv_handle_t *)&T.watchdog);
	uv_timer_init(&T.loop, &T.later);
	return 0;
}

/* Listens, connects the client, and runs the loop until every handle is closed. */
static void run(void)
{
	struct sockaddr_in sa;
	uv_ip4_addr("127.0.0.1", 0, &sa);
	uv_tcp_init(&T.loop, &T.server);
	assert_int_equal(uv_tcp_bind(&T.server, (const struct sockaddr *)&sa, 0), 0);
	assert_int_equal(uv_listen((uv_stream_t *)&T.server, 8, server_connection), 0);
	int len = sizeof(sa);
	uv_tcp_getsockname(&T.server, (struct sockaddr *)&sa, &len);
	uv_tcp_init(&T.loop, &T.client);
	uv_tcp_connect(&T.connect, &T.client, (const struct sockaddr *)&sa, client_connected);
	uv_run(&T.loop, UV_RUN_DEFAULT);
}

static int teardown(void **state)
{
	(void)state;
	net_close(&T.net);
	uv_close((uv_handle_t *)&T.watchdog, NULL);
	uv_close((uv_handle_t *)&T.later, NULL);
	uv_run(&T.loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&T.loop), 0); /* every handle was closed */
	if (T.frame)
		frame_unref(T.frame);
	buf_free(&T.got);
	buf_free(&T.client_got);
	return 0;
}

/* ---- bytes up in pieces ---- */

static const char *const three_pieces[] = {"hel", "lo\nwor", "ld"};

/* The stream hands bytes up as they come, framing nothing; then the peer's FIN is `gone`. */
static void t_bytes_up_in_pieces(void **state)
{
	(void)state;
	T.pieces = three_pieces;
	T.npieces = 3;
	T.on_data = client_write_next; /* the next piece once the last one is read */
	run();
	assert_int_equal(T.data, 3);
	assert_string_equal(str(&T.got), "hel|lo\nwor|ld|");
	assert_int_equal(T.gone, 1);
	assert_int_equal(T.gone_status, UV_EOF);
	assert_int_equal(T.closed, 1);
	assert_int_equal(T.gone_at_closed, 1);
	assert_int_equal(T.net.count, 0);
}

/* ---- one write per loop turn ---- */

static const char HELLO[] = "hello, world\n";
enum { HELLO_LEN = sizeof(HELLO) - 1 };

static void batch_accept(void)
{
	T.frame = frame_from(HELLO, HELLO_LEN);
	for (int i = 0; i < BATCH1; i++)
		stream_send(T.s, T.frame);
	T.refs_after_send = T.frame->refs;
}

static void batch_client_data(void)
{
	if (T.client_got.len == BATCH1 * HELLO_LEN) {
		T.writes_at_batch1 = T.net.writes;
		T.refs_at_batch1 = T.frame->refs;
		for (int i = 0; i < BATCH2; i++)
			stream_send(T.s, T.frame);
	} else if (T.client_got.len == (BATCH1 + BATCH2) * HELLO_LEN) {
		T.writes_at_batch2 = T.net.writes;
		client_close();
	}
}

/* A hundred frames queued in one turn go out in one write, as references to the one frame (no
 * copy is queued); fifty more in a later turn, in one more write. */
static void t_one_write_per_turn(void **state)
{
	(void)state;
	T.on_accept = batch_accept;
	T.on_client_data = batch_client_data;
	run();
	assert_int_equal(T.refs_after_send, 1 + BATCH1);
	assert_int_equal(T.writes_at_batch1, 1);
	assert_int_equal(T.refs_at_batch1, 1); /* every reference dropped once written */
	assert_int_equal(T.writes_at_batch2, 2);
	assert_int_equal(T.client_got.len, (BATCH1 + BATCH2) * HELLO_LEN);
	for (size_t i = 0; i < T.client_got.len; i += HELLO_LEN)
		assert_memory_equal(T.client_got.data + i, HELLO, HELLO_LEN);
	assert_int_equal(T.gone, 1);
	assert_int_equal(T.closed, 1);
}

/* ---- the hard limit ---- */

static void limit_accept(void)
{
	char big[BIG_FRAME];
	memset(big, 'x', sizeof(big));
	for (int i = 0; i < BIG_FRAMES; i++) {
		struct frame *f = frame_from(big, sizeof(big));
		stream_send(T.s, f);
		frame_unref(f);
	}
	T.overflow_after_send = T.overflow;
	T.flags_after_send = T.s->flags;
}

/* Past the hard limit the stream is only flagged inside stream_send; the owner hears of it from
 * the flush, before anything is written, and its last words are all the peer reads. */
static void t_hard_limit_from_flush(void **state)
{
	(void)state;
	T.net.cfg.outq.hard = HARD_LIMIT;
	T.on_accept = limit_accept;
	run();
	assert_int_equal(T.overflow_after_send, 0);
	assert_true(T.flags_after_send & STREAM_OVERFLOW);
	assert_int_equal(T.overflow, 1);
	assert_int_equal(T.verdict, OUTQ_OVER_HARD);
	assert_int_equal(T.writes_at_overflow, 0);
	assert_string_equal(str(&T.client_got), "slow\n");
	assert_int_equal(T.client_status, UV_EOF);
	assert_int_equal(T.gone, 0); /* the owner had let go: the peer's FIN is no news */
	assert_int_equal(T.closed, 1);
	assert_int_equal(T.net.resets, 0);
}

/* ---- closing after the flush ---- */

static void send_str(const char *s)
{
	struct frame *f = frame_from(s, strlen(s));
	stream_send(T.s, f);
	frame_unref(f);
}

static void goodbye_accept(void)
{
	send_str("a\n");
	send_str("b\n");
	send_str("c\n");
	stream_close_after_flush(T.s);
	send_str("bye\n"); /* a last line after the call still goes out */
}

static const char *const one_ignored[] = {"ignored\n"};

/* The last bytes arrive, then the FIN; the peer's input meanwhile is not delivered; the peer's
 * close ends the linger without a reset. */
static void t_close_after_flush(void **state)
{
	(void)state;
	T.on_accept = goodbye_accept;
	T.pieces = one_ignored;
	T.npieces = 1;
	run();
	assert_string_equal(str(&T.client_got), "a\nb\nc\nbye\n");
	assert_int_equal(T.client_status, UV_EOF);
	assert_int_equal(T.data, 0);
	assert_int_equal(T.gone, 0);
	assert_int_equal(T.closed, 1);
	assert_int_equal(T.net.resets, 0);
}

/* ---- the linger and the reset ---- */

static void check_client(uv_timer_t *t)
{
	(void)t;
#if defined(TCP_INFO)
	uv_os_fd_t fd;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	if (uv_fileno((uv_handle_t *)&T.client, &fd) == 0 &&
	    getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0)
		T.client_tcp_state = ti.tcpi_state;
#endif
	client_close();
}

static void lingering_closed(struct stream *s)
{
	side_closed(s);
	/* Give the reset a moment to land, then look at the client's side of the connection. */
	if (T.client_keeps_open)
		uv_timer_start(&T.later, check_client, CLIENT_CHECK_MS, 0);
}

static const struct stream_ops lingering_ops = {
	.data = side_data,
	.gone = side_gone,
	.overflow = side_overflow,
	.closed = lingering_closed,
};

static void lingering_accept(void)
{
	T.s->ops = &lingering_ops;
	send_str("bye\n");
	stream_close_after_flush(T.s);
}

/* A peer that read our last line and our FIN but never closes (netcat waiting on its terminal)
 * is reset once it has acknowledged everything and the grace has passed, long before the linger
 * deadline. */
static void t_reset_lingering_peer(void **state)
{
	(void)state;
#if !defined(__linux__)
	skip(); /* the reset needs SIOCOUTQ */
#endif
	T.net.cfg.reset_grace_ms = RESET_GRACE_MS;
	T.client_keeps_open = true;
	T.on_accept = lingering_accept;
	run();
	assert_string_equal(str(&T.client_got), "bye\n");
	assert_int_equal(T.client_status, UV_EOF);
	assert_int_equal(T.net.resets, 1);
	assert_int_equal(T.closed, 1);
	assert_int_equal(T.gone, 0);
	assert_true(T.closed_ms - T.accept_ms >= RESET_GRACE_MS);
	assert_true(T.closed_ms - T.accept_ms < LINGER_MS / 2);
	assert_int_equal(T.client_tcp_state, TCP_CLOSE); /* reset: not CLOSE_WAIT */
}

/* The same, with a peer that closes as soon as it has our FIN: a plain close, no reset. */
static void t_no_reset_when_peer_closes(void **state)
{
	(void)state;
	T.net.cfg.reset_grace_ms = RESET_GRACE_MS;
	T.on_accept = lingering_accept;
	run();
	assert_string_equal(str(&T.client_got), "bye\n");
	assert_int_equal(T.net.resets, 0);
	assert_int_equal(T.closed, 1);
	assert_int_equal(T.gone, 0);
}

/* ---- close ordering ---- */

static void close_now_accept(void)
{
	T.frame = frame_from(HELLO, HELLO_LEN);
	for (int i = 0; i < 3; i++)
		stream_send(T.s, T.frame);
	stream_close(T.s);
	stream_close(T.s); /* twice is once */
}

/* stream_close discards the queue; by the time the owner's closed op runs the stream is off every
 * list and has dropped its frame references; the owner frees it there (last). */
static void t_close_order(void **state)
{
	(void)state;
	T.on_accept = close_now_accept;
	run();
	assert_int_equal(T.closed, 1);
	assert_int_equal(T.gone, 0);
	assert_false(T.linked_at_closed);
	assert_false(T.pending_at_closed);
	assert_int_equal(T.count_at_closed, 0);
	assert_int_equal(T.queued_at_closed, 0);
	assert_int_equal(T.refs_at_closed, 1);
	assert_int_equal(T.client_got.len, 0);
	assert_int_equal(T.client_status, UV_EOF);
}

/* ---- the line framing ---- */

static const char *const line_pieces[] = {"one\ntw", "o\nthr", "ee"};

/* Lines cut across reads come up whole; the partial one at the peer's FIN stays in the linebuf,
 * which (like the whole conn) is still there when the owner's closed op runs, after gone. */
static void t_conn_lines_and_close_order(void **state)
{
	(void)state;
	T.use_conn = true;
	T.pieces = line_pieces;
	T.npieces = 3;
	T.on_data = client_write_next;
	run();
	assert_int_equal(T.lines, 2);
	assert_string_equal(str(&T.got), "one|two|");
	assert_int_equal(T.gone, 1);
	assert_int_equal(T.gone_status, UV_EOF);
	assert_int_equal(T.closed, 1);
	assert_int_equal(T.gone_at_closed, 1);
	assert_true(T.peer_ok);
	assert_true(T.net_ok);
	assert_int_equal(T.queued_at_closed, strlen("three"));
	assert_int_equal(T.net.count, 0);
}

static void resume_later(uv_timer_t *t)
{
	(void)t;
	T.lines_after_cancel = T.lines;
	conn_resume(T.c);
	T.lines_after_resume = T.lines; /* deferred: nothing yet */
}

static void paused_input(void)
{
	if (T.data != 1)
		return;
	conn_resume(T.c);
	conn_pause(T.c); /* cancels the resume */
	uv_timer_start(&T.later, resume_later, RESUME_DELAY_MS, 0);
}

static void paused_accept(void)
{
	conn_pause(T.c);
}

static bool resumed_line(struct conn *c, char *line, size_t len, bool too_long)
{
	face_line(c, line, len, too_long);
	if (T.lines == 2) {
		conn_close_after_flush(c);
		conn_send_str(c, "ok\n", 3);
	}
	return true;
}

static const struct conn_ops resumed_ops = {
	.line = resumed_line,
	.gone = face_gone,
	.overflow = face_overflow,
	.closed = face_closed,
	.input = face_input,
};

static void resumed_accept(void)
{
	T.c->ops = &resumed_ops;
	paused_accept();
}

static const char *const two_lines[] = {"a\nb\n"};

/* A paused conn keeps its lines; conn_resume delivers them from the next flush, never inside the
 * caller, and a conn_pause before that flush cancels it. */
static void t_conn_resume_from_flush(void **state)
{
	(void)state;
	T.use_conn = true;
	T.on_accept = resumed_accept;
	T.on_data = paused_input;
	T.pieces = two_lines;
	T.npieces = 1;
	run();
	assert_int_equal(T.lines_after_cancel, 0);
	assert_int_equal(T.lines_after_resume, 0);
	assert_int_equal(T.lines, 2);
	assert_string_equal(str(&T.got), "a|b|");
	assert_string_equal(str(&T.client_got), "ok\n");
	assert_int_equal(T.gone, 0);
	assert_int_equal(T.closed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_bytes_up_in_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(t_one_write_per_turn, setup, teardown),
		cmocka_unit_test_setup_teardown(t_hard_limit_from_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(t_close_after_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(t_reset_lingering_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(t_no_reset_when_peer_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(t_close_order, setup, teardown),
		cmocka_unit_test_setup_teardown(t_conn_lines_and_close_order, setup, teardown),
		cmocka_unit_test_setup_teardown(t_conn_resume_from_flush, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
