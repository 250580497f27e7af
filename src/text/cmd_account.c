/* cmd_account: the line protocol's account commands over hub/account.h. A refusal is told as the
 * hub's result (text_codec.c has its words); a success is said here. Passwords are arguments of
 * the line being handled: nothing here copies, logs or echoes them.
 *
 * /login before a name: a person who owns a registered name may log in first and is then named
 * after the account (with --name-grace 0 the name is refused to anyone else, the owner included,
 * until logged in). */
#include <string.h>

#include "base/i18n.h"
#include "hub/account.h"
#include "hub/hub.h"
#include "text/cmd_int.h"
#include "text/text_codec.h"
#include "text/text_history.h"

static const char T_REGISTERED[] = N_("Your name %s is registered: you own it and are logged "
				      "in.");
static const char T_LOGGED_IN[] = N_("You are logged in as %s.");
static const char T_LOGGED_OUT[] = N_("You are logged out.");
static const char T_PASSWORD_SET[] = N_("The password of %s is changed.");

static void cmd_account_done(void *ctx, struct session *s, const struct hub_account_answer *a)
{
	struct hub *h = ctx;
	if (a->code != HUB_OK) {
		hub_account_tell(h, s, a->code, a->account, a->detail, a->retry_s);
		return;
	}
	enum lang lang = text_codec_lang(s);
	const char *acc = a->account ? a->account : "";
	switch (a->op) {
	case HUB_ACCOUNT_REGISTER:
		text_codec_tell(s, TEXT_INFO, i18n_tr(lang, T_REGISTERED), acc);
		break;
	case HUB_ACCOUNT_LOGIN:
		text_codec_tell(s, TEXT_INFO, i18n_tr(lang, T_LOGGED_IN), acc);
		/* Logged in before naming: named after the account. */
		if (s->state == SESSION_NAMING &&
		    session_register(h, s, acc, strlen(acc)) == HUB_OK && h->lobby && s->nrooms)
			text_history_join(h, s, h->lobby->name);
		break;
	case HUB_ACCOUNT_LOGOUT:
		text_codec_tell(s, TEXT_INFO, "%s", i18n_tr(lang, T_LOGGED_OUT));
		break;
	case HUB_ACCOUNT_PASSWORD:
		text_codec_tell(s, TEXT_INFO, i18n_tr(lang, T_PASSWORD_SET), acc);
		break;
	default:
		break;
	}
}

void cmd_account(struct hub *h, struct session *s, enum cmd_id id, struct cmd_span arg,
		 struct cmd_span rest)
{
	struct hub_account_req r = {0};
	switch (id) {
	case CMD_REGISTER:
		r = (struct hub_account_req){.op = HUB_ACCOUNT_REGISTER, .password = arg.p,
					     .password_len = arg.len,
					     .email = rest.len ? rest.p : NULL,
					     .email_len = rest.len};
		break;
	case CMD_LOGIN:
		/* "/login PASSWORD" or "/login NAME PASSWORD". */
		r.op = HUB_ACCOUNT_LOGIN;
		if (rest.len) {
			r.name = arg.p;
			r.name_len = arg.len;
			r.password = rest.p;
			r.password_len = rest.len;
		} else {
			r.password = arg.p;
			r.password_len = arg.len;
		}
		break;
	case CMD_LOGOUT:
		r.op = HUB_ACCOUNT_LOGOUT;
		break;
	case CMD_PASSWORD:
		r = (struct hub_account_req){.op = HUB_ACCOUNT_PASSWORD, .password = arg.p,
					     .password_len = arg.len, .new_password = rest.p,
					     .new_password_len = rest.len};
		if (!rest.len) {
			text_codec_tell(s, TEXT_ERROR, i18n_tr(text_codec_lang(s), "Usage: %s"),
					i18n_tr(text_codec_lang(s), cmd_usage(id)));
			return;
		}
		break;
	default:
		return;
	}
	hub_account_request(h, s, &r, cmd_account_done, h);
}
