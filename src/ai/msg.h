/* msg: every user-facing text of the assistant, in one table, marked for translation (English
 * msgids, looked up in the asker's language by msg_append). The bridge and the ask face say
 * nothing to a user that is not built here.
 *
 * Texts are appended to a caller's buf (which the caller owns and frees). A template may hold
 * "{n}" (an integer the caller passes: a position, a number of seconds, a size) and "{s}" (a short
 * text the caller passes: a bot name, a network error); the {s} text is sanitised (see
 * base/utf8.h) and capped, so it can come from libcurl or a server. No text here ever contains the
 * API key: none is passed in, and chat_error messages are masked by the parser (ai/chat.h). */
#ifndef CHARLA_AI_MSG_H
#define CHARLA_AI_MSG_H

#include "ai/chat.h"
#include "base/buf.h"
#include "base/i18n.h"

enum msg_id {
	MSG_USAGE,              /* {s} = the bot's name: how to ask, how to forget */
	MSG_NOT_CONFIGURED,     /* no backend: how to configure one */
	MSG_EMPTY_QUESTION,     /* {s} = the bot's name */
	MSG_QUESTION_TOO_LONG,  /* {n} = the maximum in bytes */
	MSG_QUEUED,             /* {n} = the asker's place in the queue (1 = next) */
	MSG_BUSY,               /* the queue is full */
	MSG_USER_RATE,          /* {n} = seconds until this user may ask again */
	MSG_FORGOT,             /* /forget done */
	MSG_RETRYING,           /* {n} = seconds before the retry of a rate-limited request */
	MSG_TIMEOUT_FIRST_BYTE, /* {n} = seconds waited for the first byte */
	MSG_TIMEOUT_STALL,      /* {n} = seconds without a byte in the middle of an answer */
	MSG_TIMEOUT_TOTAL,      /* {n} = the total seconds allowed */
	MSG_NETWORK,            /* {s} = what failed (libcurl's error text) */
	MSG_MALFORMED,          /* {s} = what was wrong (e.g. "not JSON"), may be NULL */
	MSG_STREAM_CUT,         /* the stream ended before its end ([DONE] or a finish reason) */
	MSG_TRUNCATED,          /* {n} = the answer cap in bytes: our cap cut the answer */
	MSG_LENGTH,             /* finish_reason "length": the model's output cap cut the answer */
	MSG_FILTERED,           /* finish_reason "content_filter" */
	MSG_EMPTY_ANSWER,       /* the model answered nothing */
	MSG_SHUTDOWN,           /* the server stops: pending questions are dropped */
	MSG_QUEUE_MOVED,        /* {n} = the asker's new place in the queue, which moved */
	MSG_NOTHING_TO_FORGET,  /* /forget where the assistant remembers nothing yet */
	MSG_ROLE,               /* what the bot is, after its name ("gpt (the assistant)") */
	MSG_HINT,               /* {s} = the bot's name: how to ask it, in one short phrase */
	MSG_FORM,               /* {s} = the bot's name: the form of a question, for help lists */
	MSG_FORM_HELP,          /* what that form does */
	MSG_ASK_ARGS,           /* what /ask takes, for help lists */
	MSG_ASK_HELP,           /* what /ask does */
	MSG_FORGET_HELP,        /* what /forget does */
	MSG_COUNT
};

/* Appends the text of id in lang, with {n} replaced by n and {s} by s (NULL is taken as ""). */
void msg_append(struct buf *out, enum lang lang, enum msg_id id, long n, const char *s);
/* The English template of id (a msgid, "{s}" and "{n}" unexpanded), constant: for texts another
 * module translates and expands itself (a bot's role and hint, hub.h). */
const char *msg_template(enum msg_id id);
/* Appends the text for an API error, by category, e.g. "the API key was rejected (401
 * invalid_api_key): check OPENAI_API_KEY or --ai-key-file". The provider's message is quoted where it
 * helps (an unknown model, a server failure) and left out where it does not (a rejected key). */
void msg_append_error(struct buf *out, enum lang lang, const struct chat_error *e);

#endif
