/* irc_reg: registration (PASS, NICK, USER; CAP is irc_cap.c), the welcome burst (001-005, LUSERS,
 * MOTD), the connection's small commands (PING, PONG, QUIT), and the command table that
 * irc_on_line dispatches through: each command's minimum parameters and whether it needs
 * registration are checked once, here, before any handler runs. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/utf8.h"
#include "face/irc/irc_int.h"
#include "hub/remote.h"
#include "hub/history.h"
#include "hub/name.h"

/* User-facing text of registration, in one place for translation. */
static const char T_WELCOME[] = ":Welcome to the %s IRC Network %s";
static const char T_YOURHOST[] = ":Your host is %s, running version charlad-%s";
static const char T_CREATED[] = ":This server was created %s";
static const char T_ISUPPORT_TAIL[] = ":are supported by this server";
static const char T_LUSERCLIENT[] = ":There are %zu users and %zu invisible on %zu servers";
static const char T_LUSEROP[] = "%zu :operator(s) online";
static const char T_LUSERUNKNOWN[] = "%zu :unknown connection(s)";
static const char T_LUSERCHANNELS[] = "%zu :channels formed";
static const char T_LUSERME[] = ":I have %zu clients and 0 servers";
static const char T_LOCALUSERS[] = "%zu %zu :Current local users %zu, max %zu";
static const char T_GLOBALUSERS[] = "%zu %zu :Current global users %zu, max %zu";
static const char T_MOTDSTART[] = ":- %s Message of the Day -";
static const char T_ENDOFMOTD[] = ":End of /MOTD command.";
static const char T_NOMOTD[] = ":MOTD File is missing";
static const char T_NOTREGISTERED[] = ":You have not registered";
static const char T_ALREADYREGISTERED[] = ":You may not reregister";
static const char T_NEEDMOREPARAMS[] = "%.*s :Not enough parameters";
static const char T_UNKNOWNCOMMAND[] = "%.*s :Unknown command";
static const char T_NONICKNAMEGIVEN[] = ":No nickname given";
static const char T_PASSWDMISMATCH[] = ":Password incorrect";
static const char T_QUIT_PREFIX[] = "Quit: ";
static const char T_QUIT_BARE[] = "Client Quit";
/* HELP's text is a person's: in the client's language (the numerics' fixed words stay English). */
static const char T_HELP_INDEX[] = N_("The commands (HELP <command> says more of one):");
static const char T_HELP_END[] = "End of /HELP";
static const char T_HELP_NONE[] = "No help for that";
static const char T_ENDOFLINKS[] = "End of /LINKS list";

enum {
	IRC_ISUPPORT_PER_LINE = 12, /* tokens on one 005 line (the usual 13 less a margin) */
	IRC_USER_MAX = 16,          /* bytes of a user name kept */
	IRC_HELP_LINE = 300,        /* bytes of command names on one line of HELP's index */
};

/* ---- the welcome burst ---- */

void irc_reg_isupport(struct irc_client *c)
{
	const struct hub *h = c->f->hub;
	char chanlimit[32], maxlist[32], monitor[24], namelen[24];
	snprintf(chanlimit, sizeof(chanlimit), "CHANLIMIT=#:%zu", h->cfg.max_rooms);
	snprintf(maxlist, sizeof(maxlist), "MAXLIST=beI:%d", MODE_LIST_MAX);
	snprintf(monitor, sizeof(monitor), "MONITOR=%zu", c->f->cfg.monitor_max);
	snprintf(namelen, sizeof(namelen), "NAMELEN=%d", IRC_REALNAME_MAX);
	char chathistory[32];
	snprintf(chathistory, sizeof(chathistory), "CHATHISTORY=%d", HUB_HISTORY_MAX);
	struct buf net = BUF_INIT;
	buf_printf(&net, "NETWORK=%s", c->f->cfg.network);
	/* LANGUAGE=<how many at once>,<code>...: the languages LANGUAGE takes (the form of the IRC
	 * language draft, draft-ietf-ircext-language). */
	struct buf langs = BUF_INIT;
	buf_puts(&langs, "LANGUAGE=1");
	for (int l = 0; l < LANG_COUNT; l++)
		buf_printf(&langs, ",%s", i18n_code((enum lang)l));
	/* Every token says what the server does: the lengths are the hub's (name.h, hub.h). */
	const char *tokens[] = {
		"AWAYLEN=390",
		"BOT=B",
		"CASEMAPPING=ascii",
		chanlimit,
		"CHANMODES=beI,k,l,imnst",
		"CHANNELLEN=32",
		"CHANTYPES=#",
		"EXCEPTS=e",
		"INVEX=I",
		"KICKLEN=390",
		langs.data,
		maxlist,
		"MODES=4",
		monitor,
		namelen,
		net.data,
		"NICKLEN=32",
		"PREFIX=(ov)@+",
		"TARGMAX=JOIN:,KICK:,LIST:,MONITOR:,NAMES:,NOTICE:4,PART:,PRIVMSG:4,WHOIS:1",
		"TOPICLEN=390",
		"UTF8ONLY",
		"WHOX",
		/* draft/chathistory, when history is kept: the most messages of one answer, and the
		 * references it takes. */
		hub_history_available(h) ? chathistory : NULL,
		hub_history_available(h) ? "MSGREFTYPES=msgid,timestamp" : NULL,
	};
	size_t n = sizeof(tokens) / sizeof(tokens[0]);
	while (n && !tokens[n - 1])
		n--;
	for (size_t i = 0; i < n; i += IRC_ISUPPORT_PER_LINE) {
		struct buf line = BUF_INIT;
		for (size_t k = i; k < n && k < i + IRC_ISUPPORT_PER_LINE; k++) {
			buf_puts(&line, tokens[k]);
			buf_putc(&line, ' ');
		}
		irc_num(c, "005", "%s%s", line.data, T_ISUPPORT_TAIL);
		buf_free(&line);
	}
	buf_free(&net);
	buf_free(&langs);
}

void irc_reg_lusers(struct irc_client *c)
{
	const struct hub *h = c->f->hub;
	/* Everyone in the chat, of every node of a cluster (hub/remote.h). */
	size_t users = remote_people(h), invisible = 0, opers = 0, servers = 1;
	struct hub_node_view nodes[HUB_NODES_MAX];
	if (h->cluster)
		servers = h->cluster->nodes(h->cluster->ctx, nodes, HUB_NODES_MAX);
	size_t it = 0;
	void *v;
	while (map_next(&h->names, &it, NULL, &v)) {
		const struct session *s = v;
		if (s->bot)
			continue; /* not among h->online: a bot (NickServ is +i) is no user here */
		invisible += (s->caps & SESSION_MODE_INVISIBLE) != 0;
		opers += (s->caps & SESSION_MODE_OPER) != 0;
	}
	size_t unknown = h->admitted >= h->online ? h->admitted - h->online : 0;
	irc_num(c, "251", T_LUSERCLIENT, users - invisible, invisible, servers ? servers : 1);
	irc_num(c, "252", T_LUSEROP, opers);
	irc_num(c, "253", T_LUSERUNKNOWN, unknown);
	size_t rooms = 0;
	it = 0;
	while (map_next(&h->rooms, &it, NULL, &v))
		rooms += ((const struct room *)v)->count > 0; /* the lobby, empty, is no channel */
	irc_num(c, "254", T_LUSERCHANNELS, rooms);
	irc_num(c, "255", T_LUSERME, users);
	size_t peak = h->online_peak;
	irc_num(c, "265", T_LOCALUSERS, users, peak, users, peak);
	irc_num(c, "266", T_GLOBALUSERS, users, peak, users, peak);
}

void irc_reg_motd(struct irc_client *c)
{
	const char *motd = c->f->cfg.motd;
	if (!motd || !*motd) {
		irc_num(c, "422", "%s", T_NOMOTD);
		return;
	}
	irc_num(c, "375", T_MOTDSTART, irc_server(c->f));
	for (const char *p = motd; *p;) {
		size_t n = strcspn(p, "\n");
		size_t len = n && p[n - 1] == '\r' ? n - 1 : n;
		irc_num(c, "372", ":- %.*s", (int)len, p);
		p += n + (p[n] == '\n');
	}
	irc_num(c, "376", "%s", T_ENDOFMOTD);
}

static void irc_reg_welcome(struct irc_client *c)
{
	struct irc_face *f = c->f;
	struct buf mask = BUF_INIT;
	irc_mask(&c->sess, &mask);
	irc_num(c, "001", T_WELCOME, f->cfg.network, mask.data);
	irc_num(c, "002", T_YOURHOST, irc_server(f), f->cfg.version);
	irc_num(c, "003", T_CREATED, f->created);
	irc_num(c, "004", "%s charlad-%s BZiow beIiklmnostv beIklov", irc_server(f), f->cfg.version);
	irc_reg_isupport(c);
	irc_reg_lusers(c);
	irc_reg_motd(c);
	buf_free(&mask);
}

void irc_reg_try(struct irc_client *c)
{
	uint8_t need = IRC_REG_NICK | IRC_REG_USER;
	if ((c->reg & IRC_REG_DONE) || (c->reg & need) != need || (c->reg & IRC_REG_CAP))
		return;
	if (!(c->reg & IRC_REG_PASS)) {
		irc_num(c, "464", "%s", T_PASSWDMISMATCH);
		irc_close(c, "Bad password");
		return;
	}
	if (c->sess.state != SESSION_NAMING)
		return; /* still queued: registration completes once admitted */
	enum hub_result r = session_commit(c->f->hub, &c->sess);
	if (r == HUB_ERR_NAME_REGISTERED) {
		c->reg &= (uint8_t)~IRC_REG_NICK; /* told 433: another NICK completes registration */
		return;
	}
	if (r != HUB_OK)
		return; /* banned by its full mask: cut */
	c->reg |= IRC_REG_DONE;
	irc_reg_welcome(c);
}

/* ---- the commands of registration ---- */

static void irc_reg_pass(struct irc_client *c, const struct irc_msg *m)
{
	if (c->reg & IRC_REG_DONE) {
		irc_num(c, "462", "%s", T_ALREADYREGISTERED);
		return;
	}
	const char *want = c->f->cfg.password;
	if (want && strlen(want) == m->params[0].len &&
	    memcmp(want, m->params[0].p, m->params[0].len) == 0)
		c->reg |= IRC_REG_PASS;
}

static void irc_reg_nick(struct irc_client *c, const struct irc_msg *m)
{
	if (!m->nparams || !m->params[0].len) {
		irc_num(c, "431", "%s", T_NONICKNAMEGIVEN);
		return;
	}
	const struct irc_span *n = &m->params[0];
	struct hub *h = c->f->hub;
	if (c->reg & IRC_REG_DONE) {
		session_nick(h, &c->sess, n->p, n->len);
		return;
	}
	if (c->sess.state != SESSION_NAMING)
		return;
	/* Held for this client until registration completes: nobody can take it meanwhile. */
	if (session_reserve(h, &c->sess, n->p, n->len) == HUB_OK) {
		c->reg |= IRC_REG_NICK;
		irc_reg_try(c);
	}
}

/* Keeps the characters a user name may hold in masks and WHO replies. */
static void irc_reg_user_name(struct buf *out, const struct irc_span *u)
{
	buf_putc(out, '~');
	for (size_t i = 0; i < u->len && out->len <= IRC_USER_MAX; i++) {
		char ch = u->p[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.')
			buf_putc(out, ch);
	}
	if (out->len == 1)
		buf_putc(out, 'u');
}

static void irc_reg_user(struct irc_client *c, const struct irc_msg *m)
{
	if (c->reg & (IRC_REG_DONE | IRC_REG_USER)) {
		irc_num(c, "462", "%s", T_ALREADYREGISTERED);
		return;
	}
	if (!m->params[0].len || !m->params[3].len) {
		irc_num(c, "461", T_NEEDMOREPARAMS, (int)m->command.len, m->command.p);
		return;
	}
	struct buf user = BUF_INIT;
	irc_reg_user_name(&user, &m->params[0]);
	session_set_user(&c->sess, user.data, user.len);
	buf_free(&user);
	const struct irc_span *real = &m->params[3];
	size_t rl = real->len > IRC_REALNAME_MAX ? utf8_boundary(real->p, real->len, IRC_REALNAME_MAX)
						 : real->len;
	session_set_realname(&c->sess, real->p, rl);
	c->reg |= IRC_REG_USER;
	irc_reg_try(c);
}

static void irc_reg_ping(struct irc_client *c, const struct irc_msg *m)
{
	irc_serverf(c, "PONG %s :%.*s", irc_server(c->f), (int)m->params[0].len, m->params[0].p);
}

static void irc_reg_pong(struct irc_client *c, const struct irc_msg *m)
{
	(void)c;
	(void)m; /* any line answers a PING: irc_on_line cleared it */
}

static void irc_reg_quit(struct irc_client *c, const struct irc_msg *m)
{
	struct buf why = BUF_INIT;
	if (m->nparams && m->params[0].len) {
		buf_puts(&why, T_QUIT_PREFIX);
		buf_append(&why, m->params[0].p, m->params[0].len); /* the hub cuts it */
	} else {
		buf_puts(&why, T_QUIT_BARE);
	}
	irc_close(c, why.data);
	buf_free(&why);
}

static void irc_reg_lusers_cmd(struct irc_client *c, const struct irc_msg *m)
{
	(void)m;
	irc_reg_lusers(c);
}

static void irc_reg_motd_cmd(struct irc_client *c, const struct irc_msg *m)
{
	(void)m;
	irc_reg_motd(c);
}

/* ---- the table ---- */

static void irc_reg_help(struct irc_client *c, const struct irc_msg *m);
static void irc_reg_links(struct irc_client *c, const struct irc_msg *m);

static const struct irc_command irc_commands[] = {
	{"ADMIN", 0, false, 1, irc_user_admin, "ADMIN", N_("who runs this server")},
	{"AUTHENTICATE", 1, true, 1, irc_auth_command, "AUTHENTICATE <mechanism> | <base64> | *",
	 N_("log in to your account with SASL (PLAIN, EXTERNAL)")},
	{"AWAY", 0, false, 1, irc_user_away, "AWAY [:<text>]",
	 N_("mark yourself away with <text>; without it, back")},
	{"CAP", 1, true, 1, irc_cap_command, "CAP LS [302] | LIST | REQ :<caps> | END",
	 N_("negotiate IRCv3 capabilities")},
	{"CHATHISTORY", 1, false, 1, irc_history_command,
	 "CHATHISTORY LATEST|BEFORE|AFTER|AROUND <target> <msgid=|timestamp=|*> <limit> | BETWEEN "
	 "<target> <ref> <ref> <limit> | TARGETS <ref> <ref> <limit>",
	 N_("what was said before in a channel or a private conversation")},
	{"HELP", 0, false, 1, irc_reg_help, "HELP [<command>]", N_("this help")},
	{"HELPOP", 0, false, 1, irc_reg_help, "HELPOP [<command>]", N_("this help")},
	{"INFO", 0, false, 1, irc_user_info, "INFO", N_("what this server is")},
	{"INVITE", 2, false, 1, irc_chan_invite, "INVITE <nick> <channel>",
	 N_("invite <nick> to <channel>, letting it past +i")},
	{"ISON", 1, false, 1, irc_user_ison, "ISON <nick> [<nick>...]", N_("which of these are online")},
	{"JOIN", 1, false, 1, irc_chan_join, "JOIN <channel>{,<channel>} [<key>{,<key>}] | JOIN 0",
	 N_("join channels (creating them: you are the operator); JOIN 0 leaves all")},
	{"KICK", 2, false, 1, irc_chan_kick, "KICK <channel> <nick>{,<nick>} [:<reason>]",
	 N_("remove someone from a channel (channel operators)")},
	{"KILL", 2, false, 1, irc_user_kill, "KILL <nick> :<reason>",
	 N_("disconnect someone, of any kind of client (server operators)")},
	{"KLINE", 2, false, 1, irc_kline_add, "KLINE [<duration>] <mask> :<reason>",
	 N_("ban a nick!user@host mask or an address from the server, for a time or for good "
	    "(server operators)")},
	{"LANG", 0, true, 1, irc_cap_language, "LANG <code>", N_("the same as LANGUAGE")},
	{"LANGUAGE", 0, true, 1, irc_cap_language, "LANGUAGE [<code>]",
	 N_("the language of the server's notices and help: en (English), es (español)")},
	{"LINKS", 0, false, 1, irc_reg_links, "LINKS", N_("the servers of this network: this one")},
	{"LIST", 0, false, 2, irc_chan_list, "LIST [<pattern>{,<pattern>}]",
	 N_("the channels, their sizes and topics; * and ? in patterns")},
	{"LUSERS", 0, false, 1, irc_reg_lusers_cmd, "LUSERS", N_("how many are online")},
	{"MODE", 1, false, 1, irc_chan_mode, "MODE <channel> [+-<modes> <values>] | MODE <nick> "
	 "[+-iwB]", N_("show or change a channel's modes (imnstklbeIov) or your own (iwoB)")},
	{"MONITOR", 1, false, 1, irc_monitor_command, "MONITOR +|- <nick>{,<nick>} | C | L | S",
	 N_("be told when these nicks come online and leave")},
	{"MOTD", 0, false, 1, irc_reg_motd_cmd, "MOTD", N_("the message of the day")},
	{"NAMES", 0, false, 1, irc_chan_names, "NAMES <channel>{,<channel>}",
	 N_("who is in a channel")},
	{"NICK", 0, true, 1, irc_reg_nick, "NICK <nick>", N_("take or change your nick")},
	{"NOTICE", 0, false, 1, irc_user_notice, "NOTICE <target>{,<target>} :<text>",
	 N_("a message that is never answered automatically")},
	{"OPER", 2, false, 1, irc_user_oper, "OPER <name> <password>",
	 N_("become a server operator")},
	{"PART", 1, false, 1, irc_chan_part, "PART <channel>{,<channel>} [:<reason>]",
	 N_("leave channels")},
	{"PASS", 1, true, 1, irc_reg_pass, "PASS <password>",
	 N_("the server's password, before NICK and USER")},
	{"PING", 1, true, 1, irc_reg_ping, "PING <token>", N_("the server answers PONG <token>")},
	{"PONG", 0, true, 0, irc_reg_pong, "PONG <token>", N_("the answer to the server's PING")},
	{"PRIVMSG", 0, false, 1, irc_user_privmsg, "PRIVMSG <target>{,<target>} :<text>",
	 N_("say <text> in a channel or to a nick; gpt: <question> asks the assistant")},
	{"QUIT", 0, true, 0, irc_reg_quit, "QUIT [:<reason>]", N_("leave")},
	{"SETNAME", 1, false, 1, irc_user_setname, "SETNAME :<real name>", N_("change your real name")},
	{"STATS", 1, false, 1, irc_kline_stats, "STATS <query>",
	 N_("server statistics; STATS k lists the server's bans (server operators)")},
	{"TAGMSG", 1, false, 1, irc_user_tagmsg, "@<tags> TAGMSG <target>",
	 N_("tags alone, to message-tags clients")},
	{"TIME", 0, false, 1, irc_user_time, "TIME", N_("the server's time")},
	{"TOPIC", 1, false, 1, irc_chan_topic, "TOPIC <channel> [:<topic>]",
	 N_("show or set a channel's topic (an empty one clears it)")},
	{"UNKLINE", 1, false, 1, irc_kline_remove, "UNKLINE <mask>",
	 N_("lift a server ban (server operators)")},
	{"USER", 4, true, 1, irc_reg_user, "USER <user> 0 * :<real name>",
	 N_("your user name and real name, once")},
	{"USERHOST", 1, false, 1, irc_user_userhost, "USERHOST <nick> [<nick>...]",
	 N_("the user and host of up to 5 nicks")},
	{"VERSION", 0, false, 1, irc_user_version, "VERSION", N_("this server's version")},
	{"WALLOPS", 1, false, 1, irc_user_wallops, "WALLOPS :<text>",
	 N_("tell everyone with +w (server operators)")},
	{"WHO", 0, false, 1, irc_user_who, "WHO <mask> [%<fields>[,<token>]]",
	 N_("who matches <mask> (a channel, or nick, user, host or real name with * and ?)")},
	{"WHOIS", 1, false, 1, irc_user_whois, "WHOIS <nick>", N_("about someone")},
	{"WHOWAS", 1, false, 1, irc_monitor_whowas, "WHOWAS <nick> [<count>]",
	 N_("about someone who has left or changed nick")},
};
#define IRC_COMMANDS (sizeof(irc_commands) / sizeof(irc_commands[0]))

/* ---- HELP and LINKS, which read the table and the server's one line ---- */

/* HELP [<command>] (and HELPOP): 704, 705 lines, 706; 524 for a command there is not. */
static void irc_reg_help(struct irc_client *c, const struct irc_msg *m)
{
	if (!m->nparams || !m->params[0].len) {
		enum lang lang = (enum lang)c->sess.lang;
		irc_num(c, "704", "index :%s", i18n_tr(lang, T_HELP_INDEX));
		struct buf line = BUF_INIT;
		for (size_t i = 0; i < IRC_COMMANDS; i++) {
			if (line.len + 1 + strlen(irc_commands[i].name) > IRC_HELP_LINE) {
				irc_num(c, "705", "index :%s", line.data);
				buf_clear(&line);
			}
			if (line.len)
				buf_putc(&line, ' ');
			buf_puts(&line, irc_commands[i].name);
		}
		irc_num(c, "705", "index :%s", line.data);
		irc_num(c, "706", "index :%s", T_HELP_END);
		buf_free(&line);
		return;
	}
	const struct irc_span *w = &m->params[0];
	for (size_t i = 0; i < IRC_COMMANDS; i++) {
		const struct irc_command *cmd = &irc_commands[i];
		if (strlen(cmd->name) != w->len || strncasecmp(cmd->name, w->p, w->len) != 0)
			continue;
		irc_num(c, "704", "%s :%s", cmd->name, cmd->usage);
		irc_num(c, "705", "%s :%s", cmd->name, i18n_tr((enum lang)c->sess.lang, cmd->help));
		irc_num(c, "706", "%s :%s", cmd->name, T_HELP_END);
		return;
	}
	irc_num(c, "524", "%.*s :%s", (int)w->len, w->p, T_HELP_NONE);
}

/* LINKS: one server, this one (hop count 0, then its line). */
static void irc_reg_links(struct irc_client *c, const struct irc_msg *m)
{
	(void)m;
	const char *me = irc_server(c->f);
	irc_num(c, "364", "%s %s :0 %s", me, me, c->f->cfg.info);
	/* The other nodes of a cluster, one hop away through Redis (hub/remote.h). */
	const struct hub *h = c->f->hub;
	struct hub_node_view nodes[HUB_NODES_MAX];
	size_t n = h->cluster ? h->cluster->nodes(h->cluster->ctx, nodes, HUB_NODES_MAX) : 0;
	for (size_t i = 0; i < n; i++)
		if (!nodes[i].here)
			irc_num(c, "364", "%s %s :1 charla node, %zu online", nodes[i].name, me,
				nodes[i].online);
	irc_num(c, "365", "* :%s", T_ENDOFLINKS);
}

unsigned irc_reg_dispatch(struct irc_client *c, const struct irc_msg *m)
{
	const struct irc_command *cmd = NULL;
	for (size_t i = 0; i < IRC_COMMANDS; i++) {
		if (irc_msg_is(m, irc_commands[i].name)) {
			cmd = &irc_commands[i];
			break;
		}
	}
	if (!cmd) {
		irc_num(c, "421", T_UNKNOWNCOMMAND, (int)m->command.len, m->command.p);
		return 1;
	}
	if (!(c->reg & IRC_REG_DONE) && !cmd->anytime) {
		irc_num(c, "451", "%s", T_NOTREGISTERED);
		return 1;
	}
	if (m->nparams < cmd->min_params) {
		irc_num(c, "461", T_NEEDMOREPARAMS, (int)m->command.len, m->command.p);
		return 1;
	}
	cmd->run(c, m);
	return cmd->cost;
}
