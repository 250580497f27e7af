/* irc_history: IRCv3 draft/chathistory (ircv3.net/specs/extensions/chathistory) and the history a
 * channel replays to a client that joins it. The asking goes through hub/history.h; the answer
 * comes on a later turn of the loop, so every request waits in a struct irc_history_req on its
 * client's list, which irc_history_forget empties (cancelling each) before the client is freed.
 *
 * Labels. A labeled CHATHISTORY (labeled-response) is answered after its command has ended: the
 * request takes the label from the capture (irc_label_take), and the answer's BATCH line carries
 * it; a client without batch gets the label on the answer's one line, or an ACK for none, and no
 * label on more lines (they cannot be grouped).
 *
 * Without batch. The answer's messages are sent as plain lines (with @time= for server-time
 * clients): the spec expects batch, and this is what Ergo does too. On join, a client that has
 * neither batch nor server-time gets no replay: its old lines could not be told from new ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "face/irc/irc_chathistory.h"
#include "face/irc/irc_int.h"
#include "hub/history.h"

/* FAIL's descriptions (the codes are what clients read; these words are a person's). */
static const char T_CH_PARAMS[] = "Invalid parameters";
static const char T_CH_MISSING[] = "Missing parameters";
static const char T_CH_UNKNOWN[] = "Unknown command";
static const char T_CH_TARGET[] = "Messages could not be retrieved";
static const char T_CH_ERROR[] = "Messages could not be retrieved";

struct irc_history_req {
	struct list_node link; /* on c->history */
	struct irc_client *c;
	uint64_t req;          /* the hub's request id (0 until accepted) */
	char *label;           /* labeled-response's label, or NULL */
	char *target;          /* as asked: the batch's parameter */
	enum irc_ch_sub sub;
	bool join;             /* the replay on join, not a CHATHISTORY */
	bool held;             /* the client's input waits for it (irc_hold) */
	unsigned limit;        /* TARGETS: how many to answer... */
	bool desc;             /* ...counted from the later end */
};

static void irc_history_req_free(struct irc_history_req *r)
{
	if (r->held)
		irc_release(r->c);
	list_remove(&r->link);
	free(r->label);
	free(r->target);
	free(r);
}

void irc_history_forget(struct irc_client *c)
{
	list_each_safe(node, &c->history) {
		struct irc_history_req *r = list_entry(node, struct irc_history_req, link);
		hub_history_cancel(c->f->hub, r->req);
		irc_history_req_free(r);
	}
}

/* Whether c may still be written to. */
static bool irc_history_live(const struct irc_client *c)
{
	return c->sess.state != SESSION_GONE && !conn_is_closing(c->conn);
}

/* ":name!user@host" of a past sender: its mask now if it is online under that name, else the
 * stand-in of users the hub knows nothing of. */
static void irc_history_source(struct irc_client *c, const char *name, size_t len, struct buf *out)
{
	const struct session *s = session_find(c->f->hub, name, len);
	buf_clear(out);
	if (s && s->name && strlen(s->name) == len && memcmp(s->name, name, len) == 0)
		irc_mask(s, out);
	else
		buf_printf(out, "%.*s!~u@charla", (int)len, name);
}

/* One past message as a line for c, in batch `ref` (NULL: none). */
static void irc_history_line(struct irc_client *c, const struct hub_history_msg *m,
			     const char *ref, struct buf *out, struct buf *tmp)
{
	if (m->kind == HUB_MSG_TAGS)
		return; /* a TAGMSG keeps no text, and its tags are not stored */
	struct irc_out o;
	irc_out_begin(&o, out);
	if (ref)
		irc_out_tag(&o, "batch", ref);
	if (irc_has(c, IRC_CAP_SERVER_TIME) || irc_has(c, IRC_CAP_MESSAGE_TAGS)) {
		char when[IRC_CH_TIME_LEN + 1];
		irc_ch_time_format(m->time_ms, when);
		irc_out_tag(&o, "time", when);
	}
	if (irc_has(c, IRC_CAP_MESSAGE_TAGS)) {
		char id[17];
		irc_ch_msgid_format(m->id, id);
		irc_out_tag(&o, "msgid", id);
	}
	irc_history_source(c, m->from, m->from_len, tmp);
	irc_out_source(&o, tmp->data, tmp->len);
	irc_out_command(&o, m->kind == HUB_MSG_NOTICE ? "NOTICE" : "PRIVMSG");
	irc_out_param(&o, m->target, m->target_len);
	if (m->kind == HUB_MSG_ACTION) {
		buf_clear(tmp);
		buf_puts(tmp, "\001ACTION ");
		buf_append(tmp, m->text, m->len);
		buf_putc(tmp, '\001');
		irc_out_trailing(&o, tmp->data, tmp->len);
	} else {
		irc_out_trailing(&o, m->text ? m->text : "", m->len);
	}
	irc_out_end(&o);
}

/* "@label=x " for r's label, when it has one, into out. */
static void irc_history_label(const struct irc_history_req *r, struct buf *out)
{
	if (!r->label)
		return;
	buf_puts(out, "@label=");
	irc_tag_escape(r->label, strlen(r->label), out);
	buf_putc(out, ' ');
}

/* Sends body (lines, count of them) as r's answer: in a batch of `type` (and `param`) for batch
 * clients, the label on its BATCH line; else as it is, labeled when it can be. */
static void irc_history_send(struct irc_history_req *r, const char *type, const char *param,
			     const char *ref, const struct buf *body, size_t lines)
{
	struct irc_client *c = r->c;
	const char *srv = irc_server(c->f);
	struct buf out = BUF_INIT;
	if (ref) {
		irc_history_label(r, &out);
		buf_printf(&out, ":%s BATCH +%s %s%s%s\r\n", srv, ref, type, param ? " " : "",
			   param ? param : "");
		buf_append(&out, body->data, body->len);
		buf_printf(&out, ":%s BATCH -%s\r\n", srv, ref);
	} else if (r->label && lines == 0) {
		irc_history_label(r, &out);
		buf_printf(&out, ":%s ACK\r\n", srv);
	} else if (r->label && lines == 1) {
		/* The one line gets the label among its tags. */
		if (body->data[0] == '@') {
			buf_puts(&out, "@label=");
			irc_tag_escape(r->label, strlen(r->label), &out);
			buf_putc(&out, ';');
			buf_append(&out, body->data + 1, body->len - 1);
		} else {
			irc_history_label(r, &out);
			buf_append(&out, body->data, body->len);
		}
	} else {
		buf_append(&out, body->data, body->len);
	}
	if (out.len)
		conn_send_str(c->conn, out.data, out.len);
	buf_free(&out);
}

/* A FAIL for r (an answer that came as an error), labeled as r was. */
static void irc_history_fail(struct irc_history_req *r, const char *code, const char *text)
{
	struct irc_client *c = r->c;
	struct buf out = BUF_INIT;
	irc_history_label(r, &out);
	buf_printf(&out, ":%s FAIL CHATHISTORY %s %s %s :%s\r\n", irc_server(c->f), code,
		   irc_ch_sub_name(r->sub), r->target ? r->target : "*", text);
	conn_send_str(c->conn, out.data, out.len);
	buf_free(&out);
}

enum { IRC_HISTORY_REF = 24 }; /* "H" and a 64-bit number */

/* A new batch reference in buf for a client with the batch capability; NULL (no batch) for one
 * without. */
static const char *irc_history_ref(struct irc_client *c, char buf[IRC_HISTORY_REF])
{
	if (!irc_has(c, IRC_CAP_BATCH))
		return NULL;
	snprintf(buf, IRC_HISTORY_REF, "H%llu", (unsigned long long)++c->f->batch_seq);
	return buf;
}

static void irc_history_answer(void *ctx, enum hub_history_status status,
			       const struct hub_history_msg *msgs, size_t n)
{
	struct irc_history_req *r = ctx;
	struct irc_client *c = r->c;
	if (!irc_history_live(c)) {
		irc_history_req_free(r);
		return;
	}
	if (status != HUB_HISTORY_OK) {
		if (!r->join)
			irc_history_fail(r, "MESSAGE_ERROR", T_CH_ERROR);
		irc_history_req_free(r);
		return;
	}
	if (r->join && n == 0) {
		irc_history_req_free(r);
		return; /* nothing said there yet: no empty batch on join */
	}
	char refbuf[IRC_HISTORY_REF];
	const char *ref = irc_history_ref(c, refbuf);
	struct buf body = BUF_INIT, tmp = BUF_INIT;
	size_t lines = 0;
	for (size_t i = 0; i < n; i++) {
		size_t before = body.len;
		irc_history_line(c, &msgs[i], ref, &body, &tmp);
		lines += body.len > before;
	}
	irc_history_send(r, "chathistory", r->target, ref, &body, lines);
	buf_free(&body);
	buf_free(&tmp);
	irc_history_req_free(r);
}

/* qsort: conversations by their last message, oldest first. */
static int irc_history_older(const void *a, const void *b)
{
	const struct hub_history_target *x = *(const struct hub_history_target *const *)a;
	const struct hub_history_target *y = *(const struct hub_history_target *const *)b;
	return x->last_id < y->last_id ? -1 : x->last_id > y->last_id;
}

static void irc_history_targets_answer(void *ctx, enum hub_history_status status,
				       const struct hub_history_target *t, size_t n)
{
	struct irc_history_req *r = ctx;
	struct irc_client *c = r->c;
	if (!irc_history_live(c)) {
		irc_history_req_free(r);
		return;
	}
	if (status != HUB_HISTORY_OK) {
		irc_history_fail(r, "MESSAGE_ERROR", T_CH_ERROR);
		irc_history_req_free(r);
		return;
	}
	char refbuf[IRC_HISTORY_REF];
	const char *ref = irc_history_ref(c, refbuf);
	/* Every conversation in the range came (the provider was asked for its most): oldest
	 * first, as messages go, and the limit counted from the end the client named first. */
	const struct hub_history_target **v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = &t[i];
	qsort(v, n, sizeof(*v), irc_history_older);
	size_t lo = 0, hi = n;
	if (n > r->limit) {
		if (r->desc)
			lo = n - r->limit;
		else
			hi = r->limit;
	}
	struct buf body = BUF_INIT;
	for (size_t k = lo; k < hi; k++) {
		const struct hub_history_target *one = v[k];
		char when[IRC_CH_TIME_LEN + 1];
		irc_ch_time_format(one->last_ms, when);
		struct irc_out o;
		irc_out_begin(&o, &body);
		if (ref)
			irc_out_tag(&o, "batch", ref);
		const char *srv = irc_server(c->f);
		irc_out_source(&o, srv, strlen(srv));
		irc_out_command(&o, "CHATHISTORY");
		irc_out_param(&o, "TARGETS", 7);
		irc_out_param(&o, one->name, one->len);
		irc_out_param(&o, when, strlen(when));
		irc_out_end(&o);
	}
	irc_history_send(r, "draft/chathistory-targets", NULL, ref, &body, hi - lo);
	buf_free(&body);
	free(v);
	irc_history_req_free(r);
}

static struct irc_history_req *irc_history_req_new(struct irc_client *c, enum irc_ch_sub sub,
						   const struct irc_span *target)
{
	struct irc_history_req *r = xcalloc(1, sizeof(*r));
	r->c = c;
	r->sub = sub;
	if (target && target->len)
		r->target = xstrndup(target->p, target->len);
	list_push_back(&c->history, &r->link);
	return r;
}

/* FAIL CHATHISTORY <code> <subcommand or *> [<target>] :text, now (within the command, so that
 * its label, if any, goes with it). */
static void irc_history_fail_now(struct irc_client *c, const char *code, const char *sub,
				 const struct irc_span *target, const char *text)
{
	if (target && target->len)
		irc_serverf(c, "FAIL CHATHISTORY %s %s %.*s :%s", code, sub, (int)target->len,
			    target->p, text);
	else
		irc_serverf(c, "FAIL CHATHISTORY %s %s :%s", code, sub, text);
}

void irc_history_command(struct irc_client *c, const struct irc_msg *m)
{
	struct irc_ch_request req;
	enum irc_ch_parse p = irc_ch_parse(m, HUB_HISTORY_MAX, &req);
	const char *sub = req.sub < IRC_CH_SUBS ? irc_ch_sub_name(req.sub) : "*";
	if (p == IRC_CH_UNKNOWN_SUB) {
		irc_serverf(c, "FAIL CHATHISTORY UNKNOWN_COMMAND %.*s :%s", (int)m->params[0].len,
			    m->params[0].p, T_CH_UNKNOWN);
		return;
	}
	if (p == IRC_CH_NEED_PARAMS) {
		irc_history_fail_now(c, "NEED_MORE_PARAMS", sub, NULL, T_CH_MISSING);
		return;
	}
	if (p != IRC_CH_OK) {
		irc_history_fail_now(c, "INVALID_PARAMS", sub, NULL, T_CH_PARAMS);
		return;
	}
	struct hub *h = c->f->hub;
	struct irc_history_req *r = irc_history_req_new(c, req.sub, &req.target);
	enum hub_history_status st;
	if (req.sub == IRC_CH_TARGETS) {
		/* The provider gives the newest; the client may want the oldest: all, then cut. */
		r->limit = req.limit;
		r->desc = req.desc;
		st = hub_history_targets(h, &c->sess, req.from, req.to, HUB_HISTORY_MAX,
					 irc_history_targets_answer, r, &r->req);
	} else {
		struct hub_history_query q;
		irc_ch_query(&req, &q);
		st = hub_history_query(h, &c->sess, &q, irc_history_answer, r, &r->req);
	}
	switch (st) {
	case HUB_HISTORY_OK:
		r->label = irc_label_take(c); /* the answer, later, carries it */
		r->held = true;
		irc_hold(c);
		return;
	case HUB_HISTORY_NO_ACCOUNT:
		/* Private history is an account's (hub/history.h): one not logged in has none, which
		 * the spec lets a server say as an empty batch. */
		r->label = irc_label_take(c);
		irc_history_answer(r, HUB_HISTORY_OK, NULL, 0);
		return;
	case HUB_HISTORY_REFUSED:
		irc_history_fail_now(c, "INVALID_TARGET", sub, &req.target, T_CH_TARGET);
		break;
	case HUB_HISTORY_UNAVAILABLE:
	case HUB_HISTORY_BUSY:
		irc_history_fail_now(c, "MESSAGE_ERROR", sub, &req.target, T_CH_ERROR);
		break;
	}
	irc_history_req_free(r);
}

void irc_history_on_join(struct irc_client *c, const char *room, uint64_t before)
{
	unsigned lines = c->f->cfg.history_on_join;
	if (!lines || irc_has(c, IRC_CAP_CHATHISTORY) || !hub_history_available(c->f->hub))
		return;
	if (!irc_has(c, IRC_CAP_BATCH) && !irc_has(c, IRC_CAP_SERVER_TIME))
		return; /* old lines would look new */
	struct irc_span target = {room, strlen(room)};
	struct irc_history_req *r = irc_history_req_new(c, IRC_CH_LATEST, &target);
	r->join = true;
	/* What was said before the join, newest `lines` of it: what comes after is live. */
	struct hub_history_query q = {
		.target = room,
		.target_len = target.len,
		.kind = HUB_HISTORY_BETWEEN,
		.from = before,
		.to = 1,
		.limit = lines,
	};
	if (hub_history_query(c->f->hub, &c->sess, &q, irc_history_answer, r, &r->req) !=
	    HUB_HISTORY_OK) {
		irc_history_req_free(r);
		return;
	}
	r->held = true;
	irc_hold(c);
}
