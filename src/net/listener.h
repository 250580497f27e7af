/* listener: a listening TCP socket on a libuv loop, and the accept errors of every face.
 *
 * listener_open binds and listens, and calls `on_conn` for every incoming connection, which the
 * owner accepts from &l->tcp (conn_accept). Accept errors never reach on_conn: the listener logs
 * them itself, "accept on <address>: <error>", at most once a second, since they come in bursts.
 * libuv keeps a reserve file descriptor and, when the process runs out of descriptors (EMFILE),
 * accepts and closes pending connections so that they do not pile up in the backlog; each such
 * burst is one line in the log. An owner whose own accept fails reports it with listener_error,
 * under the same limit. A listener is heap-allocated by listener_open and freed by the close
 * callback after listener_close. */
#ifndef CHARLA_NET_LISTENER_H
#define CHARLA_NET_LISTENER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct listener;
struct logger;
struct tls_server;
typedef void (*listener_cb)(struct listener *l);

struct listener {
	uv_tcp_t tcp;
	listener_cb on_conn;
	void *owner;
	struct listener *next;  /* for the owner's list */
	const struct logger *log;
	uint64_t last_error_log; /* loop time of the last accept error logged; 0 = never */
	char name[64];          /* the bound address, "[::]:7777" */
	struct tls_server *tls; /* NULL: plain TCP; else its conns speak TLS (net/conn.h) */
	uint8_t tls_alpn;       /* enum tls_alpn: what it offers in ALPN */
	const char *tls_plain;  /* what a client speaking in clear is told (net/tls.h), or NULL */
};

/* Returns a listening listener, or NULL with the reason in err. IPv6 wildcard sockets are bound
 * IPv6-only, so that "[::]" and "0.0.0.0" can be bound side by side. */
struct listener *listener_open(uv_loop_t *loop, const struct sockaddr *sa, int backlog,
			       listener_cb on_conn, void *owner, const struct logger *log, char *err,
			       size_t errlen);

/* Opens a listener on every address of `spec` (the forms of net/addr.h: "7777" is IPv4 and IPv6),
 * links each at the front of *head, and logs "<before><address><after>" for each. A spec with
 * several addresses succeeds if any opened (a host without IPv6 still serves IPv4; the others are
 * logged as warnings). Returns 0, or -1 with the reason in err. */
int listener_open_spec(uv_loop_t *loop, const char *spec, int backlog, listener_cb on_conn,
		       void *owner, struct listener **head, const struct logger *log,
		       const char *before, const char *after, char *err, size_t errlen);
/* Makes TLS listeners of those from `first` up to `until` (excluded) on an owner's list, as
 * listener_open_spec linked them at its front, and logs each. The server's TLS settings belong to
 * its owner (server/), the listener's list to a face: this joins them without the face knowing. */
void listener_set_tls(struct listener *first, const struct listener *until, struct tls_server *tls,
		      unsigned alpn, const char *plain);
/* Logs a failed accept (a negative libuv error) as a warning, unless one was logged less than a
 * second ago. */
void listener_error(struct listener *l, int status);
/* The bound port (useful after binding port 0). */
int listener_port(const struct listener *l);
void listener_close(struct listener *l);

#endif
