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

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	if (!ans->certs) {
		nickserv_say(ctx, s, NS_TR(s, T_NS_CERT_DONE), ans->account);
		return;
	}
	if (!ans->ncerts)
		nickserv_say(ctx, s, NS_TR(s, T_NS_CERT_NONE), ans->account);
	for (size_t i = 0; i < ans->ncerts; i++)
		nickserv_say(ctx, s, NS_TR(s, T_NS_CERT_ITEM), ans->account, ans->certs[i]);
}

/* The next blank-separated word of *p (advanced past it); len 0 at the end. */
static size_t nickserv_word(const char **p, const char *end, const char **w)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
	*w = *p;
	while (*p < end && **p != ' ' && **p != '\t')
		(*p)++;
	return (size_t)(*p - *w);
}

static bool nickserv_is(const char *w, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(w, word, n) == 0;
}

/* One command from s. */
static void nickserv_run(struct accounts *a, struct session *s, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	const char *cmd, *w1, *w2, *w3;
	size_t nc = nickserv_word(&p, end, &cmd);
	size_t n1 = nickserv_word(&p, end, &w1);
	size_t n2 = nickserv_word(&p, end, &w2);
	size_t n3 = nickserv_word(&p, end, &w3);
	struct hub_account_req r = {0};
	char fp[HUB_ACCOUNT_CERTFP_MAX + 1];
	if (nickserv_is(cmd, nc, "REGISTER") && n1) {
		r = (struct hub_account_req){.op = HUB_ACCOUNT_REGISTER, .password = w1,
					     .password_len = n1, .email = n2 ? w2 : NULL,
					     .email_len = n2};
		hub_account_request(a->hub, s, &r, nickserv_registered, a);
	} else if ((nickserv_is(cmd, nc, "IDENTIFY") || nickserv_is(cmd, nc, "LOGIN")) && n1) {
		r = (struct hub_account_req){.op = HUB_ACCOUNT_LOGIN, .name = n2 ? w1 : NULL,
					     .name_len = n2 ? n1 : 0, .password = n2 ? w2 : w1,
					     .password_len = n2 ? n2 : n1};
		hub_account_request(a->hub, s, &r, nickserv_answer, a);
	} else if (nickserv_is(cmd, nc, "LOGOUT")) {
		r.op = HUB_ACCOUNT_LOGOUT;
		hub_account_request(a->hub, s, &r, nickserv_answer, a);
	} else if (nickserv_is(cmd, nc, "SET") && nickserv_is(w1, n1, "PASSWORD") && n2) {
		r = (struct hub_account_req){.op = HUB_ACCOUNT_PASSWORD, .new_password = w2,
					     .new_password_len = n2};
		hub_account_request(a->hub, s, &r, nickserv_password, a);
	} else if (nickserv_is(cmd, nc, "CERT") && n1) {
		if (nickserv_is(w1, n1, "LIST")) {
			r.op = HUB_ACCOUNT_CERT_LIST;
		} else if (nickserv_is(w1, n1, "ADD") || nickserv_is(w1, n1, "DEL")) {
			r.op = nickserv_is(w1, n1, "ADD") ? HUB_ACCOUNT_CERT_ADD
							  : HUB_ACCOUNT_CERT_DEL;
			const char *mine = s->ops->certfp ? s->ops->certfp(s) : NULL;
			size_t n = n2 ? n2 : (mine ? strlen(mine) : 0);
			if (n && n < sizeof(fp)) {
				/* Fingerprints are compared in lower case, without colons. */
				const char *src = n2 ? w2 : mine;
				size_t k = 0;
				for (size_t i = 0; i < n; i++)
					if (src[i] != ':')
						fp[k++] = (char)((src[i] >= 'A' && src[i] <= 'F')
								 ? src[i] - 'A' + 'a' : src[i]);
				fp[k] = '\0';
				r.certfp = fp;
			}
		} else {
			nickserv_say(a, s, NS_TR(s, T_NS_SYNTAX), "CERT ADD|DEL|LIST [FINGERPRINT]");
			return;
		}
		hub_account_request(a->hub, s, &r, nickserv_cert, a);
	} else if (nickserv_is(cmd, nc, "HELP") || nc == 0) {
		nickserv_say(a, s, "%s", NS_TR(s, T_NS_HELP));
	} else if (nickserv_is(cmd, nc, "REGISTER") || nickserv_is(cmd, nc, "IDENTIFY") ||
		   nickserv_is(cmd, nc, "SET")) {
		nickserv_say(a, s, NS_TR(s, T_NS_SYNTAX), nickserv_is(cmd, nc, "REGISTER")
			     ? "REGISTER PASSWORD [EMAIL]" : nickserv_is(cmd, nc, "SET")
			     ? "SET PASSWORD NEW" : "IDENTIFY [NAME] PASSWORD");
	} else {
		nickserv_say(a, s, NS_TR(s, T_NS_UNKNOWN), (int)nc, cmd);
	}
	(void)n3;
	(void)w3;
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
