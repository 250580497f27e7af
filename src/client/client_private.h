/* client_private: the state of one run of charla (struct client), shared by the files that make
 * up client_run and by nobody else:
 *
 *   client.c   the run itself: set-up, the end (client_finish), leaving, the user's lines going
 *              out and the server's lines coming in, signals, /stats;
 *   wire.c     resolving the host, trying its addresses, and the TCP connection's I/O;
 *   udpwire.c  the connected UDP socket of --udp around the protocol in udplink.h;
 *   input.c    the user's side: the terminal in raw mode and its keys, or piped input in lines;
 *   screen.c   what is shown: the prompt, incoming text above the edit row, local notices.
 *
 * client_run allocates the struct client, owns it for the whole run and frees it after the loop
 * has closed every handle; the other files only borrow it through the handles' data pointers.
 * Every member is owned by the struct (bufs, strings, the addrinfo list until a connection is
 * made), and client_run releases them all. A function here never frees the struct client; to end
 * the run it calls client_finish, which closes the handles, and the loop runs out. */
#ifndef CHARLA_CLIENT_CLIENT_PRIVATE_H
#define CHARLA_CLIENT_CLIENT_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

struct ssl_ctx_st;
struct ssl_st;

#include "base/buf.h"
#include "client/client.h"
#include "client/edit.h"
#include "client/help.h"
#include "client/login.h"
#include "client/members.h"
#include "client/mention.h"
#include "client/serverlang.h"
#include "client/term.h"
#include "client/track.h"
#include "client/udplink.h"

/* Bytes of server output held while waiting for a newline. A server line is at most a few KiB
 * (docs/protocol.md); past this the bytes are shown as a line of their own rather than held. */
#define IN_MAX (64 * 1024)
/* Stop reading piped input while this much is queued for the server, resume below the low mark,
 * so that `charla < bigfile` holds a bounded amount in memory. */
#define SEND_HIGH (64 * 1024)
#define SEND_LOW (16 * 1024)
/* How long to wait for the server to close after /quit before closing ourselves. */
#define QUIT_GRACE_MS 2000
/* How long a lone ESC waits for the rest of a key sequence before it counts as the Escape key. */
#define ESC_WAIT_MS 100
#define READ_CHUNK (64 * 1024)
/* --tls: ciphertext read at a time (a TLS record is at most 16 KiB and a bit). */
#define TLS_IN_CHUNK (17 * 1024)

/* User-facing strings used by more than one file, marked for translation (po/es.po); each file
 * keeps its own others, at its top, and translates them where they are used (client_tr). */
#define MSG_INPUT N_("cannot read standard input: %s")

enum input_kind { INPUT_NONE, INPUT_STREAM, INPUT_FILE };

struct client {
	uv_loop_t loop;
	const struct client_options *opt;
	int exit_code;
	bool finishing;

	/* The connection. One tcp handle serves each address tried in turn: it is initialised
	 * again only after the close callback of the previous attempt. */
	uv_getaddrinfo_t resolve_req;
	bool resolving;
	struct addrinfo *addrs;
	struct addrinfo *next_addr;
	uv_tcp_t tcp;
	uv_connect_t connect_req;
	int last_error;
	uv_shutdown_t shutdown_req;
	bool half_closed;
	bool quitting;
	enum track_fact last_fact;
	char in[IN_MAX];
	size_t in_len;
	/* --tls (tlswire.c): the engine, over the tcp handle; plaintext goes to `in`. */
	struct ssl_ctx_st *ssl_ctx;
	struct ssl_st *ssl;
	bool tls_ready;         /* the handshake is done and the certificate was accepted */
	char tls_in[TLS_IN_CHUNK];

	/* The user's side: a tty in raw mode (interactive), a stream (pipe, socket, cooked tty) or
	 * a file read through the thread pool (libuv cannot poll regular files). */
	enum input_kind input;
	uv_tty_t tty;
	uv_pipe_t pipe;
	uv_stream_t *in_stream;
	uv_fs_t fs_req;
	bool fs_busy;
	bool input_paused;
	bool input_done;
	bool raw;
	char read_buf[READ_CHUNK];
	struct buf keys;        /* Key bytes not yet decoded (an incomplete sequence). */
	struct buf line;        /* Piped input not yet ended by a newline. */
	size_t line_bytes;      /* Bytes of the current piped line, counted past what is kept. */
	size_t line_no;
	/* Piped input read but not yet sent, while the server has not answered a line sent before
	 * the welcome: the next line must not go, or a refused name would make it the name. */
	struct buf held;

	/* UDP (--udp): one connected socket, the protocol in udplink, one timer for it. */
	uv_udp_t udp;
	uv_timer_t udp_timer;
	struct udplink link;
	bool link_ready;
	bool ui_started;
	bool grace_started;
	bool udp_bye;           /* `* Bye.` arrived */
	bool udp_shutdown;      /* `! Server shutting down.` arrived */
	char *rejoin;           /* the room to join again once registered again */
	struct buf shown;       /* lines udplink gives us to show */
	struct buf dgram;       /* a datagram to send */

	/* What /stats shows over TCP. */
	unsigned long long lines_sent, bytes_sent, lines_received, bytes_received;

	uv_timer_t esc_timer;
	uv_timer_t grace_timer;
	uv_signal_t sig_int, sig_term, sig_hup, sig_winch;

	struct edit edit;
	struct track track;
	struct login login;
	struct serverlang serverlang;  /* Asking the server to speak the user's language. */
	struct members members;  /* Interactive only: the names Tab completes. */
	struct mention mention;  /* Interactive only: which lines ring the bell. */
	bool bell_due;           /* A line in c->out calls for the bell. */
	struct help help;        /* Interactive only: where charla's part of /help goes. */
	bool tab_again;          /* The last key was a Tab that found several names. */
	struct term term;
	bool warned_full;
	char prompt[160];
	struct buf out;         /* Output being assembled for one write. */
};

/* client.c */
/* A marked string (N_) in the user's language. */
const char *client_tr(const struct client *c, const char *msgid) __attribute__((format_arg(2)));
/* Prints `charla: MESSAGE` on stderr, for a problem that does not end the run. */
void client_warn(const struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A session starts (a TCP connection, a UDP registration): what is known of the last is reset. */
void client_start_session(struct client *c, bool answering);
/* Ends the run: restores the terminal first, so that the message lands on a sane terminal, then
 * prints the message (if any) as `charla: ...` on stderr, and closes every handle. */
void client_finish(struct client *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Starts reading the user and the signals (and draws the edit row). Returns -1 when that failed
 * and the run is finishing. */
int client_start_ui(struct client *c);
/* Sends one line the user typed or piped, and shows it when `echo` and the options say so. */
void client_submit(struct client *c, const char *line, size_t len, bool echo);
/* Ctrl-C, Ctrl-D, SIGINT, SIGTERM: leave as /quit does; asked twice, leave at once. */
void client_leave(struct client *c);
/* After /quit: give the server QUIT_GRACE_MS to close before closing ourselves. */
void client_start_grace(struct client *c);
/* One line from the server (TCP, or one line udplink gave us), appended to c->out for showing. */
void client_receive(struct client *c, const char *line, size_t len);

/* wire.c */
/* Resolves opt->host and connects (or, with udp, registers) to the first address that answers. */
void wire_start(struct client *c);
/* Sends one line to the server, over TCP or queued for udplink. */
void wire_send(struct client *c, const char *line, size_t len);
/* End of piped input over TCP: shuts down our sending side. */
void wire_shutdown(struct client *c);
/* The server closed or the connection broke; status is a libuv error. */
void wire_ended(struct client *c, int status);
/* Bytes waiting to go to the server. */
size_t wire_queued(struct client *c);
/* Connected (with --tls: the handshake done): the session and the user's side start. */
void wire_connected(struct client *c);
/* A write of len bytes: wire_write_buf gives the memory to fill, wire_write sends it (and frees
 * it when done; on error the run is ending), wire_write_drop frees it unsent. */
char *wire_write_buf(struct client *c, size_t len);
int wire_write(struct client *c, char *data, size_t len);
void wire_write_drop(char *data);
/* n bytes from the server were appended to c->in: its lines are shown. */
void wire_received(struct client *c, size_t n);

/* tlswire.c */
/* Starts the handshake on the connected tcp handle (already reading). Returns 0, or -1 when it
 * could not start and the run is finishing. */
int tlswire_start(struct client *c);
/* Ciphertext read: the handshake goes on (wire_connected once it is done and the certificate
 * accepted), then the plaintext goes to wire_received. */
void tlswire_input(struct client *c, const char *data, size_t len);
/* Seals and writes len bytes. */
void tlswire_send(struct client *c, const char *data, size_t len);
/* Our close_notify, before wire_shutdown's FIN. */
void tlswire_close_notify(struct client *c);
/* Frees the engine (client_run's end). */
void tlswire_free(struct client *c);

/* udpwire.c */
/* Tries the host's remaining addresses over UDP, from c->next_addr on. */
void udpwire_try_next(struct client *c);
/* Sends what udplink has due and arms its timer. */
void udpwire_pump(struct client *c);
/* What a Stable line means over UDP. */
void udpwire_fact(struct client *c, enum track_fact fact);

/* input.c */
/* Starts reading the user: the terminal in raw mode, a stream, or a file. Returns 0 or a libuv
 * error. */
int input_start(struct client *c);
void input_pause(struct client *c);
void input_resume(struct client *c);
/* The server answered the line piped input waited for: what was held goes on. */
void input_release(struct client *c);

/* screen.c */
/* The prompt of the edit row: the current room. */
const char *screen_prompt(struct client *c);
/* Writes c->out: above the edit row in interactive mode, plainly otherwise. */
void screen_show(struct client *c);
/* Draws the edit row again (interactive mode only). */
void screen_redraw(struct client *c);
/* Shows a line of our own in the chat, in the server's form. */
void screen_notice(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
