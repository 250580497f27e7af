/* libFuzzer target: the UDP datagram format both ways, minus the sockets. The input is cut into
 * datagrams at 0xFF bytes. Each one is read as the server reads a peer's datagram (lines, /hello,
 * /keepalive) and as a client reads the server's (headers, parts, cookies), and fed to the
 * client's UDP state machine with a moving clock; its text is also split as the server splits a
 * long line. Checks, beyond the sanitizers: every span lies inside its datagram, lines hold no
 * LF, split parts are within the maximum and cover the text in order, and the counters add up. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "client/udplink.h"
#include "face/udp/udp_codec.h"

static bool fuzz_inside(const char *p, size_t n, const char *base, size_t len)
{
	return n == 0 || (p >= base && p + n <= base + len);
}

static void fuzz_server_side(const char *dg, size_t len)
{
	const char *rest = dg, *line;
	size_t left = len, n;
	while (udp_codec_next_line(&rest, &left, &line, &n)) {
		assert(fuzz_inside(line, n, dg, len));
		assert(!memchr(line, '\n', n));
		struct udp_hello h;
		if (udp_codec_request(line, n, &h) == UDP_REQ_HELLO && h.name)
			assert(fuzz_inside(h.name, h.namelen, line, n) && h.namelen > 0);
	}
}

static void fuzz_split(const char *text, size_t len, size_t max)
{
	size_t ends[UDP_MAX_PARTS];
	bool cut;
	unsigned n = udp_codec_split(text, len, max, ends, &cut);
	assert(n >= 1 && n <= UDP_MAX_PARTS);
	size_t from = 0;
	for (unsigned i = 0; i < n; i++) {
		assert(ends[i] >= from && ends[i] - from <= max);
		assert(ends[i] > from || len == 0);
		from = ends[i];
	}
	assert(cut ? from < len : from == len);
	if (utf8_is_clean(text, len))
		for (unsigned i = 0; i + 1 < n; i++)
			assert(((unsigned char)text[ends[i]] & 0xC0) != 0x80);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	memcpy(copy, data, size);
	struct udplink_config cfg;
	udplink_defaults(&cfg);
	struct udplink u;
	udplink_init(&u, &cfg, "fuzz", 1000);
	struct buf show = BUF_INIT, dg = BUF_INIT;
	uint64_t now = 1000, sessions = 0;
	size_t start = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != 0xFF)
			continue;
		const char *d = copy + start;
		size_t len = i - start;
		start = i + 1;
		fuzz_server_side(d, len);
		struct udp_parsed p;
		enum udp_reply r = udp_codec_reply(d, len, &p);
		if (r == UDP_REPLY_SESSION) {
			assert(fuzz_inside(p.text, p.len, d, len));
			assert(p.seq >= 1 && p.part >= 1 && p.part <= p.parts &&
			       p.parts <= UDP_MAX_PARTS);
			sessions++;
		}
		if (r == UDP_REPLY_ERROR)
			assert(fuzz_inside(p.text, p.len, d, len));
		if (len)
			fuzz_split(d, len, 8 + (unsigned char)d[0] % 64);
		now += len % 7 * 300;
		udplink_input(&u, d, len, now, &show);
		udplink_poll(&u, now, &show);
		while (udplink_output(&u, now, &dg))
			;
		assert(udplink_wakeup(&u, now) > now);
		buf_clear(&dg);
		buf_clear(&show);
		if (len % 5 == 1)
			udplink_queue(&u, d, len < UDPLINK_LINE_MAX ? len : UDPLINK_LINE_MAX);
	}
	/* Every numbered datagram is new, reordered, a duplicate or too old to place. */
	assert(u.seq.received == sessions);
	assert(u.seq.duplicated + u.seq.reordered + u.seq.too_old <= u.seq.received);
	udplink_free(&u);
	buf_free(&show);
	buf_free(&dg);
	free(copy);
	return 0;
}
