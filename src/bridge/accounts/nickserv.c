/* nickserv: the service bot for clients without SASL, named --nickserv-like services elsewhere
 * are: a private message to NickServ is a command (REGISTER, IDENTIFY, LOGOUT, SET PASSWORD,
 * CERT ADD/DEL/LIST, HELP) and the answer comes back as a NOTICE from it, in the sender's
 * language. Any face that sends private messages reaches it (a line user types
 * /msg NickServ IDENTIFY secret).
 *
 * A bot's event runs inside a fan-out, where calling the hub is forbidden: each message is copied
 * into the inbox and handled on the next loop turn (a uv_idle). Messages carry passwords: they
 * are wiped as soon as they are handled, and never logged. The sender is found again by name and
 * checked by its session id, so a message from someone who left or was renamed meanwhile is
 * dropped. */
#include "bridge/accounts/accounts_int.h"
#include "bridge/accounts/nickserv.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/buf.h"
#include "base/i18n.h"
#include "base/xalloc.h"

static const char T_NS_ROLE[] = N_("the accounts service");
static const char T_NS_HINT[] = N_("send it HELP: /msg {s} HELP");
static const char T_NS_HELP[] = N_(
	"Commands: REGISTER PASSWORD [EMAIL] registers your name; IDENTIFY [NAME] PASSWORD logs "
	"you in; LOGOUT; SET PASSWORD NEW; CERT ADD [FINGERPRINT], CERT DEL FINGERPRINT, CERT "
	"LIST: the client certificates that log you in.");
static const char T_NS_UNKNOWN[] = N_("Unknown command %.*s. Send HELP for the list.");
static const char T_NS_SYNTAX[] = N_("Syntax: %s");
static const char T_NS_REGISTERED[] = N_("Account created: %s is registered to you and you are "
					 "logged in.");
static const char T_NS_IDENTIFIED[] = N_("You are now logged in as %s.");
static const char T_NS_LOGGED_OUT[] = N_("You are now logged out.");
static const char T_NS_PASSWORD[] = N_("The password of %s is changed.");
static const char T_NS_CERT_DONE[] = N_("Done: the certificates of %s are saved.");
static const char T_NS_CERT_NONE[] = N_("%s has no certificates.");
static const char T_NS_CERT_ITEM[] = N_("Certificate of %s: %s");
static const char T_NS_FAILED[] = N_("Refused: %s");

/* Why a request was refused, for the NOTICE. */
static const char *const T_NS_WHY[HUB_RESULT_COUNT] = {
	[HUB_ERR_NAME_INVALID] = N_("only a name you use can be registered."),
	[HUB_ERR_ACCOUNTS_OFF] = N_("this server keeps no accounts."),
	[HUB_ERR_ACCOUNT_EXISTS] = N_("that is registered already."),
	[HUB_ERR_NO_ACCOUNT] = N_("wrong name or password."),
	[HUB_ERR_BAD_LOGIN] = N_("wrong name or password."),
	[HUB_ERR_BAD_PASSWORD] = N_("a password must be 1 to 512 bytes of UTF-8 text with no "
				    "control characters."),
	[HUB_ERR_BAD_EMAIL] = N_("that is not an e-mail address."),
	[HUB_ERR_NOT_LOGGED_IN] = N_("you are not logged in."),
	[HUB_ERR_LOGGED_IN] = N_("you are logged in already; LOGOUT first."),
	[HUB_ERR_LOGIN_THROTTLED] = N_("too many failed logins; try again later."),
	[HUB_ERR_REGISTER_THROTTLED] = N_("too many registrations from your address; try again "
					  "later."),
	[HUB_ERR_AUTH_BUSY] = N_("the server is busy checking passwords; try again soon."),
	[HUB_ERR_NO_CERT] = N_("no such certificate (your connection shows none)."),
	[HUB_ERR_CERT_LIMIT] = N_("that account has as many certificates as it may."),
};

static void nickserv_drain(uv_idle_t *idle);

static struct accounts *nickserv_of(struct session *s)
{
	return list_entry(s, struct accounts, ns);
}

static void nickserv_msg_free(struct accounts_ns_msg *m)
{
	sodium_memzero(m->text, m->len);
	free(m->text);
	free(m->from);
	free(m);
}

/* Inside a fan-out: copy, and handle it on the next loop turn. */
static void nickserv_event(struct session *s, const struct hub_event *ev)
{
	struct accounts *a = nickserv_of(s);
	if (ev->type != HUB_EV_MESSAGE || ev->room || !ev->src || ev->kind != HUB_MSG_SAY ||
	    ev->src == s || a->ns_queued >= ACCOUNTS_INBOX_MAX || ev->len > ACCOUNTS_NS_TEXT_MAX)
		return;
	struct accounts_ns_msg *m = xcalloc(1, sizeof(*m));
	m->sid = ev->src->id;
	m->from = xstrdup(ev->from);
	m->text = xstrndup(ev->text ? ev->text : "", ev->len);
	m->len = ev->len;
	list_push_back(&a->ns_inbox, &m->node);
	a->ns_queued++;
	uv_idle_start(&a->ns_idle, nickserv_drain);
}

/* A NOTICE from NickServ to s; fmt is in s's language already (NS_TR). */
static void nickserv_say(struct accounts *a, struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void nickserv_say(struct accounts *a, struct session *s, const char *fmt, ...)
{
	if (!a->ns_on || s->state != SESSION_ACTIVE)
		return;
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	session_message(a->hub, &a->ns, s->name, strlen(s->name), HUB_MSG_NOTICE, b.data, b.len);
	buf_free(&b);
}

#define NS_TR(s, msgid) i18n_tr((enum lang)(s)->lang, (msgid))

static void nickserv_answer(void *ctx, struct session *s, const struct hub_account_answer *ans)
{
	struct accounts *a = ctx;
	enum lang lang = (enum lang)s->lang;
	if (ans->code != HUB_OK) {
		const char *why = ans->code < HUB_RESULT_COUNT ? T_NS_WHY[ans->code] : NULL;
		nickserv_say(a, s, NS_TR(s, T_NS_FAILED),
			     i18n_tr(lang, why ? why : T_NS_WHY[HUB_ERR_BAD_LOGIN]));
		return;
	}
	if (s->info && s->info->account)
		nickserv_say(a, s, NS_TR(s, T_NS_IDENTIFIED), ans->account ? ans->account : "");
	else
		nickserv_say(a, s, "%s", NS_TR(s, T_NS_LOGGED_OUT));
}

static void nickserv_registered(void *ctx, struct session *s, const struct hub_account_answer *ans)
{
	if (ans->code == HUB_OK)
		nickserv_say(ctx, s, NS_TR(s, T_NS_REGISTERED), ans->account);
	else
		nickserv_answer(ctx, s, ans);
}

static void nickserv_password(void *ctx, struct session *s, const struct hub_account_answer *ans)
{
	if (ans->code == HUB_OK)
		nickserv_say(ctx, s, NS_TR(s, T_NS_PASSWORD), ans->account);
	else
		nickserv_answer(ctx, s, ans);
}

static void nickserv_cert(void *ctx, struct session *s, const struct hub_account_answer *ans)
{
	if (ans->code != HUB_OK) {
		nickserv_answer(ctx, s, ans);
		return;
	}
	if (ans->op != HUB_ACCOUNT_CERT_LIST) { /* an empty list has no certs array either */
		nickserv_say(ctx, s, NS_TR(s, T_NS_CERT_DONE), ans->account);
		return;
	}
	if (!ans->ncerts)
		nickserv_say(ctx, s, NS_TR(s, T_NS_CERT_NONE), ans->account);
	for (size_t i = 0; i < ans->ncerts; i++)
		nickserv_say(ctx, s, NS_TR(s, T_NS_CERT_ITEM), ans->account, ans->certs[i]);
}

/* A fingerprint as sent ("AB:CD:..."), or the connection's: lower-case hex without colons, into
 * out[HUB_ACCOUNT_CERTFP_MAX + 1]. NULL when there is none or it is too long. */
static const char *nickserv_certfp(struct session *s, struct nickserv_span given, char *out)
{
	const char *src = given.len ? given.p : (s->ops->certfp ? s->ops->certfp(s) : NULL);
	size_t n = given.len ? given.len : (src ? strlen(src) : 0), k = 0;
	for (size_t i = 0; i < n && k < HUB_ACCOUNT_CERTFP_MAX; i++) {
		char ch = src[i];
		if (ch != ':')
			out[k++] = ch >= 'A' && ch <= 'F' ? (char)(ch - 'A' + 'a') : ch;
	}
	out[k] = '\0';
	return k && k < HUB_ACCOUNT_CERTFP_MAX ? out : NULL;
}

/* One command from s. */
static void nickserv_run(struct accounts *a, struct session *s, const char *text, size_t len)
{
	struct nickserv_cmd c;
	nickserv_parse(text, len, &c);
	struct hub_account_req r = {0};
	char fp[HUB_ACCOUNT_CERTFP_MAX + 1];
	hub_account_fn done = nickserv_answer;
	switch (c.verb) {
	case NICKSERV_HELP:
		nickserv_say(a, s, "%s", NS_TR(s, T_NS_HELP));
		return;
	case NICKSERV_SYNTAX:
		nickserv_say(a, s, NS_TR(s, T_NS_SYNTAX), c.usage);
		return;
	case NICKSERV_UNKNOWN:
		nickserv_say(a, s, NS_TR(s, T_NS_UNKNOWN), (int)c.word.len, c.word.p);
		return;
	case NICKSERV_REGISTER:
		r = (struct hub_account_req){.op = HUB_ACCOUNT_REGISTER, .password = c.password.p,
					     .password_len = c.password.len,
					     .email = c.email.len ? c.email.p : NULL,
					     .email_len = c.email.len};
		done = nickserv_registered;
		break;
	case NICKSERV_IDENTIFY:
		r = (struct hub_account_req){.op = HUB_ACCOUNT_LOGIN,
					     .name = c.name.len ? c.name.p : NULL,
					     .name_len = c.name.len, .password = c.password.p,
					     .password_len = c.password.len};
		break;
	case NICKSERV_LOGOUT:
		r.op = HUB_ACCOUNT_LOGOUT;
		break;
	case NICKSERV_SET_PASSWORD:
		r = (struct hub_account_req){.op = HUB_ACCOUNT_PASSWORD,
					     .new_password = c.password.p,
					     .new_password_len = c.password.len};
		done = nickserv_password;
		break;
	case NICKSERV_CERT_ADD:
	case NICKSERV_CERT_DEL:
	case NICKSERV_CERT_LIST:
		r.op = c.verb == NICKSERV_CERT_ADD ? HUB_ACCOUNT_CERT_ADD
		       : c.verb == NICKSERV_CERT_DEL ? HUB_ACCOUNT_CERT_DEL : HUB_ACCOUNT_CERT_LIST;
		if (c.verb != NICKSERV_CERT_LIST)
			r.certfp = nickserv_certfp(s, c.certfp, fp);
		done = nickserv_cert;
		break;
	}
	hub_account_request(a->hub, s, &r, done, a);
}

static void nickserv_drain(uv_idle_t *idle)
{
	struct accounts *a = idle->data;
	uv_idle_stop(idle);
	while (!list_empty(&a->ns_inbox)) {
		struct accounts_ns_msg *m =
			list_entry(list_first(&a->ns_inbox), struct accounts_ns_msg, node);
		list_remove(&m->node);
		a->ns_queued--;
		struct session *s = session_find(a->hub, m->from, strlen(m->from));
		if (s && s->id == m->sid && a->ns_on)
			nickserv_run(a, s, m->text, m->len);
		nickserv_msg_free(m);
	}
}

static void nickserv_admitted(struct session *s)
{
	(void)s;
}

static void nickserv_disconnect(struct session *s)
{
	(void)s;
}

static const struct session_ops nickserv_ops = {
	.face = NULL,
	.admitted = nickserv_admitted,
	.disconnect = nickserv_disconnect,
	.event = nickserv_event,
};

int nickserv_open(struct accounts *a)
{
	list_init(&a->ns_inbox);
	uv_idle_init(a->loop, &a->ns_idle);
	a->ns_idle.data = a;
	session_init(a->hub, &a->ns, &nickserv_ops);
	session_open(a->hub, &a->ns);
	const struct hub_bot info = {.role = T_NS_ROLE, .hint = T_NS_HINT, .secret = true};
	const char *name = a->cfg.nickserv;
	if (hub_bot_register(a->hub, &a->ns, name, strlen(name), &info) != HUB_OK) {
		session_close(a->hub, &a->ns, "", 0);
		return -1;
	}
	/* Invisible (+i), as services are: WHO * and masks list people, not it (WHO NickServ
	 * and WHOIS still show it). */
	a->ns.caps |= SESSION_MODE_INVISIBLE;
	a->ns_on = true;
	return 0;
}

void nickserv_close(struct accounts *a)
{
	if (a->ns_on)
		session_close(a->hub, &a->ns, "", 0);
	a->ns_on = false;
	uv_idle_stop(&a->ns_idle);
	uv_close((uv_handle_t *)&a->ns_idle, NULL);
	while (!list_empty(&a->ns_inbox)) {
		struct accounts_ns_msg *m =
			list_entry(list_first(&a->ns_inbox), struct accounts_ns_msg, node);
		list_remove(&m->node);
		nickserv_msg_free(m);
	}
}
