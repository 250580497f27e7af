/* irc: IRC as ngIRCd, InspIRCd and charlad's IRC face speak it (RFC 2812 framing, CRLF lines).
 *
 * Connecting. Every client, receiver or sender, registers with `NICK <prefix>b<i>` and
 * `USER <prefix>b<i> 0 * :bench` and is "ready" at 001 (a JOIN before registration would be
 * refused with 451); a 433 (or another refusal of the nick) ends the run with the server's words.
 * Senders are members too: servers make new channels +n, so only members may speak in them.
 *
 * Joining. Once every client is registered, they send `JOIN <channel>`, at most --join-window
 * at a time between the JOIN and its answer: the client's own JOIN coming back, then the 366 that
 * ends the channel's NAMES (366 without the JOIN first ends the run). Every join is announced to
 * every member, so N clients cost N(N-1)/2 JOIN lines. Joining in a window rather than as each
 * client registers lets a server handle many JOINs per loop iteration and write each member one
 * batch of JOIN lines instead of one line per write: ngIRCd accepts one connection per iteration
 * and writes each member separately, so joins spread over the connect phase cost it minutes at
 * N = 5000. A window, not all at once, keeps the JOIN lines queued for a member at any moment
 * below ngIRCd's fixed 32 KiB write buffer.
 *
 * Settling. When the last 366 is in, the JOIN lines for others may still be on their way, and a
 * server may announce fewer than N(N-1)/2 (charlad stops in big rooms). Counting would need to
 * know the server, and waiting for silence costs seconds and is fooled by a slow server. So every
 * client then sends `PING :charla-bench-fence` and the run waits for each one's PONG: the server
 * handled every JOIN before the last 366, so queued every announcement before it read any fence
 * PING, and a server writes to one client in order, so a client's PONG comes after every JOIN line
 * meant for it. Exact for a server that writes each client's output in order, whatever it
 * announces; --settle-quiet only bounds the wait for a server that never answers.
 *
 * Messages are `PRIVMSG <channel> :<payload>`; deliveries are the same with the sender's prefix,
 * and a sender is not sent its own (IRC does not echo without the echo-message capability). A
 * server's PING is answered with PONG at any time. */
#include <stdio.h>
#include <string.h>

#include "bench.h"

static const char IRC_FENCE[] = "charla-bench-fence";

static void irc_hello(struct bench *b, struct client *c, uint64_t now)
{
	(void)now;
	char nick[NAME_MAX_LEN + 2], cmd[2 * NAME_MAX_LEN + 64];
	client_name(b, c, nick, sizeof(nick));
	int r = snprintf(cmd, sizeof(cmd), "NICK %s\r\nUSER %s 0 * :bench\r\n", nick, nick);
	if (r < 0 || (size_t)r >= sizeof(cmd))
		bench_die("nick too long: %s", nick);
	client_out_mem(c, cmd, (size_t)r);
}

/* Whether nick[0..len) is c's own nick, <prefix>b<i>, without formatting it (this runs for each
 * of the N(N-1)/2 JOIN lines of a join storm). */
static bool irc_is_self(const struct bench *b, const struct client *c, const char *nick, size_t len)
{
	size_t pl = strlen(b->o.prefix);
	if (len < pl + 2 || len > pl + 11 || memcmp(nick, b->o.prefix, pl) != 0 || nick[pl] != 'b')
		return false;
	uint64_t v = 0;
	for (size_t k = pl + 1; k < len; k++) {
		if (nick[k] < '0' || nick[k] > '9')
			return false;
		v = v * 10 + (uint64_t)(nick[k] - '0');
	}
	return (nick[pl + 1] != '0' || len == pl + 2) && v == (uint64_t)(c - b->cl);
}

/* The last parameter of a parameter list: after " :" (or a leading ':'), else the last word. */
static const char *irc_last(const char *p, size_t len, size_t *out_len)
{
	if (len && p[0] == ':') {
		*out_len = len - 1;
		return p + 1;
	}
	for (size_t k = 0; k + 1 < len; k++) {
		if (p[k] == ' ' && p[k + 1] == ':') {
			*out_len = len - k - 2;
			return p + k + 2;
		}
	}
	size_t w = len;
	while (w > 0 && p[w - 1] != ' ')
		w--;
	*out_len = len - w;
	return p + w;
}

static bool irc_is(const char *cmd, size_t len, const char *lit)
{
	return len == strlen(lit) && memcmp(cmd, lit, len) == 0;
}

/* Sends JOIN for the next clients while fewer than --join-window are waiting for their 366. */
static void irc_join_more(struct bench *b)
{
	while (b->join_next < b->total && b->join_next - b->listed < b->o.join_window) {
		struct client *c = &b->cl[b->join_next++];
		if (c->state != CS_READY)
			continue;
		client_out_str(c, "JOIN ");
		client_out_str(c, b->o.room);
		client_out_str(c, "\r\n");
		client_flush(b, c);
	}
}

/* Every client is in the channel: each asks for the fence PONG (see the top of the file). */
static void irc_fence(struct bench *b)
{
	for (uint32_t i = 0; i < b->total; i++) {
		struct client *c = &b->cl[i];
		if (c->state != CS_READY)
			continue;
		client_out_str(c, "PING :");
		client_out_str(c, IRC_FENCE);
		client_out_str(c, "\r\n");
		client_flush(b, c);
	}
}

/* A numeric reply: 001 registers the client, 366 (after its own JOIN) puts it in the channel, a
 * refused nick ends the run, other errors are counted. */
static void irc_numeric(struct bench *b, struct client *c, unsigned num, const char *line,
			size_t len, uint64_t now)
{
	unsigned i = (unsigned)(c - b->cl);
	switch (num) {
	case 1:
		if (c->state == CS_NAMING)
			bench_mark_ready(b, c, now);
		return;
	case 366:
		if (c->listed)
			return;
		if (!c->joined) {
			bench_fail(b, "client %u: 366 (end of NAMES) before its own JOIN came back: %.*s",
				   i, (int)(len > 120 ? 120 : len), line);
			return;
		}
		c->listed = true;
		b->t_last_join = now;
		if (++b->listed == b->total)
			irc_fence(b);
		else
			irc_join_more(b);
		return;
	case 432: /* erroneous nickname */
	case 433: /* nickname in use */
	case 436: /* nickname collision */
	case 437: /* unavailable */
		bench_error_line(b, line, len);
		bench_fail(b, "the server refused client %u's nick (is another bench or client using it?): "
			   "%.*s", i, (int)(len > 150 ? 150 : len), line);
		return;
	case 422: /* no MOTD: a server without one says so in every welcome; not an error */
		b->other_lines++;
		return;
	default:
		if (num >= 400 && num < 600)
			bench_error_line(b, line, len);
		else
			b->other_lines++;
	}
}

/* One line from the server (LF removed). */
static void irc_in(struct bench *b, struct client *c, const char *p, size_t len, uint64_t now)
{
	if (len && p[len - 1] == '\r')
		len--;
	if (len == 0)
		return;
	const char *line = p;
	size_t line_len = len;
	const char *src = NULL;
	size_t src_len = 0;
	if (p[0] == ':') {
		const char *sp = memchr(p, ' ', len);
		if (!sp) {
			b->bogus++;
			return;
		}
		src = p + 1;
		src_len = (size_t)(sp - src);
		len -= (size_t)(sp + 1 - p);
		p = sp + 1;
	}
	const char *sp = memchr(p, ' ', len);
	size_t cmd_len = sp ? (size_t)(sp - p) : len;
	const char *par = sp ? sp + 1 : p + len;
	size_t par_len = sp ? len - cmd_len - 1 : 0;
	if (irc_is(p, cmd_len, "PRIVMSG")) {
		size_t pl;
		const char *pay = irc_last(par, par_len, &pl);
		payload_in(b, c, pay, pl, now);
		return;
	}
	if (irc_is(p, cmd_len, "JOIN")) {
		const char *bang = src ? memchr(src, '!', src_len) : NULL;
		size_t nick_len = bang ? (size_t)(bang - src) : src_len;
		if (src && irc_is_self(b, c, src, nick_len)) {
			c->joined = true;
		} else {
			b->join_lines++;
			b->t_last_join = now;
		}
		return;
	}
	if (cmd_len == 3 && p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' &&
	    p[2] >= '0' && p[2] <= '9') {
		unsigned num = (unsigned)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
		irc_numeric(b, c, num, line, line_len, now);
		return;
	}
	if (irc_is(p, cmd_len, "PING")) {
		b->server_pings++;
		client_out_str(c, "PONG ");
		client_out_mem(c, par, par_len);
		client_out_str(c, "\r\n");
		client_flush(b, c);
		return;
	}
	if (irc_is(p, cmd_len, "PONG")) {
		size_t tl;
		const char *tok = irc_last(par, par_len, &tl);
		if (tl == sizeof(IRC_FENCE) - 1 && memcmp(tok, IRC_FENCE, tl) == 0 && !c->fenced) {
			c->fenced = true;
			b->fenced++;
			b->t_last_join = now;
		} else {
			b->other_lines++;
		}
		return;
	}
	if (irc_is(p, cmd_len, "ERROR")) {
		bench_error_line(b, line, line_len);
		return;
	}
	b->other_lines++;
}

static size_t irc_parse(struct bench *b, struct client *c, char *buf, size_t len, uint64_t now)
{
	size_t off = 0;
	while (off < len) {
		char *nl = memchr(buf + off, '\n', len - off);
		if (!nl)
			break;
		irc_in(b, c, buf + off, (size_t)(nl - (buf + off)), now);
		off = (size_t)(nl - buf) + 1;
	}
	return off;
}

static char *irc_frame(struct bench *b, struct client *c)
{
	if (!b->pub_prefix_len) {
		int r = snprintf(b->pub_prefix, sizeof(b->pub_prefix), "PRIVMSG %s :", b->o.room);
		if (r < 0 || (size_t)r >= sizeof(b->pub_prefix))
			bench_die("channel name too long");
		b->pub_prefix_len = (size_t)r;
	}
	char *h = client_out(c, b->pub_prefix_len + b->o.size + 2);
	memcpy(h, b->pub_prefix, b->pub_prefix_len);
	memcpy(h + b->pub_prefix_len + b->o.size, "\r\n", 2);
	return h + b->pub_prefix_len;
}

/* Every client is registered: the joins begin (the fence follows the last 366), or with
 * --no-join the fence at once. */
static void irc_settle(struct bench *b)
{
	b->fence_expected = b->total;
	if (b->o.no_join)
		irc_fence(b);
	else
		irc_join_more(b);
}

const struct proto irc_proto = {
	.name = "irc",
	.hello = irc_hello,
	.parse = irc_parse,
	.frame = irc_frame,
	.settle = irc_settle,
};
