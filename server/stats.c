/*
 * The stats listener: a small HTTP/1.x server in the master's event loop.
 * A request is read whole (at most STATS_REQMAX bytes of line and
 * headers), answered from a fresh snapshot, and the connection kept for
 * the next request when the client wants it.  Nothing here blocks: a slow
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
#include <strings.h>
#include <unistd.h>

#include "clock.h"
#include "evloop.h"
#include "history.h"
#include "lbd.h"
#include "log.h"
#include "stats.h"
#include "status.h"

#define STATS_REQMAX	8192	/* request line and headers */
#define STATS_CLIENTS	64	/* open stats connections at once */

struct stats_client {
	struct stats	*st;
	int		 fd;
	unsigned	 index;		/* in st->clients[] */
	bool		 keep_alive;	/* after this response */
	uint64_t	 seen_ms;	/* last byte in or out */
	uint64_t	 head_ms;	/* first byte of a head not whole yet,
					   0 when none is being read */
	size_t		 reqlen;
	char		 req[STATS_REQMAX + 1];
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

/* What a request asks for, once its line and headers are in. */
struct request {
	char	method[16];
	char	path[256];
	int	minor;		/* HTTP/1.minor */
	bool	keep_alive;
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

/* A header's value (up to 63 bytes), by name in any case; NULL if absent. */
static const char *
header(const char *req, const char *name, char out[64])
{
	const char	*p = strchr(req, '\n');
	size_t		 n = strlen(name);

	for (; p != NULL && p[1] != '\r' && p[1] != '\n'; p = strchr(p + 1,
	    '\n'))
		if (strncasecmp(p + 1, name, n) == 0 && p[1 + n] == ':') {
			if (sscanf(p + 2 + n, " %63[^\r\n]", out) != 1)
				out[0] = '\0';
			return (out);
		}
	return (NULL);
}

/* Parse the request line and the Connection header; -1 if malformed. */
static int
parse_request(const char *req, struct request *r)
{
	char	conn[64], *q;

	if (sscanf(req, "%15[A-Z] %255[^ \r\n] HTTP/1.%d", r->method, r->path,
	    &r->minor) != 3 || r->path[0] != '/')
		return (-1);
	if ((q = strchr(r->path, '?')) != NULL)
		*q = '\0';
	r->keep_alive = r->minor >= 1;
	if (header(req, "Connection", conn) != NULL)
		r->keep_alive = strcasecmp(conn, "keep-alive") == 0 ||
		    (r->keep_alive && strcasecmp(conn, "close") != 0);
	return (0);
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

static int
answer(struct stats_client *c, const struct request *r)
{
	bool	head = strcmp(r->method, "HEAD") == 0;
	char	*body;
	size_t	 len;
	int	 rc;

	if (!head && strcmp(r->method, "GET") != 0)
		return (respond_text(c, "405 Method Not Allowed",
		    "only GET and HEAD\n"));
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		if (strcmp(r->path, pages[i].path) != 0)
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

/* End of the request head, or NULL while it is not all here. */
static char *
head_end(char *req)
{
	char	*e;

	if ((e = strstr(req, "\r\n\r\n")) != NULL)
		return (e + 4);
	if ((e = strstr(req, "\n\n")) != NULL)
		return (e + 2);
	return (NULL);
}

/*
 * Answer the request at the front of the buffer, if it is whole.
 * Returns 1 when a response is ready, 0 to read more, -1 on failure.
 */
static int
handle(struct stats_client *c)
{
	struct request	 r;
	char		*end;
	size_t		 used;

	if ((end = head_end(c->req)) == NULL) {
		if (c->reqlen < STATS_REQMAX)
			return (0);
		c->keep_alive = false;
		return (respond_text(c, "431 Request Header Fields Too Large",
		    "request too large\n") == -1 ? -1 : 1);
	}
	used = end - c->req;
	if (parse_request(c->req, &r) == -1) {
		c->keep_alive = false;
		return (respond_text(c, "400 Bad Request", "bad request\n") ==
		    -1 ? -1 : 1);
	}
	c->keep_alive = r.keep_alive;
	/* Keep what follows (a pipelined request) for the next round. */
	memmove(c->req, end, c->reqlen - used + 1);
	c->reqlen -= used;
	return (answer(c, &r) == -1 ? -1 : 1);
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
	n = read(fd, c->req + c->reqlen, STATS_REQMAX - c->reqlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_free(c);
		return;
	}
	c->reqlen += n;
	c->req[c->reqlen] = '\0';
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
