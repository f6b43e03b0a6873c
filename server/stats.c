/*
 * The stats listener: a small HTTP/1.x server in the master's event loop.
 * A request head is read whole (at most STATS_REQMAX bytes of line and
 * headers), parsed by the strict parser the proxy uses (common/http1.c),
 * answered from a fresh snapshot, and the connection kept for the next
 * request when the client wants it.  A head the parser rejects gets the
 * status it names (400, 414, 431, 501, 505) and the connection closes.
 * A 1.1 request may lack Host here (the listener answers for itself
 * alone, and scripts long sent none).  Nothing here blocks: a slow
 * client waits in the loop like any other descriptor.
 *
 * Nor can slow clients lock the listener: a request head must be whole
 * env->admin_timeout_ms after its first byte (a byte now and then does
 * not reset it), a connection quiet that long is closed, and a client
 * arriving at a full table takes the place of the least active one.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "evloop.h"
#include "history.h"
#include "http1.h"
#include "lbd.h"
#include "log.h"
#include "relay_http_head.h"
#include "stats.h"
#include "status.h"

#define STATS_REQMAX	8192	/* request line and headers */
#define STATS_CLIENTS	64	/* open stats connections at once */
#define STATS_HEADERS	64	/* header lines in one request */

struct stats_client {
	struct stats	*st;
	int		 fd;
	unsigned	 index;		/* in st->clients[] */
	bool		 keep_alive;	/* after this response */
	uint64_t	 seen_ms;	/* last byte in or out */
	uint64_t	 head_ms;	/* first byte of a head not whole yet,
					   0 when none is being read */
	bool		 parsing;	/* hreq is set up for the head at
					   req[0] */
	struct http1_request hreq;
	struct http1_header hdrs[STATS_HEADERS];
	size_t		 reqlen;
	char		 req[STATS_REQMAX + 1];	/* one byte more than a
						   head may take, so the
						   parser sees it cross */
	char		*resp;
	size_t		 resplen;
	size_t		 sent;
};

struct stats {
	struct lbd		*env;
	struct evloop		*loop;
	int			 fd;		/* the listening socket */
	struct history		*history;	/* rates and charts */
	struct evtimer		 tick;		/* samples into history */
	unsigned		 nclients;
	struct stats_client	*clients[STATS_CLIENTS];
};

static void	on_client_read(struct evloop *, int, int, void *);

static void
client_free(struct stats_client *c)
{
	struct stats	*st = c->st;

	evloop_del(st->loop, c->fd, EV_READ | EV_WRITE);
	close(c->fd);
	/* Keep clients[] dense: the last one takes the freed place. */
	st->clients[c->index] = st->clients[--st->nclients];
	st->clients[c->index]->index = c->index;
	free(c->resp);
	free(c);
}

/* Build the whole response: status line, headers and body. */
static int
respond(struct stats_client *c, const char *status, const char *type,
    const char *body, size_t bodylen, bool head)
{
	FILE	*f;

	free(c->resp);
	c->resp = NULL;
	c->sent = 0;
	if ((f = open_memstream(&c->resp, &c->resplen)) == NULL)
		return (-1);
	fprintf(f, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nConnection: %s\r\n\r\n", status, type,
	    bodylen, c->keep_alive ? "keep-alive" : "close");
	if (!head)
		fwrite(body, 1, bodylen, f);
	return (fclose(f) == EOF ? -1 : 0);
}

static int
respond_text(struct stats_client *c, const char *status, const char *text)
{
	return (respond(c, status, "text/plain; charset=utf-8", text,
	    strlen(text), false));
}

/* Render one of the snapshot's forms into a new buffer. */
static char *
render(struct stats *stats, int (*fn)(const struct status *, FILE *),
    size_t *len)
{
	struct status	*st;
	FILE		*f;
	char		*out = NULL;
	int		 rc;

	if ((st = status_take(stats->env)) == NULL)
		return (NULL);
	status_add_history(st, stats->history);
	if ((f = open_memstream(&out, len)) == NULL) {
		status_free(st);
		return (NULL);
	}
	rc = fn(st, f);
	status_free(st);
	if (fclose(f) == EOF || rc == -1) {
		free(out);
		return (NULL);
	}
	return (out);
}

static const struct {
	const char	*path;
	const char	*type;
	int		(*fn)(const struct status *, FILE *);
} pages[] = {
	{ "/metrics", "text/plain; version=0.0.4; charset=utf-8",
	    status_metrics },
	{ "/status.json", "application/json", status_json },
	{ "/", "text/html; charset=utf-8", status_html },
};

/* Does the target's path (before any query) name path exactly? */
static bool
path_is(const struct stats_client *c, const char *path)
{
	const char	*t = c->req + c->hreq.target.off;
	size_t		 n = c->hreq.target.len;
	const char	*q = memchr(t, '?', n);

	if (q != NULL)
		n = q - t;
	return (n == strlen(path) && memcmp(t, path, n) == 0);
}

static int
answer(struct stats_client *c)
{
	bool	head = c->hreq.method == HTTP1_HEAD;
	char	*body;
	size_t	 len;
	int	 rc;

	/* Origin form only: the listener serves no other host. */
	if (c->hreq.target.len == 0 || c->req[c->hreq.target.off] != '/') {
		c->keep_alive = false;
		return (respond_text(c, "400 Bad Request", "bad request: "
		    "the target must be a path\n"));
	}
	if (!head && c->hreq.method != HTTP1_GET)
		return (respond_text(c, "405 Method Not Allowed",
		    "only GET and HEAD\n"));
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		if (!path_is(c, pages[i].path))
			continue;
		if ((body = render(c->st, pages[i].fn, &len)) == NULL)
			return (respond_text(c, "500 Internal Server Error",
			    "cannot render\n"));
		rc = respond(c, "200 OK", pages[i].type, body, len, head);
		free(body);
		return (rc);
	}
	return (respond_text(c, "404 Not Found", "not found: try /, "
	    "/metrics or /status.json\n"));
}

/* Answer a head the parser rejected, then close. */
static int
reject(struct stats_client *c)
{
	char	status[64], text[128];
	int	code = c->hreq.head.status;

	c->keep_alive = false;
	/* The parser answers 400, 414, 431, 501 or 505: all have a reason. */
	snprintf(status, sizeof(status), "%d %s", code, http_reason(code));
	snprintf(text, sizeof(text), "bad request: %s\n",
	    c->hreq.head.reason != NULL ? c->hreq.head.reason : "too large");
	return (respond_text(c, status, text));
}

/*
 * Parse what arrived of the head at the front of the buffer.  Returns
 * HTTP1_OK when it is whole (and valid), HTTP1_NEED_MORE, or HTTP1_ERROR
 * with hreq.head.status and reason set.
 */
static enum http1_result
parse(struct stats_client *c)
{
	enum http1_result	rc;

	if (!c->parsing) {
		http1_request_init(&c->hreq, c->hdrs, STATS_HEADERS,
		    STATS_REQMAX);
		c->hreq.host_optional = true;
		c->parsing = true;
	}
	rc = http1_parse_request(&c->hreq, c->req, c->reqlen);
	if (rc == HTTP1_NEED_MORE && c->reqlen >= sizeof(c->req)) {
		/* Cannot happen: the parser sees a full buffer cross. */
		c->hreq.head.status = 431;
		rc = HTTP1_ERROR;
	}
	return (rc);
}

/*
 * Answer the request at the front of the buffer, if it is whole.
 * Returns 1 when a response is ready, 0 to read more, -1 on failure.
 */
static int
handle(struct stats_client *c)
{
	enum http1_result	rc;
	size_t			used;

	if ((rc = parse(c)) == HTTP1_NEED_MORE)
		return (0);
	c->parsing = false;
	if (rc == HTTP1_ERROR)
		return (reject(c) == -1 ? -1 : 1);
	/* A body is not read: answer, then close, as it is in the way. */
	c->keep_alive = c->hreq.head.keep_alive &&
	    (c->hreq.head.framing == HTTP1_BODY_NONE ||
	    (c->hreq.head.framing == HTTP1_BODY_LENGTH &&
	    c->hreq.head.content_length == 0));
	if (answer(c) == -1)
		return (-1);
	/* Keep what follows (a pipelined request) for the next round. */
	used = c->hreq.head.len;
	memmove(c->req, c->req + used, c->reqlen - used);
	c->reqlen -= used;
	return (1);
}

/*
 * After handle() returned rc at now: a head still incomplete runs against
 * its deadline from its first byte, or from now for one pipelined behind
 * a response; any other state has no head deadline.
 */
static void
track_head(struct stats_client *c, int rc, uint64_t now)
{
	if (rc != 0 || c->reqlen == 0)
		c->head_ms = 0;
	else if (c->head_ms == 0)
		c->head_ms = now;
}

/* Switch the client to writing its response, or reading its next one. */
static void
await(struct stats_client *c, bool writing, evloop_fn fn)
{
	if (evloop_set(c->st->loop, c->fd, writing ? EV_WRITE : EV_READ, fn,
	    c) == -1)
		client_free(c);
}

static void
on_client_write(struct evloop *loop, int fd, int events, void *arg)
{
	struct stats_client	*c = arg;
	ssize_t			 n;
	int			 rc;

	(void)loop;
	(void)events;
	n = send(fd, c->resp + c->sent, c->resplen - c->sent, MSG_NOSIGNAL);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1) {
		client_free(c);
		return;
	}
	c->seen_ms = clock_ms();
	if ((c->sent += n) < c->resplen)
		return;
	if (!c->keep_alive) {
		client_free(c);
		return;
	}
	/* A pipelined request may be waiting already. */
	rc = handle(c);
	track_head(c, rc, c->seen_ms);
	if (rc == -1)
		client_free(c);
	else if (rc == 0)
		await(c, false, on_client_read);
}

static void
on_client_read(struct evloop *loop, int fd, int events, void *arg)
{
	struct stats_client	*c = arg;
	ssize_t			 n;
	int			 rc;

	(void)loop;
	(void)events;
	n = read(fd, c->req + c->reqlen, sizeof(c->req) - c->reqlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_free(c);
		return;
	}
	c->reqlen += n;
	c->seen_ms = clock_ms();
	rc = handle(c);
	track_head(c, rc, c->seen_ms);
	if (rc == -1)
		client_free(c);
	else if (rc == 1)
		await(c, true, on_client_write);
}

/*
 * The table is full: close the client quiet for longest, so that a new
 * one always gets in, however many connections trickle or sit idle.
 */
static void
close_least_active(struct stats *st)
{
	struct stats_client	*oldest = st->clients[0];

	for (unsigned i = 1; i < st->nclients; i++)
		if (st->clients[i]->seen_ms < oldest->seen_ms)
			oldest = st->clients[i];
	client_free(oldest);
}

static void
on_accept(struct evloop *loop, int fd, int events, void *arg)
{
	struct stats		*st = arg;
	struct stats_client	*c;
	int			 cfd;

	(void)events;
	if ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(cfd);
		return;
	}
	if (st->nclients >= STATS_CLIENTS)
		close_least_active(st);
	c->st = st;
	c->fd = cfd;
	c->seen_ms = clock_ms();
	c->index = st->nclients;
	st->clients[st->nclients++] = c;
	if (evloop_add(loop, cfd, EV_READ, on_client_read, c) == -1)
		client_free(c);
}

/* Every HISTORY_STEP_MS: sample the counters, then wait for the next. */
static void
on_tick(struct evloop *loop, struct evtimer *t, void *arg)
{
	struct stats	*st = arg;
	uint64_t	 now = evloop_now(loop);

	history_sample(st->history, st->env, now);
	/* Without the timer the page only loses its rates: go on. */
	(void)evloop_timer_add(loop, t, now + HISTORY_STEP_MS);
}

struct stats *
stats_new(struct lbd *env, struct evloop *loop)
{
	struct stats	*st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return (NULL);
	st->env = env;
	st->loop = loop;
	st->fd = env->stats_fd;
	evtimer_init(&st->tick, on_tick, st);
	if ((st->history = history_new()) == NULL ||
	    evloop_add(loop, st->fd, EV_READ, on_accept, st) == -1) {
		history_free(st->history);
		free(st);
		return (NULL);
	}
	history_sample(st->history, env, clock_ms());
	(void)evloop_timer_add(loop, &st->tick, clock_ms() +
	    HISTORY_STEP_MS);
	return (st);
}

/* Quiet too long, or its request head past its deadline? */
static bool
client_expired(const struct stats_client *c, uint64_t now_ms,
    uint64_t limit)
{
	return (now_ms - c->seen_ms >= limit ||
	    (c->head_ms != 0 && now_ms - c->head_ms >= limit));
}

void
stats_sweep(struct stats *st, uint64_t now_ms)
{
	for (unsigned i = 0; st != NULL && i < st->nclients; )
		if (client_expired(st->clients[i], now_ms,
		    st->env->admin_timeout_ms))
			client_free(st->clients[i]);	/* i: another now */
		else
			i++;
}

void
stats_free(struct stats *st)
{
	if (st == NULL)
		return;
	evloop_del(st->loop, st->fd, EV_READ);
	evloop_timer_del(st->loop, &st->tick);
	while (st->nclients > 0)
		client_free(st->clients[0]);
	history_free(st->history);
	free(st);
}
