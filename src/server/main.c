/* charlad: the charla chat server. See --help, charlad(8), docs/protocol.md and docs/install.md. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include <curl/curl.h>

#include "auth/pwhash.h"
#include "base/log.h"
#include "server/config.h"
#include "server/config_file.h"
#include "server/files.h"
#include "server/server.h"

enum { EXIT_USAGE = 2 };

/* The user-facing text of main, in one place. */
static const char T_ERROR[] = "charlad: %s\n";
static const char T_CHECK_OK[] = "charlad: configuration OK (%s)\n";
static const char T_CHECK_NO_FILE[] = "no config file";
static const char T_PASSWORD_PROMPT[] = "Password: ";
static const char T_PASSWORD_EMPTY[] = "no password on standard input";
static const char T_PASSWORD_LONG[] = "the password is too long (512 bytes at most)";
static const char T_PASSWORD_FAILED[] = "cannot hash the password (out of memory?)";

/* A chat server holds one descriptor per client: take every descriptor the hard limit allows. */
static void main_raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* --hash-password: one line from stdin (not echoed when it is a terminal), its Argon2id hash at
 * the operators' cost on stdout. The password is wiped before return. */
static int main_hash_password(void)
{
	bool tty = isatty(STDIN_FILENO);
	struct termios old, quiet;
	if (tty && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		fputs(T_PASSWORD_PROMPT, stderr);
	} else {
		tty = false;
	}
	char pw[PWHASH_MAX_PASSWORD + 2];
	bool got = fgets(pw, sizeof(pw), stdin) != NULL;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	size_t len = got ? strcspn(pw, "\r\n") : 0;
	bool whole = got && (pw[len] == '\n' || pw[len] == '\r' || feof(stdin));
	int code = EXIT_USAGE;
	char hash[PWHASH_STR_LEN];
	if (!len)
		fprintf(stderr, T_ERROR, T_PASSWORD_EMPTY);
	else if (!whole || len > PWHASH_MAX_PASSWORD)
		fprintf(stderr, T_ERROR, T_PASSWORD_LONG);
	else if (pwhash_hash_now(PWHASH_COST_MODERATE, pw, len, hash) < 0)
		fprintf(stderr, T_ERROR, T_PASSWORD_FAILED), code = 1;
	else
		printf("%s\n", hash), code = 0;
	memset(pw, 0, sizeof(pw));
	return code;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct config_text text; /* the config file's bytes, which cfg's strings may point into */
	char err[512];
	int r = config_load(&cfg, &text, argc, argv, err, sizeof(err));
	if (r > 0)
		return 0;
	if (r < 0) {
		fprintf(stderr, T_ERROR, err);
		return EXIT_USAGE;
	}
	if (cfg.hash_password) {
		int code = main_hash_password();
		config_text_free(&text);
		return code;
	}
	if (cfg.check_config) {
		/* Everything that can be checked without listening: the options and the file were
		 * checked by config_load; now the files they name. */
		size_t bad = files_check(&cfg, stderr);
		if (!bad)
			printf(T_CHECK_OK, cfg.config_file ? cfg.config_file : T_CHECK_NO_FILE);
		config_text_free(&text);
		return bad ? EXIT_USAGE : 0;
	}
	/* A key given with --ai-key is copied and wiped from argv, so that `ps` shows it only
	 * for the moment before this line. */
	char *key_copy = NULL;
	if (cfg.ai_key_arg) {
		key_copy = strdup(cfg.ai_key_arg);
		if (!key_copy) {
			fprintf(stderr, "charlad: out of memory\n");
			return 1;
		}
		memset(cfg.ai_key_arg, 'x', strlen(cfg.ai_key_arg));
		cfg.ai_key = key_copy;
		cfg.ai_key_arg = NULL;
	}
	/* libcurl's process-wide state, for the assistant's HTTP client (net/http.h); only when
	 * there is an API to talk to. */
	bool curl = config_ai_backend(&cfg);
	/* Errors from here on are logged in the format asked for (a JSON line with --log-format
	 * json, so that a log collector parses every line); the arguments' are not. */
	struct logger lg = {.out = stderr, .prog = "charlad", .level = LOG_ERROR,
			    .format = (enum log_format)cfg.log_format};
	if (curl && curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		log_error(&lg, "cannot initialise libcurl");
		free(key_copy);
		config_text_free(&text);
		return 1;
	}
	/* A peer that vanishes mid-write must cost an EPIPE, not the process. */
	signal(SIGPIPE, SIG_IGN);
	main_raise_fd_limit();

	static struct server sv; /* large (read buffer); static storage, owned by main alone */
	int code = 1;
	int init = server_init(&sv, &cfg, argc, argv, err, sizeof(err));
	if (init < 0) {
		log_error(&lg, "%s", err);
		if (init == SERVER_STORE_REFUSED)
			code = EXIT_USAGE; /* a database charlad will not touch: a setup problem */
	} else {
		code = server_run(&sv);
	}
	server_free(&sv);
	if (curl)
		curl_global_cleanup();
	if (key_copy) {
		memset(key_copy, 0, strlen(key_copy));
		free(key_copy);
	}
	config_text_free(&text);
	return code;
}
