#include "hub/account.h"

#include <string.h>

#include "base/utf8.h"
#include "hub/fan.h"
#include "hub/hub.h"

void hub_account_set_provider(struct hub *h, const struct hub_account_provider *p)
{
	h->accounts = p;
}

bool hub_accounts_available(const struct hub *h)
{
	return h->accounts != NULL;
}

enum hub_password_rule hub_password_check(const char *pw, size_t len)
{
	if (!pw || len == 0)
		return HUB_PASSWORD_EMPTY;
	if (len > HUB_ACCOUNT_PASSWORD_MAX)
		return HUB_PASSWORD_TOO_LONG;
	/* utf8_is_clean refuses ill-formed sequences and every control but TAB; a password has
	 * no TAB either (a line protocol splits words on it). */
	if (!utf8_is_clean(pw, len) || memchr(pw, '\t', len))
		return HUB_PASSWORD_NOT_UTF8;
	return HUB_PASSWORD_OK;
}

void hub_account_request(struct hub *h, struct session *s, const struct hub_account_req *r,
			 hub_account_fn cb, void *ctx)
{
	if (!h->accounts) {
		struct hub_account_answer a = {.op = r->op, .code = HUB_ERR_ACCOUNTS_OFF};
		cb(ctx, s, &a);
		return;
	}
	h->accounts->request(h->accounts->impl, s, r, cb, ctx);
}

void hub_account_set(struct hub *h, struct session *s, const char *account, size_t len)
{
	session_set_account(s, account, len);
	const char *now = s->info && s->info->account ? s->info->account : "";
	struct hub_event ev = {.type = HUB_EV_ACCOUNT, .src = s, .from = s->name, .to = s->name,
			       .text = now, .len = strlen(now)};
	if (s->state != SESSION_ACTIVE) {
		/* Not named yet (IRC's SASL before registration): only it hears of it. */
		ev.flags = HUB_EVF_SELF;
		fan_one(h, s, &ev);
		return;
	}
	fan_self_and_shared(h, s, &ev);
}

void hub_account_tell(struct hub *h, struct session *s, enum hub_result code, const char *to,
		      int detail, size_t n)
{
	fan_result(h, s, code, to, to ? strlen(to) : 0, NULL, 0, detail, n);
}

bool hub_account_name_refused(struct hub *h, const struct session *s, const char *folded)
{
	return h->accounts && h->accounts->name_refused && !s->remote &&
	       h->accounts->name_refused(h->accounts->impl, s, folded);
}

void hub_account_named(struct hub *h, struct session *s)
{
	if (h->accounts && h->accounts->named && !s->remote)
		h->accounts->named(h->accounts->impl, s);
}

void hub_account_closed(struct hub *h, struct session *s)
{
	if (h->accounts && h->accounts->closed && !s->remote)
		h->accounts->closed(h->accounts->impl, s);
}
