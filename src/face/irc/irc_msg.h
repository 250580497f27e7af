/* irc_msg: one IRC message, parsed and built. Pure: no I/O, no allocation when parsing (spans
 * point into the caller's line).
 *
 * Ownership. A parsed struct irc_msg owns nothing: its spans point into the line given to
 * irc_msg_parse and are valid as long as that line is. A struct irc_out borrows its buf, which the
 * caller owns; the builder only appends to it (growing it), never frees it, and keeps no pointer
 * into it across calls (only offsets), so the buf may move as it grows.
 *
 * The grammar is RFC 1459/2812 as Modern IRC (modern.ircdocs.horse) reads it, with IRCv3 message
 * tags (ircv3.net/specs/extensions/message-tags):
 *   message = [ "@" tags SPACE ] [ ":" source SPACE ] command *( SPACE param )
 * Runs of spaces count as one separator; leading and trailing spaces are ignored (but a trailing
 * parameter, after " :", keeps every byte it has).
 *
 * Tag keys. The spec says a receiver MUST NOT reject a message for an invalid tag key name, so a
 * tag whose key is not [ "+" ] [ vendor "/" ] name (vendor: letters, digits, '-', '.'; name:
 * letters, digits, '-') is dropped, the message kept. A tag with an empty key ("@=x", "@a;;b",
 * "@a;") cannot be split sensibly: IRC_PARSE_BAD_TAGS. Keys are case-sensitive. Tag values are
 * kept as on the wire and not checked for UTF-8: that is the face's business (it sanitises what
 * it relays). */
#ifndef CHARLA_FACE_IRC_IRC_MSG_H
#define CHARLA_FACE_IRC_IRC_MSG_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

enum {
	IRC_LINE_MAX = 512,        /* bytes of a message without its tags, CR LF included (RFC 1459) */
	IRC_TAGS_CLIENT_MAX = 4096,/* bytes of the tags a client may send, '@' and the space included (IRCv3: 4094 + 2) */
	IRC_TAGS_MAX = 8191,       /* bytes of the tags of any message, '@' and the space included */
	IRC_PARAMS_MAX = 15,       /* parameters of a message */
	IRC_TAG_COUNT_MAX = 64,    /* tags kept of one message (more are an error) */
};

struct irc_span {
	const char *p;
	size_t len;
};

struct irc_tag {
	struct irc_span key;
	struct irc_span value;     /* value as on the wire (escaped); len 0 and p NULL when absent */
};

struct irc_msg {
	struct irc_tag tags[IRC_TAG_COUNT_MAX];
	size_t ntags;
	struct irc_span source;    /* the prefix without ':'; len 0 when none */
	struct irc_span command;   /* as sent (a word or 3 digits) */
	struct irc_span params[IRC_PARAMS_MAX];
	size_t nparams;
	bool trailing;             /* the last parameter was given after " :" (so it may be empty or hold spaces) */
};

enum irc_parse {
	IRC_PARSE_OK,
	IRC_PARSE_EMPTY,           /* nothing but spaces: ignore */
	IRC_PARSE_TAGS_TOO_LONG,   /* the tags part is over IRC_TAGS_CLIENT_MAX */
	IRC_PARSE_TOO_LONG,        /* the rest is over IRC_LINE_MAX - 2 bytes */
	IRC_PARSE_BAD_TAGS,        /* malformed tags, or more than IRC_TAG_COUNT_MAX */
	IRC_PARSE_NO_COMMAND,      /* a source or tags and no command */
	IRC_PARSE_BAD_COMMAND,     /* a command that is neither letters nor 3 digits */
};

/* True when line[0..len) holds no NUL, CR or LF: the check a face makes on every framed line
 * before irc_msg_parse, which takes those bytes as ordinary ones. O(len). */
bool irc_msg_clean(const char *line, size_t len);
/* Parses one line without its line ending (the caller's framing removed LF and one CR). A NUL or
 * a CR inside the line is the caller's to refuse before, with irc_msg_clean. The lengths are
 * checked first, in this order: the tags part (from '@' to the space after it, both included)
 * against IRC_TAGS_CLIENT_MAX, then the rest (everything after that space, or the whole line)
 * against IRC_LINE_MAX - 2. Params beyond IRC_PARAMS_MAX: the 15th takes the rest of the line, as
 * RFC 2812 says (then trailing is false unless it began with ':', and it may hold spaces). Multiple
 * spaces between params are one separator (Modern IRC). *out means something only on
 * IRC_PARSE_OK, but for IRC_PARSE_BAD_COMMAND, where out->command and the tags are set (to quote
 * it in 421, and label that). O(len). */
enum irc_parse irc_msg_parse(const char *line, size_t len, struct irc_msg *out);
/* Whether command equals name, ASCII case-insensitively. */
bool irc_msg_is(const struct irc_msg *m, const char *name);
/* The value of tag key (unescaped into out, which is cleared), false when absent. When a key is
 * given more than once, the last one wins. A tag given without a value, or with an empty one, is
 * present with an empty value. */
bool irc_msg_tag(const struct irc_msg *m, const char *key, struct buf *out);
/* Unescapes a tag value (\: ; \s space \\ \ \r \n, a lone trailing backslash dropped, \x x) into
 * out (appended). */
void irc_tag_unescape(const char *v, size_t len, struct buf *out);
/* Escapes a tag value into out (appended): ';' ' ' '\' CR LF become \: \s \\ \r \n. */
void irc_tag_escape(const char *v, size_t len, struct buf *out);

/* Building: a message is built into a buf; the builder keeps the 512-byte limit of the part after
 * the tags, cutting the last (trailing) parameter at a UTF-8 character boundary if it must, and
 * ends the message with CR LF. (A cut steps back over at most 3 continuation bytes: all a valid
 * character has; invalid text is never cut shorter than that.)
 *
 * Order of calls: irc_out_begin, any irc_out_tag, [irc_out_source], irc_out_command, any
 * irc_out_param or irc_out_paramf, [irc_out_trailing], irc_out_end. What the caller passes should
 * hold no NUL, CR or LF; irc_out_end replaces any such byte with '?', so that no bug upstream can
 * ever inject a line. The cost is linear in the bytes written (the trailing parameter is copied
 * only as far as it fits); the only allocation is the buf's growth. */
struct irc_out {
	struct buf *b;
	size_t start;      /* where this message starts in b */
	size_t body;       /* where the part after the tags starts */
	bool tagged;       /* a tag was written */
	bool ended;
};
void irc_out_begin(struct irc_out *o, struct buf *b);          /* appends to b */
/* value NULL: no '='; an empty value is written as no value too (the spec's equivalent, and
 * shorter); escaped; call before irc_out_source/command; stops adding tags past IRC_TAGS_MAX
 * (never a partial tag). The key must be a valid key (not checked beyond debug assertions). */
void irc_out_tag(struct irc_out *o, const char *key, const char *value);
void irc_out_source(struct irc_out *o, const char *src, size_t len);     /* ":src " */
void irc_out_command(struct irc_out *o, const char *cmd);                 /* a word or "001" */
void irc_out_param(struct irc_out *o, const char *p, size_t len);         /* a middle param: must be non-empty, no space, not starting with ':' (assert in debug builds) */
void irc_out_paramf(struct irc_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void irc_out_trailing(struct irc_out *o, const char *p, size_t len);      /* " :p" always with the colon; cut to fit */
/* CR LF; enforces the limit (if the middle params alone overflow, cut at a boundary anyway: never
 * more than 512 bytes after the tags). */
void irc_out_end(struct irc_out *o);
/* Convenience: whether a string can be a middle parameter (non-empty, no space, no leading ':'). */
bool irc_msg_middle_ok(const char *p, size_t len);

#endif
