/* answerer: how a face asks questions of whatever answers them (the assistant), without including
 * or linking it. The answerer (bridge/assistant: assistant_answerer) fills a struct answerer;
 * server/ hands it to the faces that ask (face/ask); both sides include only this header.
 *
 * Ownership. A struct answerer is a plain value: four functions and the ctx they take, which
 * belongs to the answerer and stays valid until the answerer is freed (server/ stops the faces
 * first). A face asks with a sink and a sink_ctx of its own, which must stay valid until `done`
 * starts or the face cancels the job. The sink is never called from inside ask or cancel; after
 * `done` starts (or after cancel) the job handle is invalid and the sink is never called again. */
#ifndef CHARLA_AI_ANSWERER_H
#define CHARLA_AI_ANSWERER_H

#include <stddef.h>

/* A question being answered: a handle the answerer defines and the face only holds. */
struct answerer_job;

/* Where an answer goes. */
struct answerer_sink {
	/* One line of the answer: clean UTF-8 (base/utf8.h), no newline, at most a chat line's
	 * width; len 0 is a paragraph break. */
	void (*line)(void *sink_ctx, const char *line, size_t len);
	/* Optional (may be NULL): a note while the question waits (its place in the queue, a
	 * retry). */
	void (*notice)(void *sink_ctx, const char *text, size_t len);
	/* The end. note == NULL: the answer was given in full. Otherwise one clean line saying what
	 * went wrong or why the answer is incomplete (after the lines already given, if any). */
	void (*done)(void *sink_ctx, const char *note, size_t len);
};

struct answerer {
	void *ctx;
	/* Asks `question` (any bytes; the answerer sanitises it) in conversation `conv` (a key the
	 * face chooses, e.g. "ask:17"), on behalf of `user` (the rate-limit key, e.g.
	 * "ask@127.0.0.1"); `name` is the asker's name shown to the model, or NULL; `lang` (enum
	 * lang) is the language the answer and every note are asked in. Never returns NULL. */
	struct answerer_job *(*ask)(void *ctx, const char *conv, const char *user, const char *name,
				    int lang, const char *question, size_t len,
				    const struct answerer_sink *sink, void *sink_ctx);
	/* Cancels a job whose `done` has not started: its request (queued or running) is
	 * dropped. */
	void (*cancel)(void *ctx, struct answerer_job *job);
	/* Drops what conversation `conv` remembers. */
	void (*forget)(void *ctx, const char *conv);
	/* The longest question accepted, in bytes. */
	size_t (*max_question)(void *ctx);
};

#endif
