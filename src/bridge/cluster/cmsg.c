#include "bridge/cluster/cmsg.h"

#include <string.h>

#include "base/buf.h"
#include "base/utf8.h"

static const char MAGIC[] = "C1 ";

static const char *const cmsg_names[CMSG_TYPES] = {
	[CMSG_HELLO] = "HELLO", [CMSG_BEAT] = "BEAT",       [CMSG_BYE] = "BYE",
	[CMSG_SYNC] = "SYNC",   [CMSG_SYNCED] = "SYNCED",   [CMSG_USER] = "USER",
	[CMSG_ROOM] = "ROOM",   [CMSG_MSG] = "MSG",         [CMSG_JOIN] = "JOIN",
	[CMSG_PART] = "PART",   [CMSG_QUIT] = "QUIT",       [CMSG_NICK] = "NICK",
	[CMSG_TOPIC] = "TOPIC", [CMSG_MODE] = "MODE",       [CMSG_KICK] = "KICK",
	[CMSG_INVITE] = "INVITE", [CMSG_AWAY] = "AWAY",     [CMSG_SETNAME] = "SETNAME",
	[CMSG_ACCOUNT] = "ACCOUNT", [CMSG_KILL] = "KILL",
};

/* The fields each type needs: at least min, at most max. */
static const struct {
	uint8_t min, max;
} cmsg_arity[CMSG_TYPES] = {
	[CMSG_HELLO] = {0, 0},   [CMSG_BEAT] = {1, 1},    [CMSG_BYE] = {1, 1},
	[CMSG_SYNC] = {0, 0},    [CMSG_SYNCED] = {0, 0},  [CMSG_USER] = {7, CMSG_FIELDS_MAX},
	[CMSG_ROOM] = {8, 8},    [CMSG_MSG] = {6, 6},     [CMSG_JOIN] = {3, 3},
	[CMSG_PART] = {3, 3},    [CMSG_QUIT] = {2, 2},    [CMSG_NICK] = {2, 2},
	[CMSG_TOPIC] = {3, 3},   [CMSG_MODE] = {3, CMSG_FIELDS_MAX}, [CMSG_KICK] = {4, 4},
	[CMSG_INVITE] = {3, 3},  [CMSG_AWAY] = {2, 2},    [CMSG_SETNAME] = {2, 2},
	[CMSG_ACCOUNT] = {2, 2}, [CMSG_KILL] = {3, 3},
};

const char *cmsg_type_name(enum cmsg_type t)
{
	return (unsigned)t < CMSG_TYPES ? cmsg_names[t] : "?";
}

bool cmsg_node_valid(const char *name, size_t len)
{
	if (len == 0 || len > CMSG_NODE_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '_' || c == ':' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

void cmsg_encode(struct buf *out, const struct cmsg *m)
{
	buf_printf(out, "%s%s %.*s %llu %llu %zu\n", MAGIC, cmsg_type_name(m->type),
		   (int)m->node.len, m->node.p, (unsigned long long)m->id,
		   (unsigned long long)m->time_ms, m->n);
	for (size_t i = 0; i < m->n; i++) {
		buf_printf(out, "%zu:", m->f[i].len);
		buf_append(out, m->f[i].p, m->f[i].len);
		buf_putc(out, '\n');
	}
}

/* A reader over the message's bytes. */
struct cmsg_in {
	const char *p, *end;
};

/* The next word up to `stop` (not included, and skipped); false if none or empty. */
static bool cmsg_word(struct cmsg_in *in, char stop, struct cmsg_field *w)
{
	const char *s = in->p;
	const char *e = memchr(s, stop, (size_t)(in->end - s));
	if (!e || e == s)
		return false;
	*w = (struct cmsg_field){s, (size_t)(e - s)};
	in->p = e + 1;
	return true;
}

/* A decimal number of at most 20 digits that fits in 64 bits. */
static bool cmsg_number(struct cmsg_field w, uint64_t *out)
{
	if (w.len == 0 || w.len > 20)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < w.len; i++) {
		unsigned d = (unsigned)(w.p[i] - '0');
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool cmsg_clean(const char *p, size_t len)
{
	if (memchr(p, '\0', len) || memchr(p, '\r', len) || memchr(p, '\n', len))
		return false;
	return utf8_is_valid(p, len);
}

const char *cmsg_decode(const char *data, size_t len, struct cmsg *m)
{
	if (len > CMSG_MAX)
		return "too long";
	if (len < sizeof(MAGIC) - 1 || memcmp(data, MAGIC, sizeof(MAGIC) - 1) != 0)
		return "not a charla message";
	struct cmsg_in in = {data + sizeof(MAGIC) - 1, data + len};
	struct cmsg_field type, node, id, time, n;
	if (!cmsg_word(&in, ' ', &type) || !cmsg_word(&in, ' ', &node) || !cmsg_word(&in, ' ', &id) ||
	    !cmsg_word(&in, ' ', &time) || !cmsg_word(&in, '\n', &n))
		return "bad header";
	m->type = CMSG_TYPES;
	for (int t = 0; t < CMSG_TYPES; t++)
		if (strlen(cmsg_names[t]) == type.len && memcmp(cmsg_names[t], type.p, type.len) == 0)
			m->type = (enum cmsg_type)t;
	if (m->type == CMSG_TYPES)
		return "unknown type";
	if (!cmsg_node_valid(node.p, node.len))
		return "bad node name";
	m->node = node;
	uint64_t count;
	if (!cmsg_number(id, &m->id) || !cmsg_number(time, &m->time_ms) || !cmsg_number(n, &count))
		return "bad number";
	if (count < cmsg_arity[m->type].min || count > cmsg_arity[m->type].max)
		return "wrong number of fields";
	m->n = (size_t)count;
	for (size_t i = 0; i < m->n; i++) {
		struct cmsg_field l;
		uint64_t flen;
		if (!cmsg_word(&in, ':', &l) || !cmsg_number(l, &flen))
			return "bad field length";
		if (flen >= (uint64_t)(in.end - in.p) || in.p[flen] != '\n')
			return "bad field";
		if (!cmsg_clean(in.p, (size_t)flen))
			return "field not clean UTF-8";
		m->f[i] = (struct cmsg_field){in.p, (size_t)flen};
		in.p += flen + 1;
	}
	if (in.p != in.end)
		return "trailing bytes";
	return NULL;
}
