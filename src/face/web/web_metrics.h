/* web_metrics: GET /metrics on the web face, and who may read it.
 *
 * The face serves the body server/ writes (web_config.metrics, a callback: the counters of the
 * hub, the net, every face and the assistant are read where all of them may be included, and the
 * web face includes none of them), in the Prometheus text format 0.0.4. It counts its own part:
 * connections (struct web_face.stats) and responses by status class (web_face.responses), which
 * server/ reads back when it writes the body.
 *
 * Access. /metrics tells anyone who can read it how loaded the server is and when people use it:
 * only addresses on an allow list may (web_face_metrics_allow: addresses and CIDR blocks, IPv4 and
 * IPv6, comma-separated, or "*" for anyone), loopback alone by default; anyone else gets 403.
 * A list of addresses rather than a token because a Prometheus server scrapes from an address an
 * operator knows, and nothing secret has to be stored or sent in the clear over plain HTTP. An
 * IPv4-mapped IPv6 peer (::ffff:a.b.c.d, on a dual-stack listener) is matched as IPv4.
 *
 * Ownership. The parsed list is an array the face owns (web_face.allow), freed by web_face_free.
 * The parser and the matcher are pure, for the unit tests. */
#ifndef CHARLA_FACE_WEB_WEB_METRICS_H
#define CHARLA_FACE_WEB_WEB_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/netlim.h"

struct sockaddr;
struct web_face;

/* The allow list when none is given: IPv4 and IPv6 loopback. */
#define WEB_METRICS_ALLOW_DEFAULT "127.0.0.0/8,::1"

/* An address block, as the connection limits parse and match them (net/netlim.h). */
struct web_cidr {
	struct netlim_cidr block;
};

/* Parses spec ("127.0.0.1, 10.0.0.0/8, ::1, 2001:db8::/32", or "*") into a new array *out of *n
 * blocks ("*": *any true, no array). Returns 0, or -1 with err filled and nothing allocated. */
int web_cidr_parse(const char *spec, struct web_cidr **out, size_t *n, bool *any, char *err,
		   size_t errlen);
/* Whether sa (AF_INET or AF_INET6) is in one of the n blocks. */
bool web_cidr_match(const struct web_cidr *list, size_t n, const struct sockaddr *sa);

/* Sets who may read /metrics (spec as web_cidr_parse; NULL: WEB_METRICS_ALLOW_DEFAULT). Returns
 * 0, or -1 with err filled. */
int web_face_metrics_allow(struct web_face *f, const char *spec, char *err, size_t errlen);

#endif
