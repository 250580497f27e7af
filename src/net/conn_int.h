/* conn_int: what conn.c and conn_ws.c share, and nothing outside src/net/ may use. conn.c frames
 * lines; conn_ws.c the web modes (an HTTP head, then WebSocket) and owns c->raw. */
#ifndef CHARLA_NET_CONN_INT_H
#define CHARLA_NET_CONN_INT_H

#include <stddef.h>

#include "net/conn.h"

enum { CONN_WS_NORMAL = 1000 }; /* the close code of a conn closed by its owner */

/* Puts a new conn in CONN_HEAD mode. */
void conn_ws_head(struct conn *c);
/* Bytes read in CONN_HEAD or CONN_WS mode. */
void conn_ws_data(struct conn *c, char *data, size_t len);
/* The deferred half of conn_resume in those modes: decodes what was kept. */
void conn_ws_resume(struct conn *c);
/* conn_send_str in CONN_WS mode. */
void conn_ws_send_str(struct conn *c, const char *s, size_t len);
/* Frees c->raw (from the close callback). */
void conn_ws_free(struct conn *c);

#endif
