/*
 * A strict recursive-descent JSON parser (RFC 8259) for the tests.  Each
 * parse_* function starts at the first byte of its value and returns a
 * node, or NULL after recording the first error with its byte offset.
 * Strings are decoded into open_memstream buffers, so they may hold any
 * length.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define JSON_DEPTH	64	/* arrays and objects inside each other */

struct parser {
	const char	*s;
	size_t		 len;
	size_t		 pos;
	int		 depth;
	char		*err;
	size_t		 errlen;
	bool		 failed;
};

static struct json	*parse_value(struct parser *);

/* Record the first error at the current offset; returns NULL. */
static void *
fail(struct parser *p, const char *what)
{
	if (!p->failed && p->err != NULL && p->errlen > 0)
		snprintf(p->err, p->errlen, "offset %zu: %s", p->pos, what);
	p->failed = true;
	return (NULL);
}

/* The byte at the current offset, or -1 at the end. */
static int
peek(const struct parser *p)
{
	return (p->pos < p->len ? (unsigned char)p->s[p->pos] : -1);
}

static void
skip_ws(struct parser *p)
{
	int	c;

	while ((c = peek(p)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		p->pos++;
}

static struct json *
new_node(struct parser *p, enum json_type type)
{
	struct json	*j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return (fail(p, "out of memory"));
	j->type = type;
	return (j);
}

static struct json *
parse_literal(struct parser *p, const char *word, enum json_type type)
{
	size_t	n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return (fail(p, "expected a value"));
	p->pos += n;
	return (new_node(p, type));
}

/* Skip [0-9]+ ; false when there is not one digit. */
static bool
skip_digits(struct parser *p)
{
	size_t	start = p->pos;
	int	c;

	while ((c = peek(p)) >= '0' && c <= '9')
		p->pos++;
	return (p->pos > start);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static struct json *
parse_number(struct parser *p)
{
	struct json	*j;
	size_t		 start = p->pos;
	char		*copy;

	if (peek(p) == '-')
		p->pos++;
	if (peek(p) == '0')
		p->pos++;
	else if (peek(p) < '1' || peek(p) > '9' || !skip_digits(p))
		return (fail(p, "expected a value"));
	if (peek(p) == '.' && (p->pos++, !skip_digits(p)))
		return (fail(p, "expected a digit after '.'"));
	if (peek(p) == 'e' || peek(p) == 'E') {
		p->pos++;
		if (peek(p) == '+' || peek(p) == '-')
			p->pos++;
		if (!skip_digits(p))
			return (fail(p, "expected a digit in the exponent"));
	}
	if ((j = new_node(p, JSON_NUMBER)) == NULL ||
	    (copy = strndup(p->s + start, p->pos - start)) == NULL) {
		free(j);
		return (fail(p, "out of memory"));
	}
	j->num = strtod(copy, NULL);
	free(copy);
	return (j);
}

/* Four hex digits at offset at into *cp; false if they are not. */
static bool
hex4(const struct parser *p, size_t at, unsigned *cp)
{
	*cp = 0;
	if (p->len - at < 4)
		return (false);
	for (size_t i = 0; i < 4; i++) {
		char	c = p->s[at + i];

		*cp <<= 4;
		if (c >= '0' && c <= '9')
			*cp |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*cp |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*cp |= (unsigned)(c - 'A' + 10);
		else
			return (false);
	}
	return (true);
}

static void
put_utf8(FILE *f, unsigned cp)
{
	if (cp < 0x80)
		fputc((int)cp, f);
	else if (cp < 0x800) {
		fputc((int)(0xc0 | cp >> 6), f);
		fputc((int)(0x80 | (cp & 0x3f)), f);
	} else if (cp < 0x10000) {
		fputc((int)(0xe0 | cp >> 12), f);
		fputc((int)(0x80 | (cp >> 6 & 0x3f)), f);
		fputc((int)(0x80 | (cp & 0x3f)), f);
	} else {
		fputc((int)(0xf0 | cp >> 18), f);
		fputc((int)(0x80 | (cp >> 12 & 0x3f)), f);
		fputc((int)(0x80 | (cp >> 6 & 0x3f)), f);
		fputc((int)(0x80 | (cp & 0x3f)), f);
	}
}

/* \uXXXX, or a surrogate pair \uD8xx\uDCxx; a lone surrogate fails. */
static int
parse_u(struct parser *p, FILE *f)
{
	unsigned	hi, lo;

	if (!hex4(p, p->pos + 2, &hi))
		return (fail(p, "bad \\u escape"), -1);
	p->pos += 6;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return (fail(p, "lone low surrogate"), -1);
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (p->len - p->pos < 6 || p->s[p->pos] != '\\' ||
		    p->s[p->pos + 1] != 'u' || !hex4(p, p->pos + 2, &lo) ||
		    lo < 0xdc00 || lo > 0xdfff)
			return (fail(p, "lone high surrogate"), -1);
		p->pos += 6;
		hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	}
	put_utf8(f, hi);
	return (0);
}

static int
parse_escape(struct parser *p, FILE *f)
{
	static const char	from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char		*e;
	int			 c;

	if (p->pos + 1 >= p->len)
		return (fail(p, "unterminated string"), -1);
	if ((c = (unsigned char)p->s[p->pos + 1]) == 'u')
		return (parse_u(p, f));
	if (c == '\0' || (e = strchr(from, c)) == NULL)
		return (fail(p, "bad escape"), -1);
	fputc(to[e - from], f);
	p->pos += 2;
	return (0);
}

/* One well-formed UTF-8 sequence of 2 to 4 bytes (RFC 3629), copied. */
static int
parse_utf8(struct parser *p, FILE *f)
{
	const unsigned char	*s = (const unsigned char *)p->s + p->pos;
	unsigned char		 lo = 0x80, hi = 0xbf;
	size_t			 n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return (fail(p, "invalid UTF-8"), -1);
	if (s[0] == 0xe0 || s[0] == 0xf0)
		lo = s[0] == 0xe0 ? 0xa0 : 0x90;	/* no overlong form */
	else if (s[0] == 0xed || s[0] == 0xf4)
		hi = s[0] == 0xed ? 0x9f : 0x8f;	/* no surrogate, max */
	if (p->len - p->pos < n || s[1] < lo || s[1] > hi)
		return (fail(p, "invalid UTF-8"), -1);
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return (fail(p, "invalid UTF-8"), -1);
	fwrite(s, 1, n, f);
	p->pos += n;
	return (0);
}

/* A string at its opening quote, decoded; NULL when bad. */
static char *
parse_string(struct parser *p)
{
	char	*out = NULL;
	size_t	 outlen = 0;
	FILE	*f;
	int	 c, rc = -1;

	if ((f = open_memstream(&out, &outlen)) == NULL)
		return (fail(p, "out of memory"));
	for (p->pos++; rc == -1 && !p->failed; ) {
		if ((c = peek(p)) == -1)
			fail(p, "unterminated string");
		else if (c == '"') {
			p->pos++;
			rc = 0;
		} else if (c < 0x20)
			fail(p, "raw control character in a string");
		else if (c == '\\')
			parse_escape(p, f);
		else if (c >= 0x80)
			parse_utf8(p, f);
		else {
			fputc(c, f);
			p->pos++;
		}
	}
	if (fclose(f) == EOF || rc == -1) {
		free(out);
		return (fail(p, "bad string"));
	}
	return (out);
}

static struct json *
parse_string_value(struct parser *p)
{
	struct json	*j;

	if ((j = new_node(p, JSON_STRING)) == NULL)
		return (NULL);
	if ((j->str = parse_string(p)) == NULL) {
		json_free(j);
		return (NULL);
	}
	return (j);
}

/* Elements after "[": value (, value)* "]". */
static struct json *
parse_array(struct parser *p)
{
	struct json	*j, **tail, *e;

	if ((j = new_node(p, JSON_ARRAY)) == NULL)
		return (NULL);
	tail = &j->child;
	p->pos++;
	skip_ws(p);
	if (peek(p) == ']') {
		p->pos++;
		return (j);
	}
	for (;;) {
		if ((e = parse_value(p)) == NULL)
			break;
		*tail = e;
		tail = &e->next;
		skip_ws(p);
		if (peek(p) == ']') {
			p->pos++;
			return (j);
		}
		if (peek(p) != ',') {
			fail(p, "expected ',' or ']'");
			break;
		}
		p->pos++;
	}
	json_free(j);
	return (NULL);
}

/* One member "key": value of object j; the member or NULL. */
static struct json *
parse_member(struct parser *p, const struct json *j)
{
	struct json	*m;
	char		*key;

	skip_ws(p);
	if (peek(p) != '"')
		return (fail(p, "expected a member name"));
	if ((key = parse_string(p)) == NULL)
		return (NULL);
	if (json_get(j, key) != NULL) {
		free(key);
		return (fail(p, "member name twice in one object"));
	}
	skip_ws(p);
	if (peek(p) != ':') {
		free(key);
		return (fail(p, "expected ':'"));
	}
	p->pos++;
	if ((m = parse_value(p)) == NULL) {
		free(key);
		return (NULL);
	}
	m->key = key;
	return (m);
}

/* Members after "{": member (, member)* "}". */
static struct json *
parse_object(struct parser *p)
{
	struct json	*j, **tail, *m;

	if ((j = new_node(p, JSON_OBJECT)) == NULL)
		return (NULL);
	tail = &j->child;
	p->pos++;
	skip_ws(p);
	if (peek(p) == '}') {
		p->pos++;
		return (j);
	}
	for (;;) {
		if ((m = parse_member(p, j)) == NULL)
			break;
		*tail = m;
		tail = &m->next;
		skip_ws(p);
		if (peek(p) == '}') {
			p->pos++;
			return (j);
		}
		if (peek(p) != ',') {
			fail(p, "expected ',' or '}'");
			break;
		}
		p->pos++;
	}
	json_free(j);
	return (NULL);
}

static struct json *
parse_value(struct parser *p)
{
	struct json	*j;

	skip_ws(p);
	if (++p->depth > JSON_DEPTH)
		return (fail(p, "nested too deep"));
	switch (peek(p)) {
	case '{':
		j = parse_object(p);
		break;
	case '[':
		j = parse_array(p);
		break;
	case '"':
		j = parse_string_value(p);
		break;
	case 't':
		j = parse_literal(p, "true", JSON_TRUE);
		break;
	case 'f':
		j = parse_literal(p, "false", JSON_FALSE);
		break;
	case 'n':
		j = parse_literal(p, "null", JSON_NULL);
		break;
	default:
		j = parse_number(p);
		break;
	}
	p->depth--;
	return (j);
}

struct json *
json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct parser	 p = { text, len, 0, 0, err, errlen, false };
	struct json	*j;

	if ((j = parse_value(&p)) == NULL)
		return (NULL);
	skip_ws(&p);
	if (p.pos != p.len) {
		fail(&p, "junk after the value");
		json_free(j);
		return (NULL);
	}
	return (j);
}

void
json_free(struct json *j)
{
	struct json	*next;

	for (; j != NULL; j = next) {
		next = j->next;
		json_free(j->child);
		free(j->key);
		free(j->str);
		free(j);
	}
}

const struct json *
json_get(const struct json *j, const char *key)
{
	if (j == NULL || j->type != JSON_OBJECT)
		return (NULL);
	for (j = j->child; j != NULL; j = j->next)
		if (strcmp(j->key, key) == 0)
			return (j);
	return (NULL);
}

const struct json *
json_find(const struct json *j, const char *key, const char *value)
{
	const struct json	*m;

	if (j == NULL || j->type != JSON_ARRAY)
		return (NULL);
	for (j = j->child; j != NULL; j = j->next)
		if ((m = json_get(j, key)) != NULL &&
		    m->type == JSON_STRING && strcmp(m->str, value) == 0)
			return (j);
	return (NULL);
}

size_t
json_len(const struct json *j)
{
	size_t	n = 0;

	if (j == NULL || (j->type != JSON_ARRAY && j->type != JSON_OBJECT))
		return (0);
	for (j = j->child; j != NULL; j = j->next)
		n++;
	return (n);
}
