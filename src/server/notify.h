/* notify: systemd's readiness protocol (sd_notify), spoken directly, without libsystemd.
 *
 * When charlad runs under a service manager that set $NOTIFY_SOCKET (systemd with Type=notify),
 * it tells it about its state: READY=1 once it listens, STATUS=... lines, RELOADING=1 then
 * READY=1 around a SIGHUP's reload, STOPPING=1 at shutdown. Each message is one datagram to an
 * AF_UNIX socket, whose path starts with '/' or, for Linux's abstract namespace, with '@'.
 *
 * Ownership. A struct notify is a small value its owner (struct server) embeds. notify_open reads
 * $NOTIFY_SOCKET once and opens a non-blocking datagram socket of its own, which notify_close
 * closes; without the variable there is no socket and notify_send does nothing. A send never
 * blocks the loop: a full socket loses that message (the manager is expected to keep up). */
#ifndef CHARLA_SERVER_NOTIFY_H
#define CHARLA_SERVER_NOTIFY_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

struct notify {
	int fd; /* -1: no manager to tell */
	struct sockaddr_un addr;
	socklen_t addrlen;
};

/* Returns 0 (also when there is no $NOTIFY_SOCKET), or a negative errno when the variable names
 * a socket that cannot be used; then n is off. */
int notify_open(struct notify *n);
bool notify_on(const struct notify *n);
/* Sends state: "KEY=VALUE" lines joined by '\n' (e.g. "READY=1\nSTATUS=listening"). Returns 0 or
 * a negative errno. */
int notify_send(struct notify *n, const char *state);
/* The same, formatted with printf's rules. */
int notify_sendf(struct notify *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void notify_close(struct notify *n);

#endif
