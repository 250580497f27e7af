/* config_opts: the readers of the options whose values need more than a number, a size or a
 * word (KIND_CUSTOM), apart from config.c's table, which names them. */
#include "server/config_opt.h"

#include <string.h>

#include <stdio.h>

#include "bridge/cluster/cmsg.h"
#include "bridge/cluster/rlink.h"
#include "net/netlim.h"

static void config_set_string(struct config *cfg, const struct config_opt *o, const char *s)
{
	*(const char **)(void *)((char *)cfg + o->offset) = s;
}

/* --ai-url: an http:// or https:// URL. */
enum config_result config_url(struct config *cfg, const struct config_opt *o, char *arg,
				     char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	static const char *const schemes[] = {"http://", "https://"};
	for (size_t i = 0; i < CONFIG_LEN(schemes); i++) {
		if (strncmp(arg, schemes[i], strlen(schemes[i])) == 0) {
			config_set_string(cfg, o, arg);
			return RESULT_OK;
		}
	}
	return RESULT_BAD;
}

/* --ai-key: the key, and its argv string, which main.c wipes once it holds a copy. */
enum config_result config_key(struct config *cfg, const struct config_opt *o, char *arg,
				     char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	config_set_string(cfg, o, arg);
	cfg->ai_key_arg = arg;
	return RESULT_OK;
}

/* --ai-model: any name but the empty one. */
enum config_result config_model(struct config *cfg, const struct config_opt *o, char *arg,
				       char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	if (!*arg)
		return RESULT_BAD;
	config_set_string(cfg, o, arg);
	return RESULT_OK;
}

/* --limit-exempt: addresses and CIDRs as net/netlim.h reads them; kept as text, read again by
 * server.c into the net's limits. */
enum config_result config_exempt(struct config *cfg, const struct config_opt *o, char *arg,
				 char *err, size_t errlen)
{
	struct netlim_config lim;
	if (netlim_parse_exempt(arg, &lim, err, errlen) < 0)
		return RESULT_ERR;
	config_set_string(cfg, o, arg);
	return RESULT_OK;
}

/* --cluster: a redis:// URL as the cluster's link reads it (bridge/cluster/rlink.h), checked here
 * so that --check-config and the start say what is wrong before anything listens. The password
 * is never repeated in the message. */
enum config_result config_cluster(struct config *cfg, const struct config_opt *o, char *arg,
				  char *err, size_t errlen)
{
	struct rlink_url url;
	const char *why = NULL;
	bool ok = rlink_url_parse(arg, &url, &why);
	memset(&url, 0, sizeof(url));
	if (!ok) {
		snprintf(err, errlen, "--cluster: %s", why ? why : "not a redis:// URL");
		return RESULT_ERR;
	}
	config_set_string(cfg, o, arg);
	return RESULT_OK;
}

/* --node-name: what the cluster's messages can carry (cmsg.h). */
enum config_result config_node_name(struct config *cfg, const struct config_opt *o, char *arg,
				    char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	if (!cmsg_node_valid(arg, strlen(arg)))
		return RESULT_BAD;
	config_set_string(cfg, o, arg);
	return RESULT_OK;
}
