/*
 * Requests as origin reads them, leniently: the head's request line and
 * the few fields that matter (framing, Connection, Expect, Upgrade), the
 * route a target names, and the lines of a chunked body.  Like serve.h,
 * static functions for the one program that includes it.
 */
#ifndef LBD_ORIGIN_REQ_H
#define LBD_ORIGIN_REQ_H

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SIZE_MAX_N	(1ULL << 40)
#define SLOW_MAX_MS	600000

enum route {
	R_ROOT = 0, R_ECHO, R_SIZE, R_CHUNKED, R_CLOSE, R_STATUS, R_UPLOAD,
	R_NOCONTINUE, R_SLOW, R_UPGRADE, R_BAD, R_HANG, R_RESET,
	R_BADREQ, R_TOOBIG
};

enum chunk {
	CH_SIZE = 0,	/* a chunk-size line */
	CH_DATA,	/* chunk data */
	CH_CRLF,	/* the line end after the data */
	CH_TRAILER	/* trailer lines up to an empty one */
};

struct req {
	char		*method;	/* NULL: not parsed */
	char		*target;
	char		*copy;		/* /echo: the head */
	size_t		 copylen;
	enum route	 route;
	uint64_t	 arg;		/* N, CODE or MS of the path */
	bool		 http10;	/* an HTTP/1.0 request */
	bool		 keepalive;	/* Connection: keep-alive */
	bool		 close;		/* close after the response */
	bool		 conn_upgrade;	/* Connection: upgrade */
	bool		 expect;	/* Expect: 100-continue */
	bool		 is_head;	/* HEAD: no response body */
	bool		 chunked;
	bool		 has_clen;
	bool		 bad;		/* a framing header we cannot use */
	char		 upgrade[64];	/* Upgrade's value, "" if none */
	uint64_t	 clen;
	enum chunk	 ch;
	uint64_t	 left;		/* body (or chunk) bytes to read */
	uint64_t	 got;		/* body bytes received */
	uint32_t	 crc;		/* of those */
};

/* Forget the previous request. */
static void
req_clear(struct req *r)
{
	free(r->method);
	free(r->target);
	free(r->copy);
	memset(r, 0, sizeof(*r));
}

/*
 * Does the comma-separated list v..v+len hold tok (any case)?  With
 * last_only, only its last element counts.
 */
static bool
has_token(const char *v, size_t len, const char *tok, bool last_only)
{
	const char	*end = v + len, *p, *comma;
	size_t		 n, tlen = strlen(tok);
	bool		 found = false;

	for (p = v; p < end; p = comma + 1) {
		if ((comma = memchr(p, ',', (size_t)(end - p))) == NULL)
			comma = end;
		while (p < comma && (*p == ' ' || *p == '\t'))
			p++;
		n = (size_t)(comma - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		found = n == tlen && strncasecmp(p, tok, n) == 0;
		if (found && !last_only)
			return (true);
	}
	return (found);
}

/* Note what one header field says about framing and the connection. */
static void
req_field(struct req *r, const char *name, size_t nlen, const char *v,
    size_t vlen)
{
	char	num[24], *end;

#define IS(s)	(nlen == sizeof(s) - 1 && strncasecmp(name, s, nlen) == 0)
	if (IS("content-length")) {
		snprintf(num, sizeof(num), "%.*s", (int)vlen, v);
		r->clen = strtoull(num, &end, 10);
		r->bad |= vlen == 0 || vlen >= sizeof(num) || *end != '\0' ||
		    num[0] < '0' || num[0] > '9';
		r->has_clen = true;
	} else if (IS("transfer-encoding")) {
		r->chunked = has_token(v, vlen, "chunked", true);
		r->bad |= !r->chunked;
	} else if (IS("connection")) {
		r->close |= has_token(v, vlen, "close", false);
		r->keepalive |= has_token(v, vlen, "keep-alive", false);
		r->conn_upgrade |= has_token(v, vlen, "upgrade", false);
	} else if (IS("expect"))
		r->expect = has_token(v, vlen, "100-continue", false);
	else if (IS("upgrade"))
		snprintf(r->upgrade, sizeof(r->upgrade), "%.*s", (int)vlen, v);
#undef IS
}

/* Split "METHOD TARGET VERSION" (runs of blanks between); 0 or -1. */
static int
req_line(struct req *r, const char *p, const char *end)
{
	const char	*tok[3], *stop[3];

	for (int i = 0; i < 3; i++) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		tok[i] = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		stop[i] = p;
		if (stop[i] == tok[i])
			return (-1);
	}
	if ((r->method = strndup(tok[0], (size_t)(stop[0] - tok[0]))) ==
	    NULL || (r->target = strndup(tok[1], (size_t)(stop[1] -
	    tok[1]))) == NULL || strncmp(tok[2], "HTTP/", 5) != 0)
		return (-1);
	r->http10 = stop[2] - tok[2] == 8 && strncmp(tok[2], "HTTP/1.0",
	    8) == 0;
	r->is_head = strcmp(r->method, "HEAD") == 0;
	return (0);
}

/* Parse the head of len bytes (it ends in a blank line); 0 or -1. */
static int
req_parse(struct req *r, const char *head, size_t len)
{
	const char	*end = head + len, *p, *eol, *colon, *v;
	size_t		 n;

	eol = memchr(head, '\n', len);
	n = (size_t)(eol - head);
	if (req_line(r, head, head + (n > 0 && head[n - 1] == '\r' ? n - 1 :
	    n)) == -1)
		return (-1);
	for (p = eol + 1; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)(eol - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		if ((colon = memchr(p, ':', n)) == NULL)
			continue;	/* lenient: not a field, skip it */
		for (v = colon + 1; v < p + n && (*v == ' ' || *v == '\t'); v++)
			;
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		req_field(r, p, (size_t)(colon - p), v, p + n > v ?
		    (size_t)(p + n - v) : 0);
	}
	return (r->bad ? -1 : 0);
}

/* Number after "prefix/" in path..path+len; -1 when there is none. */
static int64_t
path_number(const char *path, size_t len, size_t plen)
{
	uint64_t	v = 0;

	if (len <= plen + 1 || path[plen] != '/' || len - plen - 1 > 13)
		return (-1);
	for (size_t i = plen + 1; i < len; i++) {
		if (path[i] < '0' || path[i] > '9')
			return (-1);
		v = v * 10 + (uint64_t)(path[i] - '0');
	}
	return ((int64_t)v);
}

/* Decide r->route and r->arg from the target's path. */
static void
req_route(struct req *r)
{
	static const struct {
		const char	*path;
		enum route	 route;
		uint64_t	 max;	/* of the number after it; 0: none */
	} routes[] = {
		{ "/echo", R_ECHO, 0 }, { "/size", R_SIZE, SIZE_MAX_N },
		{ "/chunked", R_CHUNKED, SIZE_MAX_N },
		{ "/close", R_CLOSE, SIZE_MAX_N }, { "/status", R_STATUS, 599 },
		{ "/upload", R_UPLOAD, 0 }, { "/no-continue", R_NOCONTINUE, 0 },
		{ "/slow", R_SLOW, SLOW_MAX_MS }, { "/upgrade", R_UPGRADE, 0 },
		{ "/bad", R_BAD, 0 }, { "/hang", R_HANG, 0 },
		{ "/reset", R_RESET, 0 },
	};
	const char	*path = r->target, *p;
	size_t		 len, plen;
	int64_t		 n;

	/* Absolute form: the path starts after the authority. */
	if ((p = strstr(path, "://")) != NULL && p == strpbrk(path, ":/?"))
		path = (p = strchr(p + 3, '/')) != NULL ? p : "/";
	len = strcspn(path, "?#");
	r->route = R_ROOT;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		plen = strlen(routes[i].path);
		if (len < plen || strncmp(path, routes[i].path, plen) != 0 ||
		    (len > plen && path[plen] != '/') ||
		    (len > plen && routes[i].max == 0))
			continue;
		if (routes[i].max == 0)
			r->route = routes[i].route;
		else if ((n = path_number(path, len, plen)) == -1 ||
		    (uint64_t)n > routes[i].max)
			r->route = R_BADREQ;
		else {
			r->route = routes[i].route;
			r->arg = (uint64_t)n;
		}
		return;
	}
}

/* One chunk-size, data-end or trailer line; 1: body done, 0, or -1. */
static int
chunk_line(struct req *r, const char *line, size_t len)
{
	uint64_t	size = 0;
	size_t		i = 0;

	switch (r->ch) {
	case CH_SIZE:
		for (; i < len && isxdigit((unsigned char)line[i]); i++) {
			if (size >> 56 != 0)
				return (-1);
			size = size * 16 + (uint64_t)(line[i] <= '9' ?
			    line[i] - '0' : (line[i] | 0x20) - 'a' + 10);
		}
		if (i == 0)
			return (-1);
		r->left = size;
		r->ch = size == 0 ? CH_TRAILER : CH_DATA;
		return (0);
	case CH_CRLF:
		r->ch = CH_SIZE;
		return (len == 1 || (len == 2 && line[0] == '\r') ? 0 : -1);
	case CH_TRAILER:
		return (len == 1 || (len == 2 && line[0] == '\r') ? 1 : 0);
	default:
		return (-1);
	}
}

#endif /* LBD_ORIGIN_REQ_H */
