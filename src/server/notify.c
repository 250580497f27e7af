#include "server/notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { NOTIFY_TEXT = 1024 }; /* bytes of one message: a state and a status line */

static const char NOTIFY_ENV[] = "NOTIFY_SOCKET";

int notify_open(struct notify *n)
{
	memset(n, 0, sizeof(*n));
	n->fd = -1;
	const char *path = getenv(NOTIFY_ENV);
	if (!path || !*path)
		return 0;
	size_t len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(n->addr.sun_path))
		return -EINVAL;
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, path, len);
	/* '@' stands for the abstract namespace's leading NUL, which the length then counts. */
	if (path[0] == '@')
		n->addr.sun_path[0] = '\0';
	n->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	n->fd = fd;
	return 0;
}

bool notify_on(const struct notify *n)
{
	return n->fd >= 0;
}

int notify_send(struct notify *n, const char *state)
{
	if (n->fd < 0)
		return 0;
	ssize_t r = sendto(n->fd, state, strlen(state), MSG_NOSIGNAL,
			   (const struct sockaddr *)&n->addr, n->addrlen);
	return r < 0 ? -errno : 0;
}

int notify_sendf(struct notify *n, const char *fmt, ...)
{
	if (n->fd < 0)
		return 0;
	char text[NOTIFY_TEXT];
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (r < 0)
		return -EINVAL;
	return notify_send(n, text); /* a status longer than NOTIFY_TEXT is cut, not lost */
}

void notify_close(struct notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
