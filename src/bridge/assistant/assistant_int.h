/* assistant_int: what the files of the assistant share; private to src/bridge/assistant/.
 *
 * The files, each named after the prefix of its functions:
 *  - assistant.c: life (new, shutdown, free), the answerer it gives faces, small helpers;
 *  - bot.c: the bot session, the only file that calls the hub (hub/hub.h);
 *  - inbox.c: what reaches the assistant from outside (hub events, face questions), handled on the
 *    next loop turn: the addressing check, private commands, users quitting or renamed;
 *  - job.c: a question's life: accepted, refused, queued, started, told, ended, cancelled, freed;
 *  - sched.c: who holds the cfg.inflight slots, the queue's order, the retry timer;
 *  - answer.c: one job's request to the API and the answer streaming back;
 *  - turn.c: the floor of a room, so that answers to one room never interleave;
 *  - conv.c: what each conversation remembers, and the LRU order of conversations;
 *  - bucket.c: the per-user rate limit.
 *
 * Ownership. struct assistant owns everything: its jobs (each, once job_new's caller has pushed
 * it on pending, on exactly one of pending, queue or running until job_free), the inbox's items,
 * the conversations, the floors and their turns, the rate buckets. A job owns its strings and its
 * answer's state and points at its turn (JOB_ROOM), which points back; job_free releases the turn
 * (passing the floor on) and takes the job off its list. A running job's HTTP request belongs to
 * the HTTP client until its on_done, which frees a cancelled job; a job is never freed while its
 * request runs. */
#ifndef CHARLA_BRIDGE_ASSISTANT_INT_H
#define CHARLA_BRIDGE_ASSISTANT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "ai/chat.h"
#include "ai/msg.h"
#include "ai/sse.h"
#include "ai/wrap.h"
#include "base/buf.h"
#include "base/list.h"
#include "base/map.h"
#include "bridge/assistant/assistant.h"
#include "hub/hub.h"
#include "net/http.h"

struct turn;

enum job_kind { JOB_ROOM, JOB_PRIVATE, JOB_FACE };
enum job_state { JOB_PENDING, JOB_QUEUED, JOB_RUNNING, JOB_WAITING };

/* A list of jobs and its length: running.n is the slots in use, queue.n the queue's length. */
struct job_list {
	struct list list;
	size_t n;
};

struct assistant_job {
	struct assistant *a;
	struct list_node node;    /* on `on` */
	struct job_list *on;      /* pending, queue or running; NULL on none */
	enum job_kind kind;
	enum job_state state;
	char *conv;       /* conversation key */
	char *user;       /* rate-limit key; for chat jobs the folded name */
	char *name;       /* the asker's display name, or NULL */
	enum lang lang;   /* the asker's language: of the answer (the system prompt asks for it)
			   * and of every note it is told */
	char *room;       /* JOB_ROOM */
	char *question;   /* clean */
	size_t qlen;
	const struct answerer_sink *sink;
	void *ctx;
	struct http_request *req;
	struct turn *turn;  /* JOB_ROOM, once accepted */
	char *body;
	size_t body_len;
	unsigned tries429, tries5xx;
	uint64_t due_ms;
	uint64_t asked_ms;
	uint64_t attempt_ms;      /* when the request now running started (the latency's start) */
	bool cancelled;
	bool said;        /* a line (or note) went out: the room prefix is used up */
	bool wrap_on, sse_on;
	/* per attempt */
	int status;
	long retry_after_s;
	bool buffered;    /* the body is not an event stream: keep it whole */
	const char *ctype_bad; /* a 200 of an unexpected content type */
	struct buf body_in;
	struct sse sse;
	struct wrap wrap;
	struct buf answer; /* what was shown, for the conversation's memory */
	size_t lines;
	bool got_done, stream_error, malformed, truncated, gone, stop;
	const char *malformed_what;
	enum chat_finish finish;
	struct chat_error err;
	struct chat_usage usage;
};

struct assistant {
	struct assistant_config cfg;
	uv_loop_t *loop;
	const struct logger *log;
	/* bot.c */
	struct hub *hub;
	struct session sess;
	struct hub_observer ears;   /* what is said in rooms, who leaves, who is renamed */
	struct hub_command ask, forget; /* the words it adds to the line protocol */
	bool listening;             /* ears and commands registered */
	/* How people see the bot (hub_bot_register) and its commands: msg.c's words, owned here. */
	char *role, *hint, *form, *form_help, *ask_args, *ask_help, *forget_help;
	/* answer.c; url, auth, headers and system are set by assistant_new */
	struct http_client http;
	bool http_up;
	char *url;
	char *auth;
	const char *headers[2];
	char *system;
	/* inbox.c */
	uv_idle_t idle;
	struct list inbox;
	char *folded_name;          /* for the addressing check */
	/* job.c and sched.c */
	uv_timer_t timer;           /* the next retry due */
	struct job_list pending, queue, running;
	/* conv.c */
	struct map convs;
	struct list lru;            /* conversations, most recently used first */
	size_t nconvs;
	/* turn.c */
	struct map floors;          /* room conversation key -> struct floor */
	/* bucket.c */
	struct map buckets;
	/* assistant.c */
	unsigned open_handles;
	char *own_name, *own_model; /* the copies cfg.name and cfg.model point to */
	bool configured;
	bool stopping;
	struct buf text;            /* scratch for texts built with ai/msg.h */
	struct assistant_stats stats;
};

/* ---- assistant.c ---- */

static inline uint64_t assistant_now(const struct assistant *a)
{
	return uv_now(a->loop);
}

/* prefix + the folded form of s[0..len), on the heap. */
char *assistant_key(const char *prefix, const char *s, size_t len);
/* Moves *s and *len past the spaces and tabs around the text. */
void assistant_trim(const char **s, size_t *len);

/* ---- bot.c: every call to the hub ---- */

/* Opens the bot session and registers it as a bot named name[0..len), shown with a->role,
 * a->hint, a->form and a->form_help. Returns 0, or -1 with the session closed again. */
int bot_open(struct assistant *a, struct hub *hub, const char *name, size_t len);
/* Makes the bot hear every room (an observer) and adds /ask and /forget (commands). */
void bot_listen(struct assistant *a);
void bot_close(struct assistant *a);
/* Says text in `room`, to every member; false if the room is gone. Never inside a fan-out. */
bool bot_say(struct assistant *a, const char *room, const char *text, size_t len);
/* Says text privately to the user named `name` (nothing if there is none). */
void bot_tell(struct assistant *a, const char *name, const char *text, size_t len);
bool bot_user_exists(struct assistant *a, const char *name);
bool bot_room_exists(struct assistant *a, const char *room);

/* ---- inbox.c ---- */

/* What the bot heard, as far as the assistant cares. */
enum inbox_kind {
	INBOX_SAY,      /* a line said in a room */
	INBOX_PRIVATE,  /* a private message to the bot */
	INBOX_QUIT,     /* the session `sid` (named `from`) left */
	INBOX_NICK,     /* the session `sid` is now called `text` */
	INBOX_FORGET,   /* /forget in `room`, or privately when room is NULL */
};

/* Copies an event to handle on the next loop turn (a line said in a room only if it is addressed
 * to the bot). Safe inside a fan-out. */
void inbox_push(struct assistant *a, enum inbox_kind kind, const char *room, uint64_t sid,
		enum lang lang,
		const char *from, const char *text, size_t len);
/* Makes the next loop turn handle the inbox and the pending jobs. */
void inbox_kick(struct assistant *a);
/* Drops every event not handled yet. */
void inbox_clear(struct assistant *a);

/* ---- job.c ---- */

void job_list_init(struct job_list *l);
struct assistant_job *job_list_first(const struct job_list *l);
/* The job after j on its list, or NULL. */
struct assistant_job *job_list_next(const struct assistant_job *j);
/* Appends j (which is on no list) to l. */
void job_list_push(struct job_list *l, struct assistant_job *j);

/* A new job for `question` (trimmed and sanitised here), on no list yet. */
struct assistant_job *job_new(struct assistant *a, enum job_kind kind, const char *question,
			      size_t len);
/* A new question: checked, then started, queued or refused. */
void job_accept(struct assistant_job *j);
/* Takes a slot and sends the first request. */
void job_start(struct assistant_job *j);
/* One line of the answer (or a closing note) to where the job's answer goes. */
void job_say(struct assistant_job *j, const char *text, size_t len);
/* A note for the asker alone (its place in the queue, a retry, a refusal). */
void job_tell(struct assistant_job *j, const char *text, size_t len);
/* Ends a job: a note (NULL: complete) where the answer goes, then frees it and lets the queue
 * move. For face jobs the note is the `done` call. */
void job_end(struct assistant_job *j, const char *note, size_t len);
/* Ends a job with the note built in a->text. */
void job_end_text(struct assistant_job *j);
/* Ends a job with a message of msg.h. */
void job_end_msg(struct assistant_job *j, enum msg_id id, long n, const char *s);
/* Drops a job whose `done` has not started: its request (queued or running) is dropped. */
void job_cancel(struct assistant_job *j);
/* Tells the asker of j the server is stopping; nothing reaches it after. */
void job_shutdown(struct assistant_job *j);
void job_free(struct assistant_job *j);

/* ---- sched.c ---- */

/* Starts queued jobs while slots are free, and tells those still queued their new places. */
void sched_pump(struct assistant *a);
/* Tells every queued asker from `from` on its new place: the queue moved. */
void sched_moved(struct assistant *a, struct assistant_job *from);
/* Waits delay_ms, keeping the slot, then tries j again. */
void sched_retry(struct assistant_job *j, uint64_t delay_ms);

/* ---- answer.c ---- */

/* Builds j's request and sends it (once per job). */
void answer_start(struct assistant_job *j);
/* Sends j's request again (a retry). */
void answer_attempt(struct assistant_job *j);
/* Releases the state of j's answer. */
void answer_free(struct assistant_job *j);

/* ---- turn.c ---- */

/* A room job was accepted: it takes the last turn on its room's floor. */
void turn_take(struct assistant *a, struct assistant_job *j);
/* Says a room line for turn t now if it has the floor, else holds it. False: the room is gone. */
bool turn_say(struct assistant *a, struct turn *t, const char *line, size_t len);
/* The job of turn t ends (or is dropped). If t had the floor, the next turns speak what they
 * held, and those whose jobs ended already give way in turn. */
void turn_release(struct assistant *a, struct turn *t);
/* Frees every floor and turn without saying anything (the jobs lose their turns). */
void turn_free_all(struct assistant *a);

/* ---- conv.c ---- */

/* The turns that conversation `key` remembers, oldest first, in *n (0 and NULL for none); the
 * caller frees the array, whose texts are valid until the conversation next changes. */
struct chat_turn *conv_history(struct assistant *a, const char *key, size_t *n);
/* Remembers a question and its answer, dropping the oldest beyond cfg.memory bytes. */
void conv_remember(struct assistant *a, const char *key, const char *name, const char *q,
		   const char *ans);
/* Forgets conversation `key`; false if there was nothing to forget. */
bool conv_forget(struct assistant *a, const char *key);
void conv_free_all(struct assistant *a);

/* ---- bucket.c ---- */

/* 0 if `user` may ask now, else the seconds until it may. Takes nothing. */
long bucket_wait(struct assistant *a, const char *user);
/* Takes one question from user's bucket. */
void bucket_take(struct assistant *a, const char *user);
void bucket_free_all(struct assistant *a);

#endif
