/* rinfo: one INFO to a Redis server, read with a blocking socket and a short timeout, and the few
 * counters the cluster benchmark reports (nodes.c): PUBLISH and EVALSHA calls, commands, bytes in
 * and out, and Redis's own CPU time. Called twice a run, outside the timed loop's hot path; the
 * INFO itself adds one command and a few KiB to the counters, which is noise. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "bench.h"

enum {
	RINFO_BUF = 256 * 1024, /* INFO all is some 10 KiB; a few hundred commands' stats fit */
	RINFO_TIMEOUT_MS = 1000,
};

/* The number after "key" (as "key:N" or "key=N") in text, or 0. */
static uint64_t rinfo_num(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

static double rinfo_real(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	return p ? strtod(p + strlen(key), NULL) : 0;
}

/* Reads the bulk reply "$LEN\r\n<LEN bytes>\r\n" into buf (NUL-terminated); false on error. */
static bool rinfo_reply(int fd, char *buf, size_t cap)
{
	size_t have = 0, need = 0;
	for (;;) {
		if (have + 1 >= cap)
			return false;
		ssize_t r = read(fd, buf + have, cap - 1 - have);
		if (r <= 0)
			return false;
		have += (size_t)r;
		buf[have] = '\0';
		if (!need) {
			char *eol = strstr(buf, "\r\n");
			if (!eol)
				continue;
			if (buf[0] != '$')
				return false;
			need = (size_t)(eol + 2 - buf) + strtoull(buf + 1, NULL, 10) + 2;
		}
		if (have >= need)
			return true;
	}
}

void rinfo_read(const char *host, unsigned port, struct rinfo *r)
{
	*r = (struct rinfo){0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	struct timeval tv = {.tv_sec = RINFO_TIMEOUT_MS / 1000,
			     .tv_usec = (RINFO_TIMEOUT_MS % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, host, &dst.sin_addr);
	static const char cmd[] = "INFO all\r\n";
	char *buf = bench_alloc(RINFO_BUF);
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == 0 &&
	    write(fd, cmd, sizeof(cmd) - 1) == (ssize_t)(sizeof(cmd) - 1) &&
	    rinfo_reply(fd, buf, RINFO_BUF)) {
		r->ok = true;
		r->publish = rinfo_num(buf, "cmdstat_publish:calls=");
		r->evalsha = rinfo_num(buf, "cmdstat_evalsha:calls=") +
			     rinfo_num(buf, "cmdstat_eval:calls=") +
			     rinfo_num(buf, "cmdstat_fcall:calls=");
		r->commands = rinfo_num(buf, "total_commands_processed:");
		r->net_in = rinfo_num(buf, "total_net_input_bytes:");
		r->net_out = rinfo_num(buf, "total_net_output_bytes:");
		r->cpu = rinfo_real(buf, "used_cpu_sys:") + rinfo_real(buf, "used_cpu_user:");
	}
	free(buf);
	close(fd);
}
