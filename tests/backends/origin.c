/*
 * origin: a keep-alive HTTP/1.1 web server for the tests of lbd's HTTP
 * mode.  Lenient in what it accepts, exact in what it reports: every
 * response names the backend and the connection, and -L logs one line per
 * request that reached it.
 *
 * usage: origin -l ADDR [-n NAME] [-k IDLE] [-m N] [-1] [-L FILE]
 *	-n NAME	 every response carries "X-Backend: NAME" (default origin),
 *		 "X-Backend-Conn: C" and "X-Backend-Req: R" (see -L)
 *	-k IDLE	 close a connection idle IDLE (ms, or "2s") after a response
 *	-m N	 answer N requests per connection, the Nth with Connection: close
 *	-1	 answer as HTTP/1.0, closing after each response
 *	-L FILE	 append "METHOD TARGET FRAMING BODYLEN CRC32 C R" per request,
 *		 FRAMING being the Content-Length, "chunked" or "-", C the
 *		 connection number (from 1) and R the request number on it;
 *		 " aborted" ends the line of a body cut short, " bad" that of
 *		 a malformed chunked body; "-" stands for what a request too
 *		 large or malformed to parse did not say
 * Paths (the query is ignored):
 *	/		 200 "backend NAME\n" (any path not below too)
 *	/echo		 200, the body is the request head exactly as received
 *	/size/N		 N bytes of origin.h's pattern, Content-Length (N <= 2^40)
 *	/chunked/N	 the same bytes, chunked in varying sizes
 *	/close/N	 the same bytes, delimited by the close
 *	/status/CODE	 CODE (200..599) with "status CODE\n" (no body: 204, 304)
 *	/upload		 200 "len=L crc=HEX\n" of the request body
 *	/no-continue	 the same, never sending 100 Continue
 *	/slow/MS	 "/" after MS ms (<= 600000)
 *	/upgrade	 with Upgrade and Connection: upgrade, 101 then an echo
 *			 tunnel; without them 400
 *	/bad		 an invalid status line, then close
 *	/hang		 never answer; /reset: close with a reset, no answer
 * "Expect: 100-continue" on a request with a body gets "100 Continue"
 * first.  A request head over 64 KiB gets 431, a malformed one 400, both
 * with a close.  An HTTP/1.0 request keeps the connection only with
 * "Connection: keep-alive", and gets /chunked/N delimited by the close.
 * After "ready PORT" on stdout, SIGUSR1 prints "requests N connections M"
 * (received, accepted); SIGTERM or SIGINT ends it with exit status 0.
 */
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/*
 * serve.h's listening socket and signal set-up fit as they are; its
 * connection engine does not (one buffer, no per-request state), and the
 * functions of it that origin leaves unused would fail -Werror.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "serve.h"
#pragma GCC diagnostic pop

#include "clock.h"
#include "evloop.h"
#include "origin.h"
#include "origin_req.h"

#define HEAD_MAX	(64 * 1024)	/* request head; longer: 431 */
#define IN_SIZE		(16 * 1024)	/* input, grown up to HEAD_MAX */
#define OUT_SIZE	(16 * 1024)	/* output: bodies are made on demand */
#define LINE_MAX_CHUNK	1024		/* chunk-size or trailer line */
#define LINGER_MS	2000		/* drain after the last response */
#define ROUNDS		64		/* sends per wake-up: fairness */
#define ACCEPTS		64		/* accepts per wake-up */
#define PAUSE_MS	100		/* no accept when out of fds */
#define MAX_FDS		65536
#define CONTINUE	"HTTP/1.1 100 Continue\r\n\r\n"
#define BAD_HEAD	"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"

enum state {
	ST_HEAD = 0,	/* waiting for a request head */
	ST_BODY,	/* reading its body */
	ST_DELAY,	/* /slow: answer when the timer fires */
	ST_SEND,	/* writing a response */
	ST_TUNNEL,	/* after 101: echo every byte */
	ST_HANG,	/* /hang: discard input, never answer */
	ST_LINGER,	/* write side shut: discard input until EOF */
	ST_DONE		/* close now */
};

enum gen {
	GEN_NONE = 0,	/* the body, if any, is in out already */
	GEN_PATTERN,	/* pattern bytes, framed by length or close */
	GEN_CHUNKED,	/* pattern bytes in chunks */
	GEN_COPY	/* the request head (/echo) */
};

struct body {
	enum gen	 kind;
	uint64_t	 pos;		/* next body offset */
	uint64_t	 left;		/* bytes still to produce */
	uint64_t	 chunk_left;	/* of the current chunk */
	unsigned	 nchunk;	/* chunk headers written */
	bool		 ended;		/* chunked: last chunk written */
};

struct origin;

struct conn {
	LIST_ENTRY(conn) entry;
	struct origin	*o;
	int		 fd;
	unsigned long	 id;		/* connection number, from 1 */
	unsigned long	 nreq;		/* requests received on it */
	enum state	 state;
	bool		 eof;		/* the peer shut down its writing */
	bool		 rst;		/* close with a reset */
	uint64_t	 timer;		/* clock_ms() deadline, 0: none */
	char		*in;
	size_t		 inlen, incap;
	size_t		 scan;		/* head end searched up to here */
	size_t		 outoff, outlen;
	struct req	 req;
	struct body	 body;
	char		 out[OUT_SIZE];
};

struct origin {
	struct serve	 srv;		/* -l and the listening socket */
	struct evloop	*loop;
	const char	*name;		/* -n */
	uint64_t	 idle_ms;	/* -k, 0: never */
	unsigned long	 max_req;	/* -m, 0: no limit */
	bool		 http10;	/* -1 */
	const char	*logpath;	/* -L */
	FILE		*log;
	unsigned long	 accepted;
	unsigned long	 requests;
	uint64_t	 pause_until;	/* no accept before this, 0: none */
	LIST_HEAD(, conn) conns;
};

static bool	conn_run(struct conn *, uint64_t);
static void	on_conn(struct evloop *, int, int, void *);

/*
 * Buffers.
 */

/* Drop the first n bytes of input. */
static void
in_consume(struct conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
	c->scan = c->scan > n ? c->scan - n : 0;
}

/* Free room at the end of out, moving what is unsent to the front. */
static size_t
out_room(struct conn *c)
{
	if (c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	return (sizeof(c->out) - c->outlen);
}

/* Append to out; heads and short bodies always fit (cut if not). */
static void
out_printf(struct conn *c, const char *fmt, ...)
{
	va_list	ap;
	size_t	room = out_room(c);
	int	n;

	if (room == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(c->out + c->outlen, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->outlen += (size_t)n < room ? (size_t)n : room - 1;
}

/* Send what out holds; bytes sent, 0 when the socket is full, -1. */
static ssize_t
out_flush(struct conn *c)
{
	ssize_t	n;

	n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
	    MSG_NOSIGNAL);
	if (n == -1)
		return (errno == EAGAIN || errno == EINTR ? 0 : -1);
	c->outoff += (size_t)n;
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	return (n);
}

/*
 * The request log.
 */

/* One line for the current request; note is "" or " aborted". */
static void
req_log(struct conn *c, const char *note)
{
	const struct req	*r = &c->req;
	char			 framing[24];

	if (c->o->log == NULL)
		return;
	if (r->chunked)
		strcpy(framing, "chunked");
	else if (r->has_clen)
		snprintf(framing, sizeof(framing), "%" PRIu64, r->clen);
	else
		strcpy(framing, "-");
	fprintf(c->o->log, "%s %s %s %" PRIu64 " %08" PRIx32 " %lu %lu%s\n",
	    r->method != NULL ? r->method : "-",
	    r->target != NULL ? r->target : "-", framing, r->got, r->crc,
	    c->id, c->nreq, note);
	fflush(c->o->log);
}

/*
 * Responses.
 */

static const char *
reason(int code)
{
	switch (code) {
	case 101: return ("Switching Protocols");
	case 200: return ("OK");
	case 204: return ("No Content");
	case 301: return ("Moved Permanently");
	case 302: return ("Found");
	case 304: return ("Not Modified");
	case 400: return ("Bad Request");
	case 403: return ("Forbidden");
	case 404: return ("Not Found");
	case 408: return ("Request Timeout");
	case 413: return ("Content Too Large");
	case 431: return ("Request Header Fields Too Large");
	case 500: return ("Internal Server Error");
	case 502: return ("Bad Gateway");
	case 503: return ("Service Unavailable");
	case 504: return ("Gateway Timeout");
	default: return ("Status");
	}
}

/*
 * Status line and headers: ours, then extra (whole lines), then
 * Content-Length unless clen is -1, then the connection's fate.
 */
static void
put_head(struct conn *c, int code, const char *extra, int64_t clen)
{
	const struct req	*r = &c->req;

	out_printf(c, "HTTP/1.%d %d %s\r\nX-Backend: %s\r\n"
	    "X-Backend-Conn: %lu\r\nX-Backend-Req: %lu\r\n%s",
	    c->o->http10 ? 0 : 1, code, reason(code), c->o->name, c->id,
	    c->nreq, extra);
	if (clen >= 0)
		out_printf(c, "Content-Length: %" PRId64 "\r\n", clen);
	if (r->close)
		out_printf(c, "Connection: close\r\n");
	else if (r->http10)
		out_printf(c, "Connection: keep-alive\r\n");
	out_printf(c, "\r\n");
	c->body.kind = GEN_NONE;
	c->state = ST_SEND;
}

/* A short text/plain answer built by fmt. */
static void
answer_text(struct conn *c, int code, const char *fmt, ...)
{
	char	body[256];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	put_head(c, code, "Content-Type: text/plain\r\n", n);
	if (!c->req.is_head)
		out_printf(c, "%s", body);
}

/* /size, /chunked, /close: the pattern, framed as kind says. */
static void
answer_pattern(struct conn *c, enum gen kind)
{
	struct req	*r = &c->req;
	struct body	*b = &c->body;

	/* HTTP/1.0 has no chunked coding: the close delimits instead. */
	if (kind == GEN_CHUNKED && (r->http10 || c->o->http10))
		r->route = R_CLOSE;
	if (r->route == R_CLOSE)
		r->close = true;
	if (r->route == R_CHUNKED)
		put_head(c, 200, "Content-Type: application/octet-stream\r\n"
		    "Transfer-Encoding: chunked\r\n", -1);
	else
		put_head(c, 200, "Content-Type: application/octet-stream\r\n",
		    r->route == R_SIZE ? (int64_t)r->arg : -1);
	if (r->is_head)
		return;
	memset(b, 0, sizeof(*b));
	b->kind = r->route == R_CHUNKED ? GEN_CHUNKED : GEN_PATTERN;
	b->left = r->arg;
}

/* /status/CODE: no body for 204 and 304; 1xx only through /upgrade. */
static void
answer_status(struct conn *c)
{
	int	code = (int)c->req.arg;

	if (code < 200)
		answer_text(c, 400, "status %d not allowed\n", code);
	else if (code == 204 || code == 304)
		put_head(c, code, "", -1);
	else
		answer_text(c, code, "status %d\n", code);
}

/* /echo: the head as received. */
static void
answer_echo(struct conn *c)
{
	struct req	*r = &c->req;

	put_head(c, 200, "Content-Type: text/plain\r\n",
	    (int64_t)r->copylen);
	if (r->is_head)
		return;
	memset(&c->body, 0, sizeof(c->body));
	c->body.kind = GEN_COPY;
	c->body.left = r->copylen;
}

/* 101 and the tunnel: Upgrade and Connection: upgrade were sent. */
static void
answer_upgrade(struct conn *c)
{
	char	extra[128];

	snprintf(extra, sizeof(extra), "Upgrade: %s\r\nConnection: Upgrade"
	    "\r\n", c->req.upgrade);
	c->req.close = false;
	c->req.http10 = false;
	put_head(c, 101, extra, -1);
	c->state = ST_TUNNEL;
}

/* Answer the request whose body is in whole. */
static void
req_answer(struct conn *c, uint64_t now)
{
	struct req	*r = &c->req;

	switch (r->route) {
	case R_ROOT:
		answer_text(c, 200, "backend %s\n", c->o->name);
		break;
	case R_ECHO:
		answer_echo(c);
		break;
	case R_SIZE:
	case R_CLOSE:
		answer_pattern(c, GEN_PATTERN);
		break;
	case R_CHUNKED:
		answer_pattern(c, GEN_CHUNKED);
		break;
	case R_STATUS:
		answer_status(c);
		break;
	case R_UPLOAD:
	case R_NOCONTINUE:
		answer_text(c, 200, "len=%" PRIu64 " crc=%08" PRIx32 "\n",
		    r->got, r->crc);
		break;
	case R_SLOW:
		c->state = ST_DELAY;
		c->timer = now + r->arg;
		break;
	case R_UPGRADE:
		answer_text(c, 400, "upgrade needs Upgrade and "
		    "Connection: upgrade\n");
		break;
	case R_BAD:
		r->close = true;
		out_printf(c, "%s", BAD_HEAD);
		c->body.kind = GEN_NONE;
		c->state = ST_SEND;
		break;
	case R_HANG:
		c->state = ST_HANG;
		break;
	case R_RESET:
		c->rst = true;
		c->state = ST_DONE;
		break;
	case R_BADREQ:
		r->close = true;
		answer_text(c, 400, "bad request\n");
		break;
	case R_TOOBIG:
		r->close = true;
		answer_text(c, 431, "request head too large\n");
		break;
	}
}

/*
 * Response bodies, made as room frees up: never more than out holds.
 */

/* Chunk sizes in turn: 1 byte to larger than out, odd and even. */
static const uint32_t	chunk_sizes[] = { 1, 100, 4096, 7, 16384, 1000,
			    65536, 31 };

/* Chunk headers, pattern data and the last chunk, as room allows. */
static void
fill_chunked(struct conn *c)
{
	struct body	*b = &c->body;
	size_t		 room, n;

	while (!b->ended && (room = out_room(c)) > 0) {
		if (b->chunk_left > 0) {
			n = b->chunk_left < room ? (size_t)b->chunk_left : room;
			origin_pattern_fill((uint8_t *)c->out + c->outlen, n,
			    b->pos);
			c->outlen += n;
			b->pos += n;
			b->chunk_left -= n;
			continue;
		}
		if (room < 32)
			return;
		if (b->nchunk > 0)
			out_printf(c, "\r\n");
		if (b->left == 0) {
			out_printf(c, "0\r\n\r\n");
			b->ended = true;
			return;
		}
		n = chunk_sizes[b->nchunk++ % (sizeof(chunk_sizes) /
		    sizeof(chunk_sizes[0]))];
		b->chunk_left = b->left < n ? b->left : n;
		b->left -= b->chunk_left;
		out_printf(c, "%" PRIx64 "\r\n", b->chunk_left);
	}
}

/* Add body bytes to out; true when the body is complete. */
static bool
body_fill(struct conn *c)
{
	struct body	*b = &c->body;
	size_t		 room, n;

	if (b->kind == GEN_CHUNKED) {
		fill_chunked(c);
		return (b->ended);
	}
	if (b->kind == GEN_NONE || b->left == 0)
		return (true);
	room = out_room(c);
	n = b->left < room ? (size_t)b->left : room;
	if (b->kind == GEN_PATTERN)
		origin_pattern_fill((uint8_t *)c->out + c->outlen, n, b->pos);
	else
		memcpy(c->out + c->outlen, c->req.copy + b->pos, n);
	c->outlen += n;
	b->pos += n;
	b->left -= n;
	return (b->left == 0);
}

/*
 * Request bodies.
 */

/* Count and checksum n body bytes at the front of the input. */
static void
body_take_bytes(struct conn *c, size_t n)
{
	c->req.crc = origin_crc32(c->req.crc, c->in, n);
	c->req.got += n;
	c->req.left -= n;
	in_consume(c, n);
}

/* De-chunk what the input holds; 1: body done, 0: need more, -1: bad. */
static int
take_chunked(struct conn *c)
{
	struct req	*r = &c->req;
	char		*nl;
	size_t		 n;
	int		 rc;

	for (;;) {
		if (r->ch == CH_DATA) {
			n = r->left < c->inlen ? (size_t)r->left : c->inlen;
			body_take_bytes(c, n);
			if (r->left > 0)
				return (0);
			r->ch = CH_CRLF;
			continue;
		}
		if ((nl = memchr(c->in, '\n', c->inlen)) == NULL)
			return (c->inlen > LINE_MAX_CHUNK ? -1 : 0);
		n = (size_t)(nl - c->in) + 1;
		rc = chunk_line(r, c->in, n);
		in_consume(c, n);
		if (rc != 0)
			return (rc);
	}
}

/*
 * The connection's course.
 */

/* Count a new request on c and forget the last one. */
static void
req_begin(struct conn *c)
{
	req_clear(&c->req);
	c->nreq++;
	c->o->requests++;
	c->timer = 0;
}

/* The head is in: parse it, then answer or go on to the body. */
static void
req_start(struct conn *c, size_t end)
{
	struct req	*r = &c->req;
	struct origin	*o = c->o;

	req_begin(c);
	if (req_parse(r, c->in, end) == -1)
		r->route = R_BADREQ;
	else
		req_route(r);
	if (r->route == R_ECHO && (r->copy = malloc(end)) != NULL) {
		memcpy(r->copy, c->in, end);
		r->copylen = end;
	}
	in_consume(c, end);
	r->close |= o->http10 || (r->http10 && !r->keepalive) ||
	    (o->max_req != 0 && c->nreq >= o->max_req);
	r->left = r->chunked ? 0 : r->clen;
	if (r->route == R_BADREQ) {
		req_log(c, "");
		req_answer(c, 0);
	} else if (r->route == R_UPGRADE && r->upgrade[0] != '\0' &&
	    r->conn_upgrade) {
		req_log(c, "");
		answer_upgrade(c);
	} else {
		if (r->expect && (r->chunked || r->clen > 0) &&
		    r->route != R_NOCONTINUE && !o->http10)
			out_printf(c, CONTINUE);
		c->state = ST_BODY;
	}
}

/* Look for a whole request head in the input. */
static void
head_take(struct conn *c)
{
	size_t	skip = 0, i;

	/* Blank lines before a request line are ignored (RFC 9112 2.2). */
	while (skip < c->inlen && (c->in[skip] == '\r' || c->in[skip] == '\n'))
		skip++;
	in_consume(c, skip);
	for (i = c->scan; i + 1 < c->inlen; i++) {
		if (c->in[i] != '\n')
			continue;
		if (c->in[i + 1] == '\n') {
			req_start(c, i + 2);
			return;
		}
		if (i + 2 < c->inlen && c->in[i + 1] == '\r' &&
		    c->in[i + 2] == '\n') {
			req_start(c, i + 3);
			return;
		}
	}
	c->scan = c->inlen > 2 ? c->inlen - 2 : 0;
	if (c->inlen >= HEAD_MAX) {
		req_begin(c);
		c->inlen = c->scan = 0;
		c->req.route = R_TOOBIG;
		req_log(c, "");
		req_answer(c, 0);
	} else if (c->eof)
		c->state = ST_DONE;
}

/* Read the body from the input; answer once it is whole. */
static void
body_take(struct conn *c, uint64_t now)
{
	struct req	*r = &c->req;
	int		 rc;

	if (r->chunked)
		rc = take_chunked(c);
	else {
		body_take_bytes(c, r->left < c->inlen ? (size_t)r->left :
		    c->inlen);
		rc = r->left == 0;
	}
	if (rc == 1) {
		req_log(c, "");
		req_answer(c, now);
	} else if (rc == -1) {
		req_log(c, " bad");
		r->route = R_BADREQ;
		req_answer(c, now);
	} else if (c->eof) {
		req_log(c, " aborted");
		c->state = ST_DONE;
	}
}

/* The response is out: next request, or shut down and drain. */
static void
response_done(struct conn *c, uint64_t now)
{
	if (!c->req.close) {
		c->state = ST_HEAD;
		c->timer = c->o->idle_ms != 0 ? now + c->o->idle_ms : 0;
		return;
	}
	/*
	 * Closing with unread input would reset the connection and could
	 * destroy the response in the client's socket: shut down our side,
	 * then drain until the client closes (or LINGER_MS pass).
	 */
	(void)shutdown(c->fd, SHUT_WR);
	c->state = c->eof ? ST_DONE : ST_LINGER;
	c->timer = now + LINGER_MS;
}

/* Echo tunnel input to output as room allows; done at EOF. */
static void
tunnel_move(struct conn *c)
{
	size_t	room = out_room(c), n = c->inlen < room ? c->inlen : room;

	memcpy(c->out + c->outlen, c->in, n);
	c->outlen += n;
	in_consume(c, n);
	if (c->eof && c->inlen == 0 && c->outlen == 0)
		c->state = ST_DONE;
}

/* Move c along as far as its input and free output allow. */
static void
conn_advance(struct conn *c, uint64_t now)
{
	enum state	before;

	do {
		before = c->state;
		switch (c->state) {
		case ST_HEAD:
			head_take(c);
			break;
		case ST_BODY:
			body_take(c, now);
			break;
		case ST_SEND:
			if (body_fill(c) && c->outlen == 0)
				response_done(c, now);
			break;
		case ST_TUNNEL:
			tunnel_move(c);
			break;
		case ST_HANG:
		case ST_LINGER:
			c->inlen = 0;
			if (c->eof)
				c->state = ST_DONE;
			break;
		case ST_DELAY:
		case ST_DONE:
			break;
		}
	} while (c->state != before && c->state != ST_DONE);
}

/* Would another read fit, in its state? */
static bool
conn_wants_read(const struct conn *c)
{
	if (c->eof || c->state == ST_DONE)
		return (false);
	return (c->inlen < c->incap ||
	    (c->state == ST_HEAD && c->incap < HEAD_MAX));
}

/* Read what fits; 0, or -1 when the connection failed. */
static int
conn_read(struct conn *c)
{
	ssize_t	 n;
	char	*p;

	if (c->inlen == c->incap) {
		if ((p = realloc(c->in, c->incap * 2)) == NULL)
			return (-1);
		c->in = p;
		c->incap *= 2;
	}
	n = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
	if (n == -1)
		return (errno == EAGAIN || errno == EINTR ? 0 : -1);
	if (n == 0)
		c->eof = true;
	c->inlen += (size_t)n;
	return (0);
}

/* The connection failed: a body cut short is logged so. */
static void
conn_abort(struct conn *c)
{
	if (c->state == ST_BODY)
		req_log(c, " aborted");
	c->state = ST_DONE;
}

static void
conn_free(struct conn *c)
{
	struct linger	lg = { 1, 0 };

	if (c->rst)
		(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	evloop_forget(c->o->loop, c->fd);
	close(c->fd);
	LIST_REMOVE(c, entry);
	req_clear(&c->req);
	free(c->in);
	free(c);
}

/* Register c's interest, or free it when done; false when freed. */
static bool
conn_update(struct conn *c)
{
	int	mask = 0;

	if (c->state != ST_DONE) {
		mask = (conn_wants_read(c) ? EV_READ : 0) |
		    (c->outoff < c->outlen ? EV_WRITE : 0);
		if (evloop_set(c->o->loop, c->fd, mask, on_conn, c) == 0)
			return (true);
	}
	conn_free(c);
	return (false);
}

/*
 * Process input and send output, a bounded number of rounds so that one
 * large response leaves time to the others; false when c was freed.
 */
static bool
conn_run(struct conn *c, uint64_t now)
{
	ssize_t	n;

	for (int i = 0; i < ROUNDS && c->state != ST_DONE; i++) {
		conn_advance(c, now);
		if (c->outoff == c->outlen)
			break;
		if ((n = out_flush(c)) == -1)
			conn_abort(c);
		if (n <= 0)
			break;
	}
	/* Leave output behind, so that EV_WRITE brings us back. */
	if (c->state != ST_DONE)
		conn_advance(c, now);
	return (conn_update(c));
}

static void
on_conn(struct evloop *loop, int fd, int ev, void *arg)
{
	struct conn	*c = arg;

	(void)loop;
	(void)fd;
	if ((ev & (EV_READ | EV_ERROR)) && conn_wants_read(c)) {
		if (conn_read(c) == -1)
			conn_abort(c);
	} else if (ev & EV_ERROR)
		conn_abort(c);	/* hung up while we could not read */
	(void)conn_run(c, clock_ms());
}

/* The timer of c fired; false when c was freed. */
static bool
conn_expire(struct conn *c, uint64_t now)
{
	c->timer = 0;
	if (c->state == ST_DELAY)
		answer_text(c, 200, "backend %s\n", c->o->name);
	else if (c->state == ST_LINGER ||
	    (c->state == ST_HEAD && c->inlen == 0 && c->outlen == 0))
		c->state = ST_DONE;	/* drained, or idle past -k */
	return (conn_run(c, now));
}

/*
 * Accepting.
 */

static struct conn *
conn_new(struct origin *o, int fd, uint64_t now)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	if ((c->in = malloc(IN_SIZE)) == NULL) {
		free(c);
		return (NULL);
	}
	c->incap = IN_SIZE;
	c->o = o;
	c->fd = fd;
	c->id = ++o->accepted;
	c->timer = o->idle_ms != 0 ? now + o->idle_ms : 0;
	LIST_INSERT_HEAD(&o->conns, c, entry);
	if (evloop_set(o->loop, fd, EV_READ, on_conn, c) == -1) {
		/* The caller closes fd. */
		LIST_REMOVE(c, entry);
		free(c->in);
		free(c);
		return (NULL);
	}
	return (c);
}

static void
on_accept(struct evloop *loop, int lfd, int ev, void *arg)
{
	struct origin	*o = arg;
	uint64_t	 now = clock_ms();
	int		 fd;

	(void)ev;
	for (int i = 0; i < ACCEPTS; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1 && errno != EMFILE && errno != ENFILE &&
		    errno != ENOBUFS && errno != ENOMEM)
			return;
		if (fd != -1 && conn_new(o, fd, now) != NULL)
			continue;
		if (fd != -1)
			close(fd);
		/* Out of descriptors or memory: pause, do not spin. */
		evloop_del(loop, lfd, EV_READ);
		o->pause_until = now + PAUSE_MS;
		return;
	}
}

/*
 * The loop.
 */

/* Run the timers due; the wait until the next one in ms, -1 for none. */
static int
origin_timers(struct origin *o, uint64_t now)
{
	struct conn	*c, *next;
	uint64_t	 wait = UINT64_MAX;

	if (o->pause_until != 0 && now >= o->pause_until) {
		o->pause_until = 0;
		if (evloop_add(o->loop, o->srv.lfd, EV_READ, on_accept, o) ==
		    -1)
			o->pause_until = now + PAUSE_MS;
	}
	if (o->pause_until != 0)
		wait = o->pause_until - now;
	for (c = LIST_FIRST(&o->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		if (c->timer != 0 && c->timer <= now && !conn_expire(c, now))
			continue;
		if (c->timer != 0 && (c->timer <= now ? 0 : c->timer - now) <
		    wait)
			wait = c->timer <= now ? 0 : c->timer - now;
	}
	return (wait == UINT64_MAX ? -1 : (int)(wait > 60000 ? 60000 : wait));
}

/* Run until SIGTERM or SIGINT; 0, or -1 when waiting fails. */
static int
origin_loop(struct origin *o, const sigset_t *unblocked)
{
	while (!serve_got_quit) {
		if (serve_got_usr1) {
			serve_got_usr1 = 0;
			printf("requests %lu connections %lu\n", o->requests,
			    o->accepted);
			fflush(stdout);
		}
		if (evloop_wait(o->loop, origin_timers(o, clock_ms()),
		    unblocked) == -1)
			return (-1);
	}
	return (0);
}

static int
origin_usage(const char *prog)
{
	fprintf(stderr, "usage: %s -l ADDR [-n NAME] [-k IDLE] [-m N] [-1] "
	    "[-L FILE]\n", prog);
	return (2);
}

/* Parse options into o; 0 or -1. */
static int
origin_options(struct origin *o, int argc, char *argv[])
{
	char	*end;
	int	 ch;

	o->name = "origin";
	while ((ch = getopt(argc, argv, "l:n:k:m:1L:")) != -1) {
		switch (ch) {
		case 'l':
			o->srv.listen = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'k':
			if (clock_parse_duration(optarg, &o->idle_ms) == -1)
				return (-1);
			break;
		case 'm':
			o->max_req = strtoul(optarg, &end, 10);
			if (*end != '\0' || o->max_req == 0)
				return (-1);
			break;
		case '1':
			o->http10 = true;
			break;
		case 'L':
			o->logpath = optarg;
			break;
		default:
			return (-1);
		}
	}
	return (optind != argc || o->srv.listen == NULL ? -1 : 0);
}

/* The event loop with the listening socket; 0 or -1. */
static int
origin_setup(struct origin *o)
{
	struct rlimit	rl;
	int		maxfds = MAX_FDS;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < MAX_FDS)
		maxfds = (int)rl.rlim_cur;
	if ((o->loop = evloop_new(maxfds, EVLOOP_EPOLL)) == NULL)
		return (-1);
	return (evloop_add(o->loop, o->srv.lfd, EV_READ, on_accept, o));
}

static void
origin_free(struct origin *o)
{
	while (!LIST_EMPTY(&o->conns))
		conn_free(LIST_FIRST(&o->conns));
	evloop_free(o->loop);
	if (o->srv.lfd != -1)
		close(o->srv.lfd);
	if (o->log != NULL)
		fclose(o->log);
}

int
main(int argc, char *argv[])
{
	struct origin	o;
	sigset_t	unblocked;
	int		rc = 1;

	memset(&o, 0, sizeof(o));
	o.srv.lfd = -1;
	LIST_INIT(&o.conns);
	if (origin_options(&o, argc, argv) == -1)
		return (origin_usage(argv[0]));
	if (serve_signals(&unblocked) == -1 || (o.logpath != NULL &&
	    (o.log = fopen(o.logpath, "ae")) == NULL) ||
	    serve_open(&o.srv) == -1 ||
	    origin_setup(&o) == -1)
		perror(argv[0]);
	else if (origin_loop(&o, &unblocked) == -1)
		perror("epoll_pwait");
	else
		rc = 0;
	origin_free(&o);
	return (rc);
}
