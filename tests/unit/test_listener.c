/* Unit tests for net/listener: connections reach the owner; accept errors are logged by the
 * listener itself, once per burst, with the text the faces used to print.
 *
 * The logger writes into a memory stream, so the test reads exactly what charlad would print. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/log.h"
#include "net/listener.h"

enum { ERROR_BURST = 5, ERROR_LOG_MS = 1000 };

static struct {
	uv_loop_t loop;
	struct listener *head;
	uv_tcp_t client;
	uv_connect_t connect;
	int conns;
} T;

static void free_handle(uv_handle_t *h)
{
	free(h);
}

static void on_conn(struct listener *l)
{
	T.conns++;
	uv_tcp_t *t = malloc(sizeof(*t));
	uv_tcp_init(&T.loop, t);
	assert_int_equal(uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)t), 0);
	uv_close((uv_handle_t *)t, free_handle);
	listener_close(l);
}

static void connected(uv_connect_t *req, int status)
{
	(void)req;
	assert_int_equal(status, 0);
	uv_close((uv_handle_t *)&T.client, NULL);
}

static void t_accept_and_error_log(void **state)
{
	(void)state;
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	assert_non_null(out);
	struct logger log = {.out = out, .prog = "test", .level = LOG_INFO};
	assert_int_equal(uv_loop_init(&T.loop), 0);
	char err[256];
	assert_int_equal(listener_open_spec(&T.loop, "127.0.0.1:0", 8, on_conn, NULL, &T.head, &log,
					    "listening on ", "", err, sizeof(err)),
			 0);
	struct listener *l = T.head;
	assert_non_null(l);
	assert_null(l->next);

	/* A burst of errors is one line; the next burst, a second later, is another. */
	for (int i = 0; i < ERROR_BURST; i++)
		listener_error(l, UV_EMFILE);
	l->last_error_log -= ERROR_LOG_MS;
	listener_error(l, UV_ECONNABORTED);
	listener_error(l, UV_ECONNABORTED);
	fflush(out);
	char want[512];
	snprintf(want, sizeof(want),
		 "test: info: listening on %s\n"
		 "test: warn: accept on %s: %s\n"
		 "test: warn: accept on %s: %s\n",
		 l->name, l->name, uv_strerror(UV_EMFILE), l->name, uv_strerror(UV_ECONNABORTED));
	assert_string_equal(text, want);

	/* A connection reaches on_conn, which accepts it. */
	struct sockaddr_in sa;
	uv_ip4_addr("127.0.0.1", listener_port(l), &sa);
	uv_tcp_init(&T.loop, &T.client);
	uv_tcp_connect(&T.connect, &T.client, (const struct sockaddr *)&sa, connected);
	uv_run(&T.loop, UV_RUN_DEFAULT);
	assert_int_equal(T.conns, 1);
	assert_int_equal(uv_loop_close(&T.loop), 0);
	fclose(out);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_accept_and_error_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
