/* libFuzzer target: the client's matcher of server lines (src/client/scan.c). The input is a
 * format, a 0xFF byte, then a line (no 0xFF: the whole input is the line, against the server's
 * own stable formats). Checks, beyond the sanitizers: every capture lies inside the line and is
 * not empty, captures come in order without overlapping, and a line the whole format matches
 * also matches its prefix forms. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/scan.h"

static const char *const fuzz_formats[] = {
	"You joined %s (%llu members).", "[%s] -- %s left (%.*s)", "-- %s is now known as %.*s",
	"* You are in {1} already; it is now your current room.", "%s (%zu):", "%d%% of %u",
};

static void fuzz_one(const char *fmt, const char *line, size_t len)
{
	struct scan_span caps[SCAN_MAX];
	for (size_t need = 0; need <= 3; need++) {
		bool whole = scan_whole(fmt, line, len, caps, need);
		const char *at = line;
		for (size_t i = 0; whole && i < need; i++) {
			if (!caps[i].p)
				break; /* the format has fewer captures than asked */
			assert(caps[i].n > 0);
			assert(caps[i].p >= at && caps[i].p + caps[i].n <= line + len);
			at = caps[i].p + caps[i].n;
		}
		size_t end = 0;
		if (scan_said("", fmt, false, line, len, caps, need, &end))
			assert(end <= len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *sep = memchr(in, 0xFF, size);
	if (sep) {
		size_t flen = (size_t)(sep - in);
		char *fmt = malloc(flen + 1);
		memcpy(fmt, in, flen);
		fmt[flen] = '\0'; /* a NUL inside ends the format early, as C would */
		fuzz_one(fmt, sep + 1, size - flen - 1);
		free(fmt);
		return 0;
	}
	for (size_t i = 0; i < sizeof fuzz_formats / sizeof fuzz_formats[0]; i++)
		fuzz_one(fuzz_formats[i], in, size);
	return 0;
}
