/*
 * udp/receiver.c: receives the numbered datagrams of udp/sender.c and reports, at the end, which
 * were lost, which arrived more than once and which arrived out of order.
 *
 *     ./ex_udp_receiver [-t TIMEOUT_MS] [HOST] PORT     e.g.  ./ex_udp_receiver ::1 0
 *
 * It stops a moment (LINGER_MS) after the first end marker, to catch late datagrams, or when no
 * datagram at all has come for TIMEOUT_MS (default 5000), since the end markers can be lost too.
 * The report looks like this (the numbers after ':' are the first SHOW_MAX examples):
 *
 *     received 19 data datagrams (18 different), 3 end markers, 0 invalid
 *     expected 20 (from the end marker)
 *     lost 2: 3 7
 *     duplicated 1: 5
 *     reordered 1: 10
 *
 * Definitions. "lost": a number from 1 to the expected count that never arrived. "duplicated":
 * each extra copy of a number that had already arrived. "reordered": a datagram that arrived,
 * for the first time, after one with a higher number (so swapping 10 and 11 counts 10 once).
 *
 * Unlike a TCP server, this one has no connection and no accept(): every datagram is a message on
 * its own, from whoever sent it. This example assumes one sender at a time; a real protocol
 * would keep one tally per sender address (recvfrom() gives it) and check who is talking.
 */
#include "../common/sockio.h"
#include "datagram.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* How long to keep listening after the first end marker, for datagrams that overtook it. */
#define LINGER_MS 200

/* How many example numbers each line of the report shows. */
#define SHOW_MAX 20

/* Everything the receiver learns, kept in main() and passed to each function that needs it. */
struct tally {
	unsigned char *copies;   /* copies[seq]: how many times seq arrived, stopping at 255 */
	size_t cap;              /* entries in copies */
	unsigned long highest;   /* the highest number seen so far */
	unsigned long end_count; /* what the end marker said; 0 until one arrives */
	unsigned long data;      /* data datagrams received, copies included */
	unsigned long distinct;  /* different numbers received */
	unsigned long ends;      /* end markers received */
	unsigned long invalid;   /* datagrams that were neither */
	unsigned long duplicated, reordered;
	unsigned long dup_seen[SHOW_MAX], reorder_seen[SHOW_MAX];
};

enum datagram_kind { DATAGRAM_DATA, DATAGRAM_END, DATAGRAM_INVALID };

/*
 * Parses "data N" or "end N", with N from 1 to DATAGRAM_SEQ_MAX, and nothing else: a datagram can
 * come from anyone, so its bytes are checked as strictly as any input. A pure function.
 */
static enum datagram_kind parse_datagram(const char *buf, size_t len, unsigned long *n)
{
	enum datagram_kind kind;
	size_t i;
	if (len > 5 && memcmp(buf, "data ", 5) == 0) {
		kind = DATAGRAM_DATA;
		i = 5;
	} else if (len > 4 && memcmp(buf, "end ", 4) == 0) {
		kind = DATAGRAM_END;
		i = 4;
	} else {
		return DATAGRAM_INVALID;
	}
	unsigned long v = 0;
	for (; i < len; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return DATAGRAM_INVALID;
		v = v * 10 + (unsigned long)(buf[i] - '0');
		if (v > DATAGRAM_SEQ_MAX)
			return DATAGRAM_INVALID; /* checked at each digit, so v never overflows */
	}
	if (v == 0)
		return DATAGRAM_INVALID;
	*n = v;
	return kind;
}

/* Makes copies[seq] exist. Returns 0, or -ENOMEM. Doubling keeps the cost of growing linear. */
static int tally_reserve(struct tally *t, unsigned long seq)
{
	if (seq < t->cap)
		return 0;
	size_t cap = t->cap < 1024 ? 1024 : t->cap;
	while (cap <= seq)
		cap *= 2;
	if (cap > DATAGRAM_SEQ_MAX + 1)
		cap = DATAGRAM_SEQ_MAX + 1;
	unsigned char *grown = realloc(t->copies, cap);
	if (grown == NULL)
		return -ENOMEM;
	memset(grown + t->cap, 0, cap - t->cap);
	t->copies = grown;
	t->cap = cap;
	return 0;
}

/* Counts one data datagram with number SEQ. Returns 0, or -ENOMEM. */
static int tally_data(struct tally *t, unsigned long seq)
{
	int rc = tally_reserve(t, seq);
	if (rc < 0)
		return rc;
	t->data++;
	if (t->copies[seq] > 0) {
		if (t->duplicated < SHOW_MAX)
			t->dup_seen[t->duplicated] = seq;
		t->duplicated++;
	} else {
		t->distinct++;
		if (seq < t->highest) {
			if (t->reordered < SHOW_MAX)
				t->reorder_seen[t->reordered] = seq;
			t->reordered++;
		}
	}
	if (t->copies[seq] < 255)
		t->copies[seq]++;
	if (seq > t->highest)
		t->highest = seq;
	return 0;
}

/* Prints "NAME COUNT: n1 n2 ..." with at most SHOW_MAX numbers. */
static void print_list(const char *name, unsigned long count, const unsigned long *seqs)
{
	printf("%s %lu", name, count);
	unsigned long shown = count < SHOW_MAX ? count : SHOW_MAX;
	for (unsigned long i = 0; i < shown; i++)
		printf("%s%lu", i == 0 ? ": " : " ", seqs[i]);
	if (count > shown)
		printf(" ...");
	putchar('\n');
}

static void tally_report(const struct tally *t)
{
	printf("received %lu data datagrams (%lu different), %lu end markers, %lu invalid\n", t->data,
	       t->distinct, t->ends, t->invalid);
	unsigned long expected = t->end_count > t->highest ? t->end_count : t->highest;
	if (t->ends > 0)
		printf("expected %lu (from the end marker)\n", expected);
	else
		printf("expected %lu (the highest number seen: without an end marker, datagrams lost "
		       "at the end cannot be noticed)\n", expected);

	unsigned long lost = 0;
	unsigned long lost_seen[SHOW_MAX];
	for (unsigned long seq = 1; seq <= expected; seq++) {
		if (seq < t->cap && t->copies[seq] > 0)
			continue;
		if (lost < SHOW_MAX)
			lost_seen[lost] = seq;
		lost++;
	}
	print_list("lost", lost, lost_seen);
	print_list("duplicated", t->duplicated, t->dup_seen);
	print_list("reordered", t->reordered, t->reorder_seen);
}

/*
 * Receives datagrams until the end (see the top of the file). Returns 0, or a negative errno
 * value after an error the receiver cannot carry on from.
 */
static int receive_all(int fd, int timeout_ms, struct tally *t)
{
	for (;;) {
		/*
		 * poll() with a timeout, so that a receiver whose sender vanished (or whose end markers
		 * were all lost) still stops. recv() alone would wait forever.
		 */
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int ready = poll(&p, 1, t->ends > 0 ? LINGER_MS : timeout_ms);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			return -errno;
		if (ready == 0)
			return 0;

		/*
		 * One recv() returns exactly one datagram. If it were longer than the buffer, the rest
		 * would be discarded without a word; valid datagrams are a few bytes long, so a full
		 * buffer can only be an invalid one.
		 */
		char buf[512];
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		unsigned long seq = 0;
		switch (parse_datagram(buf, (size_t)n, &seq)) {
		case DATAGRAM_DATA: {
			int rc = tally_data(t, seq);
			if (rc < 0)
				return rc;
			break;
		}
		case DATAGRAM_END:
			if (t->ends == 0)
				t->end_count = seq;
			t->ends++;
			break;
		case DATAGRAM_INVALID:
			t->invalid++;
			break;
		}
	}
}

static int parse_timeout(const char *text, int *out)
{
	if (text[0] < '0' || text[0] > '9')
		return -1;
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 3600000)
		return -1;
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	int timeout_ms = 5000;
	int opt;
	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't' || parse_timeout(optarg, &timeout_ms) < 0) {
			fprintf(stderr, "usage: %s [-t TIMEOUT_MS] [HOST] PORT\n", argv[0]);
			return 2;
		}
	}
	int args = argc - optind;
	if (args < 1 || args > 2) {
		fprintf(stderr, "usage: %s [-t TIMEOUT_MS] [HOST] PORT\n", argv[0]);
		return 2;
	}
	const char *host = args == 2 ? argv[optind] : NULL;
	const char *port = argv[argc - 1];

	char err[256];
	int fd = sockio_bind(host, port, SOCK_DGRAM, err, sizeof err);
	if (fd < 0) {
		fprintf(stderr, "cannot bind %s port %s: %s\n", host ? host : "*", port, err);
		return 1;
	}
	char where[128];
	int rc = sockio_describe(fd, false, where, sizeof where);
	if (rc < 0) {
		fprintf(stderr, "getsockname: %s\n", strerror(-rc));
		close(fd);
		return 1;
	}
	printf("listening on %s\n", where);
	fflush(stdout);

	struct tally t = {0};
	rc = receive_all(fd, timeout_ms, &t);
	if (rc < 0)
		fprintf(stderr, "receive: %s\n", strerror(-rc));
	else
		tally_report(&t);
	free(t.copies);
	close(fd);
	if (fflush(stdout) != 0)
		return 1;
	return rc < 0 ? 1 : 0;
}
