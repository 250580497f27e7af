/*
 * udp/sender.c: sends COUNT numbered datagrams to HOST PORT, then an end marker.
 *
 *     ./ex_udp_sender HOST PORT [COUNT [INTERVAL_MS]]    e.g.  ./ex_udp_sender ::1 6000 100
 *
 * Each datagram is the text "data N", N = 1, 2, ... COUNT, without a newline: UDP keeps message
 * boundaries, so one send() here is exactly one recv() at the receiver (if the datagram arrives at
 * all). Then "end COUNT" is sent three times, because the end marker may be lost like any other
 * datagram. INTERVAL_MS (default 0) waits between datagrams, to watch them go by or to avoid
 * overflowing a slow receiver.
 *
 * The contrast with TCP: nothing here knows whether anything arrived. There is no connection, no
 * acknowledgement, no retransmission and no ordering. udp/receiver.c counts what was lost,
 * duplicated or reordered on the way.
 */
#include "../common/sockio.h"
#include "datagram.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* How many copies of the end marker to send, since any one of them may be lost. */
#define END_COPIES 3

/* Parses a whole decimal number between MIN and MAX. Returns 0, or -1 if TEXT is not one. */
static int parse_number(const char *text, unsigned long min, unsigned long max,
                        unsigned long *out)
{
	if (text[0] < '0' || text[0] > '9')
		return -1; /* strtoul() would accept spaces and a minus sign */
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Sends one datagram holding TEXT. Returns 0 or a negative errno value. */
static int send_datagram(int fd, const char *text)
{
	size_t len = strlen(text);
	for (;;) {
		/*
		 * For UDP, send() either sends the whole datagram or fails: there are no partial
		 * datagrams. Success only means it left this machine's queue, not that it arrived.
		 */
		ssize_t n = send(fd, text, len, 0);
		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

static void pause_ms(unsigned long ms)
{
	struct timespec t = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		continue;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: %s HOST PORT [COUNT [INTERVAL_MS]]\n", argv[0]);
		return 2;
	}
	unsigned long count = 10;
	unsigned long interval = 0;
	if (argc >= 4 && parse_number(argv[3], 1, DATAGRAM_SEQ_MAX, &count) < 0) {
		fprintf(stderr, "COUNT must be a number from 1 to %lu\n", DATAGRAM_SEQ_MAX);
		return 2;
	}
	if (argc == 5 && parse_number(argv[4], 0, 60000, &interval) < 0) {
		fprintf(stderr, "INTERVAL_MS must be a number from 0 to 60000\n");
		return 2;
	}

	/*
	 * connect() on a UDP socket sends nothing. It fixes the destination, so we can use send()
	 * instead of sendto(), and it lets the kernel report an ICMP "port unreachable" as an error
	 * on a later send() (ECONNREFUSED): the only hint UDP ever gives that nobody is listening.
	 */
	char err[256];
	int fd = sockio_connect(argv[1], argv[2], SOCK_DGRAM, err, sizeof err);
	if (fd < 0) {
		fprintf(stderr, "cannot send to %s port %s: %s\n", argv[1], argv[2], err);
		return 1;
	}

	int status = 0;
	char text[64];
	for (unsigned long seq = 1; seq <= count + END_COPIES; seq++) {
		int n = seq <= count ? snprintf(text, sizeof text, "data %lu", seq)
		                     : snprintf(text, sizeof text, "end %lu", count);
		if (n < 0 || (size_t)n >= sizeof text) {
			fprintf(stderr, "datagram text too long\n");
			status = 1;
			break;
		}
		int rc = send_datagram(fd, text);
		if (rc == -ECONNREFUSED) {
			fprintf(stderr, "nobody is listening at %s port %s (an ICMP message said so; "
			                "UDP itself would never tell)\n", argv[1], argv[2]);
			status = 1;
			break;
		}
		if (rc < 0) {
			fprintf(stderr, "send: %s\n", strerror(-rc));
			status = 1;
			break;
		}
		if (interval > 0)
			pause_ms(interval);
	}
	if (status == 0)
		printf("sent %lu datagrams and %d end markers\n", count, END_COPIES);
	close(fd);
	return status;
}
