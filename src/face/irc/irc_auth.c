/* irc_auth: SASL's AUTHENTICATE (ircv3.net/specs/extensions/sasl-3.1) for the PLAIN and EXTERNAL
 * mechanisms, before or after registration, over the hub's accounts (hub/account.h). The
 * chunks, base64 and PLAIN's message are irc_sasl.c's; here are the states and the numerics:
 * 900 RPL_LOGGEDIN comes from the hub's account event (irc_codec.c), then 903 from the answer;
 * 904 a failure, 905 a line too long, 906 an abort, 907 one logged in already, 908 the
 * mechanisms. The password never leaves this file but to the hub, and is wiped after. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"
#include "face/irc/irc_int.h"
#include "face/irc/irc_sasl.h"
#include "hub/account.h"

static const char IRC_SASL_MECHS[] = "PLAIN,EXTERNAL";

/* The SHA-256 fingerprint (lower-case hex) of the client certificate c's TLS connection showed,
 * or NULL (plain TCP, no certificate, or a WebSocket whose browser showed none). */
static const char *irc_client_certfp(const struct irc_client *c)
{
	return c->conn ? conn_certfp(c->conn) : NULL;
}

const char *irc_auth_certfp(const struct session *s)
{
	return irc_client_certfp(irc_client_const_of(s));
}

/* Back to no exchange: the buffer (which may hold a password) wiped and freed. */
static void irc_auth_reset(struct irc_client *c)
{
	if (c->sasl) {
		irc_sasl_wipe(c->sasl);
		free(c->sasl);
		c->sasl = NULL;
	}
	c->sasl_mech = IRC_SASL_NONE;
}

void irc_auth_forget(struct irc_client *c)
{
	irc_auth_reset(c);
}

void irc_auth_abort(struct irc_client *c)
{
	if (c->sasl_mech == IRC_SASL_NONE)
		return;
	irc_auth_reset(c);
	irc_num(c, "906", ":SASL authentication aborted");
}

static void irc_auth_fail(struct irc_client *c, const char *why)
{
	irc_auth_reset(c);
	irc_num(c, "904", ":SASL authentication failed%s", why);
}

/* The hub's answer to a login. */
static void irc_auth_done(void *ctx, struct session *s, const struct hub_account_answer *a)
{
	(void)ctx;
	struct irc_client *c = irc_client_of(s);
	c->sasl_waiting = false;
	irc_release(c);
	switch (a->code) {
	case HUB_OK:
		irc_num(c, "903", ":SASL authentication successful");
		break;
	case HUB_ERR_LOGGED_IN:
		irc_num(c, "907", ":You have already authenticated using SASL");
		break;
	case HUB_ERR_LOGIN_THROTTLED: {
		char why[64];
		snprintf(why, sizeof(why), ": too many failed logins, try again in %u s",
			 a->retry_s);
		irc_auth_fail(c, why);
		break;
	}
	case HUB_ERR_AUTH_BUSY:
		irc_auth_fail(c, ": the server is busy, try again soon");
		break;
	case HUB_ERR_ACCOUNTS_OFF:
		irc_auth_fail(c, ": this server keeps no accounts");
		break;
	default:
		irc_auth_fail(c, "");
		break;
	}
}

/* The whole message of the mechanism: a login request to the hub. */
static void irc_auth_message(struct irc_client *c)
{
	char msg[IRC_SASL_DECODED_MAX];
	long n = irc_sasl_decode(c->sasl, msg);
	enum irc_sasl_mech mech = c->sasl_mech;
	irc_auth_reset(c);
	if (n < 0) {
		explicit_bzero(msg, sizeof(msg)); /* the decoder wiped its part: belt and braces */
		irc_auth_fail(c, "");
		return;
	}
	struct hub_account_req r = {0};
	if (mech == IRC_SASL_PLAIN) {
		struct irc_sasl_plain p;
		if (!irc_sasl_plain(msg, (size_t)n, &p)) {
			explicit_bzero(msg, sizeof(msg));
			irc_auth_fail(c, "");
			return;
		}
		r = (struct hub_account_req){.op = HUB_ACCOUNT_LOGIN, .name = p.authcid,
					     .name_len = p.authcid_len, .password = p.passwd,
					     .password_len = p.passwd_len};
	} else {
		/* EXTERNAL: the message is the authzid, the account to log in as (may be empty). */
		r = (struct hub_account_req){.op = HUB_ACCOUNT_CERT_LOGIN,
					     .name = n ? msg : NULL, .name_len = (size_t)n,
					     .certfp = irc_client_certfp(c)};
	}
	c->sasl_waiting = true;
	irc_hold(c); /* what follows (CAP END) waits for the answer */
	hub_account_request(c->f->hub, &c->sess, &r, irc_auth_done, c);
	explicit_bzero(msg, sizeof(msg));
}

void irc_auth_command(struct irc_client *c, const struct irc_msg *m)
{
	const struct irc_span *p = &m->params[0];
	if (c->sasl_waiting)
		return; /* the answer to the last message is coming */
	if (p->len == 1 && p->p[0] == '*') {
		if (c->sasl_mech == IRC_SASL_NONE)
			irc_num(c, "906", ":SASL authentication aborted");
		irc_auth_abort(c);
		return;
	}
	if (c->sasl_mech == IRC_SASL_NONE) {
		if (c->sess.info && c->sess.info->account) {
			irc_num(c, "907", ":You have already authenticated using SASL");
			return;
		}
		if (!hub_accounts_available(c->f->hub)) {
			irc_auth_fail(c, ": this server keeps no accounts");
			return;
		}
		if (p->len == 5 && strncasecmp(p->p, "PLAIN", 5) == 0) {
			c->sasl_mech = IRC_SASL_PLAIN;
		} else if (p->len == 8 && strncasecmp(p->p, "EXTERNAL", 8) == 0) {
			c->sasl_mech = IRC_SASL_EXTERNAL;
		} else {
			irc_num(c, "908", "%s :are available SASL mechanisms", IRC_SASL_MECHS);
			irc_auth_fail(c, "");
			return;
		}
		c->sasl = xcalloc(1, sizeof(*c->sasl));
		irc_serverf(c, "AUTHENTICATE +");
		return;
	}
	switch (irc_sasl_feed(c->sasl, p->p, p->len)) {
	case IRC_SASL_MORE:
		return;
	case IRC_SASL_DONE:
		irc_auth_message(c);
		return;
	case IRC_SASL_CHUNK_TOO_LONG:
		irc_auth_reset(c);
		irc_num(c, "905", ":SASL message too long");
		return;
	case IRC_SASL_TOO_LONG:
		irc_auth_fail(c, "");
		return;
	}
}

const char *irc_auth_mechs(void)
{
	return IRC_SASL_MECHS;
}
