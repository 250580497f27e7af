#include "client/args.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/i18n.h"
#include "base/utf8.h"
#include "client/edit.h"

/* User-facing strings, in one place, marked for translation (po/es.po) and translated where they
 * are used. The help text comes in parts, so that a change to one paragraph leaves the
 * translations of the others standing. */
#define HELP_USAGE N_( \
	"Usage: charla [-u] [-n NAME] [--lang LANG] [HOST [PORT]]\n" \
	"Chat on a charla server (default %s, port %s).\n" \
	"\n")
static const char *const help_parts[] = {
	N_("      --tls         connect with TLS (default port 7443), checking the server's\n"
	   "                    certificate against the system's authorities and the HOST\n"
	   "      --ca FILE     with --tls, trust the certificates in FILE (PEM) instead\n"),
	N_("  -n, --name NAME   send NAME as your name as soon as you are connected; in a\n"
	   "                    terminal, if the server refuses it, you type another\n"
	   "  -u, --udp         chat over UDP datagrams instead of a TCP connection;\n"
	   "                    /stats shows what the network did to them\n"
	   "      --keepalive S with --udp, never stay silent towards the server longer than\n"
	   "                    S seconds (default 20), so that it does not forget you\n"
	   "      --no-bell     do not ring the terminal bell when someone mentions you\n"
	   "      --lang LANG   speak LANG: en (English) or es (Spanish); by default the\n"
	   "                    language of the environment (LANGUAGE, LC_ALL, LC_MESSAGES,\n"
	   "                    LANG), which charla also asks the server to speak\n"
	   "  -h, --help        show this help and exit\n"
	   "  -V, --version     show the version and exit\n"
	   "\n"),
	N_("In a terminal, type a line and press Enter to say it. Editing keys: Left, Right,\n"
	   "Home and End (Ctrl-A, Ctrl-E), Up and Down for earlier lines, Backspace, Delete,\n"
	   "Ctrl-K, Ctrl-U, Ctrl-W; Ctrl-C throws away the line being typed. /quit, salir,\n"
	   "or Ctrl-C or Ctrl-D on an empty line leaves. A line wider than the window\n"
	   "scrolls sideways, with < or > at the edge where text is hidden.\n"
	   "Tab completes a name (of the room's members, the assistant, who wrote to you)\n"
	   "or, in a line starting with /, a command; a second Tab lists the choices.\n"
	   "A line that mentions your name (ana, Ana:, @ana) is highlighted and rings the\n"
	   "bell; so does a private message (once for several in a row from one sender).\n"
	   "/help lists the server's commands, then charla's own (/stats, the keys, how to\n"
	   "ask the assistant); /stats shows what was sent and received.\n"
	   "\n"),
	N_("When standard input is not a terminal, each input line is sent and every line\n"
	   "from the server is printed until the server closes the connection:\n"
	   "  printf 'ana\\nhola\\n/quit\\n' | charla HOST\n"
	   "The name is -n NAME, or else the first line that is not a command. The next\n"
	   "line waits until the server has taken it; if the server refuses it, charla\n"
	   "sends nothing more and exits with status 6.\n"
	   "\n"),
	N_("Exit status:\n"
	   "  0  left normally (/quit, salir, Ctrl-C or Ctrl-D on an empty line, end of input)\n"
	   "  1  another failure (terminal, output)\n"
	   "  2  bad command line\n"
	   "  3  unknown host\n"
	   "  4  cannot connect (with --udp: no answer to registering)\n"
	   "  5  connection lost, or closed by the server\n"
	   "  6  the server refused the name (standard input not a terminal)\n"),
};
#define MSG_NEEDS_ARG N_("option %s needs an argument")
#define MSG_UNKNOWN_OPTION N_("unknown option %s (try --help)")
#define MSG_TOO_MANY N_("too many arguments (try --help)")
#define MSG_BAD_PORT N_("invalid port %s (1 to 65535)")
#define MSG_BAD_NAME \
	N_("invalid name: it must be text without control characters, at most %d bytes")
#define MSG_BAD_HOST N_("invalid host %s")
#define MSG_BAD_KEEPALIVE N_("invalid keepalive %s (1 to %d seconds)")
#define MSG_BAD_LANG N_("unknown language %s (charla speaks %s)")
#define MSG_TLS_UDP N_("--tls and --udp cannot go together")

static bool fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool valid_port(const char *s);
static bool valid_seconds(const char *s, unsigned *out);
static bool set_host(struct args *a, const char *host, char *err, size_t errlen);
static bool args_takes_value(const char *arg);
static bool args_find_lang(int argc, char *const argv[], struct args *a, char *err, size_t errlen);

/* A message cut short (a huge argument quoted in it) ends in "..." so the user sees it was cut. */
static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if ((r < 0 || (size_t)r >= errlen) && errlen > 4)
		memcpy(err + errlen - 4, "...", 4);
	return false;
}

static bool valid_port(const char *s)
{
	unsigned long v = 0;
	size_t n = strlen(s);
	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

static bool valid_seconds(const char *s, unsigned *out)
{
	unsigned long v = 0;
	size_t n = strlen(s);
	if (n == 0 || n > 4)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > ARGS_MAX_KEEPALIVE)
		return false;
	*out = (unsigned)v;
	return true;
}

/* An IPv6 literal may be written in brackets, as in URLs; getaddrinfo wants it bare. */
static bool set_host(struct args *a, const char *host, char *err, size_t errlen)
{
	size_t n = strlen(host);
	if (n == 0)
		return fail(err, errlen, i18n_tr(a->lang, MSG_BAD_HOST), "''");
	if (host[0] == '[' && host[n - 1] == ']') {
		if (n - 2 == 0 || n - 2 >= sizeof a->host_buf)
			return fail(err, errlen, i18n_tr(a->lang, MSG_BAD_HOST), host);
		memcpy(a->host_buf, host + 1, n - 2);
		a->host_buf[n - 2] = '\0';
		a->host = a->host_buf;
	} else {
		a->host = host;
	}
	return true;
}

/* Options whose value is the next argument, which is therefore no option itself. */
static bool args_takes_value(const char *arg)
{
	return strcmp(arg, "-n") == 0 || strcmp(arg, "--name") == 0 ||
	       strcmp(arg, "--keepalive") == 0 || strcmp(arg, "--lang") == 0 ||
	       strcmp(arg, "--ca") == 0;
}

/* --lang is looked for first, so that every message about the other arguments, those before it
 * included, is in the language the user asked for. The last --lang wins, as with other options. */
static bool args_find_lang(int argc, char *const argv[], struct args *a, char *err, size_t errlen)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *arg = argv[i];
		const char *tag = NULL;
		if (strcmp(arg, "--lang") == 0 && i + 1 < argc)
			tag = argv[i + 1];
		else if (strncmp(arg, "--lang=", 7) == 0)
			tag = arg + 7;
		if (args_takes_value(arg))
			i++;
		if (!tag)
			continue;
		enum lang l;
		if (!i18n_parse(tag, strlen(tag), &l))
			return fail(err, errlen, i18n_tr(a->lang, MSG_BAD_LANG), tag, i18n_codes());
		a->lang = l;
	}
	return true;
}

enum args_result args_parse(int argc, char *const argv[], enum lang env_lang, struct args *a,
			    char *err, size_t errlen)
{
	memset(a, 0, sizeof *a);
	a->host = ARGS_DEFAULT_HOST;
	a->port = ARGS_DEFAULT_PORT;
	a->keepalive_s = ARGS_DEFAULT_KEEPALIVE;
	a->bell = true;
	a->lang = env_lang;
	err[0] = '\0';
	if (!args_find_lang(argc, argv, a, err, errlen))
		return ARGS_ERROR;
	enum lang lang = a->lang;
	const char *positional[2];
	int npos = 0;
	bool options = true;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (options && arg[0] == '-' && arg[1] != '\0') {
			if (strcmp(arg, "--") == 0) {
				options = false;
				continue;
			}
			if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
				return ARGS_HELP;
			if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0)
				return ARGS_VERSION;
			if (strcmp(arg, "-u") == 0 || strcmp(arg, "--udp") == 0) {
				a->udp = true;
				continue;
			}
			if (strcmp(arg, "--no-bell") == 0) {
				a->bell = false;
				continue;
			}
			if (strcmp(arg, "--tls") == 0) {
				a->tls = true;
				continue;
			}
			if (strcmp(arg, "--ca") == 0 || strncmp(arg, "--ca=", 5) == 0) {
				if (arg[4] == '\0' && i + 1 >= argc) {
					fail(err, errlen, i18n_tr(lang, MSG_NEEDS_ARG), arg);
					return ARGS_ERROR;
				}
				a->ca = arg[4] == '=' ? arg + 5 : argv[++i];
				a->tls = true;
				continue;
			}
			if (strcmp(arg, "--lang") == 0) {
				if (i + 1 >= argc) {
					fail(err, errlen, i18n_tr(lang, MSG_NEEDS_ARG), arg);
					return ARGS_ERROR;
				}
				i++;
				continue;
			}
			if (strncmp(arg, "--lang=", 7) == 0)
				continue;
			const char *keepalive = NULL;
			if (strcmp(arg, "--keepalive") == 0) {
				if (i + 1 >= argc) {
					fail(err, errlen, i18n_tr(lang, MSG_NEEDS_ARG), arg);
					return ARGS_ERROR;
				}
				keepalive = argv[++i];
			} else if (strncmp(arg, "--keepalive=", 12) == 0) {
				keepalive = arg + 12;
			}
			if (keepalive) {
				if (!valid_seconds(keepalive, &a->keepalive_s)) {
					fail(err, errlen, i18n_tr(lang, MSG_BAD_KEEPALIVE),
					     keepalive, ARGS_MAX_KEEPALIVE);
					return ARGS_ERROR;
				}
				continue;
			}
			const char *name = NULL;
			if (strcmp(arg, "-n") == 0 || strcmp(arg, "--name") == 0) {
				if (i + 1 >= argc) {
					fail(err, errlen, i18n_tr(lang, MSG_NEEDS_ARG), arg);
					return ARGS_ERROR;
				}
				name = argv[++i];
			} else if (strncmp(arg, "--name=", 7) == 0) {
				name = arg + 7;
			} else if (strncmp(arg, "-n", 2) == 0) {
				name = arg + 2;
			} else {
				fail(err, errlen, i18n_tr(lang, MSG_UNKNOWN_OPTION), arg);
				return ARGS_ERROR;
			}
			size_t n = strlen(name);
			if (n == 0 || n > EDIT_MAX || !utf8_is_clean(name, n)) {
				fail(err, errlen, i18n_tr(lang, MSG_BAD_NAME), EDIT_MAX);
				return ARGS_ERROR;
			}
			a->name = name;
			continue;
		}
		if (npos == 2) {
			fail(err, errlen, i18n_tr(lang, MSG_TOO_MANY));
			return ARGS_ERROR;
		}
		positional[npos++] = arg;
	}
	if (a->tls && a->udp) {
		fail(err, errlen, "%s", i18n_tr(lang, MSG_TLS_UDP));
		return ARGS_ERROR;
	}
	if (a->tls)
		a->port = ARGS_DEFAULT_TLS_PORT;
	if (npos >= 1 && !set_host(a, positional[0], err, errlen))
		return ARGS_ERROR;
	if (npos == 2) {
		if (!valid_port(positional[1])) {
			fail(err, errlen, i18n_tr(lang, MSG_BAD_PORT), positional[1]);
			return ARGS_ERROR;
		}
		a->port = positional[1];
	}
	return ARGS_RUN;
}

void args_help(enum lang lang, struct buf *out)
{
	buf_printf(out, i18n_tr(lang, HELP_USAGE), ARGS_DEFAULT_HOST, ARGS_DEFAULT_PORT);
	for (size_t i = 0; i < sizeof help_parts / sizeof help_parts[0]; i++)
		buf_puts(out, i18n_tr(lang, help_parts[i]));
}
