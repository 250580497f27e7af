/* irc_cap: IRCv3 capability negotiation (ircv3.net/specs/extensions/capability-negotiation). The
 * capabilities advertised are those fully implemented; what a client acknowledges changes how the
 * hub encodes for it (its variant) and, for echo-message, what the hub sends it. The language a
 * client picks with LANGUAGE (as Ergo names it) is part of its variant too (IRC_V_LANG). */
#include <string.h>
#include <strings.h>

#include "base/i18n.h"
#include "face/irc/irc_int.h"
#include "hub/account.h"
#include "hub/history.h"

/* User-facing text, marked for translation: NOTICEs in the client's language. */
static const char T_LANG_NOW[] = N_("Your language is now %s.");
/* TRANSLATORS: IRC's LANGUAGE command: your language's name, its code, the codes of all. */
static const char T_LANG_IS_IRC[] = N_("Your language is %s (%s). The languages are %s; "
				       "LANGUAGE <code> changes it.");
static const char T_LANG_UNKNOWN[] = N_("Unknown language: %.*s. The languages are %s.");

/* By enum irc_cap: the names, and the variant bit each one sets (0: none). */
static const struct {
	const char *name;
	unsigned variant;
} irc_caps[IRC_CAP_COUNT] = {
	[IRC_CAP_ACCOUNT_NOTIFY] = {"account-notify", IRC_V_ACCOUNT},
	[IRC_CAP_ACCOUNT_TAG] = {"account-tag", IRC_V_ACCTAG},
	[IRC_CAP_AWAY_NOTIFY] = {"away-notify", IRC_V_AWAY},
	[IRC_CAP_BATCH] = {"batch", 0},
	[IRC_CAP_CAP_NOTIFY] = {"cap-notify", 0},
	[IRC_CAP_CHATHISTORY] = {"draft/chathistory", 0},
	[IRC_CAP_ECHO_MESSAGE] = {"echo-message", 0},
	[IRC_CAP_EXTENDED_JOIN] = {"extended-join", IRC_V_XJOIN},
	[IRC_CAP_INVITE_NOTIFY] = {"invite-notify", IRC_V_INVITE},
	[IRC_CAP_LABELED_RESPONSE] = {"labeled-response", 0},
	[IRC_CAP_MESSAGE_TAGS] = {"message-tags", IRC_V_TAGS},
	[IRC_CAP_MULTI_PREFIX] = {"multi-prefix", 0},
	[IRC_CAP_SASL] = {"sasl", 0},
	[IRC_CAP_SERVER_TIME] = {"server-time", IRC_V_TIME},
	[IRC_CAP_SETNAME] = {"setname", IRC_V_SETNAME},
	[IRC_CAP_USERHOST_IN_NAMES] = {"userhost-in-names", 0},
};

enum { IRC_CAP_LINE = 400 }; /* bytes of capability names on one CAP line */

unsigned irc_cap_variant(const struct irc_client *c)
{
	unsigned v = c->ws ? IRC_V_WS : 0;
	v |= ((unsigned)c->sess.lang << IRC_V_LANG_SHIFT) & IRC_V_LANG;
	if (c->ws && conn_ws_binary(c->conn))
		v |= IRC_V_WSBIN;
	for (int i = 0; i < IRC_CAP_COUNT; i++)
		if (c->caps & IRC_CAP(i))
			v |= irc_caps[i].variant;
	return v;
}

/* The capabilities offered: all, but draft/chathistory only when history is kept (a provider),
 * and sasl only when accounts are. */
static uint32_t irc_cap_offered(const struct irc_client *c)
{
	uint32_t all = (1u << IRC_CAP_COUNT) - 1;
	if (!hub_history_available(c->f->hub))
		all &= ~IRC_CAP(IRC_CAP_CHATHISTORY);
	if (!hub_accounts_available(c->f->hub))
		all &= ~IRC_CAP(IRC_CAP_SASL);
	return all;
}

/* Capability names are case-sensitive (capability negotiation, "Rules for naming"). */
static int irc_cap_find(const char *name, size_t len)
{
	for (int i = 0; i < IRC_CAP_COUNT; i++)
		if (strlen(irc_caps[i].name) == len && memcmp(irc_caps[i].name, name, len) == 0)
			return i;
	return -1;
}

/* CAP LS and CAP LIST: the names of `caps`, on as many lines as they need (302 marks all but
 * the last with '*'). */
static void irc_cap_list(struct irc_client *c, const char *sub, uint32_t caps)
{
	struct buf names = BUF_INIT;
	for (int i = 0; i < IRC_CAP_COUNT; i++) {
		if (!(caps & IRC_CAP(i)))
			continue;
		const char *n = irc_caps[i].name;
		/* CAP LS 302 shows values: sasl's mechanisms. */
		const char *value = i == IRC_CAP_SASL && c->cap_version >= 302 &&
					    strcmp(sub, "LS") == 0 ? irc_auth_mechs() : NULL;
		size_t vlen = value ? strlen(value) + 1 : 0;
		if (names.len && names.len + 1 + strlen(n) + vlen > IRC_CAP_LINE &&
		    c->cap_version >= 302) {
			irc_serverf(c, "CAP %s %s * :%s", irc_nick(c), sub, names.data);
			buf_clear(&names);
		}
		if (names.len)
			buf_putc(&names, ' ');
		buf_puts(&names, n);
		if (value) {
			buf_putc(&names, '=');
			buf_puts(&names, value);
		}
	}
	irc_serverf(c, "CAP %s %s :%s", irc_nick(c), sub, names.data ? names.data : "");
	buf_free(&names);
}

/* Applies a new set of capabilities: the variant, and echo-message for the hub. */
static void irc_cap_apply(struct irc_client *c, uint32_t caps)
{
	c->caps = caps;
	session_set_variant(c->f->hub, &c->sess, irc_cap_variant(c));
	if (caps & IRC_CAP(IRC_CAP_ECHO_MESSAGE))
		c->sess.caps |= SESSION_CAP_ECHO;
	else
		c->sess.caps &= ~(uint32_t)SESSION_CAP_ECHO;
}

/* CAP REQ :a -b c: all or nothing. A CAP LS 302 client has cap-notify for good: the spec says
 * the server MUST NOT disable it, so asking to is refused. */
static void irc_cap_req(struct irc_client *c, const struct irc_span *arg)
{
	uint32_t caps = c->caps;
	const char *p = arg->p, *end = arg->p + arg->len;
	bool ok = arg->len > 0;
	while (ok && p < end) {
		while (p < end && *p == ' ')
			p++;
		const char *w = p;
		while (p < end && *p != ' ')
			p++;
		if (w == p)
			break;
		bool off = *w == '-';
		int cap = irc_cap_find(w + off, (size_t)(p - w) - off);
		if (cap < 0 || (off && cap == IRC_CAP_CAP_NOTIFY && c->cap_version >= 302) ||
		    (!off && !(irc_cap_offered(c) & IRC_CAP(cap))))
			ok = false;
		else if (off)
			caps &= ~IRC_CAP(cap);
		else
			caps |= IRC_CAP(cap);
	}
	irc_serverf(c, "CAP %s %s :%.*s", irc_nick(c), ok ? "ACK" : "NAK", (int)arg->len, arg->p);
	if (ok)
		irc_cap_apply(c, caps);
}

void irc_cap_command(struct irc_client *c, const struct irc_msg *m)
{
	const struct irc_span *sub = &m->params[0];
	bool registered = c->reg & IRC_REG_DONE;
#define SUB(s) (sub->len == sizeof(s) - 1 && strncasecmp(sub->p, s, sub->len) == 0)
	if (SUB("LS")) {
		if (!registered)
			c->reg |= IRC_REG_CAP;
		if (m->nparams > 1) {
			unsigned v = 0;
			for (size_t i = 0; i < m->params[1].len && m->params[1].p[i] >= '0' &&
					   m->params[1].p[i] <= '9';
			     i++)
				v = v * 10 + (unsigned)(m->params[1].p[i] - '0');
			if (v > c->cap_version)
				c->cap_version = (uint16_t)(v > 0xFFFF ? 0xFFFF : v);
		}
		if (c->cap_version >= 302)
			irc_cap_apply(c, c->caps | IRC_CAP(IRC_CAP_CAP_NOTIFY));
		irc_cap_list(c, "LS", irc_cap_offered(c));
	} else if (SUB("LIST")) {
		irc_cap_list(c, "LIST", c->caps);
	} else if (SUB("REQ")) {
		if (!registered)
			c->reg |= IRC_REG_CAP;
		static const struct irc_span none = {"", 0};
		irc_cap_req(c, m->nparams > 1 ? &m->params[1] : &none);
	} else if (SUB("END")) {
		if (!registered) {
			irc_auth_abort(c);
			c->reg &= (uint8_t)~IRC_REG_CAP;
			irc_reg_try(c);
		}
	} else {
		irc_num(c, "410", "%.*s :Invalid CAP command", (int)sub->len, sub->p);
	}
#undef SUB
}

/* LANGUAGE [<code>{ <code>}]: the first code charla speaks becomes c's language, told in it; none
 * at all shows the current one. Numerics stay English (clients and scripts read them); what a
 * person reads (these NOTICEs, HELP, the queue) follows the language. */
void irc_cap_language(struct irc_client *c, const struct irc_msg *m)
{
	enum lang lang = c->sess.lang < LANG_COUNT ? (enum lang)c->sess.lang : LANG_EN;
	if (!m->nparams || !m->params[0].len) {
		struct buf b = BUF_INIT;
		buf_printf(&b, i18n_tr(lang, T_LANG_IS_IRC), i18n_name(lang), i18n_code(lang),
			   i18n_codes());
		irc_serverf(c, "NOTICE %s :%s", irc_nick(c), b.data);
		buf_free(&b);
		return;
	}
	for (size_t i = 0; i < m->nparams; i++) {
		enum lang to;
		if (!i18n_parse(m->params[i].p, m->params[i].len, &to))
			continue;
		c->sess.lang = (uint8_t)to;
		session_set_variant(c->f->hub, &c->sess, irc_cap_variant(c));
		struct buf b = BUF_INIT;
		buf_printf(&b, i18n_tr(to, T_LANG_NOW), i18n_name(to));
		irc_serverf(c, "NOTICE %s :%s", irc_nick(c), b.data);
		buf_free(&b);
		return;
	}
	struct buf b = BUF_INIT;
	buf_printf(&b, i18n_tr(lang, T_LANG_UNKNOWN), (int)m->params[0].len, m->params[0].p,
		   i18n_codes());
	irc_serverf(c, "NOTICE %s :%s", irc_nick(c), b.data);
	buf_free(&b);
}
