/* Unit tests for face/irc/irc_msg: the IRC message tokenizer and encoder. The split and join
 * vectors follow the IRC community's parser tests (github.com/ircdocs/parser-tests, msg-split and
 * msg-join), written here by hand in C; the rest are the RFC 1459/2812, Modern IRC and IRCv3
 * message-tags edges: limits exactly at their boundaries, tags both ways, cuts at character
 * boundaries, and parse-then-build round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "face/irc/irc_msg.h"

/* What show() last rendered; freed by the group teardown. */
static struct buf shown;

/* Renders a parsed message as "@k=raw;k2 :src CMD [p1] [p2] :[trailing]": raw tag values, each
 * parameter in brackets so that empty ones and spaces show, and the trailing one marked. */
static const char *show(const struct irc_msg *m)
{
	buf_clear(&shown);
	for (size_t i = 0; i < m->ntags; i++) {
		const struct irc_tag *t = &m->tags[i];
		buf_putc(&shown, i ? ';' : '@');
		buf_append(&shown, t->key.p, t->key.len);
		if (t->value.p) {
			buf_putc(&shown, '=');
			buf_append(&shown, t->value.p, t->value.len);
		}
	}
	if (m->ntags)
		buf_putc(&shown, ' ');
	if (m->source.len)
		buf_printf(&shown, ":%.*s ", (int)m->source.len, m->source.p);
	buf_append(&shown, m->command.p, m->command.len);
	for (size_t i = 0; i < m->nparams; i++) {
		bool last = i + 1 == m->nparams;
		buf_printf(&shown, " %s[%.*s]", last && m->trailing ? ":" : "", (int)m->params[i].len,
			   m->params[i].p);
	}
	return shown.data ? shown.data : "";
}

static enum irc_parse parse_str(const char *s, struct irc_msg *m)
{
	return irc_msg_parse(s, strlen(s), m);
}

/* Parses a literal (NULs and all) and checks its rendering. */
#define SPLITS(lit, expect)                                                     \
	do {                                                                    \
		assert_int_equal(irc_msg_parse((lit), sizeof(lit) - 1, &m), IRC_PARSE_OK); \
		assert_string_equal(show(&m), (expect));                       \
	} while (0)

#define REFUSES(lit, code) assert_int_equal(irc_msg_parse((lit), sizeof(lit) - 1, &m), (code))

/* Checks the value irc_msg_tag finds for key, unescaped; expect NULL: absent. */
static void check_tag(const struct irc_msg *m, const char *key, const char *expect, struct buf *val)
{
	if (!expect) {
		assert_false(irc_msg_tag(m, key, val));
		assert_int_equal(val->len, 0);
		return;
	}
	assert_true(irc_msg_tag(m, key, val));
	assert_int_equal(val->len, strlen(expect));
	if (val->len)
		assert_memory_equal(val->data, expect, val->len);
}

#define TAG(key, expect) check_tag(&m, (key), (expect), &val)

/* Builds m again with the builder: what a face does when it relays what it parsed. The last
 * parameter goes as trailing when it was sent so or cannot be a middle one (the 15th may hold
 * spaces). */
static void rebuild(const struct irc_msg *m, struct buf *out)
{
	struct irc_out o;
	struct buf key = BUF_INIT, value = BUF_INIT;
	irc_out_begin(&o, out);
	for (size_t i = 0; i < m->ntags; i++) {
		buf_clear(&key);
		buf_append(&key, m->tags[i].key.p, m->tags[i].key.len);
		buf_clear(&value);
		irc_tag_unescape(m->tags[i].value.p, m->tags[i].value.len, &value);
		irc_out_tag(&o, key.data, m->tags[i].value.p ? value.data : NULL);
	}
	if (m->source.len)
		irc_out_source(&o, m->source.p, m->source.len);
	buf_clear(&key);
	buf_append(&key, m->command.p, m->command.len);
	irc_out_command(&o, key.data);
	for (size_t i = 0; i < m->nparams; i++) {
		const struct irc_span *p = &m->params[i];
		if (i + 1 == m->nparams && (m->trailing || !irc_msg_middle_ok(p->p, p->len)))
			irc_out_trailing(&o, p->p, p->len);
		else
			irc_out_param(&o, p->p, p->len);
	}
	irc_out_end(&o);
	buf_free(&key);
	buf_free(&value);
}

static void t_split_simple(void **state)
{
	(void)state;
	struct irc_msg m;
	SPLITS("foo bar baz asdf", "foo [bar] [baz] [asdf]");
	SPLITS(":coolguy foo bar baz asdf", ":coolguy foo [bar] [baz] [asdf]");
	SPLITS("COMMAND", "COMMAND");
	assert_int_equal(m.nparams, 0);
	assert_false(m.trailing);
	assert_int_equal(m.ntags, 0);
	assert_int_equal(m.source.len, 0);
	/* Tab is not a separator: it stays inside its atom. */
	SPLITS(":cool\tguy foo bar baz", ":cool\tguy foo [bar] [baz]");
	SPLITS(":coolguy foo b\tar baz", ":coolguy foo [b\tar] [baz]");
	/* Control codes in the source are the source's. */
	SPLITS(":coolguy!ag@net\x03" "5w\x03ork.admin PRIVMSG foo :bar baz",
	       ":coolguy!ag@net\x03" "5w\x03ork.admin PRIVMSG [foo] :[bar baz]");
	SPLITS(":coolguy!~ag@n\x02" "et\x03" "05w\x0f" "ork.admin PRIVMSG foo :bar baz",
	       ":coolguy!~ag@n\x02" "et\x03" "05w\x0f" "ork.admin PRIVMSG [foo] :[bar baz]");
}

static void t_split_trailing(void **state)
{
	(void)state;
	struct irc_msg m;
	SPLITS("foo bar baz :asdf quux", "foo [bar] [baz] :[asdf quux]");
	assert_true(m.trailing);
	SPLITS("foo bar baz :", "foo [bar] [baz] :[]");
	assert_true(m.trailing);
	assert_int_equal(m.nparams, 3);
	assert_int_equal(m.params[2].len, 0);
	SPLITS("foo bar baz ::asdf", "foo [bar] [baz] :[:asdf]");
	SPLITS(":coolguy foo bar baz :asdf quux", ":coolguy foo [bar] [baz] :[asdf quux]");
	SPLITS(":coolguy foo bar baz :  asdf quux ", ":coolguy foo [bar] [baz] :[  asdf quux ]");
	SPLITS(":coolguy PRIVMSG bar :lol :) ", ":coolguy PRIVMSG [bar] :[lol :) ]");
	SPLITS(":coolguy foo bar baz :", ":coolguy foo [bar] [baz] :[]");
	SPLITS(":coolguy foo bar baz :  ", ":coolguy foo [bar] [baz] :[  ]");
	/* The last parameter is the same with or without its colon; only the flag tells. */
	SPLITS(":src JOIN #chan", ":src JOIN [#chan]");
	assert_false(m.trailing);
	SPLITS(":src JOIN :#chan", ":src JOIN :[#chan]");
	assert_true(m.trailing);
	SPLITS(":SomeOp MODE #channel :+i", ":SomeOp MODE [#channel] :[+i]");
	SPLITS(":SomeOp MODE #channel +oo SomeUser :AnotherUser",
	       ":SomeOp MODE [#channel] [+oo] [SomeUser] :[AnotherUser]");
	/* A trailing parameter may be all colons, or only a space. */
	SPLITS("PRIVMSG #c :::", "PRIVMSG [#c] :[::]");
	SPLITS("PRIVMSG #c : ", "PRIVMSG [#c] :[ ]");
	/* A trailing parameter right after the command. */
	SPLITS("QUIT :bye now", "QUIT :[bye now]");
	SPLITS("QUIT :", "QUIT :[]");
}

static void t_split_middle_colon(void **state)
{
	(void)state;
	struct irc_msg m;
	/* Only a leading ':' starts the trailing parameter; one later is part of a middle one. */
	SPLITS("CMD a:b c: :d:e", "CMD [a:b] [c:] :[d:e]");
	SPLITS("PRIVMSG #a:b :x", "PRIVMSG [#a:b] :[x]");
	SPLITS("MODE #c +k pass:word", "MODE [#c] [+k] [pass:word]");
}

static void t_split_spaces(void **state)
{
	(void)state;
	struct irc_msg m;
	/* Modern IRC: runs of spaces are one separator, and trailing ones end nothing (no empty
	 * parameter): empty parameters exist only as " :". */
	SPLITS(":src AWAY", ":src AWAY");
	assert_int_equal(m.nparams, 0);
	SPLITS(":src AWAY ", ":src AWAY");
	assert_int_equal(m.nparams, 0);
	SPLITS(":gravel.mozilla.org 432  #momo :Erroneous Nickname: Illegal characters",
	       ":gravel.mozilla.org 432 [#momo] :[Erroneous Nickname: Illegal characters]");
	SPLITS(":gravel.mozilla.org MODE #tckk +n ", ":gravel.mozilla.org MODE [#tckk] [+n]");
	SPLITS(":services.esper.net MODE #foo-bar +o foobar  ",
	       ":services.esper.net MODE [#foo-bar] [+o] [foobar]");
	SPLITS("   PING   x   ", "PING [x]");
	SPLITS(":src    PRIVMSG    #c     :  hi  ", ":src PRIVMSG [#c] :[  hi  ]");
	SPLITS("@a=1    :src   CMD", "@a=1 :src CMD");
	SPLITS("@a=1   CMD   x", "@a=1 CMD [x]");
}

static void t_split_params_max(void **state)
{
	(void)state;
	struct irc_msg m;
	/* RFC 2812: at most 14 middle parameters; the 15th takes the rest of the line, colon or not. */
	SPLITS("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15",
	       "CMD [1] [2] [3] [4] [5] [6] [7] [8] [9] [10] [11] [12] [13] [14] [15]");
	assert_int_equal(m.nparams, 15);
	assert_false(m.trailing);
	SPLITS("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
	       "CMD [1] [2] [3] [4] [5] [6] [7] [8] [9] [10] [11] [12] [13] [14] [15 16 17]");
	assert_int_equal(m.nparams, 15);
	assert_false(m.trailing);
	SPLITS("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14   15  16 ",
	       "CMD [1] [2] [3] [4] [5] [6] [7] [8] [9] [10] [11] [12] [13] [14] [15  16 ]");
	SPLITS("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :15 16",
	       "CMD [1] [2] [3] [4] [5] [6] [7] [8] [9] [10] [11] [12] [13] [14] :[15 16]");
	assert_true(m.trailing);
	SPLITS("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 ::15",
	       "CMD [1] [2] [3] [4] [5] [6] [7] [8] [9] [10] [11] [12] [13] [14] :[:15]");
	SPLITS("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 :14 15",
	       "CMD [1] [2] [3] [4] [5] [6] [7] [8] [9] [10] [11] [12] [13] :[14 15]");
	assert_int_equal(m.nparams, 14);
	/* Fourteen, then nothing but spaces: no 15th. */
	SPLITS("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14   ",
	       "CMD [1] [2] [3] [4] [5] [6] [7] [8] [9] [10] [11] [12] [13] [14]");
	assert_int_equal(m.nparams, 14);
}

static void t_split_source(void **state)
{
	(void)state;
	struct irc_msg m;
	SPLITS(":nick!user@host PRIVMSG #c :hi", ":nick!user@host PRIVMSG [#c] :[hi]");
	assert_int_equal(m.source.len, strlen("nick!user@host"));
	assert_memory_equal(m.source.p, "nick!user@host", m.source.len);
	SPLITS(":nick PRIVMSG #c :hi", ":nick PRIVMSG [#c] :[hi]");
	SPLITS(":irc.example.com NOTICE * :*** hello", ":irc.example.com NOTICE [*] :[*** hello]");
	SPLITS(":nick@host PART #c", ":nick@host PART [#c]");
	/* A source is taken up to the space, colons and all. */
	SPLITS("::odd CMD", "::odd CMD");
	assert_memory_equal(m.source.p, ":odd", 4);
	/* An empty source is no source. */
	SPLITS(": CMD x", "CMD [x]");
	assert_int_equal(m.source.len, 0);
}

static void t_split_numeric(void **state)
{
	(void)state;
	struct irc_msg m;
	SPLITS(":irc.example.com 001 nick :Welcome", ":irc.example.com 001 [nick] :[Welcome]");
	assert_int_equal(m.command.len, 3);
	assert_memory_equal(m.command.p, "001", 3);
	SPLITS("353 me = #c :@a +b c", "353 [me] [=] [#c] :[@a +b c]");
	SPLITS("999", "999");
}

static void t_refuse_empty_and_commands(void **state)
{
	(void)state;
	struct irc_msg m;
	REFUSES("", IRC_PARSE_EMPTY);
	REFUSES(" ", IRC_PARSE_EMPTY);
	REFUSES("      ", IRC_PARSE_EMPTY);
	/* A source or tags, and no command. */
	REFUSES(":src", IRC_PARSE_NO_COMMAND);
	REFUSES(":src   ", IRC_PARSE_NO_COMMAND);
	REFUSES(":", IRC_PARSE_NO_COMMAND);
	REFUSES("@a", IRC_PARSE_NO_COMMAND);
	REFUSES("@a=b   ", IRC_PARSE_NO_COMMAND);
	REFUSES("@a=b :src", IRC_PARSE_NO_COMMAND);
	REFUSES("@a=b :src  ", IRC_PARSE_NO_COMMAND);
	/* Neither letters nor three digits. */
	REFUSES("PRIV1MSG #c :x", IRC_PARSE_BAD_COMMAND);
	REFUSES("12", IRC_PARSE_BAD_COMMAND);
	REFUSES("1234", IRC_PARSE_BAD_COMMAND);
	REFUSES("0a1", IRC_PARSE_BAD_COMMAND);
	REFUSES("01", IRC_PARSE_BAD_COMMAND);
	REFUSES("PRIV:MSG x", IRC_PARSE_BAD_COMMAND);
	REFUSES("PRIV-MSG x", IRC_PARSE_BAD_COMMAND);
	REFUSES(":src 12a x", IRC_PARSE_BAD_COMMAND);
	REFUSES("\xC3\xA9T\xC3\xA9", IRC_PARSE_BAD_COMMAND);
	REFUSES("\tPING", IRC_PARSE_BAD_COMMAND);
	REFUSES("PING\t", IRC_PARSE_BAD_COMMAND);
	/* ...and what it was is kept, to be quoted back, with the tags (a label). */
	const char *bad = "@label=x :src NO_SUCH_COMMAND a b";
	assert_int_equal(irc_msg_parse(bad, strlen(bad), &m), IRC_PARSE_BAD_COMMAND);
	assert_int_equal(m.command.len, 15);
	assert_memory_equal(m.command.p, "NO_SUCH_COMMAND", 15);
	assert_int_equal(m.ntags, 1);
	/* The parser takes NUL as a byte like any other (irc_msg_clean is the check). */
	REFUSES("PI\0NG", IRC_PARSE_BAD_COMMAND);
	assert_int_equal(irc_msg_parse("PING a\0b", 8, &m), IRC_PARSE_OK);
	assert_int_equal(m.params[0].len, 3);
	assert_memory_equal(m.params[0].p, "a\0b", 3);
}

static void t_tags(void **state)
{
	(void)state;
	struct irc_msg m;
	struct buf val = BUF_INIT;
	SPLITS("@a=b;c=32;k;rt=ql7 foo", "@a=b;c=32;k;rt=ql7 foo");
	assert_int_equal(m.ntags, 4);
	TAG("a", "b");
	TAG("c", "32");
	TAG("k", "");
	TAG("rt", "ql7");
	TAG("x", NULL);
	TAG("A", NULL); /* keys are case-sensitive */
	/* A valueless tag has no value pointer; an empty one has. Both read as empty. */
	SPLITS("@c;h=;a=b :quux ab cd", "@c;h=;a=b :quux ab [cd]");
	assert_null(m.tags[0].value.p);
	assert_int_equal(m.tags[0].value.len, 0);
	assert_non_null(m.tags[1].value.p);
	assert_int_equal(m.tags[1].value.len, 0);
	TAG("c", "");
	TAG("h", "");
	TAG("a", "b");
	SPLITS("@tag1=value1;tag2;vendor1/tag3=value2;vendor2/tag4= :irc.example.com COMMAND param1 param2 :param3 param3",
	       "@tag1=value1;tag2;vendor1/tag3=value2;vendor2/tag4= :irc.example.com COMMAND [param1] [param2] :[param3 param3]");
	TAG("tag1", "value1");
	TAG("tag2", "");
	TAG("vendor1/tag3", "value2");
	TAG("vendor2/tag4", "");
	TAG("tag3", NULL);
	SPLITS("@tag1=value1;tag2;vendor1/tag3=value2;vendor2/tag4 COMMAND param1 param2 :param3 param3",
	       "@tag1=value1;tag2;vendor1/tag3=value2;vendor2/tag4 COMMAND [param1] [param2] :[param3 param3]");
	TAG("vendor2/tag4", "");
	/* A value may hold '=' and anything but ';' and space. */
	SPLITS("@a=b=c;d==;e=\xC3\xA9\x01 CMD", "@a=b=c;d==;e=\xC3\xA9\x01 CMD");
	TAG("a", "b=c");
	TAG("d", "=");
	TAG("e", "\xC3\xA9\x01");
	buf_free(&val);
}

static void t_tags_client_and_vendor(void **state)
{
	(void)state;
	struct irc_msg m;
	struct buf val = BUF_INIT;
	SPLITS("@+typing=active;+example.com/foo=bar;a.b/c;draft/reply=123 TAGMSG #c",
	       "@+typing=active;+example.com/foo=bar;a.b/c;draft/reply=123 TAGMSG [#c]");
	TAG("+typing", "active");
	TAG("typing", NULL); /* the '+' is part of the key */
	TAG("+example.com/foo", "bar");
	TAG("a.b/c", "");
	TAG("draft/reply", "123");
	SPLITS("@time=2011-10-19T16:40:51.620Z;msgid=a-B-9 :n!u@h PRIVMSG #c :hi",
	       "@time=2011-10-19T16:40:51.620Z;msgid=a-B-9 :n!u@h PRIVMSG [#c] :[hi]");
	TAG("time", "2011-10-19T16:40:51.620Z");
	buf_free(&val);
}

static void t_tags_escapes(void **state)
{
	(void)state;
	struct irc_msg m;
	struct buf val = BUF_INIT;
	SPLITS("@a=b\\\\and\\nk;c=72\\s45;d=gh\\:764 foo", "@a=b\\\\and\\nk;c=72\\s45;d=gh\\:764 foo");
	TAG("a", "b\\and\nk");
	TAG("c", "72 45");
	TAG("d", "gh;764");
	SPLITS("@foo=\\\\\\\\\\:\\\\s\\s\\r\\n COMMAND", "@foo=\\\\\\\\\\:\\\\s\\s\\r\\n COMMAND");
	TAG("foo", "\\\\;\\s \r\n");
	/* Char at a time: "\\\\n" is a backslash then 'n', never a newline. */
	SPLITS("@tag1=value\\\\ntest COMMAND", "@tag1=value\\\\ntest COMMAND");
	TAG("tag1", "value\\ntest");
	/* "\x" for another x is x; a lone backslash at the end is dropped. */
	SPLITS("@tag1=value\\1 COMMAND", "@tag1=value\\1 COMMAND");
	TAG("tag1", "value1");
	SPLITS("@tag1=value1\\ COMMAND", "@tag1=value1\\ COMMAND");
	TAG("tag1", "value1");
	SPLITS("@t=\\ CMD", "@t=\\ CMD");
	TAG("t", "");
	SPLITS("@t=\\\\ CMD", "@t=\\\\ CMD");
	TAG("t", "\\");
	SPLITS("@t=\\\\\\ CMD", "@t=\\\\\\ CMD");
	TAG("t", "\\");
	SPLITS("@t=\\a\\b\\t\\0\\= CMD", "@t=\\a\\b\\t\\0\\= CMD");
	TAG("t", "abt0=");
	/* Every escape, one after the other and at both ends. */
	SPLITS("@t=\\:\\s\\\\\\r\\n;u=\\:x\\: CMD", "@t=\\:\\s\\\\\\r\\n;u=\\:x\\: CMD");
	TAG("t", "; \\\r\n");
	TAG("u", ";x;");
	buf_free(&val);
}

static void t_tags_duplicates(void **state)
{
	(void)state;
	struct irc_msg m;
	struct buf val = BUF_INIT;
	/* All kept in order; irc_msg_tag reads the last. */
	SPLITS("@tag1=1;tag2=3;tag3=4;tag1=5 COMMAND", "@tag1=1;tag2=3;tag3=4;tag1=5 COMMAND");
	TAG("tag1", "5");
	TAG("tag2", "3");
	TAG("tag3", "4");
	SPLITS("@tag1=1;tag2=3;tag3=4;tag1=5;vendor/tag2=8 COMMAND",
	       "@tag1=1;tag2=3;tag3=4;tag1=5;vendor/tag2=8 COMMAND");
	TAG("tag2", "3");
	TAG("vendor/tag2", "8");
	/* The last wins even when it has no value. */
	SPLITS("@a=1;a CMD", "@a=1;a CMD");
	TAG("a", "");
	SPLITS("@a;a=2 CMD", "@a;a=2 CMD");
	TAG("a", "2");
	/* irc_msg_tag clears out first. */
	buf_puts(&val, "stale");
	TAG("zz", NULL);
	buf_free(&val);
}

static void t_tags_bad(void **state)
{
	(void)state;
	struct irc_msg m;
	/* An empty key: the tags cannot be split. */
	REFUSES("@ CMD", IRC_PARSE_BAD_TAGS);
	REFUSES("@", IRC_PARSE_BAD_TAGS);
	REFUSES("@=x CMD", IRC_PARSE_BAD_TAGS);
	REFUSES("@= CMD", IRC_PARSE_BAD_TAGS);
	REFUSES("@;a CMD", IRC_PARSE_BAD_TAGS);
	REFUSES("@a;;b CMD", IRC_PARSE_BAD_TAGS);
	REFUSES("@a; CMD", IRC_PARSE_BAD_TAGS);
	REFUSES("@a=1;=2 CMD", IRC_PARSE_BAD_TAGS);
	REFUSES("@;", IRC_PARSE_BAD_TAGS);
	/* Bad tags are found before a missing or bad command. */
	REFUSES("@;a", IRC_PARSE_BAD_TAGS);
	REFUSES("@;a 1x", IRC_PARSE_BAD_TAGS);
}

static void t_tags_invalid_keys_dropped(void **state)
{
	(void)state;
	struct irc_msg m;
	struct buf val = BUF_INIT;
	/* IRCv3: "MUST NOT perform any validation that would reject the message if an invalid tag
	 * key name is used". Such a tag is dropped; the message and its other tags stay. */
	SPLITS("@a!b=1;ok=2;a_b;k\xC3\xA9y=3;+;/x;v/;a/b/c;+/x;a..b/ok=9 PRIVMSG #c :hi",
	       "@ok=2;a..b/ok=9 PRIVMSG [#c] :[hi]");
	TAG("ok", "2");
	TAG("a!b", NULL);
	TAG("a..b/ok", "9");
	/* Only invalid keys: no tags, and that is fine. */
	SPLITS("@a:b=1;a.b;\xC3\xA9;+;x/ CMD", "CMD");
	assert_int_equal(m.ntags, 0);
	buf_free(&val);
}

static void t_tags_count(void **state)
{
	(void)state;
	struct irc_msg m;
	struct buf line = BUF_INIT;
	buf_putc(&line, '@');
	for (int i = 0; i < IRC_TAG_COUNT_MAX; i++)
		buf_printf(&line, "%st%d=%d", i ? ";" : "", i, i);
	size_t at = line.len;
	buf_puts(&line, " CMD");
	assert_int_equal(irc_msg_parse(line.data, line.len, &m), IRC_PARSE_OK);
	assert_int_equal(m.ntags, IRC_TAG_COUNT_MAX);
	assert_memory_equal(m.tags[63].key.p, "t63", 3);
	/* One more is one too many... */
	line.len = at;
	buf_puts(&line, ";one-more CMD");
	assert_int_equal(irc_msg_parse(line.data, line.len, &m), IRC_PARSE_BAD_TAGS);
	/* ...unless it is dropped for its key, and then it does not count. */
	line.len = at;
	buf_puts(&line, ";one_more CMD");
	assert_int_equal(irc_msg_parse(line.data, line.len, &m), IRC_PARSE_OK);
	assert_int_equal(m.ntags, IRC_TAG_COUNT_MAX);
	buf_free(&line);
}

/* "@a=" + n x's + " CMD :" + k y's: a tags part of 4 + n bytes (the '@' and the space included)
 * and a rest of 5 + k bytes. */
static void tagged_line(struct buf *line, size_t n, size_t k)
{
	buf_clear(line);
	buf_puts(line, "@a=");
	for (size_t i = 0; i < n; i++)
		buf_putc(line, 'x');
	buf_puts(line, " CMD :");
	for (size_t i = 0; i < k; i++)
		buf_putc(line, 'y');
}

static void t_limit_tags(void **state)
{
	(void)state;
	struct irc_msg m;
	struct buf line = BUF_INIT;
	/* The tags part exactly at IRC_TAGS_CLIENT_MAX, '@' and space included, is taken... */
	tagged_line(&line, IRC_TAGS_CLIENT_MAX - 4, 0);
	assert_int_equal(irc_msg_parse(line.data, line.len, &m), IRC_PARSE_OK);
	assert_int_equal(m.tags[0].value.len, IRC_TAGS_CLIENT_MAX - 4);
	/* ...one byte more is not, */
	tagged_line(&line, IRC_TAGS_CLIENT_MAX - 3, 0);
	assert_int_equal(irc_msg_parse(line.data, line.len, &m), IRC_PARSE_TAGS_TOO_LONG);
	/* even with no command after it (the length is checked first). */
	line.len = IRC_TAGS_CLIENT_MAX;
	assert_int_equal(irc_msg_parse(line.data, line.len, &m), IRC_PARSE_TAGS_TOO_LONG);
	line.len = IRC_TAGS_CLIENT_MAX - 1;
	assert_int_equal(irc_msg_parse(line.data, line.len, &m), IRC_PARSE_NO_COMMAND);
	/* The tags do not count in the 512: both limits full at once. */
	tagged_line(&line, IRC_TAGS_CLIENT_MAX - 4, IRC_LINE_MAX - 2 - 5);
	assert_int_equal(line.len, IRC_TAGS_CLIENT_MAX + IRC_LINE_MAX - 2);
	assert_int_equal(irc_msg_parse(line.data, line.len, &m), IRC_PARSE_OK);
	assert_int_equal(m.params[0].len, IRC_LINE_MAX - 2 - 5);
	tagged_line(&line, IRC_TAGS_CLIENT_MAX - 4, IRC_LINE_MAX - 2 - 4);
	assert_int_equal(irc_msg_parse(line.data, line.len, &m), IRC_PARSE_TOO_LONG);
	/* Over both: the tags are reported. */
	tagged_line(&line, IRC_TAGS_CLIENT_MAX, IRC_LINE_MAX);
	assert_int_equal(irc_msg_parse(line.data, line.len, &m), IRC_PARSE_TAGS_TOO_LONG);
	buf_free(&line);
}

static void t_limit_line(void **state)
{
	(void)state;
	struct irc_msg m;
	struct buf line = BUF_INIT;
	/* 509, 510 and 511 bytes, that is 511, 512 and 513 with CR LF. */
	for (size_t n = IRC_LINE_MAX - 3; n <= IRC_LINE_MAX - 1; n++) {
		buf_clear(&line);
		buf_puts(&line, "PRIVMSG #c :");
		while (line.len < n)
			buf_putc(&line, 'z');
		enum irc_parse want = n + 2 <= IRC_LINE_MAX ? IRC_PARSE_OK : IRC_PARSE_TOO_LONG;
		assert_int_equal(irc_msg_parse(line.data, line.len, &m), want);
		if (want == IRC_PARSE_OK)
			assert_int_equal(m.params[1].len, n - 12);
	}
	/* Leading spaces count: they are bytes of the line. */
	buf_clear(&line);
	buf_puts(&line, " PRIVMSG #c :");
	while (line.len < IRC_LINE_MAX - 1)
		buf_putc(&line, 'z');
	assert_int_equal(irc_msg_parse(line.data, line.len, &m), IRC_PARSE_TOO_LONG);
	/* Too long wins over a bad command: the line is refused whole. */
	buf_clear(&line);
	while (line.len < IRC_LINE_MAX - 1)
		buf_putc(&line, '9');
	assert_int_equal(irc_msg_parse(line.data, line.len, &m), IRC_PARSE_TOO_LONG);
	buf_free(&line);
}

static void t_msg_is(void **state)
{
	(void)state;
	struct irc_msg m;
	assert_int_equal(parse_str("privmsg #c :x", &m), IRC_PARSE_OK);
	assert_true(irc_msg_is(&m, "PRIVMSG"));
	assert_true(irc_msg_is(&m, "privmsg"));
	assert_true(irc_msg_is(&m, "PrivMsg"));
	assert_false(irc_msg_is(&m, "PRIVMSGS"));
	assert_false(irc_msg_is(&m, "PRIVMS"));
	assert_false(irc_msg_is(&m, "NOTICE"));
	assert_false(irc_msg_is(&m, ""));
	assert_int_equal(parse_str("001 x", &m), IRC_PARSE_OK);
	assert_true(irc_msg_is(&m, "001"));
	assert_false(irc_msg_is(&m, "002"));
	/* Letters fold, nothing else: 'A' ^ 0x20 is 'a', but 'A' ^ 0x60 is '!'. */
	assert_int_equal(parse_str("A", &m), IRC_PARSE_OK);
	assert_true(irc_msg_is(&m, "a"));
	assert_false(irc_msg_is(&m, "!"));
	assert_false(irc_msg_is(&m, "a "));
}

static void t_clean(void **state)
{
	(void)state;
	assert_true(irc_msg_clean("", 0));
	static const char text[] = "PRIVMSG #c :\t\x01\x1b\x7f\xC3\xA9";
	assert_true(irc_msg_clean(text, sizeof(text) - 1));
	assert_false(irc_msg_clean("a\0b", 3));
	assert_false(irc_msg_clean("a\rb", 3));
	assert_false(irc_msg_clean("a\nb", 3));
	assert_false(irc_msg_clean("ab\r", 3));
	assert_false(irc_msg_clean("\0", 1));
	assert_true(irc_msg_clean("\x0b\x0c\x0e", 3));
}

static void t_escape(void **state)
{
	(void)state;
	struct buf out = BUF_INIT, back = BUF_INIT;
	irc_tag_escape("; \\\r\n", 5, &out);
	assert_string_equal(out.data, "\\:\\s\\\\\\r\\n");
	buf_clear(&out);
	irc_tag_escape("plain-\xC3\xA9=\t", 10, &out);
	assert_string_equal(out.data, "plain-\xC3\xA9=\t");
	/* Appends. */
	buf_clear(&out);
	buf_puts(&out, "k=");
	irc_tag_escape("a b", 3, &out);
	assert_string_equal(out.data, "k=a\\sb");
	buf_clear(&out);
	irc_tag_escape("", 0, &out);
	assert_int_equal(out.len, 0);
	/* Unescape undoes escape for every byte, NUL included. */
	char all[256 * 2];
	for (int i = 0; i < 256; i++) {
		all[2 * i] = (char)i;
		all[2 * i + 1] = (char)(255 - i);
	}
	buf_clear(&out);
	irc_tag_escape(all, sizeof(all), &out);
	assert_null(memchr(out.data, ';', out.len));
	assert_null(memchr(out.data, ' ', out.len));
	assert_null(memchr(out.data, '\r', out.len));
	assert_null(memchr(out.data, '\n', out.len));
	irc_tag_unescape(out.data, out.len, &back);
	assert_int_equal(back.len, sizeof(all));
	assert_memory_equal(back.data, all, sizeof(all));
	/* Appends too. */
	buf_clear(&back);
	buf_puts(&back, ">");
	irc_tag_unescape("a\\sb\\", 5, &back);
	assert_string_equal(back.data, ">a b");
	buf_free(&out);
	buf_free(&back);
}

static void t_middle_ok(void **state)
{
	(void)state;
	assert_true(irc_msg_middle_ok("#c", 2));
	assert_true(irc_msg_middle_ok("a:b", 3));
	assert_true(irc_msg_middle_ok("a\tb", 3));
	assert_false(irc_msg_middle_ok("", 0));
	assert_false(irc_msg_middle_ok(":a", 2));
	assert_false(irc_msg_middle_ok("a b", 3));
	assert_false(irc_msg_middle_ok(" ", 1));
}

/* The message the builder wrote, from o->start. */
static const char *built(const struct irc_out *o)
{
	return o->b->data + o->start;
}

static void t_build_join_vectors(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct irc_out o;

	irc_out_begin(&o, &b);
	irc_out_command(&o, "foo");
	irc_out_param(&o, "bar", 3);
	irc_out_param(&o, "baz", 3);
	irc_out_param(&o, "asdf", 4);
	irc_out_end(&o);
	assert_string_equal(built(&o), "foo bar baz asdf\r\n");

	irc_out_begin(&o, &b);
	irc_out_source(&o, "src", 3);
	irc_out_command(&o, "AWAY");
	irc_out_end(&o);
	assert_string_equal(built(&o), ":src AWAY\r\n");

	irc_out_begin(&o, &b);
	irc_out_source(&o, "src", 3);
	irc_out_command(&o, "AWAY");
	irc_out_trailing(&o, "", 0);
	irc_out_end(&o);
	assert_string_equal(built(&o), ":src AWAY :\r\n");

	irc_out_begin(&o, &b);
	irc_out_source(&o, "coolguy", 7);
	irc_out_command(&o, "foo");
	irc_out_param(&o, "bar", 3);
	irc_out_param(&o, "baz", 3);
	irc_out_trailing(&o, "asdf", 4);
	irc_out_end(&o);
	assert_string_equal(built(&o), ":coolguy foo bar baz :asdf\r\n");

	static const char *const trailings[] = {"asdf quux", "", ":asdf", "  asdf quux ", "  "};
	static const char *const wants[] = {
		"foo bar baz :asdf quux\r\n", "foo bar baz :\r\n", "foo bar baz ::asdf\r\n",
		"foo bar baz :  asdf quux \r\n", "foo bar baz :  \r\n"};
	for (size_t i = 0; i < sizeof(trailings) / sizeof(trailings[0]); i++) {
		irc_out_begin(&o, &b);
		irc_out_command(&o, "foo");
		irc_out_param(&o, "bar", 3);
		irc_out_param(&o, "baz", 3);
		irc_out_trailing(&o, trailings[i], strlen(trailings[i]));
		irc_out_end(&o);
		assert_string_equal(built(&o), wants[i]);
	}

	irc_out_begin(&o, &b);
	irc_out_source(&o, "coolguy", 7);
	irc_out_command(&o, "PRIVMSG");
	irc_out_param(&o, "bar", 3);
	irc_out_trailing(&o, "lol :) ", 7);
	irc_out_end(&o);
	assert_string_equal(built(&o), ":coolguy PRIVMSG bar :lol :) \r\n");

	irc_out_begin(&o, &b);
	irc_out_source(&o, "coolguy", 7);
	irc_out_command(&o, "foo");
	irc_out_param(&o, "b\tar", 4);
	irc_out_param(&o, "baz", 3);
	irc_out_end(&o);
	assert_string_equal(built(&o), ":coolguy foo b\tar baz\r\n");

	/* An empty value is written as the missing form (the spec allows it, and it is shorter). */
	irc_out_begin(&o, &b);
	irc_out_tag(&o, "asd", "");
	irc_out_source(&o, "coolguy", 7);
	irc_out_command(&o, "foo");
	irc_out_param(&o, "bar", 3);
	irc_out_param(&o, "baz", 3);
	irc_out_trailing(&o, "  ", 2);
	irc_out_end(&o);
	assert_string_equal(built(&o), "@asd :coolguy foo bar baz :  \r\n");
	irc_out_begin(&o, &b);
	irc_out_tag(&o, "asd", NULL);
	irc_out_command(&o, "foo");
	irc_out_end(&o);
	assert_string_equal(built(&o), "@asd foo\r\n");

	irc_out_begin(&o, &b);
	irc_out_tag(&o, "a", "b\\and\nk");
	irc_out_tag(&o, "d", "gh;764");
	irc_out_command(&o, "foo");
	irc_out_end(&o);
	assert_string_equal(built(&o), "@a=b\\\\and\\nk;d=gh\\:764 foo\r\n");

	irc_out_begin(&o, &b);
	irc_out_tag(&o, "a", "b\\and\nk");
	irc_out_tag(&o, "d", "gh;764");
	irc_out_command(&o, "foo");
	irc_out_param(&o, "par1", 4);
	irc_out_trailing(&o, "par2", 4);
	irc_out_end(&o);
	assert_string_equal(built(&o), "@a=b\\\\and\\nk;d=gh\\:764 foo par1 :par2\r\n");

	irc_out_begin(&o, &b);
	irc_out_tag(&o, "foo", "\\\\;\\s \r\n");
	irc_out_command(&o, "COMMAND");
	irc_out_end(&o);
	assert_string_equal(built(&o), "@foo=\\\\\\\\\\:\\\\s\\s\\r\\n COMMAND\r\n");

	/* Every message was appended after the one before. */
	assert_memory_equal(b.data, "foo bar baz asdf\r\n:src AWAY\r\n", 29);
	buf_free(&b);
}

static void t_build_numeric_and_paramf(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct irc_out o;
	irc_out_begin(&o, &b);
	irc_out_tag(&o, "time", "2024-01-02T03:04:05.678Z");
	irc_out_tag(&o, "+example.com/x", "1 2");
	irc_out_source(&o, "irc.example.com", 15);
	irc_out_command(&o, "005");
	irc_out_param(&o, "nick", 4);
	irc_out_paramf(&o, "CHANNELLEN=%d", 50);
	irc_out_paramf(&o, "NICKLEN=%s", "30");
	irc_out_trailing(&o, "are supported by this server", 28);
	irc_out_end(&o);
	assert_string_equal(b.data,
			    "@time=2024-01-02T03:04:05.678Z;+example.com/x=1\\s2 :irc.example.com 005 "
			    "nick CHANNELLEN=50 NICKLEN=30 :are supported by this server\r\n");
	assert_true(o.tagged);
	assert_true(o.ended);
	assert_int_equal(o.start, 0);
	assert_memory_equal(b.data + o.body, ":irc.example.com", 16);
	buf_free(&b);
}

/* Builds "PRIVMSG <target> :<text>" and returns the part after the tags, CR LF included. */
static size_t build_privmsg(struct buf *b, const char *target, const char *text, size_t len,
			    size_t *body)
{
	struct irc_out o;
	buf_clear(b);
	irc_out_begin(&o, b);
	irc_out_command(&o, "PRIVMSG");
	irc_out_param(&o, target, strlen(target));
	irc_out_trailing(&o, text, len);
	irc_out_end(&o);
	*body = o.body;
	return b->len - o.body;
}

static void t_build_limit(void **state)
{
	(void)state;
	struct buf b = BUF_INIT, text = BUF_INIT;
	size_t body;
	/* "PRIVMSG #c :" is 12 bytes: 498 of text fill the 512 exactly. */
	for (int i = 0; i < 600; i++)
		buf_putc(&text, (char)('a' + i % 26));
	assert_int_equal(build_privmsg(&b, "#c", text.data, 497, &body), 511);
	assert_int_equal(build_privmsg(&b, "#c", text.data, 498, &body), 512);
	assert_memory_equal(b.data + 12, text.data, 498);
	assert_int_equal(build_privmsg(&b, "#c", text.data, 499, &body), 512);
	assert_memory_equal(b.data + 12, text.data, 498);
	assert_memory_equal(b.data + 510, "\r\n", 3);
	assert_int_equal(build_privmsg(&b, "#c", text.data, 600, &body), 512);
	/* The cut one parses back, at the limit. */
	struct irc_msg m;
	assert_int_equal(irc_msg_parse(b.data, b.len - 2, &m), IRC_PARSE_OK);
	assert_int_equal(m.params[1].len, 498);
	buf_free(&b);
	buf_free(&text);
}

/* Cuts text made of one character of n bytes: whole characters only, as many as fit. */
static void check_utf8_cut(const char *ch, size_t n)
{
	struct buf b = BUF_INIT, text = BUF_INIT;
	for (int i = 0; i < 300; i++)
		buf_puts(&text, ch);
	/* Targets of 2..6 bytes put the cut at every offset inside a character. */
	const char *targets[] = {"#a", "#ab", "#abc", "#abcd", "#abcde"};
	for (size_t t = 0; t < 5; t++) {
		size_t body;
		size_t got = build_privmsg(&b, targets[t], text.data, text.len, &body);
		size_t head = 8 + strlen(targets[t]) + 2; /* "PRIVMSG " target " :" */
		size_t room = IRC_LINE_MAX - 2 - head;
		size_t want = room / n * n;
		assert_int_equal(got, head + want + 2);
		assert_true(got <= IRC_LINE_MAX);
		assert_memory_equal(b.data + body + head, text.data, want);
		assert_memory_equal(b.data + b.len - 2, "\r\n", 2);
	}
	buf_free(&b);
	buf_free(&text);
}

static void t_build_limit_utf8(void **state)
{
	(void)state;
	check_utf8_cut("\xC3\xA9", 2);         /* é */
	check_utf8_cut("\xE2\x82\xAC", 3);     /* € */
	check_utf8_cut("\xF0\x9F\x98\x80", 4); /* 😀 */
	/* Mixed: "a€" repeated (4 bytes a period); the cut never splits the euro. */
	struct buf b = BUF_INIT, text = BUF_INIT;
	for (int i = 0; i < 200; i++)
		buf_puts(&text, "a\xE2\x82\xAC");
	for (size_t pad = 0; pad < 4; pad++) {
		char target[8] = "#xxxx";
		target[1 + pad] = '\0';
		size_t body;
		size_t got = build_privmsg(&b, target, text.data, text.len, &body);
		assert_true(got <= IRC_LINE_MAX);
		/* The last byte before CR LF ends a character: 'a' or the euro's last byte. */
		char last = b.data[b.len - 3];
		assert_true(last == 'a' || last == '\xAC');
		assert_true(got >= IRC_LINE_MAX - 3);
	}
	buf_free(&b);
	buf_free(&text);
}

static void t_build_tags_not_counted(void **state)
{
	(void)state;
	struct buf b = BUF_INIT, value = BUF_INIT, text = BUF_INIT;
	for (int i = 0; i < 3000; i++)
		buf_putc(&value, 'v');
	for (int i = 0; i < 1000; i++)
		buf_putc(&text, 't');
	struct irc_out o;
	buf_puts(&b, "previous\r\n");
	irc_out_begin(&o, &b);
	irc_out_tag(&o, "big", value.data);
	irc_out_source(&o, "n!u@h", 5);
	irc_out_command(&o, "PRIVMSG");
	irc_out_param(&o, "#c", 2);
	irc_out_trailing(&o, text.data, text.len);
	irc_out_end(&o);
	assert_int_equal(o.start, 10);
	assert_int_equal(o.body, 10 + 1 + 3 + 1 + 3000 + 1);
	assert_int_equal(b.len - o.body, IRC_LINE_MAX);
	assert_memory_equal(b.data, "previous\r\n@big=vvv", 18);
	buf_free(&b);
	buf_free(&value);
	buf_free(&text);
}

static void t_build_tags_limit(void **state)
{
	(void)state;
	struct buf b = BUF_INIT, value = BUF_INIT;
	struct irc_out o;
	for (int i = 0; i < 1000; i++)
		buf_putc(&value, 'v');
	irc_out_begin(&o, &b);
	/* Each "@k=" or ";k=" and 1000 bytes: 1003; 8 of them, 8024, and the space: 8025. */
	for (int i = 0; i < 9; i++)
		irc_out_tag(&o, "k", value.data);
	assert_int_equal(b.len, 8 * 1003);
	/* A smaller one fits: 163 bytes of value make the tags part exactly 8191... */
	buf_clear(&value);
	for (int i = 0; i < 164; i++)
		buf_putc(&value, 'w');
	irc_out_tag(&o, "y", value.data); /* ";y=" + 164 + the space: 8192, refused whole */
	assert_int_equal(b.len, 8 * 1003);
	value.data[163] = '\0';
	irc_out_tag(&o, "y", value.data);
	assert_int_equal(b.len + 1, IRC_TAGS_MAX);
	/* ...and then not even a valueless tag does. */
	irc_out_tag(&o, "z", NULL);
	assert_int_equal(b.len + 1, IRC_TAGS_MAX);
	irc_out_command(&o, "TAGMSG");
	irc_out_param(&o, "#c", 2);
	irc_out_end(&o);
	assert_int_equal(o.body, IRC_TAGS_MAX);
	assert_memory_equal(b.data + o.body - 6, "wwwww ", 6);
	assert_string_equal(b.data + o.body, "TAGMSG #c\r\n");
	/* An escaped value is measured escaped: 8 spaces are 16 bytes. */
	buf_clear(&b);
	irc_out_begin(&o, &b);
	irc_out_tag(&o, "k", "        ");
	irc_out_command(&o, "X");
	irc_out_end(&o);
	assert_string_equal(b.data, "@k=\\s\\s\\s\\s\\s\\s\\s\\s X\r\n");
	/* A first tag that cannot fit leaves no tags at all. */
	buf_clear(&value);
	for (int i = 0; i < IRC_TAGS_MAX; i++)
		buf_putc(&value, 'v');
	buf_clear(&b);
	irc_out_begin(&o, &b);
	irc_out_tag(&o, "k", value.data);
	assert_false(o.tagged);
	irc_out_command(&o, "X");
	irc_out_end(&o);
	assert_string_equal(b.data, "X\r\n");
	buf_free(&b);
	buf_free(&value);
}

static void t_build_middle_overflow(void **state)
{
	(void)state;
	struct buf b = BUF_INIT, param = BUF_INIT;
	struct irc_out o;
	for (int i = 0; i < 100; i++)
		buf_puts(&param, "\xC3\xA9");
	irc_out_begin(&o, &b);
	irc_out_tag(&o, "a", "1");
	irc_out_command(&o, "CMD");
	for (int i = 0; i < 4; i++)
		irc_out_param(&o, param.data, param.len); /* 4 + 4 * 201 bytes: over 510 */
	irc_out_trailing(&o, "lost", 4);
	irc_out_end(&o);
	size_t after = b.len - o.body;
	assert_true(after <= IRC_LINE_MAX);
	assert_true(after >= IRC_LINE_MAX - 1);
	assert_memory_equal(b.data + b.len - 2, "\r\n", 2);
	/* Whole characters: the byte before CR LF ends an é (or is a space). */
	char last = b.data[b.len - 3];
	assert_true(last == '\xA9' || last == ' ');
	assert_null(memchr(b.data + o.body, ':', b.len - o.body));
	buf_free(&b);
	buf_free(&param);
}

static void t_build_scrubs_line_breaks(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct irc_out o;
	/* Whatever a caller passes, one message stays one line. */
	irc_out_begin(&o, &b);
	irc_out_tag(&o, "k", "a\rb\nc");
	irc_out_source(&o, "n\r!u@h", 6);
	irc_out_command(&o, "PRIVMSG");
	irc_out_param(&o, "#c\n", 3);
	irc_out_trailing(&o, "hi\r\nQUIT :x\0y", 13);
	irc_out_end(&o);
	assert_int_equal(b.len, strlen(b.data));
	assert_string_equal(b.data, "@k=a\\rb\\nc :n?!u@h PRIVMSG #c? :hi??QUIT :x?y\r\n");
	buf_free(&b);
}

/* Parses line, rebuilds it, and checks the rebuilt message against want (without CR LF), and
 * that it parses back to the same tags, command and parameters. */
static void round_trip(const char *line, const char *want)
{
	struct irc_msg m, again;
	struct buf b = BUF_INIT, v1 = BUF_INIT, v2 = BUF_INIT;
	assert_int_equal(parse_str(line, &m), IRC_PARSE_OK);
	rebuild(&m, &b);
	assert_true(b.len >= 2);
	assert_memory_equal(b.data + b.len - 2, "\r\n", 2);
	b.len -= 2;
	b.data[b.len] = '\0';
	assert_string_equal(b.data, want);
	assert_int_equal(irc_msg_parse(b.data, b.len, &again), IRC_PARSE_OK);
	assert_int_equal(again.command.len, m.command.len);
	assert_memory_equal(again.command.p, m.command.p, m.command.len);
	assert_int_equal(again.source.len, m.source.len);
	if (m.source.len)
		assert_memory_equal(again.source.p, m.source.p, m.source.len);
	assert_int_equal(again.nparams, m.nparams);
	for (size_t i = 0; i < m.nparams; i++) {
		assert_int_equal(again.params[i].len, m.params[i].len);
		if (m.params[i].len)
			assert_memory_equal(again.params[i].p, m.params[i].p, m.params[i].len);
	}
	assert_int_equal(again.ntags, m.ntags);
	for (size_t i = 0; i < m.ntags; i++) {
		struct buf key = BUF_INIT;
		buf_append(&key, m.tags[i].key.p, m.tags[i].key.len);
		assert_true(irc_msg_tag(&m, key.data, &v1));
		assert_true(irc_msg_tag(&again, key.data, &v2));
		assert_int_equal(v1.len, v2.len);
		if (v1.len)
			assert_memory_equal(v1.data, v2.data, v1.len);
		buf_free(&key);
	}
	buf_free(&b);
	buf_free(&v1);
	buf_free(&v2);
}

static void t_round_trip(void **state)
{
	(void)state;
	round_trip("foo bar baz asdf", "foo bar baz asdf");
	round_trip(":coolguy foo bar baz :asdf quux", ":coolguy foo bar baz :asdf quux");
	round_trip(":coolguy   foo  bar   baz :  asdf quux ", ":coolguy foo bar baz :  asdf quux ");
	round_trip("foo bar baz :", "foo bar baz :");
	round_trip("foo bar baz ::asdf", "foo bar baz ::asdf");
	round_trip(":src JOIN :#chan", ":src JOIN :#chan");
	round_trip(":src AWAY ", ":src AWAY");
	round_trip("@a=b;c=32;k;rt=ql7 foo", "@a=b;c=32;k;rt=ql7 foo");
	round_trip("@a=b\\\\and\\nk;c=72\\s45;d=gh\\:764 foo", "@a=b\\\\and\\nk;c=72\\s45;d=gh\\:764 foo");
	round_trip("@foo=\\\\\\\\\\:\\\\s\\s\\r\\n COMMAND", "@foo=\\\\\\\\\\:\\\\s\\s\\r\\n COMMAND");
	/* Normalised on the way: needless escapes, a lone backslash, empty values. */
	round_trip("@tag1=value\\1;t2=x\\;t3= COMMAND", "@tag1=value1;t2=x;t3 COMMAND");
	round_trip("@+example.com/foo=bar :n!u@h TAGMSG #c", "@+example.com/foo=bar :n!u@h TAGMSG #c");
	round_trip(":irc.example.com 001 nick :Welcome", ":irc.example.com 001 nick :Welcome");
	/* The 15th parameter that holds spaces goes back as a trailing one. */
	round_trip("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16  17 ",
		   "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :15 16  17 ");
	round_trip("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15");
	round_trip("PRIVMSG #c :\xC3\xA9t\xC3\xA9 :) ", "PRIVMSG #c :\xC3\xA9t\xC3\xA9 :) ");
}

static int teardown(void **state)
{
	(void)state;
	buf_free(&shown);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_split_simple),
		cmocka_unit_test(t_split_trailing),
		cmocka_unit_test(t_split_middle_colon),
		cmocka_unit_test(t_split_spaces),
		cmocka_unit_test(t_split_params_max),
		cmocka_unit_test(t_split_source),
		cmocka_unit_test(t_split_numeric),
		cmocka_unit_test(t_refuse_empty_and_commands),
		cmocka_unit_test(t_tags),
		cmocka_unit_test(t_tags_client_and_vendor),
		cmocka_unit_test(t_tags_escapes),
		cmocka_unit_test(t_tags_duplicates),
		cmocka_unit_test(t_tags_bad),
		cmocka_unit_test(t_tags_invalid_keys_dropped),
		cmocka_unit_test(t_tags_count),
		cmocka_unit_test(t_limit_tags),
		cmocka_unit_test(t_limit_line),
		cmocka_unit_test(t_msg_is),
		cmocka_unit_test(t_clean),
		cmocka_unit_test(t_escape),
		cmocka_unit_test(t_middle_ok),
		cmocka_unit_test(t_build_join_vectors),
		cmocka_unit_test(t_build_numeric_and_paramf),
		cmocka_unit_test(t_build_limit),
		cmocka_unit_test(t_build_limit_utf8),
		cmocka_unit_test(t_build_tags_not_counted),
		cmocka_unit_test(t_build_tags_limit),
		cmocka_unit_test(t_build_middle_overflow),
		cmocka_unit_test(t_build_scrubs_line_breaks),
		cmocka_unit_test(t_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
