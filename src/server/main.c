/* charlad: the charla chat server. See --help and docs/protocol.md. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "server/config.h"
#include "server/server.h"

/* A chat server holds one descriptor per client: take every descriptor the hard limit allows. */
static void main_raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct config cfg;
	char err[512];
	config_defaults(&cfg);
	int r = config_parse(&cfg, argc, argv, err, sizeof(err));
	if (r > 0)
		return 0;
	if (r < 0) {
		fprintf(stderr, "charlad: %s\n", err);
		return 2;
	}
	/* A peer that vanishes mid-write must cost an EPIPE, not the process. */
	signal(SIGPIPE, SIG_IGN);
	main_raise_fd_limit();

	static struct server sv; /* large (read buffer); static storage, owned by main alone */
	if (server_init(&sv, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "charlad: error: %s\n", err);
		server_free(&sv);
		return 1;
	}
	int code = server_run(&sv);
	server_free(&sv);
	return code;
}
