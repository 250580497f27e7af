/* Unit tests of room state and modes (src/hub/room.c, mode.c): operators, topics, kicks,
 * invitations, keys, limits, mask lists, moderation, secrecy, kept rooms and the MODE event,
 * through the fake faces of fx.h (whose lines write modes with IRC's letters: "[+k:key -o:bob]").
 *
 * Most tests start from room_fx: ana, bob, cy and dee in the lobby, ana has created #x (so she
 * runs it) and bob has joined it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fx.h"

enum { ANA, BOB, CY, DEE };

static struct fx *room_fx(void)
{
	struct fx *fx = fx_new(4);
	fx_people(fx, "ana bob cy dee");
	assert_int_equal(fx_join(fx, ANA, "#x"), HUB_OK);
	assert_int_equal(fx_join(fx, BOB, "#x"), HUB_OK);
	fx_drop_all(fx);
	return fx;
}

static struct room *room_x(struct fx *fx)
{
	return room_find(&fx->h, "#x", 2);
}

static const char *text(struct fx *fx, size_t i)
{
	return fx_text(&fx->k[i]);
}

static enum hub_result join_key(struct fx *fx, size_t i, const char *key)
{
	return room_join(&fx->h, &fx->k[i].s, "#x", 2, key, strlen(key));
}

static void t_creator_is_operator_with_default_modes(void **state)
{
	(void)state;
	struct fx *fx = room_fx();
	struct room *r = room_x(fx);
	assert_int_equal(room_prefix(r, &fx->k[ANA].s), MEMBER_OP);
	assert_int_equal(room_prefix(r, &fx->k[BOB].s), 0);
	assert_int_equal(room_prefix(r, &fx->k[CY].s), -1);
	assert_int_equal(room_prefix(fx->h.lobby, &fx->k[ANA].s), 0);
	assert_int_equal(r->modes, MODE_DEFAULT);
	assert_true(mode_is_set(r, MODE_NO_EXTERNAL));
	assert_true(mode_is_set(r, MODE_TOPIC_LOCK));
	assert_false(mode_is_set(r, MODE_INVITE_ONLY));
	assert_false(mode_is_set(r, MODE_MODERATED));
	assert_false(mode_is_set(r, MODE_SECRET));
	assert_false(mode_is_set(r, MODE_KEY)); /* not a flag */
	assert_null(r->state);                  /* nothing to keep yet */
	assert_int_equal(r->created_ms, FX_T0);
	room_names(&fx->h, &fx->k[BOB].s, "#x", 2);
	assert_string_equal(text(fx, BOB), "NAMES self #x bob [@ana bob]\n");
	fx_free(fx);
}

static void t_topic_needs_op_under_t(void **state)
{
	(void)state;
	struct fx *fx = room_fx();
	struct hub *h = &fx->h;
	assert_int_equal(room_topic(h, &fx->k[BOB].s, "#x", 2, "mine", 4), HUB_ERR_NOT_OPERATOR);
	assert_string_equal(text(fx, BOB), "RESULT self #x bob NOT_OPERATOR\n");
	assert_int_equal(room_topic(h, &fx->k[ANA].s, "#X", 2, "welcome", 7), HUB_OK);
	assert_string_equal(text(fx, ANA), "TOPIC #x ana \"welcome\"\n");
	assert_string_equal(text(fx, BOB), "TOPIC #x ana \"welcome\"\n");
	const struct room_state *st = room_x(fx)->state;
	assert_string_equal(st->topic, "welcome");
	assert_int_equal(st->topic_len, 7);
	assert_string_equal(st->topic_by, "ana");
	assert_int_equal(st->topic_ms, FX_T0);
	assert_int_equal(room_topic(h, &fx->k[CY].s, "#x", 2, "hi", 2), HUB_ERR_NOT_IN_ROOM);
	assert_string_equal(text(fx, CY), "RESULT self #x cy NOT_IN_ROOM\n");

	/* Without +t any member sets it; an empty topic clears it. */
	assert_int_equal(fx_mode(fx, ANA, "#x", "-t"), HUB_OK);
	assert_string_equal(text(fx, BOB), "MODE #x ana [-t]\n");
	assert_int_equal(room_topic(h, &fx->k[BOB].s, "#x", 2, "mine", 4), HUB_OK);
	assert_string_equal(text(fx, BOB), "TOPIC #x bob \"mine\"\n");
	room_topic(h, &fx->k[BOB].s, "#x", 2, "", 0);
	assert_string_equal(text(fx, ANA), "MODE #x ana [-t]\nTOPIC #x bob \"mine\"\nTOPIC #x bob\n");
	assert_null(st->topic);
	assert_null(st->topic_by);
	fx_free(fx);
}

/* A server operator runs every room it is in, the lobby too, which has no room operator. */
static void t_server_operator_runs_rooms(void **state)
{
	(void)state;
	struct fx *fx = room_fx();
	struct hub *h = &fx->h;
	fx->k[BOB].s.caps |= SESSION_MODE_OPER;
	assert_int_equal(room_topic(h, &fx->k[BOB].s, "#x", 2, "mine", 4), HUB_OK);
	assert_string_equal(text(fx, ANA), "TOPIC #x bob \"mine\"\n");
	assert_int_equal(fx_mode(fx, BOB, "#x", "+m"), HUB_OK);
	assert_string_equal(text(fx, ANA), "MODE #x bob [+m]\n");
	assert_int_equal(room_topic(h, &fx->k[BOB].s, "#lobby", 6, "clase 3", 7), HUB_OK);
	assert_int_equal(room_kick(h, &fx->k[BOB].s, "#x", 2, "ana", 3, "", 0), HUB_OK);
	assert_null(session_membership(&fx->k[ANA].s, room_x(fx)));
	/* Not where it is not a member. */
	assert_int_equal(room_topic(h, &fx->k[CY].s, "#x", 2, "hi", 2), HUB_ERR_NOT_IN_ROOM);
	fx->k[CY].s.caps |= SESSION_MODE_OPER;
	assert_int_equal(room_topic(h, &fx->k[CY].s, "#x", 2, "hi", 2), HUB_ERR_NOT_IN_ROOM);
	fx_free(fx);
}

static enum hub_result kick(struct fx *fx, size_t i, const char *target, const char *reason)
{
	return room_kick(&fx->h, &fx->k[i].s, "#x", 2, target, strlen(target), reason,
			 strlen(reason));
}

static void t_kick_removes_and_tells_target(void **state)
{
	(void)state;
	struct fx *fx = room_fx();
	fx_join(fx, CY, "#x");
	fx_drop_all(fx);
	assert_int_equal(kick(fx, BOB, "cy", ""), HUB_ERR_NOT_OPERATOR);
	assert_int_equal(kick(fx, ANA, "nobody", ""), HUB_ERR_NO_SUCH_NAME);
	assert_int_equal(kick(fx, ANA, "dee", ""), HUB_ERR_TARGET_NOT_IN);
	assert_int_equal(kick(fx, DEE, "ana", ""), HUB_ERR_NOT_IN_ROOM);
	assert_string_equal(text(fx, BOB), "RESULT self #x bob NOT_OPERATOR\n");
	assert_string_equal(text(fx, ANA), "RESULT self ana >nobody NO_SUCH_NAME\n"
					   "RESULT self #x ana >dee TARGET_NOT_IN\n");
	assert_string_equal(text(fx, DEE), "RESULT self #x dee NOT_IN_ROOM\n");

	assert_int_equal(kick(fx, ANA, "BOB", "spam"), HUB_OK);
	assert_string_equal(text(fx, ANA), "KICK #x ana >bob \"spam\"\n");
	assert_string_equal(text(fx, CY), "KICK #x ana >bob \"spam\"\n");
	assert_string_equal(text(fx, BOB), "KICK self #x ana >bob \"spam\"\n");
	assert_int_equal(room_prefix(room_x(fx), &fx->k[BOB].s), -1);
	assert_int_equal(room_x(fx)->count, 2);
	fx_check_links(fx);
	assert_int_equal(fx_say(fx, BOB, "#x", "hey"), HUB_ERR_CANNOT_SEND);

	/* An operator may kick itself; the room goes with its last member. */
	kick(fx, ANA, "cy", "");
	fx_drop_all(fx);
	assert_int_equal(kick(fx, ANA, "ana", ""), HUB_OK);
	assert_string_equal(text(fx, ANA), "KICK self #x ana >ana\n");
	assert_null(room_x(fx));
	fx_free(fx);
}

static enum hub_result invite(struct fx *fx, size_t i, const char *target)
{
	return room_invite(&fx->h, &fx->k[i].s, "#x", 2, target, strlen(target));
}

static void t_invite_lets_past_invite_only(void **state)
{
	(void)state;
	struct fx *fx = room_fx();
	assert_int_equal(fx_mode(fx, ANA, "#x", "+i"), HUB_OK);
	assert_string_equal(text(fx, BOB), "MODE #x ana [+i]\n");
	assert_int_equal(fx_join(fx, CY, "#x"), HUB_ERR_INVITE_ONLY);
	assert_string_equal(text(fx, CY), "RESULT self #x cy INVITE_ONLY\n");
	assert_int_equal(invite(fx, BOB, "cy"), HUB_ERR_NOT_OPERATOR);
	assert_int_equal(invite(fx, DEE, "cy"), HUB_ERR_NOT_IN_ROOM);
	assert_int_equal(invite(fx, ANA, "bob"), HUB_ERR_TARGET_IN);
	assert_int_equal(invite(fx, ANA, "nobody"), HUB_ERR_NO_SUCH_NAME);
	assert_string_equal(text(fx, ANA), "MODE #x ana [+i]\n"
					   "RESULT self #x ana >bob TARGET_IN\n"
					   "RESULT self ana >nobody NO_SUCH_NAME\n");
	fx_drop_all(fx);

	/* The invitation is told to the invited and to the room's other operators (IRC's
	 * invite-notify), and lets the invited in once. */
	assert_int_equal(invite(fx, ANA, "CY"), HUB_OK);
	assert_string_equal(text(fx, CY), "INVITE self #x ana >cy\n");
	assert_string_equal(text(fx, ANA), "");
	assert_string_equal(text(fx, BOB), "");
	assert_int_equal(fx_join(fx, CY, "#x"), HUB_OK);
	assert_string_equal(text(fx, CY), "JOIN self #x cy n=3\n");
	fx_part(fx, CY, "#x", "");
	assert_int_equal(fx_join(fx, CY, "#x"), HUB_ERR_INVITE_ONLY);

	/* Without +i any member may invite. */
	fx_mode(fx, ANA, "#x", "-i");
	fx_drop_all(fx);
	assert_int_equal(invite(fx, BOB, "dee"), HUB_OK);
	assert_string_equal(text(fx, DEE), "INVITE self #x bob >dee\n");
	assert_string_equal(text(fx, ANA), "INVITE #x bob >dee\n"); /* the operator hears */
	fx_free(fx);
}

static void t_key_required(void **state)
{
	(void)state;
	struct fx *fx = room_fx();
	assert_int_equal(fx_mode(fx, ANA, "#x", "+k:sesame"), HUB_OK);
	assert_string_equal(text(fx, ANA), "MODE #x ana [+k:sesame]\n");
	assert_string_equal(text(fx, BOB), "MODE #x ana [+k:sesame]\n");
	assert_int_equal(fx_join(fx, CY, "#x"), HUB_ERR_BAD_KEY);
	assert_int_equal(join_key(fx, CY, "open"), HUB_ERR_BAD_KEY);
	assert_int_equal(join_key(fx, CY, "SESAME"), HUB_ERR_BAD_KEY);
	assert_int_equal(join_key(fx, CY, "sesam"), HUB_ERR_BAD_KEY);
	assert_string_equal(text(fx, CY), "RESULT self #x cy BAD_KEY\nRESULT self #x cy BAD_KEY\n"
					  "RESULT self #x cy BAD_KEY\nRESULT self #x cy BAD_KEY\n");
	assert_int_equal(join_key(fx, CY, "sesame"), HUB_OK);

	/* A key with a comma is no key; removing it shows "*". */
	assert_int_equal(fx_mode(fx, ANA, "#x", "+k:a,b"), HUB_OK);
	fx_drop_all(fx);
	assert_int_equal(fx_mode(fx, ANA, "#x", "-k"), HUB_OK);
	assert_string_equal(text(fx, CY), "MODE #x ana [-k:*]\n");
	assert_null(room_x(fx)->state->key);
	assert_int_equal(fx_mode(fx, ANA, "#x", "-k"), HUB_OK); /* no key: no change, no news */
	assert_int_equal(fx_join(fx, DEE, "#x"), HUB_OK);
	assert_string_equal(text(fx, CY), "JOIN #x dee n=4\n");
	fx_free(fx);
}

static void t_limit_makes_room_full(void **state)
{
	(void)state;
	struct fx *fx = room_fx();
	assert_int_equal(fx_mode(fx, ANA, "#x", "+l:2"), HUB_OK);
	assert_string_equal(text(fx, BOB), "MODE #x ana [+l:2]\n");
	assert_int_equal(fx_join(fx, CY, "#x"), HUB_ERR_ROOM_FULL);
	assert_string_equal(text(fx, CY), "RESULT self #x cy ROOM_FULL\n");
	/* Limits that are no numbers, or none, change nothing. */
	fx_mode(fx, ANA, "#x", "+l:0 +l:x1 +l:1000001 +l");
	assert_string_equal(text(fx, BOB), "");
	assert_int_equal(room_x(fx)->state->limit, 2);
	assert_int_equal(fx_mode(fx, ANA, "#x", "-l"), HUB_OK);
	assert_string_equal(text(fx, BOB), "MODE #x ana [-l]\n");
	assert_int_equal(fx_join(fx, CY, "#x"), HUB_OK);
	fx_free(fx);
}

static void t_bans_and_exceptions(void **state)
{
	(void)state;
	struct fx *fx = room_fx();
	session_set_user(&fx->k[CY].s, "cyu", 3);
	session_set_host(&fx->k[CY].s, "Evil.Example", 12);
	fx_mode(fx, ANA, "#x", "+b:*!*@evil.example +b:dee");
	assert_string_equal(text(fx, BOB), "MODE #x ana [+b:*!*@evil.example +b:dee!*@*]\n");
	assert_int_equal(fx_join(fx, CY, "#x"), HUB_ERR_BANNED);
	assert_int_equal(fx_join(fx, DEE, "#x"), HUB_ERR_BANNED);
	assert_string_equal(text(fx, CY), "RESULT self #x cy BANNED\n");
	const struct masklist *bans = mode_list(room_x(fx), MODE_BAN);
	assert_int_equal(bans->n, 2);
	assert_string_equal(bans->v[1].text, "dee!*@*");
	assert_string_equal(bans->v[1].by, "ana");
	assert_int_equal(bans->v[1].at_ms, FX_T0);
	assert_null(mode_list(room_x(fx), MODE_INVEX));

	/* An exception lets a banned session in. */
	fx_mode(fx, ANA, "#x", "+e:CY@*");
	assert_string_equal(text(fx, BOB), "MODE #x ana [+e:*!CY@*]\n");
	assert_int_equal(fx_join(fx, CY, "#x"), HUB_ERR_BANNED); /* cy's user is cyu */
	fx_mode(fx, ANA, "#x", "+e:cy");
	assert_int_equal(fx_join(fx, CY, "#x"), HUB_OK);

	/* A banned member may not speak unless voiced. */
	fx_drop_all(fx);
	fx_mode(fx, ANA, "#x", "+b:BOB +b:bob");
	assert_string_equal(text(fx, BOB), "MODE #x ana [+b:BOB!*@*]\n"); /* the same mask once */
	assert_int_equal(fx_say(fx, BOB, "#x", "hi"), HUB_ERR_CANNOT_SEND);
	fx_mode(fx, ANA, "#x", "+v:bob");
	assert_int_equal(fx_say(fx, BOB, "#x", "hi"), HUB_OK);
	fx_mode(fx, ANA, "#x", "-v:bob -b:bob!*@*");
	assert_int_equal(fx_say(fx, BOB, "#x", "hi"), HUB_OK);
	assert_string_equal(text(fx, CY), "MODE #x ana [+b:BOB!*@*]\nMODE #x ana [+v:bob]\n"
					  "MESSAGE say #x bob \"hi\"\n"
					  "MODE #x ana [-v:bob -b:BOB!*@*]\n"
					  "MESSAGE say #x bob \"hi\"\n");
	assert_int_equal(mode_list(room_x(fx), MODE_BAN)->n, 2);
	fx_free(fx);
}

/* mode.h: an invite mask (+I) exempts from invite-only; it is no exception to bans. */
static void t_invex_exempts_from_invite_only_only(void **state)
{
	(void)state;
	struct fx *fx = room_fx();
	fx_mode(fx, ANA, "#x", "+i +I:cy");
	assert_string_equal(text(fx, BOB), "MODE #x ana [+i +I:cy!*@*]\n");
	assert_int_equal(fx_join(fx, CY, "#x"), HUB_OK);
	fx_part(fx, CY, "#x", "");
	fx_mode(fx, ANA, "#x", "-i +b:cy");
	/* BUG: room_admits counts an invex match as an invitation, which passes bans and limits. */
	assert_int_equal(fx_join(fx, CY, "#x"), HUB_ERR_BANNED);
	fx_free(fx);
}

#define MATCH(p, t) mask_match((p), strlen(p), (t), strlen(t))

static void t_mask_match_globs(void **state)
{
	(void)state;
	assert_true(MATCH("*", "anything!at@all"));
	assert_true(MATCH("*", ""));
	assert_true(MATCH("", ""));
	assert_false(MATCH("", "a"));
	assert_true(MATCH("**", "x"));
	assert_true(MATCH("a?a", "ana"));
	assert_false(MATCH("a?a", "aa"));
	assert_true(MATCH("*!*@*.example", "bob!u@host.example"));
	assert_false(MATCH("*!*@*.example", "bob!u@example"));
	assert_true(MATCH("*a*b", "xaxxb"));
	assert_false(MATCH("*a*b", "xaxxc"));
	assert_true(MATCH("a*a*a", "aaa"));
	assert_false(MATCH("a*a*a", "aa"));
	/* Case never matters, in any script the names fold in. */
	assert_true(MATCH("ANA!*@*", "ana!x@y"));
	assert_true(MATCH("\xC3\xB1" "and\xC3\xBA*", "\xC3\x91" "AND\xC3\x9A!x@y")); /* ñandú*, ÑANDÚ */
	assert_false(MATCH("\xC3\xB1" "andu*", "\xC3\x91" "AND\xC3\x9A!x@y"));
	assert_true(MATCH("\xCE\xBF\xCE\xB4\xCF\x85\xCF\x83\xCF\x83\xCE\xB5\xCF\x85\xCF\x82",
			  "\xCE\x9F\xCE\x94\xCE\xA5\xCE\xA3\xCE\xA3\xCE\x95\xCE\xA5\xCE\xA3")); /* Greek */
}

/* '?' stands for one character, as a user sees names, not one byte of its UTF-8. */
static void t_mask_question_mark_is_one_character(void **state)
{
	(void)state;
	/* BUG: mask_match compares bytes, so '?' matches half of "ñ" (two bytes). */
	assert_true(MATCH("?and?", "\xC3\x91" "and\xC3\xBA"));
	assert_true(MATCH("?", "\xC3\xB1"));
}

static void t_moderated_needs_voice(void **state)
{
	(void)state;
	struct fx *fx = room_fx();
	fx_mode(fx, ANA, "#x", "+m");
	assert_int_equal(fx_say(fx, BOB, "#x", "hi"), HUB_ERR_CANNOT_SEND);
	assert_int_equal(fx_say(fx, ANA, "#x", "ops speak"), HUB_OK);
	fx_mode(fx, ANA, "#x", "+v:bob");
	assert_int_equal(fx_say(fx, BOB, "#x", "now I may"), HUB_OK);
	fx_mode(fx, ANA, "#x", "-v:bob");
	assert_int_equal(fx_say(fx, BOB, "#x", "hi"), HUB_ERR_CANNOT_SEND);
	assert_string_equal(text(fx, BOB), "MODE #x ana [+m]\n"
					   "RESULT self #x bob CANNOT_SEND\n"
					   "MESSAGE say #x ana \"ops speak\"\n"
					   "MODE #x ana [+v:bob]\n"
					   "MODE #x ana [-v:bob]\n"
					   "RESULT self #x bob CANNOT_SEND\n");
	assert_string_equal(text(fx, ANA), "MODE #x ana [+m]\nMODE #x ana [+v:bob]\n"
					   "MESSAGE say #x bob \"now I may\"\nMODE #x ana [-v:bob]\n");
	fx_free(fx);
}

static void t_no_external(void **state)
{
	(void)state;
	struct fx *fx = room_fx();
	assert_int_equal(fx_say(fx, CY, "#x", "hi"), HUB_ERR_CANNOT_SEND);
	assert_string_equal(text(fx, CY), "RESULT self #x cy CANNOT_SEND\n");
	assert_int_equal(fx_say(fx, CY, "#nope", "hi"), HUB_ERR_NO_SUCH_ROOM);
	assert_string_equal(text(fx, CY), "RESULT self #nope cy NO_SUCH_ROOM\n");
	fx_mode(fx, ANA, "#x", "-n");
	fx_drop_all(fx);
	assert_int_equal(fx_say(fx, CY, "#x", "hi"), HUB_OK);
	assert_string_equal(text(fx, ANA), "MESSAGE say #x cy \"hi\"\n");
	assert_string_equal(text(fx, BOB), "MESSAGE say #x cy \"hi\"\n");
	assert_string_equal(text(fx, CY), "");
	/* A ban still keeps an outsider quiet. */
	fx_mode(fx, ANA, "#x", "+b:cy");
	assert_int_equal(fx_say(fx, CY, "#x", "hi"), HUB_ERR_CANNOT_SEND);
	fx_free(fx);
}

static void t_secret_rooms_hidden(void **state)
{
	(void)state;
	struct fx *fx = room_fx();
	fx_mode(fx, ANA, "#x", "+s");
	fx_drop_all(fx);
	room_list(&fx->h, &fx->k[CY].s);
	assert_string_equal(text(fx, CY), "ROOMS self cy [#lobby/4]\n");
	room_list(&fx->h, &fx->k[BOB].s);
	assert_string_equal(text(fx, BOB), "ROOMS self bob [#lobby/4 #x/2]\n");
	assert_int_equal(room_names(&fx->h, &fx->k[CY].s, "#x", 2), HUB_ERR_NO_SUCH_ROOM);
	assert_string_equal(text(fx, CY), "RESULT self #x cy NO_SUCH_ROOM\n");
	room_names(&fx->h, &fx->k[BOB].s, "#x", 2);
	assert_string_equal(text(fx, BOB), "NAMES self #x bob [@ana bob]\n");
	/* Secret is not closed: whoever knows the name may join, and then sees it. */
	assert_int_equal(fx_join(fx, CY, "#x"), HUB_OK);
	fx_drop_all(fx);
	room_list(&fx->h, &fx->k[CY].s);
	assert_string_equal(text(fx, CY), "ROOMS self cy [#lobby/4 #x/3]\n");
	fx_free(fx);
}

static void t_kept_room_outlives_members(void **state)
{
	(void)state;
	struct fx *fx = room_fx();
	struct hub *h = &fx->h;
	fx_join(fx, ANA, "#help");
	room_topic(h, &fx->k[ANA].s, "#help", 5, "ask here", 8);
	struct room *r = room_keep(h, "#HELP", 5, true);
	assert_ptr_equal(r, room_find(h, "#help", 5));
	assert_true(r->kept);
	fx_part(fx, ANA, "#help", "");
	assert_ptr_equal(room_find(h, "#help", 5), r);
	assert_int_equal(r->count, 0);
	assert_string_equal(r->state->topic, "ask here");
	fx_drop_all(fx);
	room_list(h, &fx->k[BOB].s);
	assert_string_equal(text(fx, BOB), "ROOMS self bob [#help/0 #lobby/4 #x/2]\n");
	/* Whoever comes back finds its state, and does not run it: it was nobody's to create. */
	assert_int_equal(fx_join(fx, BOB, "#help"), HUB_OK);
	assert_int_equal(room_prefix(r, &fx->k[BOB].s), 0);
	assert_string_equal(r->state->topic, "ask here");

	/* Let go, it goes with its last member. */
	assert_ptr_equal(room_keep(h, "#help", 5, false), r);
	fx_part(fx, BOB, "#help", "");
	assert_null(room_find(h, "#help", 5));

	/* A kept room may be made before anyone is in it, and let go while empty. */
	r = room_keep(h, "#new", 4, true);
	assert_non_null(r);
	assert_int_equal(r->count, 0);
	assert_int_equal(r->modes, MODE_DEFAULT);
	assert_null(room_keep(h, "#new", 4, false));
	assert_null(room_find(h, "#new", 4));
	assert_null(room_keep(h, "new", 3, true));
	assert_null(room_keep(h, "#nothing", 8, false));
	assert_ptr_equal(room_keep(h, "#lobby", 6, false), h->lobby);
	assert_true(h->lobby->kept);
	fx_free(fx);
}

static void t_op_and_voice_changes(void **state)
{
	(void)state;
	struct fx *fx = room_fx();
	struct hub *h = &fx->h;
	fx_join(fx, CY, "#x");
	fx_drop_all(fx);
	assert_int_equal(fx_mode(fx, ANA, "#x", "+o:BOB"), HUB_OK);
	assert_string_equal(text(fx, CY), "MODE #x ana [+o:bob]\n");
	assert_int_equal(fx_mode(fx, BOB, "#x", "+v:cy"), HUB_OK);
	assert_string_equal(text(fx, CY), "MODE #x bob [+v:cy]\n");
	assert_int_equal(fx_mode(fx, BOB, "#x", "+o:bob"), HUB_OK); /* no change, no news */
	assert_int_equal(fx_mode(fx, BOB, "#x", "-o:ana +v:bob"), HUB_OK);
	assert_string_equal(text(fx, CY), "MODE #x bob [-o:ana +v:bob]\n");
	room_names(h, &fx->k[CY].s, "#x", 2);
	assert_string_equal(text(fx, CY), "NAMES self #x cy [ana @+bob +cy]\n");
	fx_drop_all(fx);

	assert_int_equal(fx_mode(fx, ANA, "#x", "+o:ana"), HUB_ERR_NOT_OPERATOR);
	assert_int_equal(fx_mode(fx, BOB, "#x", "+o:zed"), HUB_ERR_NO_SUCH_NAME);
	assert_int_equal(fx_mode(fx, BOB, "#x", "+o:dee"), HUB_ERR_TARGET_NOT_IN);
	assert_int_equal(fx_mode(fx, DEE, "#x", "+i"), HUB_ERR_NOT_IN_ROOM);
	assert_int_equal(fx_mode(fx, DEE, "#nope", "+i"), HUB_ERR_NO_SUCH_ROOM);
	assert_int_equal(fx_mode(fx, ANA, "#x", ""), HUB_OK); /* nothing asked: the room exists */
	assert_string_equal(text(fx, ANA), "RESULT self #x ana NOT_OPERATOR\n");
	assert_string_equal(text(fx, BOB), "RESULT self #x bob >zed NO_SUCH_NAME\n"
					   "RESULT self #x bob >dee TARGET_NOT_IN\n");
	assert_string_equal(text(fx, DEE), "RESULT self #x dee NOT_IN_ROOM\n"
					   "RESULT self #nope dee NO_SUCH_ROOM\n");
	assert_string_equal(text(fx, CY), "");
	fx_free(fx);
}

static void t_list_full(void **state)
{
	(void)state;
	struct fx *fx = room_fx();
	struct buf changes = BUF_INIT;
	for (int batch = 0; batch < MODE_LIST_MAX / 10; batch++) {
		buf_clear(&changes);
		for (int i = 0; i < 10; i++)
			buf_printf(&changes, "%s+b:m%d", i ? " " : "", batch * 10 + i);
		assert_int_equal(fx_mode(fx, ANA, "#x", changes.data), HUB_OK);
	}
	assert_int_equal(mode_list(room_x(fx), MODE_BAN)->n, MODE_LIST_MAX);
	fx_drop_all(fx);
	assert_int_equal(fx_mode(fx, ANA, "#x", "+b:one_more"), HUB_ERR_LIST_FULL);
	assert_string_equal(text(fx, ANA), "RESULT self #x ana LIST_FULL:b\n");
	assert_string_equal(text(fx, BOB), "");
	/* Each list is full on its own; room is made by taking a mask off. */
	assert_int_equal(fx_mode(fx, ANA, "#x", "+e:m0 -b:m0 +b:one_more"), HUB_OK);
	assert_string_equal(text(fx, BOB), "MODE #x ana [+e:m0!*@* -b:m0!*@* +b:one_more!*@*]\n");

	/* One request takes at most 16 changes; the rest are ignored. */
	buf_clear(&changes);
	for (int i = 0; i < 20; i++)
		buf_printf(&changes, "%s+I:i%d", i ? " " : "", i);
	assert_int_equal(fx_mode(fx, ANA, "#x", changes.data), HUB_OK);
	assert_int_equal(mode_list(room_x(fx), MODE_INVEX)->n, 16);
	buf_free(&changes);
	fx_free(fx);
}

/* The MODE event carries the changes that took effect, in order, each argument normalised; each
 * refusal is told to the requester, and the last is returned. */
static void t_mode_event_carries_only_effective_changes(void **state)
{
	(void)state;
	struct fx *fx = room_fx();
	enum hub_result r =
		fx_mode(fx, ANA, "#x", "+n +i +t -s +o:zed +v:BOB +b:x +b:X -e:nope +l:5 +k:a,b");
	assert_int_equal(r, HUB_ERR_NO_SUCH_NAME);
	assert_string_equal(text(fx, ANA), "RESULT self #x ana >zed NO_SUCH_NAME\n"
					   "MODE #x ana [+i +v:bob +b:x!*@* +l:5]\n");
	assert_string_equal(text(fx, BOB), "MODE #x ana [+i +v:bob +b:x!*@* +l:5]\n");
	assert_int_equal(room_x(fx)->modes, MODE_DEFAULT | (1u << MODE_INVITE_ONLY));
	/* Nothing took effect: no event at all. */
	assert_int_equal(fx_mode(fx, ANA, "#x", "+i +n -m"), HUB_OK);
	assert_string_equal(text(fx, ANA), "");
	assert_string_equal(text(fx, BOB), "");
	fx_free(fx);
}

static int key_twice(struct fx *fx)
{
	fx_mode(fx, ANA, "#x", "+k:one +k:two");
	if (strcmp(fx_text(&fx->k[BOB]), "MODE #x ana [+k:one +k:two]\n") != 0)
		return 1;
	return strcmp(room_x(fx)->state->key, "two") == 0 ? 0 : 2;
}

static int key_set_and_removed(struct fx *fx)
{
	fx_mode(fx, ANA, "#x", "+k:one -k");
	return strcmp(fx_text(&fx->k[BOB]), "MODE #x ana [+k:one -k:*]\n") == 0 ? 0 : 1;
}

/* Both run apart: what they check reads freed memory today. */
static void t_key_changed_twice_in_one_request(void **state)
{
	(void)state;
	struct fx *fx = room_fx();
	/* BUG: mode_apply_one (MODE_KEY) gives the event st->key itself as the argument; a later
	 * +k or -k in the same request frees it before the event goes out. */
	const char *twice = fx_isolated(fx, key_twice);
	const char *removed = fx_isolated(fx, key_set_and_removed);
	if (twice || removed)
		fail_msg("\"+k:one +k:two\": %s; \"+k:one -k\": %s", twice ? twice : "ok",
			 removed ? removed : "ok");
	fx_free(fx);
}

#define TEST(t) cmocka_unit_test_teardown(t, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(t_creator_is_operator_with_default_modes),
		TEST(t_topic_needs_op_under_t),
		TEST(t_server_operator_runs_rooms),
		TEST(t_kick_removes_and_tells_target),
		TEST(t_invite_lets_past_invite_only),
		TEST(t_key_required),
		TEST(t_limit_makes_room_full),
		TEST(t_bans_and_exceptions),
		TEST(t_invex_exempts_from_invite_only_only),
		TEST(t_mask_match_globs),
		TEST(t_mask_question_mark_is_one_character),
		TEST(t_moderated_needs_voice),
		TEST(t_no_external),
		TEST(t_secret_rooms_hidden),
		TEST(t_kept_room_outlives_members),
		TEST(t_op_and_voice_changes),
		TEST(t_list_full),
		TEST(t_mode_event_carries_only_effective_changes),
		TEST(t_key_changed_twice_in_one_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
