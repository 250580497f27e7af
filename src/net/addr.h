/* addr: parsing of listen addresses. Pure.
 *
 * Accepted forms: "PORT" (every IPv4 and IPv6 address), "*:PORT" (the same), "HOST:PORT" with a
 * numeric IPv4 address, "[HOST]:PORT" with a numeric IPv6 address, and "localhost:PORT"
 * (127.0.0.1 and ::1). Port 0 asks the kernel for an ephemeral port. Results are written to a
 * caller's array; there is no allocation. */
#ifndef CHARLA_NET_ADDR_H
#define CHARLA_NET_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

enum { ADDR_MAX_PER_SPEC = 2 };

/* Parses spec into up to ADDR_MAX_PER_SPEC addresses; returns how many (>= 1), or -1 with a
 * message in err. */
int addr_parse(const char *spec, struct sockaddr_storage out[ADDR_MAX_PER_SPEC], char *err,
	       size_t errlen);
/* Formats "1.2.3.4:5" or "[::1]:5" into out. */
void addr_format(const struct sockaddr *sa, char *out, size_t len);

#endif
