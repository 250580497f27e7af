/* irc_int: what the IRC face's files share, and nothing outside src/face/irc/ may use.
 *
 * The face is split along its function prefixes:
 *  - irc.c: the face's life, accepting, a client's life (conn and session ops, ping, flood
 *    control), sending (numerics, captured replies for labeled-response);
 *  - irc_cap.c: capability negotiation (CAP) and the variant a client's capabilities make;
 *  - irc_reg.c: registration (PASS, NICK, USER), the welcome burst (001-005, LUSERS, MOTD), the
 *    command table and its dispatch;
 *  - irc_codec.c: hub events to IRC lines, once per variant;
 *  - irc_chan.c: channels (JOIN, PART, TOPIC, NAMES, LIST, KICK, INVITE, MODE of a channel);
 *  - irc_msg.c: the pure tokenizer and builder (its own header);
 *  - irc_user.c: messages and users (PRIVMSG, NOTICE, TAGMSG, WHO, WHOIS, WHOWAS, ISON,
 *    USERHOST, AWAY, SETNAME, user MODE, OPER, KILL, WALLOPS, and the server queries);
 *  - irc_monitor.c: MONITOR and WHOWAS, fed by the face's observer;
 *  - irc_history.c: CHATHISTORY and the replay on join, answered later (hub/history.h);
 *    irc_chathistory.c: its pure half (arguments, references; its own header).
 *
 * Ownership. A struct irc_client is allocated at accept and freed in its conn's close callback
 * (irc.c), after its session is closed and it has left the MONITOR table. Strings it holds (the
 * nick and user given before registration, its MONITOR list) are its own and freed with it. */
#ifndef CHARLA_FACE_IRC_IRC_INT_H
#define CHARLA_FACE_IRC_IRC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/i18n.h"
#include "base/list.h"
#include "face/irc/irc.h"
#include "face/irc/irc_msg.h"
#include "hub/hub.h"
#include "net/conn.h"

/* Capabilities (CAP). */
enum irc_cap {
	IRC_CAP_ACCOUNT_NOTIFY,
	IRC_CAP_ACCOUNT_TAG,
	IRC_CAP_AWAY_NOTIFY,
	IRC_CAP_BATCH,
	IRC_CAP_CAP_NOTIFY,
	IRC_CAP_CHATHISTORY,
	IRC_CAP_ECHO_MESSAGE,
	IRC_CAP_EXTENDED_JOIN,
	IRC_CAP_INVITE_NOTIFY,
	IRC_CAP_LABELED_RESPONSE,
	IRC_CAP_MESSAGE_TAGS,
	IRC_CAP_MULTI_PREFIX,
	IRC_CAP_SASL,
	IRC_CAP_SERVER_TIME,
	IRC_CAP_SETNAME,
	IRC_CAP_USERHOST_IN_NAMES,
	IRC_CAP_COUNT
};
#define IRC_CAP(c) (1u << (c))

/* The bits of a wire-format variant: the capabilities that change how an event shared by many
 * clients is written. The others (multi-prefix, labeled-response...) change replies alone,
 * which are encoded for one client anyway. */
enum {
	IRC_V_TIME = 1u << 0,    /* server-time: @time= */
	IRC_V_TAGS = 1u << 1,    /* message-tags: @msgid= and the sender's client-only tags */
	IRC_V_AWAY = 1u << 2,    /* away-notify: AWAY lines */
	IRC_V_XJOIN = 1u << 3,   /* extended-join */
	IRC_V_SETNAME = 1u << 4, /* setname: SETNAME lines */
	IRC_V_INVITE = 1u << 5,  /* invite-notify: invitations others send */
	IRC_V_WS = 1u << 6,      /* over WebSocket: each line a message, without CR LF */
	IRC_V_WSBIN = 1u << 7,   /* ... a binary message (binary.ircv3.net), else a text one */
	IRC_V_ACCOUNT = 1u << 8, /* account-notify: ACCOUNT lines */
	IRC_V_ACCTAG = 1u << 9,  /* account-tag: @account= on what a logged-in user sends */
	IRC_V_LANG_SHIFT = 10,   /* the language (enum lang, LANGUAGE) in the bits from here: */
	IRC_V_LANG_BITS = 1,     /* enough for LANG_COUNT */
	IRC_V_LANG = ((1u << IRC_V_LANG_BITS) - 1) << IRC_V_LANG_SHIFT,
	IRC_VARIANTS = 1u << (IRC_V_LANG_SHIFT + IRC_V_LANG_BITS),
};
_Static_assert(LANG_COUNT <= 1u << IRC_V_LANG_BITS, "IRC_V_LANG_BITS must hold every language");

/* Bytes of a real name: USER's is cut to it, a longer SETNAME is refused (ISUPPORT NAMELEN, which
 * the setname capability requires). */
enum { IRC_REALNAME_MAX = 128 };

/* Registration, until the client is a named session. */
enum {
	IRC_REG_NICK = 1u << 0,  /* NICK given (and reserved) */
	IRC_REG_USER = 1u << 1,  /* USER given */
	IRC_REG_CAP = 1u << 2,   /* CAP LS or REQ seen: registration waits for CAP END */
	IRC_REG_PASS = 1u << 3,  /* the right PASS given (or none needed) */
	IRC_REG_DONE = 1u << 4,  /* registered */
};

struct irc_client {
	struct session sess;
	struct conn *conn;
	struct irc_face *f;
	struct list_node link;     /* on f->clients */
	uint32_t caps;             /* IRC_CAP() bits acknowledged */
	uint8_t reg;               /* IRC_REG_* */
	bool ws;                   /* over WebSocket (irc_face_adopt): its conn frames messages */
	uint16_t cap_version;      /* 302 when the client said CAP LS 302 */
	uint64_t opened_ms;
	uint64_t last_input_ms;
	uint64_t ping_sent_ms;     /* 0: no PING outstanding */
	double tokens;             /* flood control: commands it may send now */
	uint64_t tokens_ms;        /* when tokens were last refilled */
	bool throttled;            /* input paused until tokens come back */
	unsigned holds;            /* answers the hub owes (history, a login): input waits for
				    * them, so that replies come in the order of the commands */
	struct list_node throttle_link; /* on f->throttled while throttled */
	char *pass;                /* PASS given before registration */
	struct irc_sasl *sasl;     /* AUTHENTICATE's message being gathered (irc_auth.c) */
	uint8_t sasl_mech;         /* enum irc_sasl_mech: the exchange in progress */
	bool sasl_waiting;         /* the hub is checking the message */
	/* While a command with a label runs (labeled-response), every line for this client is
	 * captured here, to be sent at its end with the label (one line), in a batch (several) or
	 * as an ACK (none). */
	struct buf *capture;
	char *label;
	bool capture_skip;         /* the next frame delivered bypasses the capture (a message to
				    * oneself: the copy received is not the reply; its echo is) */
	bool names_one_end;        /* NAMES of several channels runs: their lists end with one 366 */
	bool mute_results;         /* refusals are not told (NOTICE never gets automatic replies) */
	char **watching;           /* MONITOR: the folded nicks it watches */
	size_t nwatching, capwatching;
	struct list history;       /* struct irc_history_req: history asked, not yet answered */
	const char *list_mask;     /* LIST's patterns while LIST runs (for the encoder) */
	size_t list_mask_len;
};

static inline struct irc_client *irc_client_of(struct session *s)
{
	return list_entry(s, struct irc_client, sess);
}

/* The client of a session the hub hands to an encoder (only for replies, whose source is the
 * client they go to). */
static inline const struct irc_client *irc_client_const_of(const struct session *s)
{
	return list_entry_const(s, struct irc_client, sess);
}

/* The client's nick, or "*" before registration. */
static inline const char *irc_nick(const struct irc_client *c)
{
	return c->sess.name ? c->sess.name : "*";
}

static inline bool irc_has(const struct irc_client *c, enum irc_cap cap)
{
	return (c->caps & IRC_CAP(cap)) != 0;
}

/* A command: its name, the parameters it needs, whether it may come before registration (the
 * others get 451 then), how much of the client's flood budget it costs, and what HELP says of it
 * (its form, and what it does). */
struct irc_command {
	const char *name;
	uint8_t min_params;
	bool anytime;
	uint8_t cost;
	void (*run)(struct irc_client *c, const struct irc_msg *m);
	const char *usage;
	const char *help;
};

/* ---- irc.c ---- */

/* Writes bytes for c: to its connection, or to the capture of a labeled command. */
void irc_write(struct irc_client *c, const char *data, size_t len);
/* ":server NUM nick " then the formatted rest (whose last parameter the format gives with its
 * ':'), cut to the IRC line limit at a character, CR LF. */
void irc_num(struct irc_client *c, const char *num, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Bytes left for the last parameter of a reply to c on one line: IRC_LINE_MAX less CR LF,
 * ":server NUM nick", `middle` bytes of middle parameters (each with the space before it) and
 * " :". Lists are built to it so that an item is left whole, never cut by irc_num. */
size_t irc_num_room(const struct irc_client *c, size_t middle);
/* A line of the server's own (":server " then the formatted rest). */
void irc_serverf(struct irc_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "nick!user@host" of a session, into out (appended). */
void irc_mask(const struct session *s, struct buf *out);
/* The user and host shown for s: what its face set, else a stand-in. */
const char *irc_user_of(const struct session *s);
const char *irc_host_of(const struct session *s);
/* The real name shown for s: its own, or a stand-in for those who gave none. */
const char *irc_real_of(const struct session *s);
/* Takes the label of the labeled command running (NULL: none), for an answer that comes after
 * the command ends: the command then ends with no ACK, and the caller owns the string. */
char *irc_label_take(struct irc_client *c);
/* A command whose answer comes later (from the store, from a hash): c's next lines wait until
 * irc_release, so that a client pipelining (CHATHISTORY then PING; AUTHENTICATE then CAP END)
 * gets its replies in order, as IRC clients and irctest expect. */
void irc_hold(struct irc_client *c);
void irc_release(struct irc_client *c);
/* Closes c with ERROR :reason, after a flush. */
void irc_close(struct irc_client *c, const char *reason);
/* The face's server name. */
const char *irc_server(const struct irc_face *f);

/* ---- irc_auth.c ---- */

enum irc_sasl_mech { IRC_SASL_NONE, IRC_SASL_PLAIN, IRC_SASL_EXTERNAL };
struct irc_sasl;
void irc_auth_command(struct irc_client *c, const struct irc_msg *m);
/* Registration ended (CAP END) with an exchange in progress: 906, as the spec asks. */
void irc_auth_abort(struct irc_client *c);
/* c is closing: wipes and frees its exchange. */
void irc_auth_forget(struct irc_client *c);
/* The session ops' certfp: the client certificate's fingerprint, or NULL. */
const char *irc_auth_certfp(const struct session *s);
/* "PLAIN,EXTERNAL": CAP LS 302's value of sasl, and 908's list. */
const char *irc_auth_mechs(void);

/* ---- irc_cap.c ---- */

void irc_cap_command(struct irc_client *c, const struct irc_msg *m);
/* LANGUAGE <code> (and its alias LANG): the language of the server's NOTICEs and HELP to c. */
void irc_cap_language(struct irc_client *c, const struct irc_msg *m);
/* The variant c's capabilities make (IRC_V_* bits). */
/* The variant c's capabilities and transport make (IRC_V_* bits). */
unsigned irc_cap_variant(const struct irc_client *c);

/* ---- irc_reg.c ---- */

/* Runs one parsed message from c; returns what it costs c's flood budget. */
unsigned irc_reg_dispatch(struct irc_client *c, const struct irc_msg *m);
/* Registers c if it has given all it must; sends the welcome burst. */
void irc_reg_try(struct irc_client *c);
/* The welcome's parts, also sent alone by LUSERS and MOTD. */
void irc_reg_lusers(struct irc_client *c);
void irc_reg_motd(struct irc_client *c);
void irc_reg_isupport(struct irc_client *c);

/* ---- irc_codec.c ---- */

struct frame *irc_codec_encode(const struct hub_event *ev, unsigned variant, struct buf *scratch);
extern const struct hub_face irc_codec_face;
/* "ERROR :Closing Link: WHO (Banned[ until WHEN]: REASON)" and its CR LF: a server ban, told at
 * naming (a result) and at accept (irc_refuse). until_s 0: for good. */
void irc_codec_banned(struct buf *out, const char *who, const char *reason, uint64_t until_s);
/* Appends the tags a shared line carries for variant (time, msgid, the sender's). */
void irc_codec_tags(struct irc_out *o, const struct hub_event *ev, unsigned variant,
		    struct buf *tmp);
/* RPL_NAMREPLY lines for a room's members to c, then RPL_ENDOFNAMES. */
void irc_codec_names(const struct irc_client *c, const struct hub_event *ev, struct buf *out);

/* ---- irc_chan.c ---- */

void irc_chan_join(struct irc_client *c, const struct irc_msg *m);
void irc_chan_part(struct irc_client *c, const struct irc_msg *m);
void irc_chan_topic(struct irc_client *c, const struct irc_msg *m);
void irc_chan_names(struct irc_client *c, const struct irc_msg *m);
void irc_chan_list(struct irc_client *c, const struct irc_msg *m);
void irc_chan_kick(struct irc_client *c, const struct irc_msg *m);
void irc_chan_invite(struct irc_client *c, const struct irc_msg *m);
void irc_chan_mode(struct irc_client *c, const struct irc_msg *m);
/* The topic replies (332 and 333, or 331) for room r to c. */
void irc_chan_topic_reply(struct irc_client *c, const struct room *r, bool tell_none);

/* Whether s is an IRC client's session (its struct irc_client holds it). */
bool irc_session_is_ours(const struct session *s);

/* ---- irc_user.c ---- */

void irc_user_privmsg(struct irc_client *c, const struct irc_msg *m);
void irc_user_notice(struct irc_client *c, const struct irc_msg *m);
void irc_user_tagmsg(struct irc_client *c, const struct irc_msg *m);
void irc_user_who(struct irc_client *c, const struct irc_msg *m);
void irc_user_whois(struct irc_client *c, const struct irc_msg *m);
void irc_user_ison(struct irc_client *c, const struct irc_msg *m);
void irc_user_userhost(struct irc_client *c, const struct irc_msg *m);
void irc_user_away(struct irc_client *c, const struct irc_msg *m);
void irc_user_setname(struct irc_client *c, const struct irc_msg *m);
void irc_user_mode(struct irc_client *c, const struct irc_msg *m);
void irc_user_oper(struct irc_client *c, const struct irc_msg *m);
void irc_user_kill(struct irc_client *c, const struct irc_msg *m);
void irc_user_wallops(struct irc_client *c, const struct irc_msg *m);

/* ---- irc_kline.c: server bans (KLINE, UNKLINE, STATS k) ---- */

void irc_kline_add(struct irc_client *c, const struct irc_msg *m);
void irc_kline_remove(struct irc_client *c, const struct irc_msg *m);
void irc_kline_stats(struct irc_client *c, const struct irc_msg *m);
void irc_user_version(struct irc_client *c, const struct irc_msg *m);
void irc_user_time(struct irc_client *c, const struct irc_msg *m);
void irc_user_info(struct irc_client *c, const struct irc_msg *m);
void irc_user_admin(struct irc_client *c, const struct irc_msg *m);

/* ---- irc_monitor.c ---- */

void irc_monitor_command(struct irc_client *c, const struct irc_msg *m);
void irc_monitor_whowas(struct irc_client *c, const struct irc_msg *m);
/* The face's observer: arrivals, renames and quits. */
void irc_monitor_hears(struct hub_observer *o, const struct hub_event *ev);
/* c leaves every MONITOR list it is on (before it is freed). */
void irc_monitor_forget(struct irc_client *c);
void irc_monitor_free(struct irc_face *f);

/* ---- irc_history.c ---- */

void irc_history_command(struct irc_client *c, const struct irc_msg *m);
/* After c joined room: what was said there before the event id `before`, replayed (the last
 * cfg.history_on_join lines), unless c asks for history itself (draft/chathistory). */
void irc_history_on_join(struct irc_client *c, const char *room, uint64_t before);
/* Cancels and frees every request of c still waiting (before c is freed). */
void irc_history_forget(struct irc_client *c);

#endif
