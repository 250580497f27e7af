/* charla: the terminal client. main wires the command line and the process-wide settings
 * (locale, language, signal dispositions, terminal restoration on abnormal exits) to client_run,
 * which does the rest. The language is read from the environment once, here, and passed down. */
#include <locale.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "base/buf.h"
#include "base/i18n.h"
#include "client/args.h"
#include "client/client.h"

#define MSG_VERSION "charla %s\n"
#define MSG_ERROR "charla: %s\n"

static void restore_terminal(void);
static void on_fatal(int signum, siginfo_t *info, void *context);
static void guard_terminal(void);
static bool colour_wanted(void);
static void set_ctype(void);

/* The dispositions that were in place before ours (the default, or AddressSanitizer's), so that a
 * fatal signal still ends the way it would have, after the terminal is restored. Process-wide by
 * nature, and written once before the loop starts. */
static const int fatal_signals[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
static struct sigaction previous[sizeof fatal_signals / sizeof fatal_signals[0]];

/* uv_tty_reset_mode is documented as async-signal-safe and is a no-op when raw mode was never set,
 * which makes it right both for atexit and for a fatal signal. */
static void restore_terminal(void)
{
	uv_tty_reset_mode();
}

static void on_fatal(int signum, siginfo_t *info, void *context)
{
	(void)context;
	uv_tty_reset_mode();
	for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
		if (fatal_signals[i] == signum)
			sigaction(signum, &previous[i], NULL);
	/* A fault (si_code > 0) happens again when the handler returns and then meets the previous
	 * handler at the faulting instruction, where a sanitizer's report is most useful. A signal
	 * that was sent (abort(), kill) does not come back by itself, so it is raised again. */
	if (info->si_code <= 0)
		raise(signum);
}

/* An exit through abort() (out of memory, a failed check) or a crash must not leave the user's
 * terminal in raw mode, without echo. */
static void guard_terminal(void)
{
	atexit(restore_terminal);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fatal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
		sigaction(fatal_signals[i], &sa, &previous[i]);
}

/* Colours only on a terminal, and not when the user asked for none (https://no-color.org) or the
 * terminal cannot show them. */
static bool colour_wanted(void)
{
	const char *no_colour = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	if (!isatty(STDOUT_FILENO) || (no_colour && no_colour[0] != '\0'))
		return false;
	return !(term && strcmp(term, "dumb") == 0);
}

/* The character type of the user's locale tells wcwidth() how wide a character is on the screen
 * (edit.c). A locale that is named but not installed (LANG=es_ES.UTF-8 on a machine that never
 * generated it, common in containers) leaves the "C" locale, where wcwidth() knows no character
 * outside ASCII; C.UTF-8, which every glibc system has, measures them all. Only LC_CTYPE is set:
 * the messages follow i18n_from_env, not the C library. */
static void set_ctype(void)
{
	if (!setlocale(LC_CTYPE, ""))
		setlocale(LC_CTYPE, "C.UTF-8");
}

int main(int argc, char **argv)
{
	set_ctype();
	struct args a;
	char err[256];
	switch (args_parse(argc, argv, i18n_from_env(getenv), &a, err, sizeof err)) {
	case ARGS_HELP: {
		struct buf help = BUF_INIT;
		args_help(a.lang, &help);
		fwrite(help.data, 1, help.len, stdout);
		buf_free(&help);
		return CLIENT_EXIT_OK;
	}
	case ARGS_VERSION:
		printf(MSG_VERSION, CHARLA_VERSION);
		return CLIENT_EXIT_OK;
	case ARGS_ERROR:
		fprintf(stderr, MSG_ERROR, err);
		return CLIENT_EXIT_USAGE;
	case ARGS_RUN:
		break;
	}
	/* A server that closes while we write must give us an error to report, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	const char *term = getenv("TERM");
	struct client_options opt = {
		.host = a.host,
		.port = a.port,
		.name = a.name,
		.interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) &&
			       !(term && strcmp(term, "dumb") == 0),
		.colour = colour_wanted(),
		.echo = isatty(STDOUT_FILENO),
		.udp = a.udp,
		.tls = a.tls,
		.ca = a.ca,
		.bell = a.bell,
		.keepalive_ms = a.keepalive_s * 1000u,
		.lang = a.lang,
	};
	if (opt.interactive)
		guard_terminal();
	return client_run(&opt);
}
