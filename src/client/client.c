#include "client/client.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <uv.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "client/client_private.h"
#include "client/incoming.h"
#include "client/outgoing.h"

/* User-facing strings, marked for translation (po/es.po) and translated where they are used.
 * Lines shown in the chat itself take the server's `! ` and `* ` forms, so they look like the
 * server's own. */
#define MSG_TERMINAL N_("cannot set up the terminal: %s")
#define MSG_NAME_REFUSED N_("the server refused the name %s: %s")
/* Shown instead of the server's `* What is your name? ...` when it still speaks English. */
#define MSG_ASK_NAME N_("* What is your name? (1-32 characters; no spaces, no ':')")
#define MSG_UDP_TOO_LONG N_("! Line too long for one datagram: at most %d bytes; it was not sent.")
#define MSG_STATS_UDP N_("* UDP to %s port %s: datagrams sent %llu, received %llu.")
#define MSG_STATS_SEQ N_("* Numbered datagrams: received %llu, lost %llu, duplicated %llu, " \
	"reordered %llu%s.")
#define MSG_STATS_TOO_OLD N_(", too late to place %llu")
#define MSG_STATS_TCP N_("* TCP to %s port %s: lines sent %llu (%llu bytes), received %llu " \
	"(%llu bytes).")
#define MSG_STATS_TCP_NOTE N_("* TCP is a reliable, ordered byte stream: nothing is lost, " \
	"duplicated or reordered on the way.")
#define MSG_FALLBACK "error"

static void client_close_any(uv_handle_t *h, void *arg);
static bool client_members(struct client *c, const char *line, size_t len, enum track_fact fact);
static void client_ask_who(struct client *c, const char *room);
static void client_ask_lang(struct client *c);
static void client_help(struct client *c);
static void client_on_grace(uv_timer_t *t);
static void client_on_signal(uv_signal_t *s, int signum);
static bool client_is_stats(const char *line, size_t len);
static void client_print_stats(struct client *c);

const char *client_tr(const struct client *c, const char *msgid)
{
	return i18n_tr(c->opt->lang, msgid);
}

void client_warn(const struct client *c, const char *fmt, ...)
{
	(void)c;
	va_list ap;
	va_start(ap, fmt);
	fputs("charla: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void client_start_session(struct client *c, bool answering)
{
	login_start(&c->login, answering);
	serverlang_start(&c->serverlang, c->opt->lang);
}

/* The loop runs out by itself after this; pending requests complete with UV_ECANCELED and free
 * their memory. */
void client_finish(struct client *c, int code, const char *fmt, ...)
{
	if (c->finishing)
		return;
	c->finishing = true;
	c->exit_code = code;
	if (c->raw) {
		term_hide(&c->term);
		uv_tty_set_mode(&c->tty, UV_TTY_MODE_NORMAL);
		c->raw = false;
	}
	if (fmt) {
		char msg[512];
		va_list ap;
		va_start(ap, fmt);
		int r = vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		if (r < 0)
			snprintf(msg, sizeof msg, MSG_FALLBACK);
		else if ((size_t)r >= sizeof msg)
			memcpy(msg + sizeof msg - 4, "...", 4);
		fprintf(stderr, "charla: %s\n", msg);
	}
	if (c->resolving)
		uv_cancel((uv_req_t *)&c->resolve_req);
	if (c->fs_busy)
		uv_cancel((uv_req_t *)&c->fs_req);
	uv_walk(&c->loop, client_close_any, NULL);
}

static void client_close_any(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

int client_start_ui(struct client *c)
{
	int r;
	c->ui_started = true;
	uv_signal_start(&c->sig_int, client_on_signal, SIGINT);
	uv_signal_start(&c->sig_term, client_on_signal, SIGTERM);
	uv_signal_start(&c->sig_hup, client_on_signal, SIGHUP);
	if (c->opt->interactive)
		uv_signal_start(&c->sig_winch, client_on_signal, SIGWINCH);
	r = input_start(c);
	if (r < 0) {
		if (c->opt->interactive)
			client_finish(c, CLIENT_EXIT_FAILURE, client_tr(c, MSG_TERMINAL),
				      uv_strerror(r));
		else
			client_finish(c, CLIENT_EXIT_FAILURE, client_tr(c, MSG_INPUT), uv_strerror(r));
		return -1;
	}
	if (c->opt->interactive)
		screen_redraw(c);
	return 0;
}

/* Cleans the line before anything reads it, so that neither the state we track (the room shown
 * in the prompt) nor the screen ever sees a control character from the network. Then: what it
 * says about us (track), about our name (login: the prompt -n answers is hidden), about the
 * members (the reply to our own /who is hidden), whether it calls for the bell, and where
 * charla's part of /help goes. */
void client_receive(struct client *c, const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	struct buf clean = BUF_INIT;
	utf8_sanitize(line, len, &clean);
	enum track_fact fact = track_line(&c->track, clean.data, clean.len);
	if (fact != TRACK_NONE)
		c->last_fact = fact;
	c->lines_received++;
	enum login_verdict verdict = login_line(&c->login, clean.data, clean.len, fact);
	/* Before the welcome the server speaks English: its name prompt is shown in the user's
	 * language by charla itself. */
	if (fact == TRACK_ASK_NAME && c->opt->lang != LANG_EN) {
		buf_clear(&clean);
		buf_puts(&clean, client_tr(c, MSG_ASK_NAME));
	}
	bool hide = verdict == LOGIN_HIDE ||
		    serverlang_line(&c->serverlang, clean.data, clean.len) == SERVERLANG_HIDE;
	/* Asked first, so that the server's answers after it, the /who below included, come in
	 * the user's language. */
	if (verdict == LOGIN_WELCOME)
		client_ask_lang(c);
	if (hide || (c->opt->interactive && client_members(c, clean.data, clean.len, fact))) {
		buf_free(&clean);
		return;
	}
	if (c->opt->udp)
		udpwire_fact(c, fact);
	enum mention_kind mention = MENTION_NONE;
	enum help_place help = HELP_NONE;
	if (c->opt->interactive) {
		mention = mention_line(&c->mention, clean.data, clean.len, c->track.name);
		help = help_line(&c->help, c->opt->lang, clean.data, clean.len);
	}
	if (help == HELP_BEFORE)
		client_help(c);
	if (mention == MENTION_NAME)
		incoming_format_mention(clean.data, clean.len, c->track.name, c->opt->colour,
					&c->out);
	else
		incoming_format(clean.data, clean.len, c->track.name, c->opt->colour, &c->out);
	if (mention != MENTION_NONE && c->opt->bell)
		c->bell_due = true;
	if (help == HELP_AFTER)
		client_help(c);
	if ((verdict == LOGIN_WELCOME || verdict == LOGIN_ANSWERED) && !c->opt->interactive)
		input_release(c);
	if (verdict == LOGIN_REFUSED && !c->opt->interactive) {
		/* A script gave its name once (-n, or its first line); whatever follows is not a
		 * name, so stop here rather than send it. In a terminal the user sees the prompt
		 * again and types another name. */
		screen_show(c);
		const char *tried = c->login.tried ? c->login.tried : "";
		client_finish(c, CLIENT_EXIT_NAME, client_tr(c, MSG_NAME_REFUSED), tried,
			      clean.data + 2);
	}
	buf_free(&clean);
}

/* Appends charla's own part of /help to c->out, in the server's form and style. */
static void client_help(struct client *c)
{
	const struct members_set *bots = &c->members.bots;
	struct buf section = BUF_INIT;
	help_section(&c->help, c->opt->lang, bots->len > 0 ? bots->v[0].name : NULL, &section);
	size_t at = 0;
	while (at < section.len) {
		const char *lf = memchr(section.data + at, '\n', section.len - at);
		size_t n = (size_t)(lf - (section.data + at));
		incoming_format(section.data + at, n, NULL, c->opt->colour, &c->out);
		at += n + 1;
	}
	buf_free(&section);
}

/* Keeps the names Tab completes up to date, and asks the server who is in each room we enter.
 * Returns true for the lines of that reply, which the user did not ask for. */
static bool client_members(struct client *c, const char *line, size_t len, enum track_fact fact)
{
	bool hide = members_line(&c->members, line, len, uv_now(&c->loop));
	struct track_parts p;
	switch (fact) {
	case TRACK_WELCOME:
		members_reset(&c->members);
		members_self(&c->members, c->track.name);
		members_enter(&c->members, c->track.room);
		client_ask_who(c, c->track.room);
		break;
	case TRACK_JOINED:
		members_enter(&c->members, c->track.room);
		client_ask_who(c, c->track.room);
		break;
	case TRACK_NICK:
		members_self(&c->members, c->track.name);
		break;
	case TRACK_LEFT:
		if (track_parse(c->track.lang, line, len, &p) == TRACK_LEFT) {
			char *room = xstrndup(line + p.room_off, p.room_len);
			members_leave(&c->members, room);
			free(room);
		}
		break;
	default:
		break;
	}
	return hide;
}

/* Sends `/who ROOM` and tells members to hide its reply. Over UDP the line is only queued: we are
 * in the middle of showing lines from udplink, and udpwire pumps once they are shown. */
static void client_ask_who(struct client *c, const char *room)
{
	char line[8 + 256];
	size_t n = strlen(room);
	if (n >= 256)
		return;
	memcpy(line, "/who ", 5);
	memcpy(line + 5, room, n);
	if (c->opt->udp) {
		if (!c->link_ready || !udplink_queue(&c->link, line, n + 5))
			return;
	} else {
		wire_send(c, line, n + 5);
	}
	members_asked(&c->members, room, uv_now(&c->loop));
}

/* Asks the server to speak the user's language (serverlang.h). Over UDP the line is only
 * queued, as in client_ask_who. */
static void client_ask_lang(struct client *c)
{
	struct buf line = BUF_INIT;
	if (serverlang_request(&c->serverlang, &line)) {
		if (!c->opt->udp)
			wire_send(c, line.data, line.len);
		else if (c->link_ready)
			udplink_queue(&c->link, line.data, line.len);
	}
	buf_free(&line);
}

void client_submit(struct client *c, const char *line, size_t len, bool echo)
{
	struct outgoing_parts parts;
	enum outgoing_kind kind = outgoing_classify(line, len, &parts);
	if (kind == OUTGOING_EMPTY)
		return;
	if (kind == OUTGOING_COMMAND && client_is_stats(line, len)) {
		if (echo && c->opt->echo) {
			screen_show(c);
			buf_clear(&c->out);
			outgoing_transcript(screen_prompt(c), line, len, c->opt->colour, &c->out);
			screen_show(c);
		}
		client_print_stats(c);
		return;
	}
	if (c->opt->udp && len > UDPLINK_LINE_MAX) {
		screen_notice(c, client_tr(c, MSG_UDP_TOO_LONG), UDPLINK_LINE_MAX);
		return;
	}
	if (!c->login.named)
		login_sent(&c->login, line, len);
	if (c->opt->interactive && kind == OUTGOING_COMMAND && help_is_command(line, len))
		help_asked(&c->help);
	wire_send(c, line, len);
	if (echo && c->opt->echo) {
		screen_show(c); /* what the server said before, as in screen_notice */
		buf_clear(&c->out);
		struct buf said = BUF_INIT;
		if (outgoing_echo(line, len, c->track.name, c->track.room, &said)) {
			incoming_format(said.data, said.len, c->track.name, c->opt->colour,
					&c->out);
		} else {
			/* A command or the name: shown as typed after the prompt, like a
			 * transcript. */
			outgoing_transcript(screen_prompt(c), line, len, c->opt->colour, &c->out);
		}
		buf_free(&said);
		screen_show(c);
	}
	if (kind == OUTGOING_QUIT && !c->quitting) {
		c->quitting = true;
		if (!c->opt->udp)
			client_start_grace(c);
		if (!c->opt->interactive)
			input_pause(c);
		/* Over UDP the grace starts once the line has gone (udpwire_pump); unregistered,
		 * there is nobody to say goodbye to. */
		if (c->opt->udp && c->link.state != UDPLINK_ON)
			client_finish(c, CLIENT_EXIT_OK, NULL);
		else if (c->opt->udp)
			udpwire_pump(c);
	}
}

void client_leave(struct client *c)
{
	if (c->finishing)
		return;
	if (c->quitting || (c->opt->udp && c->link.state != UDPLINK_ON)) {
		client_finish(c, CLIENT_EXIT_OK, NULL);
		return;
	}
	c->quitting = true;
	wire_send(c, "/quit", 5);
	if (!c->opt->udp)
		client_start_grace(c);
	if (!c->opt->interactive)
		input_pause(c);
}

void client_start_grace(struct client *c)
{
	uv_timer_start(&c->grace_timer, client_on_grace, QUIT_GRACE_MS, 0);
}

static void client_on_grace(uv_timer_t *t)
{
	client_finish(t->data, CLIENT_EXIT_OK, NULL);
}

static void client_on_signal(uv_signal_t *s, int signum)
{
	struct client *c = s->data;
	if (signum == SIGWINCH) {
		term_resize(&c->term);
		screen_redraw(c);
		return;
	}
	client_leave(c);
}

static bool client_is_stats(const char *line, size_t len)
{
	while (len > 0 && line[len - 1] == ' ')
		len--;
	return len == 6 && strncasecmp(line, "/stats", 6) == 0;
}

/* /stats: what went out and came in, and over UDP what the network did to it. */
static void client_print_stats(struct client *c)
{
	if (!c->opt->udp) {
		screen_notice(c, client_tr(c, MSG_STATS_TCP), c->opt->host, c->opt->port, c->lines_sent,
			      c->bytes_sent, c->lines_received, c->bytes_received);
		screen_notice(c, client_tr(c, MSG_STATS_TCP_NOTE));
		return;
	}
	const struct udplink *u = &c->link;
	const struct seqstat *st = &u->seq;
	screen_notice(c, client_tr(c, MSG_STATS_UDP), c->opt->host, c->opt->port,
		      (unsigned long long)u->sent, (unsigned long long)u->received);
	char late[64] = "";
	if (st->too_old)
		snprintf(late, sizeof late, client_tr(c, MSG_STATS_TOO_OLD),
			 (unsigned long long)st->too_old);
	screen_notice(c, client_tr(c, MSG_STATS_SEQ), (unsigned long long)st->received,
		      (unsigned long long)seqstat_lost(st), (unsigned long long)st->duplicated,
		      (unsigned long long)st->reordered, late);
}

int client_run(const struct client_options *opt)
{
	struct client *c = xcalloc(1, sizeof *c);
	c->opt = opt;
	int r = uv_loop_init(&c->loop);
	if (r < 0) {
		fprintf(stderr, "charla: %s\n", uv_strerror(r));
		free(c);
		return CLIENT_EXIT_FAILURE;
	}
	buf_init(&c->keys);
	buf_init(&c->line);
	buf_init(&c->held);
	buf_init(&c->out);
	edit_init(&c->edit);
	members_init(&c->members);
	/* The server's lines are read in the language charla asks it for (serverlang). */
	c->members.lang = opt->lang;
	c->track.lang = opt->lang;
	term_init(&c->term, STDOUT_FILENO, opt->colour);
	buf_init(&c->shown);
	buf_init(&c->dgram);
	uv_timer_init(&c->loop, &c->esc_timer);
	uv_timer_init(&c->loop, &c->grace_timer);
	uv_timer_init(&c->loop, &c->udp_timer);
	c->esc_timer.data = c;
	c->grace_timer.data = c;
	c->udp_timer.data = c;
	uv_signal_t *sigs[] = {&c->sig_int, &c->sig_term, &c->sig_hup, &c->sig_winch};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		uv_signal_init(&c->loop, sigs[i]);
		sigs[i]->data = c;
	}

	wire_start(c);
	uv_run(&c->loop, UV_RUN_DEFAULT);

	/* Every handle is closed once client_finish ran; should the loop have stopped some other
	 * way, close what is left so that uv_loop_close succeeds. */
	if (!c->finishing)
		client_finish(c, CLIENT_EXIT_FAILURE, NULL);
	uv_run(&c->loop, UV_RUN_DEFAULT);
	r = uv_loop_close(&c->loop);
	if (r < 0)
		fprintf(stderr, "charla: %s\n", uv_strerror(r));
	int code = c->exit_code;
	if (c->addrs)
		uv_freeaddrinfo(c->addrs);
	if (c->link_ready)
		udplink_free(&c->link);
	free(c->rejoin);
	buf_free(&c->shown);
	buf_free(&c->dgram);
	track_free(&c->track);
	login_free(&c->login);
	members_free(&c->members);
	mention_free(&c->mention);
	edit_free(&c->edit);
	term_free(&c->term);
	buf_free(&c->keys);
	buf_free(&c->line);
	buf_free(&c->held);
	buf_free(&c->out);
	tlswire_free(c);
	free(c);
	return code;
}
