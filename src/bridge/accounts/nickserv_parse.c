#include "bridge/accounts/nickserv.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

enum { NICKSERV_WORDS = 4 }; /* the most words a command has */

static bool nickserv_is(struct nickserv_span w, const char *word)
{
	return strlen(word) == w.len && strncasecmp(w.p, word, w.len) == 0;
}

void nickserv_parse(const char *text, size_t len, struct nickserv_cmd *out)
{
	memset(out, 0, sizeof(*out));
	struct nickserv_span w[NICKSERV_WORDS + 1] = {{0}};
	const char *p = text, *end = text + len;
	size_t n = 0;
	while (n <= NICKSERV_WORDS) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end)
			break;
		const char *start = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		w[n++] = (struct nickserv_span){start, (size_t)(p - start)};
	}
	out->word = w[0];
	if (n == 0 || nickserv_is(w[0], "HELP")) {
		out->verb = NICKSERV_HELP;
	} else if (nickserv_is(w[0], "REGISTER")) {
		out->verb = n == 2 || n == 3 ? NICKSERV_REGISTER : NICKSERV_SYNTAX;
		out->password = w[1];
		out->email = w[2];
		out->usage = "REGISTER PASSWORD [EMAIL]";
	} else if (nickserv_is(w[0], "IDENTIFY") || nickserv_is(w[0], "LOGIN")) {
		out->verb = n == 2 || n == 3 ? NICKSERV_IDENTIFY : NICKSERV_SYNTAX;
		out->name = n == 3 ? w[1] : (struct nickserv_span){0};
		out->password = n == 3 ? w[2] : w[1];
		out->usage = "IDENTIFY [NAME] PASSWORD";
	} else if (nickserv_is(w[0], "LOGOUT")) {
		out->verb = n == 1 ? NICKSERV_LOGOUT : NICKSERV_SYNTAX;
		out->usage = "LOGOUT";
	} else if (nickserv_is(w[0], "SET")) {
		bool ok = n == 3 && nickserv_is(w[1], "PASSWORD");
		out->verb = ok ? NICKSERV_SET_PASSWORD : NICKSERV_SYNTAX;
		out->password = ok ? w[2] : (struct nickserv_span){0};
		out->usage = "SET PASSWORD NEW";
	} else if (nickserv_is(w[0], "CERT")) {
		out->usage = "CERT ADD [FINGERPRINT] | CERT DEL FINGERPRINT | CERT LIST";
		out->verb = NICKSERV_SYNTAX;
		if (n == 2 && nickserv_is(w[1], "LIST"))
			out->verb = NICKSERV_CERT_LIST;
		else if ((n == 2 || n == 3) && nickserv_is(w[1], "ADD"))
			out->verb = NICKSERV_CERT_ADD;
		else if (n == 3 && nickserv_is(w[1], "DEL"))
			out->verb = NICKSERV_CERT_DEL;
		out->certfp = out->verb == NICKSERV_SYNTAX ? (struct nickserv_span){0} : w[2];
	} else {
		out->verb = NICKSERV_UNKNOWN;
	}
}
