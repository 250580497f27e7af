/* inbox: what reaches the assistant from outside, handled on the next loop turn. The hub calls
 * the bot inside its fan-outs, where the bot must not fan out, so bot.c hands every event that
 * concerns the assistant to inbox_push, which copies it; faces' questions wait as pending jobs.
 * A uv_idle (a->idle, owned by assistant.c), started only while there is something to do, handles
 * both outside every fan-out: questions addressed to the bot, private commands (/forget, /help),
 * /forget, users who quit (their private questions are cancelled) or change names.
 *
 * Each item is owned by the inbox from inbox_push until it is handled or inbox_clear drops it. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/fold.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "bridge/assistant/assistant_int.h"
#include "hub/name.h"

/* Private commands to the bot ("/msg gpt /forget"). */
static const char W_FORGET[] = "/forget";
static const char W_HELP[] = "/help";

struct inbox_item {
	struct list_node node;      /* on a->inbox, oldest first */
	enum inbox_kind kind;
	uint64_t sid;               /* the session it comes from */
	enum lang lang;             /* its language then */
	char *room, *from, *text;
	size_t len;
};

/* Keys of what belongs to one person: its session id, which no rename changes. */
static char *inbox_key(const char *prefix, uint64_t sid)
{
	struct buf k = BUF_INIT;
	buf_printf(&k, "%s%llu", prefix, (unsigned long long)sid);
	return k.data;
}

/* Whether `text` is addressed to the bot ("gpt: q", "gpt, q", "@gpt q", name in any case); *off
 * is then where the question starts. */
static bool inbox_addressed(const struct assistant *a, const char *text, size_t len, size_t *off)
{
	size_t i = 0;
	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	bool at = i < len && text[i] == '@';
	if (at)
		i++;
	size_t start = i;
	while (i < len && text[i] != ' ' && text[i] != '\t' && text[i] != ':' && text[i] != ',')
		i++;
	size_t n = i - start;
	if (!n || n > NAME_MAX_BYTES)
		return false;
	if (i < len && (text[i] == ':' || text[i] == ',')) {
		i++;
	} else if (!at) {
		return false;
	}
	char folded[NAME_MAX_BYTES + 1];
	size_t fl = fold_utf8(text + start, n, folded, sizeof(folded));
	if (fl != strlen(a->folded_name) || memcmp(folded, a->folded_name, fl) != 0)
		return false;
	*off = i;
	return true;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void inbox_push(struct assistant *a, enum inbox_kind kind, const char *room, uint64_t sid,
		enum lang lang, const char *from, const char *text, size_t len)
{
	if (a->stopping)
		return;
	if (kind == INBOX_SAY) {
		size_t off;
		if (!inbox_addressed(a, text, len, &off))
			return;
		text += off;
		len -= off;
	}
	struct inbox_item *in = xcalloc(1, sizeof(*in));
	in->kind = kind;
	in->sid = sid;
	in->lang = lang < LANG_COUNT ? lang : LANG_EN;
	in->room = dup_or_null(room);
	in->from = xstrdup(from);
	in->text = text ? xmemdup(text, len + 1) : NULL;
	if (in->text)
		in->text[len] = '\0';
	in->len = text ? len : 0;
	list_push_back(&a->inbox, &in->node);
	inbox_kick(a);
}

static void inbox_free(struct inbox_item *in)
{
	free(in->room);
	free(in->from);
	free(in->text);
	free(in);
}

void inbox_clear(struct assistant *a)
{
	list_each_safe(n, &a->inbox) {
		list_remove(n);
		inbox_free(list_entry(n, struct inbox_item, node));
	}
}

/* A question said in a room (addressed to the bot) or privately. */
static void inbox_question(struct assistant *a, struct inbox_item *in)
{
	bool room = in->kind == INBOX_SAY;
	struct assistant_job *j = job_new(a, room ? JOB_ROOM : JOB_PRIVATE, in->text, in->len);
	j->user = inbox_key("s:", in->sid);
	j->name = xstrdup(in->from);
	j->lang = in->lang;
	if (room) {
		j->room = xstrdup(in->room);
		j->conv = assistant_key("room:", in->room, strlen(in->room));
	} else {
		j->conv = inbox_key("pm:", in->sid);
	}
	job_list_push(&a->pending, j);
	job_accept(j);
}

static void inbox_private(struct assistant *a, struct inbox_item *in)
{
	size_t len = in->len;
	const char *t = in->text;
	assistant_trim(&t, &len);
	buf_clear(&a->text);
	if (len == strlen(W_FORGET) && strncasecmp(t, W_FORGET, len) == 0) {
		char *k = inbox_key("pm:", in->sid);
		bool forgot = conv_forget(a, k);
		free(k);
		msg_append(&a->text, in->lang, forgot ? MSG_FORGOT : MSG_NOTHING_TO_FORGET, 0, NULL);
	} else if (len == 0 || (len == strlen(W_HELP) && strncasecmp(t, W_HELP, len) == 0)) {
		msg_append(&a->text, in->lang, MSG_USAGE, 0, a->cfg.name);
	} else {
		inbox_question(a, in);
		return;
	}
	bot_tell(a, in->from, a->text.data, a->text.len);
}

/* Cancels every private job of `user` in list l. */
static void inbox_cancel_user(struct job_list *l, const char *user)
{
	list_each_safe(n, &l->list) {
		struct assistant_job *j = list_entry(n, struct assistant_job, node);
		if (j->kind == JOB_PRIVATE && !strcmp(j->user, user)) {
			log_debug(j->a->log, "%s: %s left; their question is cancelled", j->a->cfg.name,
				  j->name);
			job_cancel(j);
		}
	}
}

/* A rename changes no key (they are session ids), only the name answers are addressed by. */
static void inbox_rename_user(struct job_list *l, const char *user, const char *display)
{
	list_each(n, &l->list) {
		struct assistant_job *j = list_entry(n, struct assistant_job, node);
		if (j->kind != JOB_FACE && !strcmp(j->user, user)) {
			free(j->name);
			j->name = xstrdup(display);
		}
	}
}

static void inbox_handle(struct assistant *a, struct inbox_item *in)
{
	switch (in->kind) {
	case INBOX_SAY:
		if (!in->len) {
			buf_clear(&a->text);
			msg_append(&a->text, in->lang, MSG_USAGE, 0, a->cfg.name);
			bot_tell(a, in->from, a->text.data, a->text.len);
			return;
		}
		inbox_question(a, in);
		return;
	case INBOX_PRIVATE:
		inbox_private(a, in);
		return;
	case INBOX_QUIT: {
		char *user = inbox_key("s:", in->sid);
		inbox_cancel_user(&a->pending, user);
		inbox_cancel_user(&a->queue, user);
		inbox_cancel_user(&a->running, user);
		free(user);
		char *k = inbox_key("pm:", in->sid);
		conv_forget(a, k);
		free(k);
		return;
	}
	case INBOX_NICK: {
		if (!in->text)
			return;
		char *user = inbox_key("s:", in->sid);
		inbox_rename_user(&a->pending, user, in->text);
		inbox_rename_user(&a->queue, user, in->text);
		inbox_rename_user(&a->running, user, in->text);
		free(user);
		return;
	}
	case INBOX_FORGET: {
		/* Only news that concerns everyone goes to the room: that its conversation was
		 * forgotten. That there was nothing to forget, or nobody to forget it, is the
		 * asker's alone. */
		char *k = in->room ? assistant_key("room:", in->room, strlen(in->room))
				   : inbox_key("pm:", in->sid);
		bool forgot = a->configured && conv_forget(a, k);
		free(k);
		buf_clear(&a->text);
		msg_append(&a->text, in->lang, !a->configured ? MSG_NOT_CONFIGURED
				     : forgot       ? MSG_FORGOT
						    : MSG_NOTHING_TO_FORGET, 0, NULL);
		if (forgot && in->room)
			bot_say(a, in->room, a->text.data, a->text.len);
		else
			bot_tell(a, in->from, a->text.data, a->text.len);
		return;
	}
	}
}

/* The next loop turn after an event or a face's question: outside every fan-out. */
static void inbox_on_idle(uv_idle_t *h)
{
	struct assistant *a = h->data;
	while (!a->stopping && (!list_empty(&a->inbox) || a->pending.n)) {
		if (!list_empty(&a->inbox)) {
			struct inbox_item *in =
				list_entry(list_first(&a->inbox), struct inbox_item, node);
			list_remove(&in->node);
			inbox_handle(a, in);
			inbox_free(in);
		} else {
			job_accept(job_list_first(&a->pending));
		}
	}
	uv_idle_stop(h);
}

void inbox_kick(struct assistant *a)
{
	if (!a->stopping)
		uv_idle_start(&a->idle, inbox_on_idle);
}
