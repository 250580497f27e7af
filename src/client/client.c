#include "client/client.h"

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <uv.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "client/edit.h"
#include "client/incoming.h"
#include "client/keys.h"
#include "client/outgoing.h"
#include "client/term.h"
#include "client/track.h"
#include "client/udplink.h"

/* User-facing strings, in one place so that gettext can take them over. Lines shown in the chat
 * itself take the server's `! ` form, so they look like the server's own errors. */
#define MSG_UNKNOWN_HOST "unknown host %s"
#define MSG_RESOLVE "cannot resolve %s: %s"
#define MSG_CONNECT "cannot connect to %s port %s: %s"
#define MSG_LOST "lost connection to %s port %s: %s"
#define MSG_CLOSED "connection closed by the server"
#define MSG_SHUT_DOWN "the server shut down"
#define MSG_NO_ADDRESS "no address"
#define MSG_OUTPUT "cannot write to standard output: %s"
#define MSG_TERMINAL "cannot set up the terminal: %s"
#define MSG_INPUT "cannot read standard input: %s"
#define MSG_PIPE_TOO_LONG "line %zu is too long (%zu bytes; the limit is %d); it was not sent"
#define MSG_EDIT_FULL "! Line too long: the server takes at most %d bytes."
#define MSG_UDP_NO_ANSWER "cannot register with %s port %s over UDP: %s"
#define MSG_UDP_SILENT "no answer"
#define MSG_UDP_FORGOTTEN "! The server had forgotten us (it restarted, or heard nothing from us " \
	"for too long); registering again."
#define MSG_UDP_REFUSED "! The server does not answer (%s); trying again until it does."
#define MSG_UDP_WAITING "! Waiting for the server to come back; Ctrl-C leaves."
#define MSG_UDP_TOO_LONG "! Line too long for one datagram: at most %d bytes; it was not sent."
#define MSG_STATS_UDP "* UDP to %s port %s: datagrams sent %llu, received %llu."
#define MSG_STATS_SEQ "* Numbered datagrams: received %llu, lost %llu, duplicated %llu, " \
	"reordered %llu%s."
#define MSG_STATS_TOO_OLD ", too late to place %llu"
#define MSG_STATS_TCP "* TCP to %s port %s: lines sent %llu (%llu bytes), received %llu " \
	"(%llu bytes)."
#define MSG_STATS_TCP_NOTE "* TCP is a reliable, ordered byte stream: nothing is lost, " \
	"duplicated or reordered on the way."
#define LOBBY "#lobby"
#define PROMPT_ROOM "%s> "
#define PROMPT_NONE "> "

/* Bytes of server output held while waiting for a newline. A server line is at most a few KiB
 * (docs/protocol.md); past this the bytes are shown as a line of their own rather than held. */
#define IN_MAX (64 * 1024)
/* Stop reading piped input while this much is queued for the server, resume below the low mark,
 * so that `charla < bigfile` holds a bounded amount in memory. */
#define SEND_HIGH (64 * 1024)
#define SEND_LOW (16 * 1024)
/* How long to wait for the server to close after /quit before closing ourselves. */
#define QUIT_GRACE_MS 2000
/* How long a lone ESC waits for the rest of a key sequence before it counts as the Escape key. */
#define ESC_WAIT_MS 100
#define READ_CHUNK (64 * 1024)

enum input_kind { INPUT_NONE, INPUT_STREAM, INPUT_FILE };

struct client {
	uv_loop_t loop;
	const struct client_options *opt;
	int exit_code;
	bool finishing;

	/* The connection. One tcp handle serves each address tried in turn: it is initialised
	 * again only after the close callback of the previous attempt. */
	uv_getaddrinfo_t resolve_req;
	bool resolving;
	struct addrinfo *addrs;
	struct addrinfo *next_addr;
	uv_tcp_t tcp;
	uv_connect_t connect_req;
	int last_error;
	uv_shutdown_t shutdown_req;
	bool half_closed;
	bool quitting;
	enum track_fact last_fact;
	char in[IN_MAX];
	size_t in_len;

	/* The user's side: a tty in raw mode (interactive), a stream (pipe, socket, cooked tty) or
	 * a file read through the thread pool (libuv cannot poll regular files). */
	enum input_kind input;
	uv_tty_t tty;
	uv_pipe_t pipe;
	uv_stream_t *in_stream;
	uv_fs_t fs_req;
	bool fs_busy;
	bool input_paused;
	bool input_done;
	bool raw;
	char read_buf[READ_CHUNK];
	struct buf keys;        /* Key bytes not yet decoded (an incomplete sequence). */
	struct buf line;        /* Piped input not yet ended by a newline. */
	size_t line_bytes;      /* Bytes of the current piped line, counted past what is kept. */
	size_t line_no;

	/* UDP (--udp): one connected socket, the protocol in udplink, one timer for it. */
	uv_udp_t udp;
	uv_timer_t udp_timer;
	struct udplink link;
	bool link_ready;
	bool ui_started;
	bool grace_started;
	bool udp_bye;           /* `* Bye.` arrived */
	bool udp_shutdown;      /* `! Server shutting down.` arrived */
	char *rejoin;           /* the room to join again once registered again */
	struct buf shown;       /* lines udplink gives us to show */
	struct buf dgram;       /* a datagram to send */

	/* What /stats shows over TCP. */
	unsigned long long lines_sent, bytes_sent, lines_received, bytes_received;

	uv_timer_t esc_timer;
	uv_timer_t grace_timer;
	uv_signal_t sig_int, sig_term, sig_hup, sig_winch;

	struct edit edit;
	struct track track;
	struct term term;
	bool warned_full;
	char prompt[160];
	struct buf out;         /* Output being assembled for one write. */
};

struct write_req {
	uv_write_t req;
	struct client *c;
	char data[];
};

static void finish(struct client *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool invalid_tld(const char *host);
static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res);
static void try_next(struct client *c);
static void on_attempt_closed(uv_handle_t *h);
static void on_connect(uv_connect_t *req, int status);
static void start_session(struct client *c);
static int start_ui(struct client *c);
static void try_next_udp(struct client *c);
static void udp_drop_address(struct client *c);
static void alloc_udp(uv_handle_t *h, size_t hint, uv_buf_t *b);
static void on_udp_read(uv_udp_t *h, ssize_t nread, const uv_buf_t *b, const struct sockaddr *addr,
			unsigned flags);
static void udp_refused(struct client *c, int status);
static void udp_show(struct client *c);
static void udp_fact(struct client *c, enum track_fact fact);
static void udp_lost(struct client *c);
static void udp_pump(struct client *c);
static void udp_send(struct client *c, const char *data, size_t len);
static void on_udp_sent(uv_udp_send_t *req, int status);
static void on_udp_timer(uv_timer_t *t);
static void notice(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool is_stats(const char *line, size_t len);
static void print_stats(struct client *c);
static size_t line_max(const struct client *c);
static void alloc_in(uv_handle_t *h, size_t hint, uv_buf_t *b);
static void on_net_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);
static void server_line(struct client *c, const char *line, size_t len);
static void connection_ended(struct client *c, int status);
static void send_line(struct client *c, const char *line, size_t len);
static void on_written(uv_write_t *req, int status);
static void on_shutdown(uv_shutdown_t *req, int status);
static void submit(struct client *c, const char *line, size_t len, bool echo);
static void leave(struct client *c);
static void on_grace(uv_timer_t *t);
static int start_input(struct client *c);
static void alloc_read(uv_handle_t *h, size_t hint, uv_buf_t *b);
static void on_tty_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);
static void decode_keys(struct client *c, bool final);
static bool handle_key(struct client *c, enum key k, const char *bytes, size_t n);
static void on_esc_timer(uv_timer_t *t);
static void on_stream_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);
static void read_file(struct client *c);
static void on_fs_read(uv_fs_t *req);
static void feed_input(struct client *c, const char *data, size_t n);
static void input_ended(struct client *c);
static void pause_input(struct client *c);
static void resume_input(struct client *c);
static void on_signal(uv_signal_t *s, int signum);
static const char *prompt(struct client *c);
static void show(struct client *c);
static void redraw(struct client *c);
static void close_any(uv_handle_t *h, void *arg);

/* Ends the run: restores the terminal first, so that the message lands on a sane terminal, then
 * prints the message (if any) as `charla: ...` on stderr, and closes every handle. The loop then
 * runs out by itself; pending requests complete with UV_ECANCELED and free their memory. */
static void finish(struct client *c, int code, const char *fmt, ...)
{
	if (c->finishing)
		return;
	c->finishing = true;
	c->exit_code = code;
	if (c->raw) {
		term_hide(&c->term);
		uv_tty_set_mode(&c->tty, UV_TTY_MODE_NORMAL);
		c->raw = false;
	}
	if (fmt) {
		char msg[512];
		va_list ap;
		va_start(ap, fmt);
		int r = vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		if (r < 0)
			snprintf(msg, sizeof msg, "error");
		else if ((size_t)r >= sizeof msg)
			memcpy(msg + sizeof msg - 4, "...", 4);
		fprintf(stderr, "charla: %s\n", msg);
	}
	if (c->resolving)
		uv_cancel((uv_req_t *)&c->resolve_req);
	if (c->fs_busy)
		uv_cancel((uv_req_t *)&c->fs_req);
	uv_walk(&c->loop, close_any, NULL);
}

static void close_any(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/* RFC 6761 reserves .invalid for names that must never resolve and asks resolver libraries to
 * answer at once. glibc does not, and would send the query to the configured DNS server; we answer
 * ourselves, which is both faster and keeps such a lookup off the network. */
static bool invalid_tld(const char *host)
{
	size_t n = strlen(host);
	if (n > 0 && host[n - 1] == '.')
		n--;
	static const char tld[] = "invalid";
	size_t t = sizeof tld - 1;
	if (n < t || strncasecmp(host + n - t, tld, t) != 0)
		return false;
	return n == t || host[n - t - 1] == '.';
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct client *c = req->data;
	c->resolving = false;
	if (c->finishing) {
		uv_freeaddrinfo(res);
		return;
	}
	if (status == UV_EAI_NONAME || status == UV_EAI_NODATA) {
		finish(c, CLIENT_EXIT_UNKNOWN_HOST, MSG_UNKNOWN_HOST, c->opt->host);
		return;
	}
	if (status < 0) {
		finish(c, CLIENT_EXIT_UNKNOWN_HOST, MSG_RESOLVE, c->opt->host, uv_strerror(status));
		return;
	}
	c->addrs = res;
	c->next_addr = res;
	try_next(c);
}

/* Tries the addresses in the order getaddrinfo gave them (RFC 6724 preference), one at a time;
 * the error reported is the last one's. */
static void try_next(struct client *c)
{
	if (c->opt->udp) {
		try_next_udp(c);
		return;
	}
	while (c->next_addr) {
		struct addrinfo *ai = c->next_addr;
		c->next_addr = ai->ai_next;
		int r = uv_tcp_init(&c->loop, &c->tcp);
		if (r < 0) {
			c->last_error = r;
			continue;
		}
		c->tcp.data = c;
		c->connect_req.data = c;
		r = uv_tcp_connect(&c->connect_req, &c->tcp, ai->ai_addr, on_connect);
		if (r == 0)
			return;
		c->last_error = r;
		uv_close((uv_handle_t *)&c->tcp, on_attempt_closed);
		return;
	}
	const char *why = c->last_error ? uv_strerror(c->last_error) : MSG_NO_ADDRESS;
	finish(c, CLIENT_EXIT_NO_CONNECT, MSG_CONNECT, c->opt->host, c->opt->port, why);
}

static void on_attempt_closed(uv_handle_t *h)
{
	struct client *c = h->data;
	if (!c->finishing)
		try_next(c);
}

static void on_connect(uv_connect_t *req, int status)
{
	struct client *c = req->data;
	if (c->finishing)
		return;
	if (status < 0) {
		c->last_error = status;
		uv_close((uv_handle_t *)&c->tcp, on_attempt_closed);
		return;
	}
	uv_freeaddrinfo(c->addrs);
	c->addrs = NULL;
	start_session(c);
}

/* Connected: start reading the server, the user and the signals, and send the name if given. */
static void start_session(struct client *c)
{
	uv_tcp_nodelay(&c->tcp, 1);
	int r = uv_read_start((uv_stream_t *)&c->tcp, alloc_in, on_net_read);
	if (r < 0) {
		connection_ended(c, r);
		return;
	}
	if (start_ui(c) < 0)
		return;
	/* The name from the command line is sent like a typed line, but not echoed: the user
	 * knows it, and it would be shown before the server's greeting. */
	if (c->opt->name)
		submit(c, c->opt->name, strlen(c->opt->name), false);
}

/* Starts reading the user and the signals (and draws the edit row). Returns -1 when that failed
 * and the run is finishing. */
static int start_ui(struct client *c)
{
	int r;
	c->ui_started = true;
	uv_signal_start(&c->sig_int, on_signal, SIGINT);
	uv_signal_start(&c->sig_term, on_signal, SIGTERM);
	uv_signal_start(&c->sig_hup, on_signal, SIGHUP);
	if (c->opt->interactive)
		uv_signal_start(&c->sig_winch, on_signal, SIGWINCH);
	r = start_input(c);
	if (r < 0) {
		finish(c, CLIENT_EXIT_FAILURE, c->opt->interactive ? MSG_TERMINAL : MSG_INPUT,
		       uv_strerror(r));
		return -1;
	}
	if (c->opt->interactive)
		redraw(c);
	return 0;
}

static void alloc_in(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct client *c = h->data;
	(void)hint;
	*b = uv_buf_init(c->in + c->in_len, (unsigned)(IN_MAX - c->in_len));
}

static void on_net_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct client *c = s->data;
	(void)b;
	if (nread == 0 || c->finishing)
		return;
	if (nread < 0) {
		connection_ended(c, (int)nread);
		return;
	}
	c->in_len += (size_t)nread;
	c->bytes_received += (unsigned long long)nread;
	buf_clear(&c->out);
	size_t start = 0;
	for (size_t i = c->in_len - (size_t)nread; i < c->in_len; i++) {
		if (c->in[i] != '\n')
			continue;
		server_line(c, c->in + start, i - start);
		start = i + 1;
	}
	if (start == 0 && c->in_len == IN_MAX) {
		server_line(c, c->in, c->in_len);
		start = c->in_len;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	show(c);
}

/* Cleans the line before anything reads it, so that neither the state we track (the room shown
 * in the prompt) nor the screen ever sees a control character from the network. */
static void server_line(struct client *c, const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	struct buf clean = BUF_INIT;
	utf8_sanitize(line, len, &clean);
	enum track_fact fact = track_line(&c->track, clean.data, clean.len);
	if (fact != TRACK_NONE)
		c->last_fact = fact;
	c->lines_received++;
	if (c->opt->udp)
		udp_fact(c, fact);
	incoming_format(clean.data, clean.len, c->track.name, c->opt->colour, &c->out);
	buf_free(&clean);
}

/* The server closed or the connection broke. That is the normal end once we asked to leave (/quit
 * sent) or said all we had to say (our side shut down at the end of piped input); otherwise it is
 * a lost connection. */
static void connection_ended(struct client *c, int status)
{
	if (c->in_len > 0) {
		buf_clear(&c->out);
		server_line(c, c->in, c->in_len);
		c->in_len = 0;
		show(c);
	}
	if (c->finishing)
		return;
	if (c->quitting || c->half_closed) {
		finish(c, CLIENT_EXIT_OK, NULL);
		return;
	}
	const char *why = uv_strerror(status);
	if (status == UV_EOF)
		why = c->last_fact == TRACK_SHUTDOWN ? MSG_SHUT_DOWN : MSG_CLOSED;
	finish(c, CLIENT_EXIT_LOST, MSG_LOST, c->opt->host, c->opt->port, why);
}

static void send_line(struct client *c, const char *line, size_t len)
{
	if (c->finishing || c->half_closed)
		return;
	if (c->opt->udp) {
		/* Only lines that fit reach here (submit and feed_input check), so this holds. */
		udplink_queue(&c->link, line, len);
		if (c->input != INPUT_NONE && !c->opt->interactive &&
		    udplink_queued(&c->link) > SEND_HIGH)
			pause_input(c);
		udp_pump(c);
		return;
	}
	c->lines_sent++;
	c->bytes_sent += len + 1;
	struct write_req *w = xmalloc(sizeof *w + len + 1);
	memcpy(w->data, line, len);
	w->data[len] = '\n';
	w->c = c;
	uv_buf_t b = uv_buf_init(w->data, (unsigned)(len + 1));
	int r = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written);
	if (r < 0) {
		free(w);
		connection_ended(c, r);
		return;
	}
	if (c->input == INPUT_NONE || c->opt->interactive)
		return;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > SEND_HIGH)
		pause_input(c);
}

static void on_written(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	struct client *c = w->c;
	free(w);
	if (status == UV_ECANCELED || c->finishing)
		return;
	if (status < 0) {
		connection_ended(c, status);
		return;
	}
	if (c->input_paused && uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) < SEND_LOW)
		resume_input(c);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	/* A failed shutdown means the connection is already broken; the read side reports it. */
	(void)req;
	(void)status;
}

/* Sends one line the user typed or piped, and shows it when `echo` and the options say so. */
static void submit(struct client *c, const char *line, size_t len, bool echo)
{
	struct outgoing_parts parts;
	enum outgoing_kind kind = outgoing_classify(line, len, &parts);
	if (kind == OUTGOING_EMPTY)
		return;
	if (kind == OUTGOING_COMMAND && is_stats(line, len)) {
		if (echo && c->opt->echo) {
			buf_clear(&c->out);
			outgoing_transcript(prompt(c), line, len, c->opt->colour, &c->out);
			show(c);
		}
		print_stats(c);
		return;
	}
	if (c->opt->udp && len > UDPLINK_LINE_MAX) {
		notice(c, MSG_UDP_TOO_LONG, UDPLINK_LINE_MAX);
		return;
	}
	send_line(c, line, len);
	if (echo && c->opt->echo) {
		buf_clear(&c->out);
		struct buf said = BUF_INIT;
		if (outgoing_echo(line, len, c->track.name, c->track.room, &said)) {
			incoming_format(said.data, said.len, c->track.name, c->opt->colour, &c->out);
		} else {
			/* A command or the name: shown as typed after the prompt, like a transcript. */
			outgoing_transcript(prompt(c), line, len, c->opt->colour, &c->out);
		}
		buf_free(&said);
		show(c);
	}
	if (kind == OUTGOING_QUIT && !c->quitting) {
		c->quitting = true;
		if (!c->opt->udp)
			uv_timer_start(&c->grace_timer, on_grace, QUIT_GRACE_MS, 0);
		if (!c->opt->interactive)
			pause_input(c);
		/* Over UDP the grace starts once the line has gone (udp_pump); unregistered, there
		 * is nobody to say goodbye to. */
		if (c->opt->udp && c->link.state != UDPLINK_ON)
			finish(c, CLIENT_EXIT_OK, NULL);
		else if (c->opt->udp)
			udp_pump(c);
	}
}

/* Ctrl-C, Ctrl-D, SIGINT, SIGTERM: leave as /quit does; asked twice, leave at once. */
static void leave(struct client *c)
{
	if (c->finishing)
		return;
	if (c->quitting || (c->opt->udp && c->link.state != UDPLINK_ON)) {
		finish(c, CLIENT_EXIT_OK, NULL);
		return;
	}
	c->quitting = true;
	send_line(c, "/quit", 5);
	if (!c->opt->udp)
		uv_timer_start(&c->grace_timer, on_grace, QUIT_GRACE_MS, 0);
	if (!c->opt->interactive)
		pause_input(c);
}

static void on_grace(uv_timer_t *t)
{
	finish(t->data, CLIENT_EXIT_OK, NULL);
}

static int start_input(struct client *c)
{
	int r;
	if (c->opt->interactive) {
		r = uv_tty_init(&c->loop, &c->tty, 0, 1);
		if (r < 0)
			return r;
		c->tty.data = c;
		r = uv_tty_set_mode(&c->tty, UV_TTY_MODE_RAW);
		if (r < 0)
			return r;
		c->raw = true;
		c->input = INPUT_STREAM;
		c->in_stream = (uv_stream_t *)&c->tty;
		return uv_read_start(c->in_stream, alloc_read, on_tty_read);
	}
	switch (uv_guess_handle(0)) {
	case UV_TTY:
		/* Input from a terminal but output elsewhere: read cooked lines, no editor. */
		r = uv_tty_init(&c->loop, &c->tty, 0, 1);
		if (r < 0)
			return r;
		c->tty.data = c;
		c->in_stream = (uv_stream_t *)&c->tty;
		break;
	case UV_NAMED_PIPE:
	case UV_TCP:
		r = uv_pipe_init(&c->loop, &c->pipe, 0);
		if (r < 0)
			return r;
		c->pipe.data = c;
		r = uv_pipe_open(&c->pipe, 0);
		if (r < 0)
			return r;
		c->in_stream = (uv_stream_t *)&c->pipe;
		break;
	default:
		c->input = INPUT_FILE;
		c->fs_req.data = c;
		read_file(c);
		return 0;
	}
	c->input = INPUT_STREAM;
	return uv_read_start(c->in_stream, alloc_read, on_stream_read);
}

static void alloc_read(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct client *c = h->data;
	(void)hint;
	*b = uv_buf_init(c->read_buf, sizeof c->read_buf);
}

static void on_tty_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct client *c = s->data;
	if (nread == 0 || c->finishing)
		return;
	if (nread < 0) {
		/* The terminal went away (EOF or EIO on hang-up): nobody is left to type. */
		uv_read_stop(s);
		leave(c);
		return;
	}
	buf_append(&c->keys, b->base, (size_t)nread);
	uv_timer_stop(&c->esc_timer);
	decode_keys(c, false);
	if (c->keys.len > 0 && !c->finishing)
		uv_timer_start(&c->esc_timer, on_esc_timer, ESC_WAIT_MS, 0);
}

/* Decodes and applies every complete key in c->keys, then draws the edit row once. */
static void decode_keys(struct client *c, bool final)
{
	size_t at = 0;
	bool dirty = false;
	while (at < c->keys.len && !c->finishing) {
		size_t used;
		enum key k = keys_next(c->keys.data + at, c->keys.len - at, final, &used);
		if (k == KEY_MORE)
			break;
		dirty |= handle_key(c, k, c->keys.data + at, used);
		at += used;
	}
	buf_consume(&c->keys, at);
	if (dirty && !c->finishing)
		redraw(c);
}

static void on_esc_timer(uv_timer_t *t)
{
	decode_keys(t->data, true);
}

/* Applies one key; returns true if the edit row needs drawing again. */
static bool handle_key(struct client *c, enum key k, const char *bytes, size_t n)
{
	struct edit *e = &c->edit;
	enum edit_result r = EDIT_NOOP;
	switch (k) {
	case KEY_TEXT:
		r = edit_insert(e, bytes, n);
		if (r == EDIT_FULL && !c->warned_full) {
			c->warned_full = true;
			buf_clear(&c->out);
			char msg[128];
			int w = snprintf(msg, sizeof msg, MSG_EDIT_FULL, EDIT_MAX);
			if (w > 0 && (size_t)w < sizeof msg)
				incoming_format(msg, (size_t)w, NULL, c->opt->colour, &c->out);
			show(c);
		}
		break;
	case KEY_ENTER: {
		char *line = edit_take(e);
		c->warned_full = false;
		redraw(c);
		submit(c, line, strlen(line), true);
		free(line);
		return false;
	}
	case KEY_BACKSPACE:
		r = edit_backspace(e);
		break;
	case KEY_DELETE:
		r = edit_delete(e);
		break;
	case KEY_LEFT:
		r = edit_left(e);
		break;
	case KEY_RIGHT:
		r = edit_right(e);
		break;
	case KEY_WORD_LEFT:
		r = edit_word_left(e);
		break;
	case KEY_WORD_RIGHT:
		r = edit_word_right(e);
		break;
	case KEY_UP:
		r = edit_history_prev(e);
		break;
	case KEY_DOWN:
		r = edit_history_next(e);
		break;
	case KEY_HOME:
		r = edit_home(e);
		break;
	case KEY_END:
		r = edit_end(e);
		break;
	case KEY_KILL_END:
		r = edit_kill_end(e);
		break;
	case KEY_KILL_START:
		r = edit_kill_start(e);
		break;
	case KEY_KILL_WORD:
		r = edit_kill_word(e);
		break;
	case KEY_INTERRUPT:
		leave(c);
		return false;
	case KEY_EOF:
		/* As in a shell: Ctrl-D leaves on an empty line, and deletes forward otherwise. */
		if (e->len == 0) {
			leave(c);
			return false;
		}
		r = edit_delete(e);
		break;
	case KEY_REDRAW:
		if (term_clear(&c->term, prompt(c), e) < 0)
			finish(c, CLIENT_EXIT_FAILURE, NULL);
		return false;
	case KEY_MORE:
	case KEY_IGNORED:
		break;
	}
	return r == EDIT_CHANGED;
}

static void on_stream_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct client *c = s->data;
	if (nread == 0 || c->finishing)
		return;
	if (nread < 0) {
		if (nread != UV_EOF)
			fprintf(stderr, "charla: " MSG_INPUT "\n", uv_strerror((int)nread));
		input_ended(c);
		return;
	}
	feed_input(c, b->base, (size_t)nread);
}

/* Standard input is a regular file or a device like /dev/null, which epoll cannot watch; reading
 * it on the thread pool, one chunk at a time, keeps the loop free meanwhile. */
static void read_file(struct client *c)
{
	uv_buf_t b = uv_buf_init(c->read_buf, sizeof c->read_buf);
	int r = uv_fs_read(&c->loop, &c->fs_req, 0, &b, 1, -1, on_fs_read);
	if (r < 0) {
		fprintf(stderr, "charla: " MSG_INPUT "\n", uv_strerror(r));
		input_ended(c);
		return;
	}
	c->fs_busy = true;
}

static void on_fs_read(uv_fs_t *req)
{
	struct client *c = req->data;
	ssize_t n = req->result;
	uv_fs_req_cleanup(req);
	c->fs_busy = false;
	if (c->finishing)
		return;
	if (n <= 0) {
		if (n < 0)
			fprintf(stderr, "charla: " MSG_INPUT "\n", uv_strerror((int)n));
		input_ended(c);
		return;
	}
	feed_input(c, c->read_buf, (size_t)n);
	if (!c->input_paused && !c->input_done && !c->finishing)
		read_file(c);
}

/* Splits piped input into lines. A line longer than the server takes is not sent: it is reported
 * with its number, and the lines after it go on as usual. */
static void feed_input(struct client *c, const char *data, size_t n)
{
	for (size_t i = 0; i < n && !c->input_done && !c->finishing; i++) {
		if (data[i] != '\n') {
			/* One byte over the limit is kept for a CR that may precede the LF. */
			if (c->line.len <= line_max(c))
				buf_putc(&c->line, data[i]);
			c->line_bytes++;
			continue;
		}
		c->line_no++;
		size_t len = c->line_bytes;
		if (len > 0 && c->line.len == len && c->line.data[len - 1] == '\r')
			len--;
		if (len > line_max(c))
			fprintf(stderr, "charla: " MSG_PIPE_TOO_LONG "\n", c->line_no, len,
				(int)line_max(c));
		else if (len > 0)
			submit(c, c->line.data, len, true);
		buf_clear(&c->line);
		c->line_bytes = 0;
		if (c->quitting)
			c->input_done = true;
	}
}

/* End of piped input: send a last line without a newline, then shut down our sending side so the
 * server sees the end, and keep printing until it closes (unless /quit is already on its way). */
static void input_ended(struct client *c)
{
	if (c->input_done)
		return;
	if (c->line_bytes > 0)
		feed_input(c, "\n", 1);
	c->input_done = true;
	if (c->in_stream)
		uv_read_stop(c->in_stream);
	if (c->quitting || c->finishing)
		return;
	if (c->opt->udp) {
		/* No connection to half-close: say goodbye, which is what the end of input means. */
		leave(c);
		return;
	}
	c->half_closed = true;
	c->shutdown_req.data = c;
	int r = uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown);
	if (r < 0)
		connection_ended(c, r);
}

static void pause_input(struct client *c)
{
	if (c->input_paused)
		return;
	c->input_paused = true;
	if (c->input == INPUT_STREAM && c->in_stream)
		uv_read_stop(c->in_stream);
}

static void resume_input(struct client *c)
{
	if (!c->input_paused || c->input_done || c->quitting)
		return;
	c->input_paused = false;
	if (c->input == INPUT_STREAM)
		uv_read_start(c->in_stream, alloc_read, on_stream_read);
	else if (c->input == INPUT_FILE && !c->fs_busy)
		read_file(c);
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct client *c = s->data;
	if (signum == SIGWINCH) {
		term_resize(&c->term);
		redraw(c);
		return;
	}
	leave(c);
}

/* ---- UDP (--udp) ---- */

/* Tries the addresses in turn, as over TCP: a connected UDP socket per address, kept while the
 * address answers; an address that refuses (ICMP) or stays silent through udplink's tries is
 * dropped for the next. The protocol state carries over from one address to the next. */
static void try_next_udp(struct client *c)
{
	while (c->next_addr) {
		struct addrinfo *ai = c->next_addr;
		c->next_addr = ai->ai_next;
		int r = uv_udp_init(&c->loop, &c->udp);
		if (r < 0) {
			c->last_error = r;
			continue;
		}
		c->udp.data = c;
		r = uv_udp_connect(&c->udp, ai->ai_addr);
		if (r == 0)
			r = uv_udp_recv_start(&c->udp, alloc_udp, on_udp_read);
		if (r < 0) {
			c->last_error = r;
			uv_close((uv_handle_t *)&c->udp, on_attempt_closed);
			return;
		}
		uint64_t now = uv_now(&c->loop);
		if (!c->link_ready) {
			struct udplink_config cfg;
			udplink_defaults(&cfg);
			if (c->opt->keepalive_ms)
				cfg.keepalive_ms = c->opt->keepalive_ms;
			udplink_init(&c->link, &cfg, c->opt->name, now);
			c->link_ready = true;
		} else {
			udplink_restart(&c->link, now);
		}
		udp_pump(c);
		return;
	}
	const char *why = c->last_error ? uv_strerror(c->last_error) : MSG_UDP_SILENT;
	finish(c, CLIENT_EXIT_NO_CONNECT, MSG_UDP_NO_ANSWER, c->opt->host, c->opt->port, why);
}

/* This address never registered us: close its socket and try the next. */
static void udp_drop_address(struct client *c)
{
	uv_timer_stop(&c->udp_timer);
	if (!uv_is_closing((uv_handle_t *)&c->udp))
		uv_close((uv_handle_t *)&c->udp, on_attempt_closed);
}

static void alloc_udp(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct client *c = h->data;
	(void)hint;
	*b = uv_buf_init(c->in, IN_MAX);
}

static void on_udp_read(uv_udp_t *h, ssize_t nread, const uv_buf_t *b, const struct sockaddr *addr,
			unsigned flags)
{
	struct client *c = h->data;
	if (c->finishing || uv_is_closing((uv_handle_t *)h))
		return;
	if (nread < 0) {
		/* An ICMP error on our connected socket, reported on a later read. */
		udp_refused(c, (int)nread);
		return;
	}
	if ((nread == 0 && !addr) || (flags & UV_UDP_PARTIAL))
		return;
	uint64_t now = uv_now(&c->loop);
	buf_clear(&c->shown);
	unsigned ev = udplink_input(&c->link, b->base, (size_t)nread, now, &c->shown);
	if ((ev & UDPLINK_REGISTERED) && !c->ui_started) {
		uv_freeaddrinfo(c->addrs);
		c->addrs = NULL;
		c->next_addr = NULL;
		if (start_ui(c) < 0)
			return;
	}
	if (ev & UDPLINK_FORGOTTEN) {
		notice(c, MSG_UDP_FORGOTTEN);
		udp_lost(c);
	}
	udp_show(c);
	if (c->finishing)
		return;
	if (c->udp_bye && c->quitting) {
		finish(c, CLIENT_EXIT_OK, NULL);
		return;
	}
	if (c->udp_shutdown) {
		c->udp_shutdown = false;
		if (c->quitting || c->input_done) {
			finish(c, CLIENT_EXIT_OK, NULL);
			return;
		}
		notice(c, MSG_UDP_WAITING);
		udp_lost(c);
	}
	udp_pump(c);
}

/* The server's host says nobody listens on its port (an ICMP port unreachable). Before the first
 * registration that rules the address out; after it, the server is away: register again as soon
 * as it is back. */
static void udp_refused(struct client *c, int status)
{
	if (!c->link.ever) {
		c->last_error = status;
		udp_drop_address(c);
		return;
	}
	if (c->link.state == UDPLINK_ON) {
		notice(c, MSG_UDP_REFUSED, uv_strerror(status));
		udp_lost(c);
	}
	udp_pump(c);
}

/* The session is over: remember the room to come back to, and register again. */
static void udp_lost(struct client *c)
{
	if (!c->rejoin && c->track.room && strcasecmp(c->track.room, LOBBY) != 0)
		c->rejoin = xstrdup(c->track.room);
	udplink_lost(&c->link, uv_now(&c->loop));
}

/* Shows the lines udplink handed over, one by one, as lines from the server. */
static void udp_show(struct client *c)
{
	size_t at = 0;
	buf_clear(&c->out);
	while (at < c->shown.len && !c->finishing) {
		const char *line = c->shown.data + at;
		const char *lf = memchr(line, '\n', c->shown.len - at);
		size_t n = lf ? (size_t)(lf - line) : c->shown.len - at;
		server_line(c, line, n);
		at += n + 1;
	}
	show(c);
}

/* What a Stable line means over UDP. */
static void udp_fact(struct client *c, enum track_fact fact)
{
	switch (fact) {
	case TRACK_WELCOME:
		udplink_set_name(&c->link, c->track.name);
		if (c->rejoin) {
			size_t n = strlen(c->rejoin);
			char line[8 + 256];
			if (n < 256) {
				memcpy(line, "/join ", 6);
				memcpy(line + 6, c->rejoin, n);
				udplink_queue(&c->link, line, n + 6);
			}
			free(c->rejoin);
			c->rejoin = NULL;
		}
		break;
	case TRACK_NICK:
		udplink_set_name(&c->link, c->track.name);
		break;
	case TRACK_BYE:
		c->udp_bye = true;
		break;
	case TRACK_SHUTDOWN:
		c->udp_shutdown = true;
		break;
	default:
		break;
	}
}

/* Sends what udplink has due, arms its timer, and handles what follows from an empty queue: the
 * grace after /quit, and reading piped input again. */
static void udp_pump(struct client *c)
{
	if (c->finishing || !c->link_ready)
		return;
	uint64_t now = uv_now(&c->loop);
	buf_clear(&c->shown);
	udplink_poll(&c->link, now, &c->shown);
	if (c->shown.len)
		udp_show(c);
	buf_clear(&c->dgram);
	while (!c->finishing && udplink_output(&c->link, now, &c->dgram)) {
		udp_send(c, c->dgram.data, c->dgram.len);
		buf_clear(&c->dgram);
	}
	if (c->finishing)
		return;
	if (c->link.state == UDPLINK_GAVE_UP) {
		udp_drop_address(c);
		return;
	}
	if (c->quitting && !c->grace_started && udplink_queued(&c->link) == 0) {
		c->grace_started = true;
		uv_timer_start(&c->grace_timer, on_grace, QUIT_GRACE_MS, 0);
	}
	if (c->input_paused && udplink_queued(&c->link) < SEND_LOW)
		resume_input(c);
	uint64_t at = udplink_wakeup(&c->link, now);
	if (at == UINT64_MAX)
		uv_timer_stop(&c->udp_timer);
	else
		uv_timer_start(&c->udp_timer, on_udp_timer, at > now ? at - now : 0, 0);
}

static void on_udp_timer(uv_timer_t *t)
{
	udp_pump(t->data);
}

struct udp_req {
	uv_udp_send_t req;
	struct client *c;
	char data[];
};

static void udp_send(struct client *c, const char *data, size_t len)
{
	struct udp_req *w = xmalloc(sizeof *w + len);
	w->c = c;
	memcpy(w->data, data, len);
	uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
	/* A datagram that cannot go is lost, as UDP allows; the peer's counters will show it. */
	if (uv_udp_send(&w->req, &c->udp, &b, 1, NULL, on_udp_sent) < 0)
		free(w);
}

static void on_udp_sent(uv_udp_send_t *req, int status)
{
	struct udp_req *w = (struct udp_req *)req;
	struct client *c = w->c;
	free(w);
	if (status == UV_ECONNREFUSED && !c->finishing)
		udp_refused(c, status);
}

/* ---- local lines ---- */

/* Shows a line of our own in the chat, in the server's form. */
static void notice(struct client *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	size_t n = (size_t)r < sizeof msg ? (size_t)r : sizeof msg - 1;
	buf_clear(&c->out);
	incoming_format(msg, n, NULL, c->opt->colour, &c->out);
	show(c);
}

static bool is_stats(const char *line, size_t len)
{
	while (len > 0 && line[len - 1] == ' ')
		len--;
	return len == 6 && strncasecmp(line, "/stats", 6) == 0;
}

/* /stats: what went out and came in, and over UDP what the network did to it. */
static void print_stats(struct client *c)
{
	if (!c->opt->udp) {
		notice(c, MSG_STATS_TCP, c->opt->host, c->opt->port, c->lines_sent, c->bytes_sent,
		       c->lines_received, c->bytes_received);
		notice(c, MSG_STATS_TCP_NOTE);
		return;
	}
	const struct udplink *u = &c->link;
	const struct seqstat *st = &u->seq;
	notice(c, MSG_STATS_UDP, c->opt->host, c->opt->port, (unsigned long long)u->sent,
	       (unsigned long long)u->received);
	char late[64] = "";
	if (st->too_old)
		snprintf(late, sizeof late, MSG_STATS_TOO_OLD, (unsigned long long)st->too_old);
	notice(c, MSG_STATS_SEQ, (unsigned long long)st->received,
	       (unsigned long long)seqstat_lost(st), (unsigned long long)st->duplicated,
	       (unsigned long long)st->reordered, late);
}

static size_t line_max(const struct client *c)
{
	return c->opt->udp ? UDPLINK_LINE_MAX : EDIT_MAX;
}

static const char *prompt(struct client *c)
{
	if (!c->track.room)
		return PROMPT_NONE;
	int r = snprintf(c->prompt, sizeof c->prompt, PROMPT_ROOM, c->track.room);
	if (r < 0 || (size_t)r >= sizeof c->prompt)
		return PROMPT_NONE;
	return c->prompt;
}

/* Writes c->out: above the edit row in interactive mode, plainly otherwise. A terminal or pipe
 * that cannot be written any more ends the run: nobody would see the chat. */
static void show(struct client *c)
{
	if (c->out.len == 0 || c->finishing)
		return;
	int r;
	if (c->raw)
		r = term_print(&c->term, c->out.data, c->out.len, prompt(c), &c->edit);
	else
		r = term_write_all(STDOUT_FILENO, c->out.data, c->out.len);
	buf_clear(&c->out);
	if (r < 0)
		finish(c, CLIENT_EXIT_FAILURE, r == -EPIPE ? NULL : MSG_OUTPUT, strerror(-r));
}

static void redraw(struct client *c)
{
	if (!c->raw || c->finishing)
		return;
	if (term_draw(&c->term, prompt(c), &c->edit) < 0)
		finish(c, CLIENT_EXIT_FAILURE, NULL);
}

int client_run(const struct client_options *opt)
{
	struct client *c = xcalloc(1, sizeof *c);
	c->opt = opt;
	int r = uv_loop_init(&c->loop);
	if (r < 0) {
		fprintf(stderr, "charla: %s\n", uv_strerror(r));
		free(c);
		return CLIENT_EXIT_FAILURE;
	}
	buf_init(&c->keys);
	buf_init(&c->line);
	buf_init(&c->out);
	edit_init(&c->edit);
	term_init(&c->term, STDOUT_FILENO, opt->colour);
	buf_init(&c->shown);
	buf_init(&c->dgram);
	uv_timer_init(&c->loop, &c->esc_timer);
	uv_timer_init(&c->loop, &c->grace_timer);
	uv_timer_init(&c->loop, &c->udp_timer);
	c->esc_timer.data = c;
	c->grace_timer.data = c;
	c->udp_timer.data = c;
	uv_signal_t *sigs[] = {&c->sig_int, &c->sig_term, &c->sig_hup, &c->sig_winch};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		uv_signal_init(&c->loop, sigs[i]);
		sigs[i]->data = c;
	}

	if (invalid_tld(opt->host)) {
		finish(c, CLIENT_EXIT_UNKNOWN_HOST, MSG_UNKNOWN_HOST, opt->host);
	} else {
		struct addrinfo hints = {.ai_family = AF_UNSPEC,
					 .ai_socktype = opt->udp ? SOCK_DGRAM : SOCK_STREAM,
					 .ai_protocol = opt->udp ? IPPROTO_UDP : IPPROTO_TCP,
					 .ai_flags = AI_NUMERICSERV};
		c->resolve_req.data = c;
		r = uv_getaddrinfo(&c->loop, &c->resolve_req, on_resolved, opt->host, opt->port,
				   &hints);
		if (r < 0)
			finish(c, CLIENT_EXIT_UNKNOWN_HOST, MSG_RESOLVE, opt->host, uv_strerror(r));
		else
			c->resolving = true;
	}
	uv_run(&c->loop, UV_RUN_DEFAULT);

	/* Every handle is closed once finish ran; should the loop have stopped some other way,
	 * close what is left so that uv_loop_close succeeds. */
	if (!c->finishing)
		finish(c, CLIENT_EXIT_FAILURE, NULL);
	uv_run(&c->loop, UV_RUN_DEFAULT);
	r = uv_loop_close(&c->loop);
	if (r < 0)
		fprintf(stderr, "charla: %s\n", uv_strerror(r));
	int code = c->exit_code;
	if (c->addrs)
		uv_freeaddrinfo(c->addrs);
	if (c->link_ready)
		udplink_free(&c->link);
	free(c->rejoin);
	buf_free(&c->shown);
	buf_free(&c->dgram);
	track_free(&c->track);
	edit_free(&c->edit);
	term_free(&c->term);
	buf_free(&c->keys);
	buf_free(&c->line);
	buf_free(&c->out);
	free(c);
	return code;
}
