/*
 * The text of a log line, pure functions: a value quoted for a key=value
 * pair, and a whole message turned into a JSON object.  A message is
 * written once, as text with key=value pairs (SPEC); log_json() reads it
 * back, so that both formats always say the same.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "log_line.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* A byte that a key=value pair can carry bare. */
static bool
is_token_char(unsigned char c)
{
	return (c > ' ' && c != 0x7f && c != '"' && c != '\\' && c != '=');
}

/*
 * Write byte c to out as it stands in a quoted value: '"', '\\', \n, \r
 * and \t escaped by a backslash, other control bytes as hex ("\\x%02x"
 * for log_quote(), "\\u%04x" for JSON).  Its length.
 */
static size_t
escape_char(unsigned char c, char out[7], const char *hex)
{
	static const char	from[] = "\"\\\n\r\t", to[] = "\"\\nrt";
	const char		*at;

	if (c != '\0' && (at = strchr(from, c)) != NULL) {
		out[0] = '\\';
		out[1] = to[at - from];
		return (2);
	}
	if (c < ' ' || c == 0x7f)
		return ((size_t)snprintf(out, 7, hex, c));
	out[0] = (char)c;
	return (1);
}

const char *
log_quote(char *buf, size_t len, const char *value)
{
	const unsigned char	*v = (const unsigned char *)value;
	char			 e[7];
	size_t			 n = 0, k;
	bool			 bare = *v != '\0';

	for (const unsigned char *c = v; *c != '\0' && bare; c++)
		bare = is_token_char(*c);
	if (bare || len < 3) {
		snprintf(buf, len, "%s", bare ? value : "");
		return (buf);
	}
	buf[n++] = '"';
	/* Room is left for the closing quote and the NUL. */
	for (; *v != '\0' &&
	    n + (k = escape_char(*v, e, "\\x%02x")) + 2 <= len; v++) {
		memcpy(buf + n, e, k);
		n += k;
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return (buf);
}

#define JSON_RESERVE	3	/* kept free for '"', '}' and the NUL */
#define KEY_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
			"0123456789_.-"

/* An object being written into a fixed buffer. */
struct jbuf {
	char	*buf;
	size_t	 len;
	size_t	 n;
	bool	 full;		/* something did not fit: no more members */
};

/* One space-separated token of a message: a word, or key=value. */
struct token {
	const char	*start;
	size_t		 len;		/* the whole token */
	size_t		 keylen;	/* 0: a word */
	const char	*value;		/* after '=', quotes included */
	size_t		 valuelen;
	bool		 quoted;
};

/* Append k bytes; false, leaving j as it was, when they do not fit. */
static bool
jput(struct jbuf *j, const char *s, size_t k)
{
	if (j->full || j->n + k + JSON_RESERVE > j->len) {
		j->full = true;
		return (false);
	}
	memcpy(j->buf + j->n, s, k);
	j->n += k;
	return (true);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if none. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		k;

	if (s[0] < 0x80)
		return (1);
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return (0);
	k = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	/* No overlong forms, no surrogates, nothing past U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < k)
		return (0);
	for (size_t i = 1; i < k; i++, lo = 0x80, hi = 0xbf)
		if (s[i] < lo || s[i] > hi)
			return (0);
	return (k);
}

/* The n bytes of s as the inside of a JSON string; false when full. */
static bool
jput_chars(struct jbuf *j, const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	char			 e[7];
	size_t			 k;
	bool			 ok;

	for (size_t i = 0; i < n; i += k) {
		if (u[i] < 0x80) {
			k = 1;
			ok = jput(j, e, escape_char(u[i], e, "\\u%04x"));
		} else if ((k = utf8_len(u + i, n - i)) == 0) {
			k = 1;
			ok = jput(j, "\\ufffd", 6);
		} else
			ok = jput(j, s + i, k);
		if (!ok)
			return (false);
	}
	return (true);
}

/*
 * Add "key":value, value a string (escaped) or a number (as it is);
 * false, leaving j as it was, when it does not fit.
 */
static bool
jput_member(struct jbuf *j, const char *key, size_t keylen, const char *val,
    size_t n, bool string)
{
	size_t	at = j->n;

	if ((j->n > 1 && !jput(j, ",", 1)) || !jput(j, "\"", 1) ||
	    !jput_chars(j, key, keylen) || !jput(j, "\":", 2))
		goto full;
	if (string ? jput(j, "\"", 1) && jput_chars(j, val, n) &&
	    jput(j, "\"", 1) : jput(j, val, n))
		return (true);
full:
	j->n = at;
	j->full = true;
	return (false);
}

/* Past the closing quote of the quoted value at v, or NULL. */
static const char *
quoted_end(const char *v)
{
	for (v++; *v != '\0'; v++) {
		if (*v == '"')
			return (v + 1);
		if (*v == '\\' && v[1] != '\0')
			v++;
	}
	return (NULL);
}

/* Is the token at s key=value, ending at a space or the end?  Fills t. */
static bool
read_pair(const char *s, struct token *t)
{
	const char	*v, *end;
	size_t		 k = strspn(s, KEY_CHARS);

	if (k == 0 || s[k] != '=')
		return (false);
	v = s + k + 1;
	if (*v == '"') {
		if ((end = quoted_end(v)) == NULL ||
		    (*end != ' ' && *end != '\0'))
			return (false);
		t->quoted = true;
	} else {
		end = v + strcspn(v, " ");
		if (memchr(v, '"', end - v) != NULL)
			return (false);
	}
	t->keylen = k;
	t->value = v;
	t->valuelen = end - v;
	t->len = end - s;
	return (true);
}

/* The token at *p (after spaces), advancing *p; false at the end. */
static bool
next_token(const char **p, struct token *t)
{
	const char	*s = *p + strspn(*p, " ");

	if (*s == '\0')
		return (false);
	memset(t, 0, sizeof(*t));
	t->start = s;
	if (!read_pair(s, t))
		t->len = strcspn(s, " ");
	*p = s + t->len;
	return (true);
}

static bool
key_is(const struct token *t, const char *key)
{
	return (t->keylen == strlen(key) &&
	    memcmp(t->start, key, t->keylen) == 0);
}

/* Is pair t of text a member: its key neither reserved nor seen before? */
static bool
is_field(const char *text, const struct token *t)
{
	static const char *const	taken[] = { "time", "level", "msg",
					    "error" };
	struct token			u;
	const char			*p = text;

	if (t->keylen == 0)
		return (false);
	for (size_t i = 0; i < NELEM(taken); i++)
		if (key_is(t, taken[i]))
			return (false);
	while (next_token(&p, &u) && u.start < t->start)
		if (u.keylen == t->keylen &&
		    memcmp(u.start, t->start, t->keylen) == 0)
			return (false);
	return (true);
}

/*
 * Does t's value go out as a number?  A bare integer a double holds
 * exactly, unless it names something: a service or backend called "1"
 * stays a string, so that a key has one JSON type.
 */
static bool
is_number(const struct token *t)
{
	const char	*v = t->value;
	size_t		 n = t->valuelen;

	if (t->quoted || key_is(t, "service") || key_is(t, "backend"))
		return (false);
	if (n > 0 && v[0] == '-') {
		v++;
		n--;
	}
	if (n == 0 || n > 15 || (v[0] == '0' && n > 1))
		return (false);
	for (size_t i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return (false);
	return (true);
}

/* The value of hex digit c, or -1. */
static int
hex_digit(char c)
{
	static const char	digits[] = "0123456789abcdef";
	const char		*at;

	if (c == '\0' || (at = strchr(digits, c)) == NULL)
		return (-1);
	return ((int)(at - digits));
}

/* Undo log_quote()'s escapes of the n bytes inside quotes; the length. */
static size_t
unquote(const char *s, size_t n, char *out)
{
	static const char	from[] = "nrt", to[] = "\n\r\t";
	const char		*at;
	size_t			 k = 0;
	int			 hi, lo;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 == n) {
			out[k++] = s[i];
			continue;
		}
		i++;
		if (s[i] == 'x' && i + 2 < n && (hi = hex_digit(s[i + 1])) !=
		    -1 && (lo = hex_digit(s[i + 2])) != -1) {
			out[k++] = (char)(hi << 4 | lo);
			i += 2;
		} else if ((at = strchr(from, s[i])) != NULL && s[i] != '\0')
			out[k++] = to[at - from];
		else
			out[k++] = s[i];
	}
	return (k);
}

/* "msg": the words of text, one space apart; cut short when full. */
static void
put_msg(struct jbuf *j, const char *text)
{
	struct token	 t;
	const char	*p = text;
	bool		 first = true;

	if (!jput_member(j, "msg", 3, "", 0, true))
		return;
	j->n--;		/* reopen the string */
	while (next_token(&p, &t)) {
		if (is_field(text, &t))
			continue;
		if ((!first && !jput(j, " ", 1)) ||
		    !jput_chars(j, t.start, t.len))
			break;
		first = false;
	}
	j->buf[j->n++] = '"';	/* JSON_RESERVE kept room */
}

/* Each pair of text that is a field, while they fit. */
static void
put_fields(struct jbuf *j, const char *text)
{
	struct token	 t;
	const char	*p = text;
	char		 value[LOG_LINEMAX];
	size_t		 n;
	bool		 ok = true;

	while (ok && next_token(&p, &t)) {
		if (!is_field(text, &t))
			continue;
		if (t.quoted && t.valuelen - 2 <= sizeof(value)) {
			n = unquote(t.value + 1, t.valuelen - 2, value);
			ok = jput_member(j, t.start, t.keylen, value, n, true);
		} else
			ok = jput_member(j, t.start, t.keylen, t.value,
			    t.valuelen, !is_number(&t));
	}
}

const char *
log_json(char *buf, size_t len, const char *time, const char *level,
    const char *text, const char *error)
{
	struct jbuf	j = { buf, len, 1, false };

	buf[0] = '{';
	(void)(jput_member(&j, "time", 4, time, strlen(time), true) &&
	    jput_member(&j, "level", 5, level, strlen(level), true));
	put_msg(&j, text);
	put_fields(&j, text);
	if (error != NULL)
		(void)jput_member(&j, "error", 5, error, strlen(error), true);
	buf[j.n++] = '}';
	buf[j.n] = '\0';
	return (buf);
}
