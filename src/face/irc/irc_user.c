/* irc_user: messages and users. PRIVMSG and NOTICE to channels (hub rooms) and nicks (hub names),
 * with CTCP ACTION as the hub's action and a message-tags client's own tags relayed; the queries
 * about users (WHO with WHOX, WHOIS, ISON, USERHOST); a user's own state (AWAY, SETNAME, user
 * MODE); server operators (OPER, KILL, WALLOPS); and the server queries (VERSION, TIME, INFO,
 * ADMIN). Everything a user sees of others comes from the hub's sessions, whatever their face. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "face/irc/irc_int.h"
#include "base/log.h"
#include "hub/remote.h"
#include "hub/auth.h"
#include "net/netlim.h"
#include "hub/mode.h"

/* User-facing text of user replies, in one place for translation. */
static const char T_NORECIPIENT[] = ":No recipient given (%.*s)";
static const char T_NOTEXTTOSEND[] = ":No text to send";
static const char T_TOOMANYTARGETS[] = "%.*s :Too many targets";
static const char T_ENDOFWHO[] = "%.*s :End of WHO list";
static const char T_ENDOFWHOIS[] = "%.*s :End of /WHOIS list";
static const char T_NOSUCHNICK[] = "%.*s :No such nick/channel";
static const char T_ISOPER[] = "%s :is an IRC operator";
static const char T_ISBOT[] = "%s :is a bot (%s)";
static const char T_ISBOT_USER[] = "%s :is a bot";
static const char T_SECURE[] = "%s :is using a secure connection";
static const char T_CERTFP[] = "%s :has client certificate fingerprint %s";
static const char T_UNAWAY[] = ":You are no longer marked as being away";
static const char T_NOWAWAY[] = ":You have been marked as being away";
static const char T_BADREALNAME[] = "Realname is not valid";
static const char T_USERSDONTMATCH[] = ":Cant change mode for other users";
static const char T_UMODEUNKNOWN[] = ":Unknown MODE flag";
static const char T_YOUREOPER[] = ":You are now an IRC operator";
static const char T_PASSWDMISMATCH[] = ":Password incorrect";
static const char T_OPER_THROTTLED[] = ":Too many failed OPER attempts from your address; try "
				       "again later";
static const char T_OPER_BUSY[] = ":The server is busy checking passwords; try again";
static const char T_NOOPERHOST[] = ":No operators are configured on this server";
static const char T_KILLED[] = "Killed (%s (%.*s))";
static const char T_INFO[] = ":charlad: one chat over sockets: a line protocol for netcat, UDP "
			     "datagrams, IRC, and an AI assistant, on one hub.";
static const char T_ENDOFINFO[] = ":End of /INFO list";
static const char T_ADMINME[] = "%s :Administrative info";

static const char T_ADMIN_EMAIL[] = ":nobody@%s";
static const char T_SERVERINFO[] = "%s %s :%s";
static const char T_NODE_INFO[] = "another node of this chat"; /* WHOIS 312, a remote user's */

enum {
	IRC_TARGMAX = 4,        /* TARGMAX=PRIVMSG:4,NOTICE:4 */
	IRC_USERHOST_MAX = 5,   /* nicks USERHOST answers for */
	IRC_WHOX_FIELDS = 16,
};

/* ---- PRIVMSG, NOTICE, TAGMSG ---- */

/* The client-only tags of m ("+key" ones) as on the wire, for the hub to carry. */
static void irc_user_client_tags(const struct irc_client *c, const struct irc_msg *m,
				 struct buf *out)
{
	if (!irc_has(c, IRC_CAP_MESSAGE_TAGS))
		return;
	for (size_t i = 0; i < m->ntags; i++) {
		const struct irc_tag *t = &m->tags[i];
		if (!t->key.len || t->key.p[0] != '+')
			continue;
		if (out->len)
			buf_putc(out, ';');
		buf_append(out, t->key.p, t->key.len);
		if (t->value.len) {
			buf_putc(out, '=');
			buf_append(out, t->value.p, t->value.len);
		}
	}
}

/* Whether the nick t names someone who is not an IRC user (a line or UDP user, a bot). */
static bool irc_user_not_irc(const struct hub *h, struct irc_span t)
{
	const struct session *s = session_find(h, t.p, t.len);
	return s && s->ops->face != &irc_codec_face;
}

static void irc_user_send(struct irc_client *c, const struct irc_msg *m, enum hub_msg_kind kind,
			  bool replies)
{
	const struct irc_span *cmd = &m->command;
	if (!m->nparams || !m->params[0].len) {
		if (replies)
			irc_num(c, "411", T_NORECIPIENT, (int)cmd->len, cmd->p);
		return;
	}
	if (kind != HUB_MSG_TAGS && (m->nparams < 2 || !m->params[1].len)) {
		if (replies)
			irc_num(c, "412", "%s", T_NOTEXTTOSEND);
		return;
	}
	const char *text = kind == HUB_MSG_TAGS ? "" : m->params[1].p;
	size_t len = kind == HUB_MSG_TAGS ? 0 : m->params[1].len;
	/* CTCP ACTION is the hub's action; other CTCP stays text, for IRC clients to read. */
	if (kind == HUB_MSG_SAY && len >= 8 && memcmp(text, "\001ACTION ", 8) == 0) {
		kind = HUB_MSG_ACTION;
		text += 8;
		len -= 8;
		if (len && text[len - 1] == '\001')
			len--;
	}
	/* Other CTCP (VERSION, PING...) is a query between IRC clients: the line protocol's users
	 * and bots have no client to answer it, so it goes to IRC users alone (the line codec drops
	 * it from rooms too). */
	bool ctcp = len && text[0] == '\001';
	struct buf tags = BUF_INIT;
	irc_user_client_tags(c, m, &tags);
	struct hub *h = c->f->hub;
	struct irc_span targets = m->params[0];
	size_t n = 0;
	while (targets.len) {
		const char *comma = memchr(targets.p, ',', targets.len);
		struct irc_span t = {targets.p, comma ? (size_t)(comma - targets.p) : targets.len};
		targets.p += comma ? t.len + 1 : t.len;
		targets.len -= comma ? t.len + 1 : t.len;
		if (!t.len)
			continue;
		if (++n > IRC_TARGMAX) {
			if (replies)
				irc_num(c, "407", T_TOOMANYTARGETS, (int)t.len, t.p);
			break;
		}
		/* NOTICE never gets an automatic reply: the hub's refusals are not told. */
		c->mute_results = !replies;
		if (t.p[0] == '#') {
			room_say_tagged(h, &c->sess, t.p, t.len, kind, text, len,
					tags.len ? tags.data : NULL, tags.len);
		} else if (ctcp && irc_user_not_irc(h, t)) {
			/* dropped, as by a client that does not answer CTCP */
		} else {
			const struct session *to = session_find(h, t.p, t.len);
			c->capture_skip = to == &c->sess && (c->sess.caps & SESSION_CAP_ECHO);
			enum hub_result r = session_message_tagged(h, &c->sess, t.p, t.len, kind, text,
								   len, tags.len ? tags.data : NULL,
								   tags.len);
			c->capture_skip = false;
			if (r == HUB_OK && replies && kind != HUB_MSG_TAGS && to && to->info &&
			    to->info->away)
				irc_num(c, "301", "%s :%s", to->name, to->info->away);
		}
		c->mute_results = false;
		if (c->sess.state == SESSION_GONE)
			break; /* cut for flooding (hub/flood.h): no more targets */
	}
	buf_free(&tags);
}

void irc_user_privmsg(struct irc_client *c, const struct irc_msg *m)
{
	irc_user_send(c, m, HUB_MSG_SAY, true);
}

void irc_user_notice(struct irc_client *c, const struct irc_msg *m)
{
	irc_user_send(c, m, HUB_MSG_NOTICE, false);
}

void irc_user_tagmsg(struct irc_client *c, const struct irc_msg *m)
{
	if (irc_has(c, IRC_CAP_MESSAGE_TAGS))
		irc_user_send(c, m, HUB_MSG_TAGS, true);
}

/* ---- WHO ---- */

/* Whether `viewer` may see s in a WHO it did not ask of a channel: not invisible, or sharing a
 * room with it. */
static bool irc_user_visible(const struct session *viewer, const struct session *s)
{
	if (!(s->caps & SESSION_MODE_INVISIBLE) || s == viewer)
		return true;
	for (uint32_t k = 0; k < s->nrooms; k++)
		if (session_membership(viewer, s->rooms[k].room))
			return true;
	return false;
}

struct irc_who {
	struct irc_client *c;
	bool whox;
	char fields[IRC_WHOX_FIELDS];
	struct irc_span token;
};

/* H or G (here, gone), * for an operator, B for a bot, then the member's prefixes: all of them
 * for a multi-prefix client, else the highest. */
static void irc_user_who_flags(const struct session *s, int prefix, bool all, struct buf *out)
{
	buf_putc(out, s->info && s->info->away ? 'G' : 'H');
	if (s->caps & SESSION_MODE_OPER)
		buf_putc(out, '*');
	if (session_is_bot(s))
		buf_putc(out, 'B');
	if (prefix > 0 && (prefix & MEMBER_OP))
		buf_putc(out, '@');
	if (prefix > 0 && (prefix & MEMBER_VOICE) && (all || !(prefix & MEMBER_OP)))
		buf_putc(out, '+');
}

/* The server s is on as WHO shows it: this one, or its node in a cluster (hub/remote.h). */
static const char *irc_user_server(const struct irc_client *c, const struct session *s)
{
	const char *node = remote_node(c->f->hub, s);
	return node ? node : irc_server(c->f);
}

static void irc_user_who_line(struct irc_who *w, const struct session *s, const struct room *r)
{
	struct irc_client *c = w->c;
	const char *chan = r ? r->name : "*";
	const char *real = irc_real_of(s);
	struct buf flags = BUF_INIT;
	irc_user_who_flags(s, r ? room_prefix(r, s) : -1, irc_has(c, IRC_CAP_MULTI_PREFIX), &flags);
	if (!w->whox) {
		irc_num(c, "352", "%s %s %s %s %s %s :%d %s", chan, irc_user_of(s), irc_host_of(s),
			irc_user_server(c, s), s->name, flags.data, remote_node(c->f->hub, s) ? 1 : 0,
			real);
		buf_free(&flags);
		return;
	}
	/* WHOX: the fields asked for, in the standard order, whatever order they were asked. */
	struct buf line = BUF_INIT;
	static const char order[] = "tcuihsnfdlaor";
	for (const char *f = order; *f; f++) {
		if (!memchr(w->fields, *f, sizeof(w->fields)))
			continue;
		if (line.len)
			buf_putc(&line, ' ');
		switch (*f) {
		case 't': buf_append(&line, w->token.p, w->token.len); break;
		case 'c': buf_puts(&line, chan); break;
		case 'u': buf_puts(&line, irc_user_of(s)); break;
		case 'i': buf_puts(&line, "255.255.255.255"); break;
		case 'h': buf_puts(&line, irc_host_of(s)); break;
		case 's': buf_puts(&line, irc_user_server(c, s)); break;
		case 'n': buf_puts(&line, s->name); break;
		case 'f': buf_append(&line, flags.data, flags.len); break;
		case 'd': buf_putc(&line, remote_node(c->f->hub, s) ? '1' : '0'); break;
		case 'l': buf_putc(&line, '0'); break;
		case 'a': buf_puts(&line, s->info && s->info->account ? s->info->account : "0"); break;
		case 'o': buf_puts(&line, "n/a"); break;
		case 'r': buf_putc(&line, ':'); buf_puts(&line, real); break;
		}
	}
	irc_num(c, "354", "%s", line.data ? line.data : "");
	buf_free(&line);
	buf_free(&flags);
}

/* Whether a WHO mask matches s: its nick, user, host, server or real name (RFC 2812 3.6.1). */
static bool irc_user_who_matches(const struct irc_client *c, const struct irc_span *mask,
				 const struct session *s)
{
	const char *fields[] = {s->name, irc_user_of(s), irc_host_of(s), irc_user_server(c, s),
				irc_real_of(s)};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (mask_match(mask->p, mask->len, fields[i], strlen(fields[i])))
			return true;
	return false;
}

void irc_user_who(struct irc_client *c, const struct irc_msg *m)
{
	struct irc_who w = {.c = c};
	struct irc_span mask = m->nparams ? m->params[0] : (struct irc_span){"*", 1};
	if (m->nparams > 1 && m->params[1].len && m->params[1].p[0] == '%') {
		w.whox = true;
		const struct irc_span *opt = &m->params[1];
		size_t i = 1, k = 0;
		for (; i < opt->len && opt->p[i] != ',' && k < sizeof(w.fields); i++)
			w.fields[k++] = opt->p[i];
		if (i < opt->len && opt->p[i] == ',')
			w.token = (struct irc_span){opt->p + i + 1, opt->len - i - 1};
		if (!w.token.len)
			w.token = (struct irc_span){"0", 1};
	}
	struct hub *h = c->f->hub;
	if (mask.len && mask.p[0] == '#') {
		const struct room *r = room_find(h, mask.p, mask.len);
		bool member = r && room_prefix(r, &c->sess) >= 0;
		bool shown = r && (member || !mode_is_set(r, MODE_SECRET));
		for (uint32_t i = 0; shown && i < r->count; i++)
			if (member || irc_user_visible(&c->sess, r->members[i].s))
				irc_user_who_line(&w, r->members[i].s, r);
		/* The bots that hear every room, as NAMES lists them. */
		for (size_t i = 0; shown && i < h->nbots; i++)
			if (h->bots[i].everywhere && !session_membership(h->bots[i].s, r))
				irc_user_who_line(&w, h->bots[i].s, r);
	} else if (mask.len == 1 && (mask.p[0] == '*' || mask.p[0] == '0')) {
		size_t it = 0;
		void *v;
		while (map_next(&h->names, &it, NULL, &v))
			if (irc_user_visible(&c->sess, v))
				irc_user_who_line(&w, v, NULL);
	} else {
		size_t it = 0;
		void *v;
		while (map_next(&h->names, &it, NULL, &v)) {
			const struct session *s = v;
			if (!irc_user_who_matches(c, &mask, s))
				continue;
			if (irc_user_visible(&c->sess, s) || !memchr(mask.p, '*', mask.len))
				irc_user_who_line(&w, s, NULL);
		}
	}
	irc_num(c, "315", T_ENDOFWHO, (int)mask.len, mask.p);
}

/* ---- WHOIS, ISON, USERHOST ---- */

/* Appends item to a space-separated list if it fits in room bytes (irc_num_room): an item is left
 * out whole rather than cut by irc_num in the middle (a nick cut short would name someone else). */
static void irc_user_list_add(struct buf *out, const char *item, size_t len, size_t room)
{
	if (out->len + (out->len ? 1 : 0) + len > room)
		return;
	if (out->len)
		buf_putc(out, ' ');
	buf_append(out, item, len);
}

void irc_user_whois(struct irc_client *c, const struct irc_msg *m)
{
	const struct irc_span *nick = &m->params[m->nparams > 1 ? 1 : 0];
	struct hub *h = c->f->hub;
	const struct session *s = session_find(h, nick->p, nick->len);
	if (!s) {
		irc_num(c, "401", T_NOSUCHNICK, (int)nick->len, nick->p);
		irc_num(c, "318", T_ENDOFWHOIS, (int)nick->len, nick->p);
		return;
	}
	const char *real = irc_real_of(s);
	irc_num(c, "311", "%s %s %s * :%s", s->name, irc_user_of(s), irc_host_of(s), real);
	/* The channels, on as many 319 lines as they need (a user may be in --max-rooms of them). */
	size_t room = irc_num_room(c, 1 + strlen(s->name));
	struct buf chans = BUF_INIT, one = BUF_INIT;
	for (uint32_t k = 0; k < s->nrooms; k++) {
		const struct room *r = s->rooms[k].room;
		if (mode_is_set(r, MODE_SECRET) && room_prefix(r, &c->sess) < 0)
			continue;
		buf_clear(&one);
		int p = room_prefix(r, s);
		if (p > 0 && (p & MEMBER_OP))
			buf_putc(&one, '@');
		else if (p > 0 && (p & MEMBER_VOICE))
			buf_putc(&one, '+');
		buf_puts(&one, r->name);
		if (chans.len && chans.len + 1 + one.len > room) {
			irc_num(c, "319", "%s :%s", s->name, chans.data);
			buf_clear(&chans);
		}
		irc_user_list_add(&chans, one.data, one.len, room);
	}
	if (chans.len)
		irc_num(c, "319", "%s :%s", s->name, chans.data);
	const char *node = remote_node(h, s);
	irc_num(c, "312", T_SERVERINFO, s->name, node ? node : irc_server(c->f),
		node ? T_NODE_INFO : c->f->cfg.info);
	if (s->info && s->info->account)
		irc_num(c, "330", "%s %s :is logged in as", s->name, s->info->account);
	if (s->caps & SESSION_MODE_OPER)
		irc_num(c, "313", T_ISOPER, s->name);
	const struct hub_bot *bot = hub_bot_of(h, s);
	if (bot)
		irc_num(c, "335", T_ISBOT, s->name, bot->role ? bot->role : "");
	else if (session_is_bot(s))
		irc_num(c, "335", T_ISBOT_USER, s->name);
	if (s->info && s->info->away)
		irc_num(c, "301", "%s :%s", s->name, s->info->away);
	/* TLS is known of IRC clients (and WebSockets over HTTPS); the certificate's fingerprint
	 * is shown to its owner and to operators, as InspIRCd and Ergo do. */
	const struct irc_client *tc = irc_session_is_ours(s) ? irc_client_const_of(s) : NULL;
	if (tc && tc->conn && conn_is_tls(tc->conn))
		irc_num(c, "671", T_SECURE, s->name);
	const char *fp = tc && tc->conn ? conn_certfp(tc->conn) : NULL;
	if (fp && (tc == c || (c->sess.caps & SESSION_MODE_OPER)))
		irc_num(c, "276", T_CERTFP, s->name, fp);
	irc_num(c, "318", "%s :End of /WHOIS list", s->name);
	buf_free(&chans);
	buf_free(&one);
}

void irc_user_ison(struct irc_client *c, const struct irc_msg *m)
{
	size_t room = irc_num_room(c, 0);
	struct buf out = BUF_INIT;
	for (size_t i = 0; i < m->nparams; i++) {
		const char *p = m->params[i].p, *end = p + m->params[i].len;
		while (p < end) {
			while (p < end && *p == ' ')
				p++;
			const char *w = p;
			while (p < end && *p != ' ')
				p++;
			const struct session *s = w < p ? session_find(c->f->hub, w, (size_t)(p - w))
							: NULL;
			if (s)
				irc_user_list_add(&out, s->name, strlen(s->name), room);
		}
	}
	irc_num(c, "303", ":%s", out.data ? out.data : "");
	buf_free(&out);
}

void irc_user_userhost(struct irc_client *c, const struct irc_msg *m)
{
	size_t room = irc_num_room(c, 0);
	struct buf out = BUF_INIT, one = BUF_INIT;
	for (size_t i = 0; i < m->nparams && i < IRC_USERHOST_MAX; i++) {
		const struct session *s = session_find(c->f->hub, m->params[i].p, m->params[i].len);
		if (!s)
			continue;
		buf_clear(&one);
		buf_printf(&one, "%s%s=%c%s@%s", s->name, (s->caps & SESSION_MODE_OPER) ? "*" : "",
			   s->info && s->info->away ? '-' : '+', irc_user_of(s), irc_host_of(s));
		irc_user_list_add(&out, one.data, one.len, room);
	}
	irc_num(c, "302", ":%s", out.data ? out.data : "");
	buf_free(&out);
	buf_free(&one);
}

/* ---- one's own state ---- */

void irc_user_away(struct irc_client *c, const struct irc_msg *m)
{
	size_t len = m->nparams ? m->params[0].len : 0;
	session_away(c->f->hub, &c->sess, len ? m->params[0].p : NULL, len);
	irc_num(c, len ? "306" : "305", "%s", len ? T_NOWAWAY : T_UNAWAY);
}

void irc_user_setname(struct irc_client *c, const struct irc_msg *m)
{
	const struct irc_span *name = &m->params[0];
	if (name->len > IRC_REALNAME_MAX) {
		irc_serverf(c, "FAIL SETNAME INVALID_REALNAME :%s", T_BADREALNAME);
		return;
	}
	session_setname(c->f->hub, &c->sess, name->p, name->len);
	if (irc_has(c, IRC_CAP_SETNAME)) {
		struct buf mask = BUF_INIT;
		irc_mask(&c->sess, &mask);
		struct buf line = BUF_INIT;
		buf_printf(&line, ":%s SETNAME :%.*s\r\n", mask.data, (int)name->len, name->p);
		irc_write(c, line.data, line.len);
		buf_free(&line);
		buf_free(&mask);
	}
}

/* The user modes, by letter; 'o' is given by OPER alone (MODE may only take it away). */
static const struct {
	uint32_t bit;
	char letter;
	bool settable;
} irc_user_modes[] = {
	{SESSION_MODE_INVISIBLE, 'i', true},
	{SESSION_MODE_OPER, 'o', false},
	{SESSION_MODE_WALLOPS, 'w', true},
	{SESSION_MODE_BOT, 'B', true},
};
#define IRC_USER_MODES (sizeof(irc_user_modes) / sizeof(irc_user_modes[0]))

static void irc_user_mode_show(struct irc_client *c)
{
	char modes[IRC_USER_MODES + 3] = "+";
	size_t n = 1;
	for (size_t k = 0; k < IRC_USER_MODES; k++)
		if (c->sess.caps & irc_user_modes[k].bit)
			modes[n++] = irc_user_modes[k].letter;
	/* +Z: the connection is TLS (as InspIRCd and Ergo say); a fact, not a setting. */
	if (c->conn && conn_is_tls(c->conn))
		modes[n++] = 'Z';
	modes[n] = '\0';
	irc_num(c, "221", "%s", modes);
}

void irc_user_mode(struct irc_client *c, const struct irc_msg *m)
{
	const struct irc_span *target = &m->params[0];
	const struct session *s = session_find(c->f->hub, target->p, target->len);
	if (!s) {
		irc_num(c, "401", T_NOSUCHNICK, (int)target->len, target->p);
		return;
	}
	if (s != &c->sess) {
		irc_num(c, "502", "%s", T_USERSDONTMATCH);
		return;
	}
	if (m->nparams < 2) {
		irc_user_mode_show(c);
		return;
	}
	uint32_t before = c->sess.caps;
	bool add = true, unknown = false;
	const struct irc_span *l = &m->params[1];
	for (size_t i = 0; i < l->len; i++) {
		if (l->p[i] == '+' || l->p[i] == '-') {
			add = l->p[i] == '+';
			continue;
		}
		size_t k = 0;
		while (k < IRC_USER_MODES && irc_user_modes[k].letter != l->p[i])
			k++;
		if (k == IRC_USER_MODES) {
			unknown = true;
			continue;
		}
		if (add && irc_user_modes[k].settable)
			c->sess.caps |= irc_user_modes[k].bit;
		else if (!add)
			c->sess.caps &= ~irc_user_modes[k].bit;
	}
	if (unknown)
		irc_num(c, "501", "%s", T_UMODEUNKNOWN);
	uint32_t changed = before ^ c->sess.caps;
	if (!changed)
		return;
	struct buf line = BUF_INIT, mask = BUF_INIT;
	irc_mask(&c->sess, &mask);
	buf_printf(&line, ":%s MODE %s :", mask.data, c->sess.name);
	for (int pass = 0; pass < 2; pass++) {
		bool on = pass == 0;
		bool any = false;
		for (size_t k = 0; k < IRC_USER_MODES; k++) {
			uint32_t bit = irc_user_modes[k].bit;
			if (!(changed & bit) || !!(c->sess.caps & bit) != on)
				continue;
			if (!any)
				buf_putc(&line, on ? '+' : '-');
			any = true;
			buf_putc(&line, irc_user_modes[k].letter);
		}
	}
	buf_puts(&line, "\r\n");
	irc_write(c, line.data, line.len);
	buf_free(&line);
	buf_free(&mask);
}

/* ---- operators ---- */

/* The check's answer, on the loop (a client that left had its check cancelled by session_close). */
static void irc_user_opered(void *arg, enum hub_auth_status st)
{
	struct irc_client *c = arg;
	c->sess.auth_job = NULL;
	if (c->sess.state == SESSION_GONE || conn_is_closing(c->conn))
		return;
	irc_release(c); /* its input waited for this answer */
	if (st != HUB_AUTH_OK) {
		log_info(c->f->log, "%s (irc %s): OPER refused", c->conn->peer, irc_nick(c));
		irc_num(c, "464", "%s", T_PASSWDMISMATCH);
		return;
	}
	log_info(c->f->log, "%s (irc %s): OPER", c->conn->peer, irc_nick(c));
	c->sess.caps |= SESSION_MODE_OPER;
	irc_num(c, "381", "%s", T_YOUREOPER);
	struct buf line = BUF_INIT, mask = BUF_INIT;
	irc_mask(&c->sess, &mask);
	buf_printf(&line, ":%s MODE %s :+o\r\n", mask.data, c->sess.name);
	irc_write(c, line.data, line.len);
	buf_free(&line);
	buf_free(&mask);
}

/* The password is checked off the loop (hub/auth.h). The client's next lines wait for the answer
 * (irc_hold), so that replies keep the order of the commands: a PING after OPER is answered after
 * the 381. One check at a time per client; failures are throttled per address. */
void irc_user_oper(struct irc_client *c, const struct irc_msg *m)
{
	const struct hub_auth *auth = c->f->hub->auth;
	const struct irc_span *name = &m->params[0], *pass = &m->params[1];
	if (c->sess.auth_job)
		return; /* the check under way answers */
	enum hub_auth_status st = HUB_AUTH_NONE;
	if (auth)
		c->sess.auth_job = auth->oper(auth->ctx, c->conn->stream.throttle, name->p, name->len,
					      pass->p, pass->len, irc_user_opered, c, &st);
	if (c->sess.auth_job) {
		irc_hold(c);
		return;
	}
	if (st == HUB_AUTH_THROTTLED)
		irc_num(c, "464", "%s", T_OPER_THROTTLED);
	else if (st == HUB_AUTH_BUSY)
		irc_num(c, "464", "%s", T_OPER_BUSY);
	else if (st == HUB_AUTH_NONE)
		irc_num(c, "491", "%s", T_NOOPERHOST);
	else
		irc_num(c, "464", "%s", T_PASSWDMISMATCH);
}

void irc_user_kill(struct irc_client *c, const struct irc_msg *m)
{
	const struct irc_span *nick = &m->params[0], *why = &m->params[1];
	struct buf reason = BUF_INIT;
	buf_printf(&reason, T_KILLED, irc_nick(c), (int)why->len, why->p);
	session_kill(c->f->hub, &c->sess, nick->p, nick->len, reason.data, reason.len);
	buf_free(&reason);
}

void irc_user_wallops(struct irc_client *c, const struct irc_msg *m)
{
	hub_wallops(c->f->hub, &c->sess, m->params[0].p, m->params[0].len);
}

/* ---- server queries ---- */

void irc_user_version(struct irc_client *c, const struct irc_msg *m)
{
	(void)m;
	irc_num(c, "351", "charlad-%s %s :charla", c->f->cfg.version, irc_server(c->f));
	irc_reg_isupport(c);
}

void irc_user_time(struct irc_client *c, const struct irc_msg *m)
{
	(void)m;
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	char when[64];
	strftime(when, sizeof(when), "%A %B %d %Y -- %H:%M:%S +00:00", &tm);
	irc_num(c, "391", "%s :%s", irc_server(c->f), when);
}

void irc_user_info(struct irc_client *c, const struct irc_msg *m)
{
	(void)m;
	irc_num(c, "371", "%s", T_INFO);
	irc_num(c, "371", ":version charlad-%s", c->f->cfg.version);
	irc_num(c, "374", "%s", T_ENDOFINFO);
}

void irc_user_admin(struct irc_client *c, const struct irc_msg *m)
{
	(void)m;
	irc_num(c, "256", T_ADMINME, irc_server(c->f));
	irc_num(c, "257", ":%s", c->f->cfg.info);
	irc_num(c, "258", ":%s", c->f->cfg.network);
	irc_num(c, "259", T_ADMIN_EMAIL, irc_server(c->f));
}
