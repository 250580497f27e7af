/* cluster_lua: the scripts that run with every arrival, rename and quit (a name claimed or freed)
 * sent by their SHA1 (EVALSHA), the script's 40-character name instead of its 600 bytes. Each goes
 * whole (EVAL, which Redis keeps) the first time after the link comes up, and by name after: the
 * calls go in order on one connection (to one master in a cluster: the keys share a slot), so the
 * name always follows the whole. A Redis that forgot it anyway (SCRIPT FLUSH) answers NOSCRIPT, and
 * that call goes again whole: the one case where its news may come after later events. The rare ones (the lease, a reclaim after a split, the goodbye) go by EVAL: a reclaim
 * carries every name of the node, and sending it twice could pass --cluster-buffer. */
#include "bridge/cluster/cluster_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include "base/xalloc.h"

/* A call on its way: a copy of its arguments, should it have to go again as EVAL. */
struct cl_eval {
	struct cluster *c;
	rlink_cb *cb;
	void *privdata;
	int argc;
	char **own;    /* copies of the arguments: argv[0] "EVAL", argv[1] the script's text */
	const char **argv; /* the same pointers, as clink_command takes them */
	size_t *lens;
};

static void cluster_eval_free(struct cl_eval *e)
{
	for (int i = 0; i < e->argc; i++)
		free(e->own[i]);
	free(e->own);
	free(e->argv);
	free(e->lens);
	free(e);
}

/* The SHA1 of script, hex, as Redis names it; computed once per script (the table is the
 * cluster's, CL_LUA_MAX entries for the few scripts there are). */
static size_t cluster_lua_find(struct cluster *c, const char *script)
{
	size_t i = 0;
	for (; i < CL_LUA_MAX && c->lua[i].script; i++)
		if (c->lua[i].script == script)
			return i;
	if (i == CL_LUA_MAX)
		return i;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!EVP_Digest(script, strlen(script), md, &n, EVP_sha1(), NULL) || n != 20)
		return CL_LUA_MAX;
	for (unsigned k = 0; k < n; k++)
		snprintf(c->lua[i].sha + 2 * k, 3, "%02x", md[k]);
	c->lua[i].script = script;
	c->lua[i].sent = false;
	return i;
}

void cluster_lua_forget(struct cluster *c)
{
	for (size_t i = 0; i < CL_LUA_MAX; i++)
		c->lua[i].sent = false;
}

static void cluster_eval_done(void *privdata, const struct redisReply *r)
{
	struct cl_eval *e = privdata;
	if (e->cb)
		e->cb(e->privdata, r);
	cluster_eval_free(e);
}

static void cluster_eval_reply(void *privdata, const struct redisReply *r)
{
	struct cl_eval *e = privdata;
	if (r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0 &&
	    !e->c->shutting) {
		e->c->st.scripts_sent++;
		if (clink_command(&e->c->link, cluster_eval_done, e, e->argc, e->argv, e->lens))
			return;
		r = NULL; /* the link went: the caller hears it as a lost reply */
	}
	cluster_eval_done(e, r);
}

bool cluster_eval(struct cluster *c, rlink_cb *cb, void *privdata, int argc, const char **argv,
		  const size_t *lens)
{
	size_t k = argc > 1 ? cluster_lua_find(c, argv[1]) : CL_LUA_MAX;
	if (k == CL_LUA_MAX || !c->lua[k].sent) {
		bool ok = clink_command(&c->link, cb, privdata, argc, argv, lens);
		if (ok && k < CL_LUA_MAX)
			c->lua[k].sent = true;
		return ok;
	}
	const char *sha = c->lua[k].sha;
	struct cl_eval *e = xcalloc(1, sizeof(*e));
	*e = (struct cl_eval){.c = c, .cb = cb, .privdata = privdata, .argc = argc};
	e->own = xcalloc((size_t)argc, sizeof(*e->own));
	e->argv = xcalloc((size_t)argc, sizeof(*e->argv));
	e->lens = xcalloc((size_t)argc, sizeof(*e->lens));
	for (int i = 0; i < argc; i++) {
		e->own[i] = xmalloc(lens[i] + 1);
		memcpy(e->own[i], argv[i], lens[i]);
		e->own[i][lens[i]] = '\0';
		e->argv[i] = e->own[i];
		e->lens[i] = lens[i];
	}
	const char **byname = xcalloc((size_t)argc, sizeof(*byname));
	size_t *bylens = xcalloc((size_t)argc, sizeof(*bylens));
	memcpy(byname, argv, (size_t)argc * sizeof(*byname));
	memcpy(bylens, lens, (size_t)argc * sizeof(*bylens));
	byname[0] = "EVALSHA";
	bylens[0] = 7;
	byname[1] = sha;
	bylens[1] = strlen(sha);
	bool ok = clink_command(&c->link, cluster_eval_reply, e, argc, byname, bylens);
	free(byname);
	free(bylens);
	if (!ok)
		cluster_eval_free(e);
	return ok;
}
