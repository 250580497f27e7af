/* Tests for net/http: the libcurl multi-socket client on a libuv loop.
 *
 * Each test runs one loop holding both the client under test and a small HTTP/1.1 server of its
 * own (below, "srv") listening on 127.0.0.1 with an ephemeral port. Because the server lives on
 * the same loop, the tests can coordinate with it exactly, without sleeps: the streaming test's
 * server sends the rest of its response only once the client's on_data has seen the first part,
 * and the concurrency test's server answers only once all ten requests are in. A client that
 * blocked the loop would also block the server, so such a bug shows up as a hang, which the
 * watchdog (and ctest's TIMEOUT) turns into a failure.
 *
 * The server picks its behaviour from the request path: /echo (the body back, with the request's
 * Content-Type), /sink (answers with the body's length), /status/<code>, /stream, /large/<n>,
 * /echo-then-drop (echoes, then closes the connection when the next request on it arrives),
 * /chunked/<n>, /silent (reads, never answers), /stall (head and part of the body, then nothing),
 * /drip (a chunk every 20 ms, forever), /slow (answers after 300 ms), /barrier/<n> (answers once n
 * requests wait), /close (closes without answering).
 *
 * Every test ends with uv_loop_close() == 0, which proves every handle (ours and the client's)
 * was closed; ASan proves nothing leaked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <uv.h>

#include "base/log.h"
#include "net/http.h"

/* ---- the server ---- */

struct srv;

struct sconn {
	uv_tcp_t tcp;
	uv_timer_t timer; /* drip, slow and delayed answers */
	struct srv *srv;
	struct sconn *next;
	char *in;
	size_t len, cap;
	int closes;       /* handles closed so far (2 = free) */
	bool closing;
	bool waiting;     /* a /barrier request waiting for the others */
	bool streaming;   /* a /stream response waiting for srv_continue */
	bool drop_next;   /* close without answering when the next request arrives */
	char path[256];
	char body[4096];
	size_t body_len;
	char ctype[64];   /* the request's Content-Type, echoed back by /echo */
};

struct srv {
	uv_loop_t *loop;
	uv_tcp_t listener;
	int port;
	struct sconn *conns;
	int accepted;       /* connections accepted */
	int requests;       /* requests parsed */
	int stream_stage;   /* /stream: 1 = first part sent, 2 = the rest sent */
	int barrier_waiting;
	const char *greet;  /* sent on accept, before any request (for the TLS test) */
	char auth[256];     /* the last Authorization header received */
	char ua[64];        /* the last User-Agent */
	char ctype[64];     /* the last request Content-Type */
	char custom[64];    /* the last X-Custom */
	int expects;        /* requests that carried an Expect header */
	bool closed;
};

static void srv_conn_closed(uv_handle_t *h)
{
	struct sconn *c = h->data;
	if (++c->closes == 2) {
		free(c->in);
		free(c);
	}
}

static void srv_conn_close(struct sconn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	struct sconn **pp = &c->srv->conns;
	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	uv_close((uv_handle_t *)&c->timer, srv_conn_closed);
	uv_close((uv_handle_t *)&c->tcp, srv_conn_closed);
}

static void srv_written(uv_write_t *w, int status)
{
	(void)status;
	free(w->data);
	free(w);
}

static void srv_send(struct sconn *c, const void *data, size_t len)
{
	if (c->closing || len == 0)
		return;
	uv_write_t *w = malloc(sizeof(*w));
	char *copy = malloc(len);
	assert_non_null(w);
	assert_non_null(copy);
	memcpy(copy, data, len);
	w->data = copy;
	uv_buf_t b = uv_buf_init(copy, (unsigned)len);
	if (uv_write(w, (uv_stream_t *)&c->tcp, &b, 1, srv_written) < 0) {
		free(copy);
		free(w);
		srv_conn_close(c);
	}
}

static void srv_sendf(struct sconn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void srv_sendf(struct sconn *c, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	srv_send(c, buf, (size_t)n);
}

static void srv_chunk(struct sconn *c, const char *data, size_t len)
{
	srv_sendf(c, "%zx\r\n", len);
	srv_send(c, data, len);
	srv_send(c, "\r\n", 2);
}

static void srv_chunked_head(struct sconn *c, const char *ctype)
{
	srv_sendf(c, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\n",
		  ctype);
}

static void srv_pattern(char *out, size_t from, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)('a' + (from + i) % 23);
}

static void srv_answer_echo(struct sconn *c)
{
	srv_sendf(c, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
		  c->ctype[0] ? c->ctype : "application/json", c->body_len);
	srv_send(c, c->body, c->body_len);
}

static void srv_drip(uv_timer_t *t)
{
	struct sconn *c = t->data;
	srv_chunk(c, "x", 1);
}

static void srv_slow(uv_timer_t *t)
{
	struct sconn *c = t->data;
	srv_sendf(c, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");
}

static void srv_big(struct sconn *c, size_t n, bool chunked)
{
	if (chunked)
		srv_chunked_head(c, "application/octet-stream");
	else
		srv_sendf(c, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", n);
	char *buf = malloc(65536);
	assert_non_null(buf);
	for (size_t off = 0; off < n;) {
		size_t k = n - off < 65536 ? n - off : 65536;
		srv_pattern(buf, off, k);
		if (chunked)
			srv_chunk(c, buf, k);
		else
			srv_send(c, buf, k);
		off += k;
	}
	free(buf);
	if (chunked)
		srv_send(c, "0\r\n\r\n", 5);
}

/* Case-insensitive strstr (strcasestr is a GNU extension). */
static const char *find_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return hay;
	return NULL;
}

static void srv_dispatch(struct sconn *c, const char *head)
{
	struct srv *s = c->srv;
	s->requests++;
	const char *auth = find_ci(head, "\r\nAuthorization: ");
	if (auth) {
		auth += strlen("\r\nAuthorization: ");
		snprintf(s->auth, sizeof(s->auth), "%.*s", (int)strcspn(auth, "\r"), auth);
	}
	struct {
		const char *name;
		char *out;
	} rec_headers[] = {
		{"\r\nUser-Agent: ", s->ua},
		{"\r\nContent-Type: ", s->ctype},
		{"\r\nX-Custom: ", s->custom},
	};
	for (size_t i = 0; i < sizeof(rec_headers) / sizeof(rec_headers[0]); i++) {
		rec_headers[i].out[0] = '\0';
		const char *h = find_ci(head, rec_headers[i].name);
		if (h) {
			h += strlen(rec_headers[i].name);
			snprintf(rec_headers[i].out, 64, "%.*s", (int)strcspn(h, "\r"), h);
		}
	}
	snprintf(c->ctype, sizeof(c->ctype), "%s", s->ctype);
	if (find_ci(head, "\r\nExpect:"))
		s->expects++;
	const char *p = c->path;
	if (c->drop_next) {
		srv_conn_close(c);
		return;
	}
	if (strcmp(p, "/echo-then-drop") == 0) {
		c->drop_next = true;
		srv_answer_echo(c);
	} else if (strcmp(p, "/sink") == 0) {
		char n[32];
		int k = snprintf(n, sizeof(n), "%zu", c->body_len);
		srv_sendf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", k, n);
	} else if (strcmp(p, "/echo") == 0 || strncmp(p, "/echo?", 6) == 0) {
		assert_true(c->body_len <= sizeof(c->body));
		srv_answer_echo(c);
	} else if (strncmp(p, "/status/", 8) == 0) {
		int code = atoi(p + 8);
		const char *ra = find_ci(head, "\r\nX-Want-Retry-After: ");
		char retry[128] = "";
		if (ra) {
			ra += strlen("\r\nX-Want-Retry-After: ");
			snprintf(retry, sizeof(retry), "Retry-After: %.*s\r\n", (int)strcspn(ra, "\r"), ra);
		}
		const char *body = "{\"error\":{\"message\":\"nope\",\"type\":\"t\",\"code\":\"c\"}}";
		srv_sendf(c, "HTTP/1.1 %d Whatever\r\nContent-Type: application/json\r\n%s"
			  "Content-Length: %zu\r\n\r\n%s", code, retry, strlen(body), body);
	} else if (strcmp(p, "/stream") == 0) {
		srv_chunked_head(c, "text/event-stream");
		srv_chunk(c, "data: one\n\n", 11);
		s->stream_stage = 1;
		c->streaming = true;
	} else if (strncmp(p, "/large/", 7) == 0) {
		srv_big(c, (size_t)atol(p + 7), false);
	} else if (strncmp(p, "/chunked/", 9) == 0) {
		srv_big(c, (size_t)atol(p + 9), true);
	} else if (strcmp(p, "/silent") == 0) {
		/* Never answers. */
	} else if (strcmp(p, "/stall") == 0) {
		srv_chunked_head(c, "text/event-stream");
		srv_chunk(c, "data: par", 9);
	} else if (strcmp(p, "/drip") == 0) {
		srv_chunked_head(c, "text/plain");
		uv_timer_start(&c->timer, srv_drip, 0, 20);
	} else if (strcmp(p, "/slow") == 0) {
		uv_timer_start(&c->timer, srv_slow, 300, 0);
	} else if (strncmp(p, "/barrier/", 9) == 0) {
		int need = atoi(p + 9);
		c->waiting = true;
		if (++s->barrier_waiting == need) {
			for (struct sconn *o = s->conns; o; o = o->next)
				if (o->waiting) {
					o->waiting = false;
					srv_answer_echo(o);
				}
		}
	} else if (strcmp(p, "/close") == 0) {
		srv_conn_close(c);
	} else {
		srv_sendf(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	}
}

/* Parses as many complete requests as the input holds (keep-alive). */
static void srv_parse(struct sconn *c)
{
	for (;;) {
		if (c->closing)
			return;
		size_t head_len = 0;
		for (size_t i = 0; i + 4 <= c->len && !head_len; i++)
			if (memcmp(c->in + i, "\r\n\r\n", 4) == 0)
				head_len = i + 4;
		if (!head_len)
			return;
		/* Not strndup: the input is not NUL-terminated, and ASan's strict_string_checks (as
		 * run-tests sets them) make strndup read to a NUL. */
		char *head = malloc(head_len + 1);
		assert_non_null(head);
		memcpy(head, c->in, head_len);
		head[head_len] = '\0';
		size_t clen = 0;
		const char *cl = find_ci(head, "\r\nContent-Length: ");
		if (cl)
			clen = (size_t)atol(cl + strlen("\r\nContent-Length: "));
		if (c->len < head_len + clen) {
			free(head);
			return;
		}
		/* Bodies past the buffer are only counted (for /sink). */
		c->body_len = clen;
		if (clen <= sizeof(c->body))
			memcpy(c->body, c->in + head_len, clen);
		char method[16];
		assert_int_equal(sscanf(head, "%15s %255s", method, c->path), 2);
		assert_string_equal(method, "POST");
		memmove(c->in, c->in + head_len + clen, c->len - head_len - clen);
		c->len -= head_len + clen;
		srv_dispatch(c, head);
		free(head);
	}
}

static void srv_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	struct sconn *c = h->data;
	if (c->cap - c->len < 4096) {
		c->cap = c->cap ? c->cap * 2 : 8192;
		c->in = realloc(c->in, c->cap);
		assert_non_null(c->in);
	}
	*buf = uv_buf_init(c->in + c->len, (unsigned)(c->cap - c->len));
}

static void srv_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	(void)buf;
	struct sconn *c = st->data;
	if (n < 0) {
		srv_conn_close(c);
		return;
	}
	c->len += (size_t)n;
	if (c->len > (8u << 20)) {
		srv_conn_close(c);
		return;
	}
	srv_parse(c);
}

static void srv_accept(uv_stream_t *l, int status)
{
	struct srv *s = l->data;
	if (status < 0)
		return;
	struct sconn *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->srv = s;
	uv_tcp_init(s->loop, &c->tcp);
	uv_timer_init(s->loop, &c->timer);
	c->tcp.data = c;
	c->timer.data = c;
	c->next = s->conns;
	s->conns = c;
	assert_int_equal(uv_accept(l, (uv_stream_t *)&c->tcp), 0);
	s->accepted++;
	if (s->greet)
		srv_send(c, s->greet, strlen(s->greet));
	uv_read_start((uv_stream_t *)&c->tcp, srv_alloc, srv_read);
}

static void srv_init(struct srv *s, uv_loop_t *loop)
{
	memset(s, 0, sizeof(*s));
	s->loop = loop;
	uv_tcp_init(loop, &s->listener);
	s->listener.data = s;
	struct sockaddr_in a;
	uv_ip4_addr("127.0.0.1", 0, &a);
	assert_int_equal(uv_tcp_bind(&s->listener, (const struct sockaddr *)&a, 0), 0);
	assert_int_equal(uv_listen((uv_stream_t *)&s->listener, 64, srv_accept), 0);
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	uv_tcp_getsockname(&s->listener, (struct sockaddr *)&ss, &len);
	s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Sends the rest of every /stream response. */
static void srv_continue(struct srv *s)
{
	for (struct sconn *c = s->conns; c; c = c->next)
		if (c->streaming) {
			c->streaming = false;
			srv_chunk(c, "data: two\n\n", 11);
			srv_chunk(c, "data: [DONE]\n\n", 14);
			srv_send(c, "0\r\n\r\n", 5);
			s->stream_stage = 2;
		}
}

static void srv_close(struct srv *s)
{
	if (s->closed)
		return;
	s->closed = true;
	while (s->conns)
		srv_conn_close(s->conns);
	uv_close((uv_handle_t *)&s->listener, NULL);
}

/* ---- the fixture: a loop, the server, the client, a watchdog ---- */

struct fx {
	uv_loop_t loop;
	struct srv srv;
	struct http_client client;
	uv_timer_t watchdog;
	int outstanding;     /* requests whose on_done has not run */
	int client_closed;   /* http_client_close's done callback ran */
	bool finishing;
	bool manual;         /* the test closes things itself when its requests are done */
};

static void fx_watchdog(uv_timer_t *t)
{
	(void)t;
	fail_msg("the test hung (watchdog)");
}

static void fx_client_closed(struct http_client *client)
{
	struct fx *fx = client->data;
	fx->client_closed++;
}

static void fx_init(struct fx *fx, const struct logger *log)
{
	memset(fx, 0, sizeof(*fx));
	assert_int_equal(uv_loop_init(&fx->loop), 0);
	srv_init(&fx->srv, &fx->loop);
	fx->client.data = fx;
	assert_int_equal(http_client_init(&fx->client, &fx->loop, log), 0);
	uv_timer_init(&fx->loop, &fx->watchdog);
	uv_timer_start(&fx->watchdog, fx_watchdog, 20000, 0);
	uv_unref((uv_handle_t *)&fx->watchdog);
}

/* Closes the client, the server and the watchdog; the loop then runs out. */
static void fx_finish(struct fx *fx)
{
	if (fx->finishing)
		return;
	fx->finishing = true;
	http_client_close(&fx->client, fx_client_closed);
	srv_close(&fx->srv);
	uv_close((uv_handle_t *)&fx->watchdog, NULL);
}

/* Runs the loop until everything is closed; proves no handle is left open. */
static void fx_run(struct fx *fx)
{
	uv_run(&fx->loop, UV_RUN_DEFAULT);
	assert_true(fx->finishing);
	assert_int_equal(fx->client_closed, 1);
	assert_int_equal(fx->outstanding, 0);
	assert_int_equal(uv_loop_close(&fx->loop), 0);
}

static char *fx_url(struct fx *fx, const char *path)
{
	static const char fmt[] = "http://127.0.0.1:%d%s";
	size_t n = strlen(path) + 64;
	char *u = malloc(n);
	assert_non_null(u);
	snprintf(u, n, fmt, fx->srv.port, path);
	return u;
}

/* ---- an HTTPS server in a child process (tests/http/https_server.py) ---- */

struct child {
	pid_t pid;
	int in;   /* its standard input: closing it stops the server */
	int port;
};

static void child_start(struct child *ch)
{
	int in[2], out[2];
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	ch->pid = fork();
	assert_true(ch->pid >= 0);
	if (ch->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl(PYTHON3, PYTHON3, HTTP_TEST_DIR "/https_server.py", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	ch->in = in[1];
	char line[32] = "";
	size_t n = 0;
	while (n + 1 < sizeof(line)) {
		ssize_t r = read(out[0], line + n, 1);
		if (r <= 0 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(out[0]);
	ch->port = atoi(line);
	assert_true(ch->port > 0);
}

static void child_stop(struct child *ch)
{
	close(ch->in);
	int status = 0;
	assert_int_equal(waitpid(ch->pid, &status, 0), ch->pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ---- one request's record ---- */

struct rec {
	struct fx *fx;
	struct http_request *req;
	int responses, datas, dones;
	int status;
	long retry_after;
	char ctype[64];
	char *body;
	size_t len, cap;
	struct http_result res;
	char error[512];
	int done_at_data;         /* dones at the first on_data (must be 0) */
	/* behaviours */
	bool cancel_in_response;
	bool cancel_in_data;      /* http_cancel on the first on_data */
	bool abort_in_data;       /* return false from the first on_data */
	bool stream_check;        /* check the /stream server stage and let it continue */
	int stage_at_first;       /* srv.stream_stage at the first on_data */
	bool cancelled;           /* http_cancel was called */
	int calls_after_cancel;   /* on_response/on_data after http_cancel */
	void (*after_done)(struct rec *r);
	void (*data_hook)(struct rec *r); /* called after each on_data has stored its bytes */
	void *user;
};

static void rec_response(void *ctx, const struct http_response_info *info)
{
	struct rec *r = ctx;
	if (r->cancelled)
		r->calls_after_cancel++;
	assert_int_equal(r->datas, 0);
	assert_int_equal(r->dones, 0);
	r->responses++;
	r->status = info->status;
	r->retry_after = info->retry_after_s;
	snprintf(r->ctype, sizeof(r->ctype), "%s", info->content_type ? info->content_type : "");
	if (r->cancel_in_response) {
		r->cancelled = true;
		http_cancel(r->req);
		assert_int_equal(r->dones, 0);
	}
}

static bool rec_data(void *ctx, const char *bytes, size_t n)
{
	struct rec *r = ctx;
	if (r->cancelled)
		r->calls_after_cancel++;
	assert_int_equal(r->responses, 1);
	assert_true(n > 0);
	if (r->datas++ == 0) {
		r->done_at_data = r->dones;
		r->stage_at_first = r->fx->srv.stream_stage;
	}
	if (r->len + n + 1 > r->cap) {
		r->cap = (r->len + n + 1) * 2;
		r->body = realloc(r->body, r->cap);
		assert_non_null(r->body);
	}
	memcpy(r->body + r->len, bytes, n);
	r->len += n;
	r->body[r->len] = '\0';
	if (r->stream_check && strstr(r->body, "data: one\n\n") && r->fx->srv.stream_stage == 1)
		srv_continue(&r->fx->srv);
	if (r->cancel_in_data) {
		r->cancel_in_data = false;
		r->cancelled = true;
		http_cancel(r->req);
		http_cancel(r->req); /* twice is harmless */
		assert_int_equal(r->dones, 0);
		return true;
	}
	if (r->data_hook)
		r->data_hook(r);
	if (r->abort_in_data)
		return false;
	return true;
}

static void rec_done(void *ctx, const struct http_result *res)
{
	struct rec *r = ctx;
	r->dones++;
	r->res = *res;
	snprintf(r->error, sizeof(r->error), "%s", res->error);
	r->res.error = r->error;
	r->fx->outstanding--;
	if (r->after_done)
		r->after_done(r);
	if (r->fx->outstanding == 0 && !r->fx->manual)
		fx_finish(r->fx);
}

static const struct http_callbacks rec_cb = {
	.on_response = rec_response,
	.on_data = rec_data,
	.on_done = rec_done,
};

static void rec_start(struct rec *r, struct fx *fx, const struct http_req_opts *o)
{
	r->fx = fx;
	fx->outstanding++;
	r->req = http_post(&fx->client, o, &rec_cb, r);
	assert_non_null(r->req);
	/* Never synchronous, not even for a request that cannot be made. */
	assert_int_equal(r->dones, 0);
	assert_int_equal(r->responses, 0);
}

/* Posts to `path` on the test server with the given timeouts. */
static void rec_post(struct rec *r, struct fx *fx, const char *path, const struct http_req_opts *tmpl)
{
	struct http_req_opts o = {0};
	if (tmpl)
		o = *tmpl;
	char *url = fx_url(fx, path);
	o.url = url;
	if (!o.body) {
		o.body = "{\"q\":1}";
		o.body_len = 7;
	}
	rec_start(r, fx, &o);
	free(url); /* the URL is copied */
}

static void rec_free(struct rec *r)
{
	free(r->body);
	r->body = NULL;
}

/* ---- tests ---- */

/* The first part of the stream is delivered while the server still holds the rest (it sends the
 * rest only when on_data has seen the first part), then the rest, in order. */
static void t_stream_progressive(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	struct rec r = {.stream_check = true};
	rec_post(&r, &fx, "/stream", NULL);
	fx_run(&fx);
	assert_int_equal(r.res.outcome, HTTP_OK);
	assert_int_equal(r.res.status, 200);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.ctype, "text/event-stream");
	assert_int_equal(r.retry_after, -1);
	assert_int_equal(r.stage_at_first, 1);
	assert_int_equal(r.done_at_data, 0);
	assert_true(r.datas >= 2);
	assert_string_equal(r.body, "data: one\n\ndata: two\n\ndata: [DONE]\n\n");
	assert_int_equal(r.res.body_bytes, r.len);
	assert_string_equal(r.res.error, "");
	assert_int_equal(r.responses, 1);
	assert_int_equal(r.dones, 1);
	rec_free(&r);
}

/* 4xx/5xx are complete responses: OK with the status, the body delivered, Retry-After parsed. */
static void t_error_statuses(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	char future[64];
	time_t when = time(NULL) + 3600;
	struct tm tm;
	gmtime_r(&when, &tm);
	strftime(future, sizeof(future), "X-Want-Retry-After: %a, %d %b %Y %H:%M:%S GMT", &tm);
	const char *h429[] = {"X-Want-Retry-After: 7", NULL};
	const char *hdate[] = {future, NULL};
	const char *hpast[] = {"X-Want-Retry-After: Wed, 21 Oct 2015 07:28:00 GMT", NULL};
	const char *hbad[] = {"X-Want-Retry-After: soon", NULL};
	struct rec r429 = {0}, r500 = {0}, r401 = {0}, rdate = {0}, rpast = {0}, rbad = {0};
	rec_post(&r429, &fx, "/status/429", &(struct http_req_opts){.headers = h429});
	rec_post(&r500, &fx, "/status/500", NULL);
	rec_post(&r401, &fx, "/status/401", NULL);
	rec_post(&rdate, &fx, "/status/503", &(struct http_req_opts){.headers = hdate});
	rec_post(&rpast, &fx, "/status/429", &(struct http_req_opts){.headers = hpast});
	rec_post(&rbad, &fx, "/status/429", &(struct http_req_opts){.headers = hbad});
	fx_run(&fx);
	struct rec *all[] = {&r429, &r500, &r401, &rdate, &rpast, &rbad};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		assert_int_equal(all[i]->res.outcome, HTTP_OK);
		assert_int_equal(all[i]->responses, 1);
		assert_int_equal(all[i]->res.status, all[i]->status);
		assert_string_equal(all[i]->ctype, "application/json");
		assert_non_null(all[i]->body);
		assert_non_null(strstr(all[i]->body, "\"message\":\"nope\""));
	}
	assert_int_equal(r429.status, 429);
	assert_int_equal(r429.retry_after, 7);
	assert_int_equal(r500.status, 500);
	assert_int_equal(r500.retry_after, -1);
	assert_int_equal(r401.status, 401);
	assert_int_equal(rdate.status, 503);
	assert_true(rdate.retry_after > 3000 && rdate.retry_after <= 3600);
	assert_int_equal(rpast.retry_after, 0);
	assert_int_equal(rbad.retry_after, -1);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		rec_free(all[i]);
}

static void check_pattern(const struct rec *r, size_t n)
{
	assert_int_equal(r->len, n);
	char *want = malloc(n);
	assert_non_null(want);
	srv_pattern(want, 0, n);
	assert_memory_equal(r->body, want, n);
	free(want);
}

/* A 5 MB body, with Content-Length and chunked, arrives whole and in order. */
static void t_large_body(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	struct rec a = {0}, b = {0};
	rec_post(&a, &fx, "/large/5000000", NULL);
	rec_post(&b, &fx, "/chunked/5000000", NULL);
	fx_run(&fx);
	assert_int_equal(a.res.outcome, HTTP_OK);
	assert_int_equal(b.res.outcome, HTTP_OK);
	assert_int_equal(a.res.body_bytes, 5000000);
	check_pattern(&a, 5000000);
	check_pattern(&b, 5000000);
	assert_true(a.datas > 1);
	rec_free(&a);
	rec_free(&b);
}

/* Past max_body: TOO_LARGE. With a Content-Length nothing is delivered; without one, exactly
 * max_body bytes are. */
static void t_too_large(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	struct rec a = {0}, b = {0}, c = {0};
	struct http_req_opts o = {.max_body = 1000};
	rec_post(&a, &fx, "/large/5000", &o);
	rec_post(&b, &fx, "/chunked/5000", &o);
	o.max_body = 5000; /* exactly the limit is fine */
	rec_post(&c, &fx, "/chunked/5000", &o);
	fx_run(&fx);
	assert_int_equal(a.res.outcome, HTTP_TOO_LARGE);
	assert_int_equal(a.res.body_bytes, 0);
	assert_int_equal(b.res.outcome, HTTP_TOO_LARGE);
	assert_int_equal(b.res.body_bytes, 1000);
	check_pattern(&b, 1000);
	assert_non_null(strstr(b.res.error, "1000"));
	assert_int_equal(c.res.outcome, HTTP_OK);
	check_pattern(&c, 5000);
	rec_free(&a);
	rec_free(&b);
	rec_free(&c);
}

/* A port nobody listens on: NETWORK, with libcurl's text, no response callback. */
static void t_refused(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	/* An ephemeral port that was just free: bind, read it, close. */
	uv_tcp_t tmp;
	uv_tcp_init(&fx.loop, &tmp);
	struct sockaddr_in a;
	uv_ip4_addr("127.0.0.1", 0, &a);
	assert_int_equal(uv_tcp_bind(&tmp, (const struct sockaddr *)&a, 0), 0);
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	uv_tcp_getsockname(&tmp, (struct sockaddr *)&ss, &len);
	int port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	uv_close((uv_handle_t *)&tmp, NULL);

	char url[64], xport[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", port);
	/* A header whose value libcurl's error text will contain: it must come out redacted. */
	snprintf(xport, sizeof(xport), "X-Where: 127.0.0.1 port %d", port);
	const char *headers[] = {"Authorization: Bearer sk-never-shown-123", xport, NULL};
	struct rec r = {0};
	rec_start(&r, &fx, &(struct http_req_opts){.url = url, .headers = headers});
	fx_run(&fx);
	assert_int_equal(r.res.outcome, HTTP_NETWORK);
	assert_int_equal(r.res.status, 0);
	assert_int_equal(r.responses, 0);
	assert_int_equal(r.datas, 0);
	assert_true(strlen(r.res.error) > 0);
	assert_non_null(strstr(r.res.error, "[redacted]"));
	char where[64];
	snprintf(where, sizeof(where), "port %d", port);
	assert_null(strstr(r.res.error, where));
	assert_null(strstr(r.res.error, "sk-never"));
}

/* HTTPS against a local server: verified with the given CA file, refused without it (libcurl's
 * default CA bundle does not trust a self-signed test certificate, which shows verification is on;
 * the default bundle itself is what every public API uses). */
static void t_https(void **state)
{
	(void)state;
	struct child ch;
	child_start(&ch);
	struct fx fx;
	fx_init(&fx, NULL);
	char url[64], url_host[64];
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/v1/chat/completions", ch.port);
	snprintf(url_host, sizeof(url_host), "https://localhost:%d/v1/chat/completions", ch.port);
	struct http_req_opts o = {.url = url, .body = "{\"secure\":true}", .body_len = 15,
				  .ca_file = HTTP_TEST_DIR "/test_cert.pem", .connect_ms = 10000,
				  .first_byte_ms = 10000};
	struct rec ok = {0}, ok_host = {0}, untrusted = {0};
	rec_start(&ok, &fx, &o);
	o.url = url_host;
	rec_start(&ok_host, &fx, &o);
	o.url = url;
	o.ca_file = NULL;
	rec_start(&untrusted, &fx, &o);
	fx_run(&fx);
	child_stop(&ch);
	assert_int_equal(ok.res.outcome, HTTP_OK);
	assert_int_equal(ok.status, 200);
	assert_string_equal(ok.body, "{\"secure\":true}");
	assert_int_equal(ok_host.res.outcome, HTTP_OK);
	assert_int_equal(untrusted.res.outcome, HTTP_NETWORK);
	assert_int_equal(untrusted.responses, 0);
	assert_true(strlen(untrusted.res.error) > 0);
	rec_free(&ok);
	rec_free(&ok_host);
}

/* A connection closed without an answer, and a TLS handshake against a plain-HTTP peer: NETWORK. */
static void t_network_errors(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	struct rec a = {0};
	rec_post(&a, &fx, "/close", NULL);
	fx_run(&fx);
	assert_int_equal(a.res.outcome, HTTP_NETWORK);
	assert_true(strlen(a.res.error) > 0);

	fx_init(&fx, NULL);
	fx.srv.greet = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
	char url[64];
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/echo", fx.srv.port);
	struct rec b = {0};
	rec_start(&b, &fx, &(struct http_req_opts){.url = url, .connect_ms = 10000});
	fx_run(&fx);
	assert_int_equal(b.res.outcome, HTTP_NETWORK);
	assert_true(strlen(b.res.error) > 0);
}

/* A malformed URL and an unsupported scheme: INVALID, reported later, never inside http_post. */
static void t_invalid(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	struct rec a = {0}, b = {0}, c = {0};
	rec_start(&a, &fx, &(struct http_req_opts){.url = "ftp://127.0.0.1/x"});
	rec_start(&b, &fx, &(struct http_req_opts){.url = ""});
	rec_start(&c, &fx, &(struct http_req_opts){.url = "http://[::1/x"});
	fx_run(&fx);
	assert_int_equal(a.res.outcome, HTTP_INVALID);
	assert_int_equal(b.res.outcome, HTTP_INVALID);
	assert_int_equal(c.res.outcome, HTTP_INVALID);
	assert_int_equal(a.dones + b.dones + c.dones, 3);
	assert_true(strlen(a.res.error) > 0);
}

/* Accepts, never answers: TIMEOUT_FIRST_BYTE, not before first_byte_ms. */
static void t_timeout_first_byte(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	struct rec r = {0};
	rec_post(&r, &fx, "/silent", &(struct http_req_opts){.first_byte_ms = 300, .stall_ms = 50,
							      .connect_ms = 10000});
	fx_run(&fx);
	assert_int_equal(r.res.outcome, HTTP_TIMEOUT_FIRST_BYTE);
	assert_int_equal(r.responses, 0);
	assert_int_equal(r.res.status, 0);
	assert_true(r.res.elapsed_ms >= 300);
	assert_non_null(strstr(r.res.error, "300 ms"));
	assert_int_equal(fx.srv.requests, 1); /* the request was sent */
}

/* A TLS handshake the peer never answers: still connecting, so TIMEOUT_CONNECT. */
static void t_timeout_connect(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	char url[64];
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/silent", fx.srv.port);
	struct rec r = {0};
	rec_start(&r, &fx, &(struct http_req_opts){.url = url, .connect_ms = 300,
						   .first_byte_ms = 50});
	fx_run(&fx);
	assert_int_equal(r.res.outcome, HTTP_TIMEOUT_CONNECT);
	assert_true(r.res.elapsed_ms >= 300);
	assert_int_equal(fx.srv.requests, 0);
}

/* Head and part of the body, then silence: TIMEOUT_STALL, with what came delivered. */
static void t_timeout_stall(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	struct rec r = {0};
	rec_post(&r, &fx, "/stall", &(struct http_req_opts){.stall_ms = 300, .first_byte_ms = 5000});
	fx_run(&fx);
	assert_int_equal(r.res.outcome, HTTP_TIMEOUT_STALL);
	assert_int_equal(r.responses, 1);
	assert_int_equal(r.res.status, 200);
	assert_string_equal(r.body, "data: par");
	assert_true(r.res.elapsed_ms >= 300);
	rec_free(&r);
}

/* Bytes keep coming (no stall), but the whole takes too long: TIMEOUT_TOTAL. */
static void t_timeout_total(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	struct rec r = {0};
	rec_post(&r, &fx, "/drip", &(struct http_req_opts){.stall_ms = 5000, .total_ms = 400});
	fx_run(&fx);
	assert_int_equal(r.res.outcome, HTTP_TIMEOUT_TOTAL);
	assert_true(r.datas >= 2);
	assert_true(r.res.elapsed_ms >= 400);
	rec_free(&r);
}

/* Cancelled from outside any callback while data flows: on_done(CANCELLED) once, later, and no
 * other callback after http_cancel. */
struct cancel_later {
	uv_timer_t timer;
	struct rec *r;
	int polled;
};

static void cancel_later_tick(uv_timer_t *t)
{
	struct cancel_later *cl = t->data;
	if (cl->r->datas < 3 || cl->r->cancelled)
		return;
	cl->r->cancelled = true;
	http_cancel(cl->r->req);
	assert_int_equal(cl->r->dones, 0);
	uv_close((uv_handle_t *)t, NULL);
}

static void t_cancel_in_flight(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	struct rec r = {0};
	rec_post(&r, &fx, "/drip", NULL);
	struct cancel_later cl = {.r = &r};
	uv_timer_init(&fx.loop, &cl.timer);
	cl.timer.data = &cl;
	uv_timer_start(&cl.timer, cancel_later_tick, 5, 5);
	fx_run(&fx);
	assert_int_equal(r.res.outcome, HTTP_CANCELLED);
	assert_int_equal(r.dones, 1);
	assert_int_equal(r.calls_after_cancel, 0);
	assert_true(r.datas >= 3);
	rec_free(&r);
}

/* Cancelled from inside on_data and inside on_response; a request that was never started
 * (cancelled right after http_post) too. */
static void t_cancel_inside_callbacks(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	struct rec a = {.cancel_in_data = true}, b = {.cancel_in_response = true}, c = {0};
	rec_post(&a, &fx, "/drip", NULL);
	rec_post(&b, &fx, "/drip", NULL);
	rec_post(&c, &fx, "/echo", NULL);
	c.cancelled = true;
	http_cancel(c.req);
	assert_int_equal(c.dones, 0);
	fx_run(&fx);
	assert_int_equal(a.res.outcome, HTTP_CANCELLED);
	assert_int_equal(a.datas, 1);
	assert_int_equal(a.calls_after_cancel, 0);
	assert_int_equal(b.res.outcome, HTTP_CANCELLED);
	assert_int_equal(b.datas, 0);
	assert_int_equal(b.responses, 1);
	assert_int_equal(b.res.status, 200);
	assert_int_equal(c.res.outcome, HTTP_CANCELLED);
	assert_int_equal(c.responses + c.datas, 0);
	assert_int_equal(a.dones + b.dones + c.dones, 3);
	rec_free(&a);
}

/* A cancel that comes after the total deadline passed, but before on_done ran (a timer due at the
 * same moment, started later, so libuv runs it right after the client's deadline timer): on_done
 * still reports CANCELLED, as http_cancel promises. */
static void cancel_now(uv_timer_t *t)
{
	struct rec *r = t->data;
	assert_int_equal(r->dones, 0);
	r->cancelled = true;
	http_cancel(r->req);
	uv_close((uv_handle_t *)t, NULL);
}

static void t_cancel_after_deadline(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	struct rec r = {0};
	rec_post(&r, &fx, "/silent", &(struct http_req_opts){.total_ms = 200});
	uv_timer_t t;
	uv_timer_init(&fx.loop, &t);
	t.data = &r;
	uv_timer_start(&t, cancel_now, 200, 0);
	fx_run(&fx);
	assert_true(r.cancelled);
	assert_int_equal(r.res.outcome, HTTP_CANCELLED);
	assert_int_equal(r.dones, 1);
}

/* on_data returning false: ABORTED, no more data. */
static void t_abort(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	struct rec r = {.abort_in_data = true};
	rec_post(&r, &fx, "/drip", NULL);
	fx_run(&fx);
	assert_int_equal(r.res.outcome, HTTP_ABORTED);
	assert_int_equal(r.datas, 1);
	assert_int_equal(r.dones, 1);
	rec_free(&r);
}

/* Ten requests at once: the server answers none until all ten are in, so they must be truly
 * concurrent; each gets its own body back (the bodies were copied: the buffer is reused). */
static void t_concurrent(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	struct rec r[10];
	memset(r, 0, sizeof(r));
	char body[64];
	for (int i = 0; i < 10; i++) {
		int n = snprintf(body, sizeof(body), "{\"request\":%d}", i);
		rec_post(&r[i], &fx, "/barrier/10",
			 &(struct http_req_opts){.body = body, .body_len = (size_t)n,
						 .first_byte_ms = 10000});
		memset(body, 'X', sizeof(body));
	}
	fx_run(&fx);
	for (int i = 0; i < 10; i++) {
		char want[64];
		snprintf(want, sizeof(want), "{\"request\":%d}", i);
		assert_int_equal(r[i].res.outcome, HTTP_OK);
		assert_int_equal(r[i].status, 200);
		assert_string_equal(r[i].body, want);
		rec_free(&r[i]);
	}
	assert_int_equal(fx.srv.requests, 10);
}

/* The loop keeps running other work while a request waits for its answer. */
struct ticker {
	uv_timer_t timer;
	int ticks;
	int ticks_at_done;
};

static void ticker_tick(uv_timer_t *t)
{
	struct ticker *tk = t->data;
	tk->ticks++;
}

static void ticker_stop(struct rec *r)
{
	struct ticker *tk = r->user;
	tk->ticks_at_done = tk->ticks;
	uv_close((uv_handle_t *)&tk->timer, NULL);
}

static void t_loop_responsive(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	struct ticker tk = {0};
	uv_timer_init(&fx.loop, &tk.timer);
	tk.timer.data = &tk;
	uv_timer_start(&tk.timer, ticker_tick, 10, 10);
	struct rec r = {.after_done = ticker_stop, .user = &tk};
	rec_post(&r, &fx, "/slow", NULL);
	fx_run(&fx);
	assert_int_equal(r.res.outcome, HTTP_OK);
	assert_string_equal(r.body, "done");
	/* The answer came after 300 ms of server-side delay; a 10 ms ticker ran many times
	 * meanwhile. A client that blocked the loop would have let it run once at most. */
	assert_true(tk.ticks_at_done >= 5);
	rec_free(&r);
}

/* Sequential requests reuse one connection; a request posted from inside on_done works. */
static void post_second(struct rec *r)
{
	struct rec *second = r->user;
	rec_post(second, r->fx, "/echo", &(struct http_req_opts){.body = "second", .body_len = 6});
}

static void t_keepalive(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	struct rec second = {0};
	struct rec first = {.after_done = post_second, .user = &second};
	rec_post(&first, &fx, "/echo", &(struct http_req_opts){.body = "first", .body_len = 5});
	fx_run(&fx);
	assert_int_equal(first.res.outcome, HTTP_OK);
	assert_int_equal(second.res.outcome, HTTP_OK);
	assert_string_equal(first.body, "first");
	assert_string_equal(second.body, "second");
	assert_int_equal(fx.srv.requests, 2);
	assert_int_equal(fx.srv.accepted, 1);
	rec_free(&first);
	rec_free(&second);
}

/* What goes on the wire: the User-Agent, a JSON Content-Type by default (or the one given), the
 * caller's headers, and no "Expect: 100-continue" even for a body past libcurl's threshold for it
 * (servers such as Ollama never answer it, which would cost a second per request). */
static void t_request_headers(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	enum { BIG = 3 << 20 };
	char *big = malloc(BIG);
	assert_non_null(big);
	memset(big, 'b', BIG);
	const char *headers[] = {"X-Custom: yes", NULL};
	struct rec a = {0};
	rec_post(&a, &fx, "/sink", &(struct http_req_opts){.body = big, .body_len = BIG,
							   .headers = headers,
							   .first_byte_ms = 10000});
	free(big);
	fx_run(&fx);
	assert_int_equal(a.res.outcome, HTTP_OK);
	assert_string_equal(a.body, "3145728");
	assert_string_equal(fx.srv.ua, "charla/" CHARLA_VERSION);
	assert_string_equal(fx.srv.ctype, "application/json");
	assert_string_equal(fx.srv.custom, "yes");
	assert_int_equal(fx.srv.expects, 0);
	rec_free(&a);

	fx_init(&fx, NULL);
	const char *own[] = {"content-type: text/plain; charset=utf-8", NULL};
	struct rec b = {0};
	rec_post(&b, &fx, "/echo", &(struct http_req_opts){.headers = own,
							   .content_type = "application/x-ignored"});
	struct rec c = {0};
	rec_post(&c, &fx, "/echo", &(struct http_req_opts){.content_type = "text/csv"});
	fx_run(&fx);
	assert_int_equal(b.res.outcome, HTTP_OK);
	assert_int_equal(c.res.outcome, HTTP_OK);
	assert_int_equal(fx.srv.requests, 2);
	assert_string_equal(b.ctype, "text/plain; charset=utf-8");
	assert_string_equal(c.ctype, "text/csv");
	rec_free(&b);
	rec_free(&c);
}

/* A kept-alive connection that the server dropped meanwhile: libcurl finds it dead when it sends
 * the next request, closes it and retries on a new connection, within one libcurl call. The new
 * socket usually gets the same fd number while the old one's uv_poll is still closing; the request
 * must still succeed (and ASan must see no use after free). */
static void t_dead_connection_retried(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	struct rec second = {0};
	struct rec first = {.after_done = post_second, .user = &second};
	rec_post(&first, &fx, "/echo-then-drop",
		 &(struct http_req_opts){.body = "first", .body_len = 5});
	fx_run(&fx);
	assert_int_equal(first.res.outcome, HTTP_OK);
	assert_int_equal(second.res.outcome, HTTP_OK);
	assert_string_equal(second.body, "second");
	assert_int_equal(fx.srv.accepted, 2);
	assert_int_equal(fx.srv.requests, 3);
	rec_free(&first);
	rec_free(&second);
}

/* "localhost" works (libcurl resolves it without asking DNS; the server listens on 127.0.0.1
 * only, so an attempt on ::1 may be refused first and must fall back). */
static void t_localhost(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	char url[64];
	snprintf(url, sizeof(url), "http://localhost:%d/echo", fx.srv.port);
	struct rec r = {0};
	rec_start(&r, &fx, &(struct http_req_opts){.url = url, .body = "hi", .body_len = 2,
						   .connect_ms = 10000});
	fx_run(&fx);
	assert_int_equal(r.res.outcome, HTTP_OK);
	assert_string_equal(r.body, "hi");
	rec_free(&r);
}

/* http_client_close, called from inside on_data, with requests in every state (streaming, waiting
 * for a first byte, stalled, not yet started): each gets on_done(CANCELLED) once, none inside the
 * close call, the close callback runs once, every handle closes and the loop exits. */
static void close_from_data(struct rec *r)
{
	if (r->datas != 2)
		return;
	struct rec *others = r->user;
	/* One more, posted just before the close: it never starts. */
	rec_post(&others[2], r->fx, "/echo", NULL);
	int before = others[0].dones + others[1].dones + others[2].dones + r->dones;
	r->cancelled = others[0].cancelled = others[1].cancelled = others[2].cancelled = true;
	fx_finish(r->fx);
	http_client_close(&r->fx->client, fx_client_closed); /* twice is harmless */
	assert_int_equal(others[0].dones + others[1].dones + others[2].dones + r->dones, before);
	assert_int_equal(before, 0);
}

static void t_close_in_flight(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	struct rec others[3];
	memset(others, 0, sizeof(others));
	struct rec drip = {.data_hook = close_from_data, .user = others};
	rec_post(&others[0], &fx, "/silent", NULL);
	rec_post(&others[1], &fx, "/stall", NULL);
	rec_post(&drip, &fx, "/drip", NULL);
	fx_run(&fx);
	assert_int_equal(drip.res.outcome, HTTP_CANCELLED);
	assert_int_equal(drip.calls_after_cancel, 0);
	assert_int_equal(drip.dones, 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(others[i].res.outcome, HTTP_CANCELLED);
		assert_int_equal(others[i].dones, 1);
		assert_int_equal(others[i].calls_after_cancel, 0);
		rec_free(&others[i]);
	}
	assert_int_equal(others[2].responses, 0);
	rec_free(&drip);
}

/* Closing an idle client (after requests completed, with a connection kept alive) and a client
 * that never made a request. */
static void t_close_idle(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	fx_finish(&fx);
	assert_int_equal(fx.client_closed, 0); /* never synchronous */
	fx_run(&fx);
}

/* Once its requests are done, a client holds the loop open no longer (no armed timer for a
 * deadline that no longer matters, no poll on a kept-alive connection), yet still works. */
static void t_idle_client_releases_loop(void **state)
{
	(void)state;
	struct fx fx;
	fx_init(&fx, NULL);
	fx.manual = true;
	struct http_req_opts o = {.connect_ms = 60000, .first_byte_ms = 60000, .stall_ms = 60000,
				  .total_ms = 60000};
	struct rec a = {0};
	rec_post(&a, &fx, "/echo", &o);
	while (a.dones == 0)
		uv_run(&fx.loop, UV_RUN_ONCE);
	assert_int_equal(a.res.outcome, HTTP_OK);
	/* The server's handles stop counting, so only the client could hold the loop now; its
	 * kept-alive connection stays open on both sides. */
	uv_unref((uv_handle_t *)&fx.srv.listener);
	for (struct sconn *c = fx.srv.conns; c; c = c->next) {
		uv_unref((uv_handle_t *)&c->tcp);
		uv_unref((uv_handle_t *)&c->timer);
	}
	uv_run(&fx.loop, UV_RUN_DEFAULT); /* returns: the (unref'd) watchdog would fail a hang */
	assert_int_equal(fx.client_closed, 0);
	/* Still usable, on the same connection. */
	struct rec b = {0};
	rec_post(&b, &fx, "/echo", &o);
	uv_run(&fx.loop, UV_RUN_DEFAULT);
	assert_int_equal(b.res.outcome, HTTP_OK);
	assert_int_equal(fx.srv.accepted, 1);
	assert_int_equal(fx.srv.requests, 2);
	rec_free(&b);
	fx_finish(&fx);
	fx_run(&fx);
	rec_free(&a);
}

/* Debug logging names the request without its secrets: no header value, user info or query. */
static void t_log_has_no_secrets(void **state)
{
	(void)state;
	char *text = NULL;
	size_t text_len = 0;
	FILE *out = open_memstream(&text, &text_len);
	assert_non_null(out);
	struct logger lg = {.out = out, .prog = "test", .level = LOG_DEBUG};
	struct fx fx;
	fx_init(&fx, &lg);
	char url[128];
	snprintf(url, sizeof(url), "http://user:hunter2pw@127.0.0.1:%d/echo?key=QUERYSECRET#frag",
		 fx.srv.port);
	const char *headers[] = {"Authorization: Bearer sk-SECRET-abcdef", NULL};
	struct rec r = {0};
	rec_start(&r, &fx, &(struct http_req_opts){.url = url, .headers = headers});
	fx_run(&fx);
	fclose(out);
	assert_int_equal(r.res.outcome, HTTP_OK);
	assert_string_equal(fx.srv.auth, "Bearer sk-SECRET-abcdef"); /* it was sent */
	assert_non_null(strstr(text, "http://127.0.0.1:"));
	assert_non_null(strstr(text, "/echo"));
	assert_non_null(strstr(text, "status 200"));
	assert_null(strstr(text, "SECRET"));
	assert_null(strstr(text, "hunter2"));
	assert_null(strstr(text, "user"));
	assert_null(strstr(text, "frag"));
	free(text);
	rec_free(&r);
}

int main(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	/* The tests talk to 127.0.0.1 only; a proxy from the environment must not interfere. */
	setenv("no_proxy", "*", 1);
	setenv("NO_PROXY", "*", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_stream_progressive),
		cmocka_unit_test(t_error_statuses),
		cmocka_unit_test(t_large_body),
		cmocka_unit_test(t_too_large),
		cmocka_unit_test(t_refused),
		cmocka_unit_test(t_network_errors),
		cmocka_unit_test(t_https),
		cmocka_unit_test(t_invalid),
		cmocka_unit_test(t_timeout_first_byte),
		cmocka_unit_test(t_timeout_connect),
		cmocka_unit_test(t_timeout_stall),
		cmocka_unit_test(t_timeout_total),
		cmocka_unit_test(t_cancel_in_flight),
		cmocka_unit_test(t_cancel_inside_callbacks),
		cmocka_unit_test(t_cancel_after_deadline),
		cmocka_unit_test(t_abort),
		cmocka_unit_test(t_concurrent),
		cmocka_unit_test(t_loop_responsive),
		cmocka_unit_test(t_keepalive),
		cmocka_unit_test(t_request_headers),
		cmocka_unit_test(t_dead_connection_retried),
		cmocka_unit_test(t_localhost),
		cmocka_unit_test(t_close_in_flight),
		cmocka_unit_test(t_close_idle),
		cmocka_unit_test(t_idle_client_releases_loop),
		cmocka_unit_test(t_log_has_no_secrets),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
