/*
 * HTTP mode, one client connection:
 *
 *   HEAD: read and parse a request head (timer: http_request, then
 *         http_keepalive between requests)
 *   FORWARD: pick and connect a backend for this request alone, writev
 *         the head (the client's bytes, minus hop-by-hop lines, plus
 *         lbd's), pump the body; read and parse the response head, relay
 *         1xx, writev the head, pump the body; then pool the backend
 *         connection and go back to HEAD for the next (pipelined) request
 *   ANSWER: write one of lbd's own answers, then HEAD or close
 *   TUNNEL: after a 101, two plain pumps as in TCP mode
 *
 * Bodies never pass through lbd's own buffers beyond what came with a
 * head: the pumps move them (Content-Length ones may splice).  Chunked
 * bodies go through a pump without pipes, whose callback validates each
 * read in place (http1_chunked_feed) and cuts the read at the body's end,
 * keeping what follows for the next request.
 *
 * Steps never free the connection: they record why it must end in
 * t->dead, and the event handler that called them closes it (settle()).
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "evloop.h"
#include "http1.h"
#include "httpstat.h"
#include "lbd.h"
#include "log.h"
#include "pump.h"
#include "relay.h"
#include "relay_http.h"
#include "relay_http_head.h"
#include "relay_http_int.h"
#include "upstream.h"

static void	on_client(struct evloop *, int, int, void *);
static void	on_server(struct evloop *, int, int, void *);
static void	parse_head(struct http *);

/* The path for the access line, quotes and backslashes escaped. */
static void
log_target(const struct http *t, char *out, size_t len)
{
	const char	*p = t->rbuf + t->req->target.off;
	size_t		 o = 0;

	for (size_t i = 0; i < t->req->target.len && o + 3 < len; i++) {
		if (p[i] == '"' || p[i] == '\\')
			out[o++] = '\\';
		out[o++] = p[i];
	}
	out[o] = '\0';
}

/* The access line and the response counters of the request that ends. */
void
relay_http_log(struct http *t, const char *term)
{
	struct lbd	*env = relay_env(t->c.r);
	uint64_t	 now = clock_ms();
	uint64_t	 dur = now - t->started;
	char		 path[512];
	char		 method[HTTP1_METHOD_MAX + 1] = "-";

	if (t->status >= 100)
		httpstat_response(env, t->c.svc, t->status, dur * 1000);
	if (!env->conf->log.access)
		return;
	path[0] = '\0';
	if (t->parsed) {
		log_target(t, path, sizeof(path));
		snprintf(method, sizeof(method), "%.*s",
		    (int)t->req->method_span.len, t->rbuf +
		    t->req->method_span.off);
	}
	log_access_line("http service=%s client=%s method=%s path=\"%s\" status=%u "
	    "backend=%s bytes_in=%llu bytes_out=%llu duration_ms=%llu "
	    "ttfb_ms=%lld reused=%d retries=%u term=%s",
	    t->c.svc->conf->name, t->c.client, method, path, t->status,
	    t->be >= 0 ? t->c.svc->conf->backends[t->be].name : "-",
	    (unsigned long long)t->rin, (unsigned long long)t->rout,
	    (unsigned long long)dur,
	    t->ttfb ? (long long)(t->ttfb - t->started) : -1LL,
	    t->u != NULL && t->u->reused ? 1 : 0, t->retries, term);
}

/* Let go of this request's backend and pumps. */
void
relay_http_drop(struct http *t)
{
	if (t->u != NULL) {
		if (upstream_backend(t->u) >= 0)
			t->be = upstream_backend(t->u);
		upstream_close(t->u);
	}
	t->connected = false;
	if (t->up_on)
		pump_release(t->up);
	if (t->down_on)
		pump_release(t->down);
	t->up_on = t->down_on = false;
}

/* The connection must close: log the request in flight, if any. */
void
relay_http_end(struct http *t, const char *term, const char *result)
{
	if (t->dead != NULL)
		return;
	if (t->started != 0 && t->phase != H_TUNNEL)
		relay_http_log(t, term);
	t->started = 0;
	t->dead = result;
}

/* writev(2) what o still holds to fd.  0, or -1 on a socket error. */
int
relay_http_flush(struct out *o, int fd, uint64_t *count)
{
	struct msghdr	 mh;
	ssize_t		 n;

	while (o->at < o->n) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = o->iov + o->at;
		mh.msg_iovlen = o->n - o->at;
		if ((n = sendmsg(fd, &mh, MSG_NOSIGNAL)) == -1)
			return (errno == EAGAIN || errno == EINTR ? 0 : -1);
		*count += n;
		while (o->at < o->n && (size_t)n >= o->iov[o->at].iov_len)
			n -= o->iov[o->at++].iov_len;
		if (o->at < o->n) {
			o->iov[o->at].iov_base = (char *)o->iov[o->at].iov_base
			    + n;
			o->iov[o->at].iov_len -= n;
		}
	}
	return (0);
}

bool
relay_http_is_flushed(const struct out *o)
{
	return (o->at >= o->n);
}

/* The block a request of t's service borrows: sizes as its config says. */
static size_t
work_size(const struct http *t)
{
	size_t	mh = t->c.svc->conf->http.max_headers;

	return (sizeof(struct http_work) + (mh + IOV_EXTRA) *
	    sizeof(struct iovec) + mh * sizeof(struct http1_header));
}

/*
 * Borrow the request's block, when a head begins (or lbd must answer),
 * and point the buffers and tables into it.  0, or -1 out of memory.
 */
static int
take_work(struct http *t)
{
	size_t			 mh = t->c.svc->conf->http.max_headers;
	struct http_work	*w;

	if (t->work != NULL)
		return (0);
	if ((w = blk_get(relay_blocks(t->c.r), work_size(t))) == NULL) {
		log_warn("%s: malloc", __func__);
		return (-1);
	}
	t->work = w;
	t->rbuf = w->rbuf;
	t->rroom = sizeof(w->rbuf);
	t->sbuf = w->sbuf;
	t->sroom = sizeof(w->sbuf);
	t->oc.iov = w->oc;
	t->sh = w->sh;
	t->oq.iov = w->oq;
	t->up = &w->up;
	t->down = &w->down;
	w->nopipe = *relay_pools(t->c.r);
	w->nopipe.pipes = NULL;
	t->req = &w->req;
	t->resp = &w->resp;
	t->rchunk = &w->rchunk;
	t->schunk = &w->schunk;
	t->u = &w->u;
	relay_http_upstream_init(t);
	if (http_client_ip(t->c.client, w->ip, sizeof(w->ip)) == -1)
		snprintf(w->ip, sizeof(w->ip), "unknown");
	/* iovecs' alignment suits the header table after them. */
	t->rh = (struct http1_header *)(void *)(w->oq + mh + IOV_EXTRA);
	return (0);
}

/* A buffer grown past the block goes; what it held is left behind. */
static void
shrink_resp(struct http *t)
{
	if (t->sbuf == t->work->sbuf)
		return;
	free(t->sbuf);
	t->sbuf = t->work->sbuf;
	t->sroom = sizeof(t->work->sbuf);
}

/*
 * The request is done: give the block back when nothing is left over,
 * else keep it for the pipelined bytes (in the block's own buffer when
 * they fit).
 */
static void
put_work(struct http *t)
{
	struct http_work	*w = t->work;

	if (w == NULL)
		return;
	shrink_resp(t);
	if (t->rbuf != w->rbuf && t->rlen <= sizeof(w->rbuf)) {
		memcpy(w->rbuf, t->rbuf, t->rlen);
		free(t->rbuf);
		t->rbuf = w->rbuf;
		t->rroom = sizeof(w->rbuf);
	}
	if (t->rlen > 0)
		return;
	upstream_close(t->u);	/* idle by now; the block must not hold it */
	blk_put(relay_blocks(t->c.r), w);
	t->work = NULL;
	t->rbuf = t->sbuf = NULL;
	t->rroom = t->sroom = 0;
	t->rh = t->sh = NULL;
	t->oq.iov = t->oc.iov = NULL;
	t->up = t->down = NULL;
	t->req = NULL;
	t->resp = NULL;
	t->rchunk = t->schunk = NULL;
	t->u = NULL;
	t->oq.n = t->oq.at = t->oc.n = t->oc.at = 0;
}

int
relay_http_grow(struct http *t, bool resp, size_t need)
{
	char	**buf = resp ? &t->sbuf : &t->rbuf;
	size_t	*room = resp ? &t->sroom : &t->rroom;
	size_t	 cap = resp ? t->scap : t->cap;
	char	*big;

	if (need <= *room || *room >= cap)
		return (0);
	if ((big = malloc(cap)) == NULL) {
		log_warn("%s: malloc", __func__);
		return (-1);
	}
	memcpy(big, *buf, resp ? t->slen : t->rlen);
	*buf = big;
	*room = cap;
	return (0);
}

/*
 * Answer code ourselves.  After a framing error, or when the body was not
 * read whole, the connection closes after it (SPEC "lbd answers").  Once
 * a response byte went out, all that can be done is to close.
 */
void
relay_http_answer(struct http *t, unsigned code, const char *term)
{
	size_t	n;
	bool	keep;

	relay_http_drop(t);
	if (t->resp_sent) {
		relay_http_end(t, term, "reset");
		return;
	}
	if (take_work(t) == -1) {
		relay_http_end(t, term, "local_shortage");
		return;
	}
	keep = (code == 502 || code == 503 || code == 504) && t->parsed &&
	    t->req_done && !t->bad_body && t->req->head.keep_alive &&
	    !t->draining;
	t->close_after = !keep;
	t->status = code;
	n = http_answer(t->work->ans, sizeof(t->work->ans), code, !keep,
	    keep && t->req->head.version == 10,
	    t->parsed && t->req->method == HTTP1_HEAD);
	t->oc.iov[0].iov_base = t->work->ans;
	t->oc.iov[0].iov_len = n;
	t->oc.n = 1;
	t->oc.at = 0;
	t->phase = H_ANSWER;
	t->aterm = term;
	if (relay_http_flush(&t->oc, t->c.fd, &t->rout) == -1)
		relay_http_end(t, "CD", "reset");
}

/* The answer is written: log it, then the next request or close. */
static void
answered(struct http *t)
{
	t->resp_sent = true;
	if (t->close_after) {
		relay_http_end(t, t->aterm, "ok");
		return;
	}
	relay_http_log(t, t->aterm);
	relay_http_next(t);
}

/* Arm the one timer for the phase's deadline. */
void
relay_http_arm(struct http *t)
{
	const struct service_timeouts	*to = &t->c.svc->conf->timeouts;
	uint64_t			 when, s;

	switch (t->phase) {
	case H_HEAD:
		when = t->rlen > 0 || t->started != 0 ? t->started +
		    to->http_request_ms : t->client_seen +
		    to->http_keepalive_ms;
		break;
	case H_TUNNEL:
		when = (t->client_seen > t->server_seen ? t->client_seen :
		    t->server_seen) + to->tunnel_ms;
		break;
	default:
		when = t->client_seen + to->client_ms;
		s = t->server_seen + to->server_ms;
		if (s < when)
			when = s;
		break;
	}
	if (evloop_timer_add(t->c.loop, &t->timer, when) == -1)
		log_warn("%s: evloop_timer_add", __func__);
}

static void	settle(struct http *);

static void
on_timer(struct evloop *loop, struct evtimer *tm, void *arg)
{
	struct http			*t = arg;
	const struct service_timeouts	*to = &t->c.svc->conf->timeouts;
	uint64_t			 now = evloop_now(loop);

	(void)tm;
	t->busy = true;
	switch (t->phase) {
	case H_HEAD:
		if (t->started != 0) {
			httpstat_request(relay_env(t->c.r), t->c.svc);
			t->parsed = false;
			relay_http_answer(t, 408, "cR");
		} else
			relay_http_end(t, "--", "client_timeout");
		break;
	case H_ANSWER:
		relay_http_end(t, "cD", "client_timeout");
		break;
	case H_TUNNEL:
		/* Re-armed by settle() when either side moved meanwhile. */
		if (now - t->client_seen >= to->tunnel_ms &&
		    now - t->server_seen >= to->tunnel_ms)
			relay_http_end(t, "--", "client_timeout");
		break;
	case H_FORWARD:
		if (now - t->server_seen >= to->server_ms && !t->resp_head)
			relay_http_answer(t, 504, "sH");
		else if (now - t->server_seen >= to->server_ms)
			relay_http_end(t, "sD", "server_timeout");
		else if (now - t->client_seen >= to->client_ms)
			relay_http_end(t, "cD", "client_timeout");
		break;
	}
	t->busy = false;
	settle(t);
}

/* A new request head, parsed into the block's table. */
static void
init_request(struct http *t)
{
	http1_request_init(t->req, t->rh, t->c.svc->conf->http.max_headers,
	    t->c.svc->conf->http.max_header_size);
}

/* Ready for the next request head; bytes already read are parsed now. */
void
relay_http_next(struct http *t)
{
	if (t->work != NULL)
		memmove(t->rbuf, t->rbuf + t->used, t->rlen - t->used);
	t->rlen -= t->used;
	t->used = 0;
	put_work(t);
	t->phase = H_HEAD;
	t->parsed = t->connected = t->req_done = false;
	t->resp_head = t->resp_done = t->resp_sent = false;
	t->close_after = t->bad_body = false;
	t->up_on = t->down_on = false;
	t->status = t->retries = 0;
	t->be = -1;
	t->started = t->ttfb = t->rin = t->rout = 0;
	t->rd_off = false;
	t->client_seen = evloop_now(t->c.loop);
	if (t->draining && t->rlen == 0) {
		t->dead = "idle_at_stop";
		return;
	}
	if (t->rlen > 0) {
		init_request(t);
		t->started = clock_ms();
		parse_head(t);
	}
	if (t->dead == NULL && t->phase == H_HEAD)
		relay_http_arm(t);
}

/* The client sent more of a request head. */
static void
read_head(struct http *t)
{
	ssize_t	n;

	if (t->work == NULL) {
		if (take_work(t) == -1) {
			relay_http_end(t, "--", "local_shortage");
			return;
		}
		init_request(t);
	}
	/* A head past the block's buffer moves to one of its full limit. */
	if (t->rlen == t->rroom &&
	    relay_http_grow(t, false, t->rlen + 1) == -1) {
		relay_http_end(t, "CR", "local_shortage");
		return;
	}
	n = recv(t->c.fd, t->rbuf + t->rlen, (t->rroom < t->cap ? t->rroom :
	    t->cap) - t->rlen, 0);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			relay_http_end(t, "CR", "reset");
		else if (t->rlen == 0)
			put_work(t);	/* nothing came after all */
		return;
	}
	if (n == 0) {
		/* Between requests a close is the normal end. */
		if (t->rlen > 0) {
			t->parsed = false;
			relay_http_end(t, "CR", "ok");
		} else
			relay_http_end(t, "--", "ok");
		return;
	}
	if (t->rlen == 0 && t->started == 0) {
		t->started = clock_ms();
		/* http_request runs from the first byte, not each one. */
		relay_http_arm(t);
	}
	t->rlen += n;
	t->client_seen = evloop_now(t->c.loop);
	parse_head(t);
}


/*
 * How much of the body came with the head, and is that all of it?  A
 * chunked body is validated as it goes; one past max_body_size is 413.
 */
static int
take_body(struct http *t)
{
	const struct http_config	*h = &t->c.svc->conf->http;
	const struct http1_head		*hd = &t->req->head;
	size_t				 have = t->rlen - hd->len, n = 0;
	enum http1_result		 r;

	t->req_done = true;
	if (hd->framing == HTTP1_BODY_LENGTH) {
		if (h->max_body_size && hd->content_length > h->max_body_size)
			return (413);
		n = have < hd->content_length ? have :
		    (size_t)hd->content_length;
		t->req_done = n == hd->content_length;
	} else if (hd->framing == HTTP1_BODY_CHUNKED) {
		http1_chunked_init(t->rchunk);
		r = http1_chunked_feed(t->rchunk, t->rbuf + hd->len, have, &n);
		if (r == HTTP1_ERROR)
			return (400);
		if (h->max_body_size && t->rchunk->data > h->max_body_size)
			return (413);
		t->req_done = r == HTTP1_OK;
	}
	t->used = hd->len + n;
	return (0);
}

/* A complete request head: check it, then balance and connect. */
static void
forward(struct http *t)
{
	int	code;

	t->parsed = true;
	evloop_timer_del(t->c.loop, &t->timer);
	if ((code = take_body(t)) != 0) {
		t->bad_body = true;
		relay_http_answer(t, code, "PR");
		return;
	}
	t->phase = H_FORWARD;
	t->client_seen = t->server_seen = evloop_now(t->c.loop);
	relay_http_arm(t);
	relay_http_upstream_init(t);
	upstream_connect(t->u);
}

void
relay_http_upstream_init(struct http *t)
{
	upstream_init(t->u, relay_upstreams(t->c.r), t->c.svc, t->c.hash,
	    t->c.client, relay_http_on_upstream, t);
	relay_set_origin(&t->c, t->u);
}

static void
parse_head(struct http *t)
{
	switch (http1_parse_request(t->req, t->rbuf, t->rlen)) {
	case HTTP1_NEED_MORE:
		return;
	case HTTP1_ERROR:
		httpstat_request(relay_env(t->c.r), t->c.svc);
		log_debug("%s: client=%s status=%d reason=\"%s\"", __func__,
		    t->c.client, t->req->head.status, t->req->head.reason);
		t->bad_body = true;
		relay_http_answer(t, t->req->head.status, "PR");
		return;
	case HTTP1_OK:
		httpstat_request(relay_env(t->c.r), t->c.svc);
		forward(t);
		return;
	}
}

/* The head to send: the client's lines, lbd's, and body bytes in hand. */
static void
build_request(struct http *t)
{
	const struct http_config	*h = &t->c.svc->conf->http;
	size_t				 hl = t->req->head.len, xl;
	int				 n;

	xl = http_request_extra(t->work->extra,
	    sizeof(t->work->extra), h, t->work->ip, t->req->upgrade,
	    t->req->head.version == 10);
	n = http_request_iov(t->rbuf, t->req, h->forwardfor, t->work->extra,
	    xl, t->oq.iov, h->max_headers + IOV_EXTRA - 1);
	if (t->used > hl) {
		t->oq.iov[n].iov_base = t->rbuf + hl;
		t->oq.iov[n++].iov_len = t->used - hl;
	}
	t->oq.n = n;
	t->oq.at = 0;
}


/* Connected (or not) for this request: send its head. */
void
relay_http_on_upstream(struct upstream *u, enum upstream_result res, void *arg)
{
	struct http	*t = arg;
	uint64_t	 sent;

	(void)u;
	switch (res) {
	case UPSTREAM_CONNECTED:
		t->connected = true;
		t->be = upstream_backend(t->u);
		build_request(t);
		sent = t->rin;
		/* On a pooled connection, a write error is the race too. */
		if (relay_http_flush(&t->oq, upstream_fd(t->u), &t->rin) == -1)
			relay_http_no_response(t);
		else
			upstream_sent(t->u, t->rin - sent);
		t->server_seen = evloop_now(t->c.loop);
		http1_response_init(t->resp, t->sh, RESP_HEADERS, t->scap - 1,
		    t->req->method);
		t->slen = t->skip = 0;
		break;
	case UPSTREAM_QUEUE_TIMEOUT:
		relay_http_answer(t, 503, "sQ");
		break;
	default:
		relay_http_answer(t, 503, "SC");
		break;
	}
	if (!t->busy)
		settle(t);
}

/* Client to backend: the request body, or a tunnel. */
void
relay_http_on_up(struct pump *p, enum pump_event ev, size_t n, void *arg)
{
	struct http			*t = arg;
	const struct http_config	*h = &t->c.svc->conf->http;

	switch (ev) {
	case PUMP_READ:
		t->client_seen = evloop_now(t->c.loop);
		if (t->phase == H_TUNNEL ||
		    t->req->head.framing != HTTP1_BODY_CHUNKED)
			break;
		/*
		 * The body bytes that came with the head are sent: what
		 * follows the body's end goes right after the head, kept
		 * for the access line, so it always fits.
		 */
		t->rlen = t->used = t->req->head.len;
		if (relay_http_grow(t, false, t->rlen + n) == -1) {
			relay_http_end(t, "CR", "local_shortage");
			p->buf->tail -= n;
			pump_limit(p, 0);
		} else if (relay_http_check_chunked(p, t->rchunk, n, t->rbuf,
		    &t->rlen) == -1)
			t->bad_body = true;
		else if (h->max_body_size && t->rchunk->data >
		    h->max_body_size) {
			t->bad_body = true;	/* not one byte more */
			p->buf->tail -= n;
			pump_limit(p, 0);
		}
		break;
	case PUMP_WROTE:
		t->server_seen = evloop_now(t->c.loop);
		t->c.bytes_in += n;
		t->rin += n;
		upstream_sent(t->u, n);
		break;
	case PUMP_FIRST:
	case PUMP_END:
		break;
	}
}

/* The head is out: pump the rest of the request body, if any. */
static void
start_up(struct http *t)
{
	const struct http1_head	*hd = &t->req->head;
	bool			 chunked = hd->framing == HTTP1_BODY_CHUNKED;

	if (t->up_on || t->req_done || !relay_http_is_flushed(&t->oq))
		return;
	pump_init(t->up, chunked ? &t->work->nopipe : relay_pools(t->c.r),
	    t->c.fd, upstream_fd(t->u), relay_http_on_up, t);
	pump_pass_eof(t->up, false);
	if (!chunked)
		pump_limit(t->up, hd->content_length -
		    (t->used - hd->len));
	t->up_on = true;
}

/* The up pump ended: the body is all sent, or the client left. */
static void
up_ended(struct http *t)
{
	uint64_t	max;

	if (t->bad_body) {
		max = t->c.svc->conf->http.max_body_size;
		relay_http_answer(t, max && t->rchunk->data > max ? 413 : 400,
		    "PR");
		return;
	}
	if (pump_at_eof(t->up)) {
		relay_http_end(t, t->resp_head ? "CD" : "CR", "reset");
		return;
	}
	pump_release(t->up);
	t->up_on = false;
	t->req_done = true;
}

/* Move the request on as far as it goes now. */
static void
progress(struct http *t)
{
	if (t->dead != NULL || t->phase != H_FORWARD || !t->connected)
		return;
	if (t->up_on && pump_is_done(t->up))
		up_ended(t);
	if (t->dead != NULL || t->phase != H_FORWARD)
		return;
	start_up(t);
	relay_http_resp_progress(t);
}

/*
 * Whether to watch the client for its next request while this one is
 * forwarded.  The interest stays set between keep-alive requests, which
 * saves a syscall each; a connection's last request needs none, so a
 * client that sends one request never enters the epoll set at all.
 */
static bool
wants_next(const struct http *t)
{
	if (t->rd_off || t->phase != H_FORWARD)
		return (false);
	return (t->req->head.keep_alive ||
	    (evloop_mask(t->c.loop, t->c.fd) & EV_READ));
}

/* Poll each side for what this phase can do now. */
static void
update_interest(struct http *t)
{
	int	sfd = t->u != NULL ? upstream_fd(t->u) : -1, cm = 0, sm = 0;

	switch (t->phase) {
	case H_HEAD:
		cm = EV_READ;
		break;
	case H_ANSWER:
		cm = EV_WRITE;
		break;
	case H_FORWARD:
	case H_TUNNEL:
		if ((t->up_on && pump_wants_read(t->up) &&
		    relay_http_is_flushed(&t->oq)) || wants_next(t))
			cm |= EV_READ;
		if (!relay_http_is_flushed(&t->oc) ||
		    (t->down_on && pump_wants_write(t->down)))
			cm |= EV_WRITE;
		if ((t->phase == H_FORWARD && !t->resp_head &&
		    relay_http_is_flushed(&t->oc)) || (t->down_on &&
		    pump_wants_read(t->down) && relay_http_is_flushed(&t->oc)))
			sm |= EV_READ;
		if (!relay_http_is_flushed(&t->oq) || (t->up_on &&
		    pump_wants_write(t->up)))
			sm |= EV_WRITE;
		break;
	}
	if (evloop_set(t->c.loop, t->c.fd, cm, on_client, t) == -1 ||
	    (sfd != -1 && t->connected && evloop_set(t->c.loop, sfd, sm,
	    on_server, t) == -1))
		log_warn("%s: evloop_set", __func__);
}

/* After an event: close what must close, else poll for what is next. */
static void
settle(struct http *t)
{
	if (t->phase == H_TUNNEL && t->dead == NULL &&
	    pump_is_done(t->up) && pump_is_done(t->down))
		relay_http_end(t, "--", "ok");
	if (t->dead != NULL) {
		relay_close(&t->c, t->dead);
		return;
	}
	progress(t);
	if (t->dead != NULL) {
		relay_close(&t->c, t->dead);
		return;
	}
	if (t->phase != H_HEAD && t->phase != H_ANSWER &&
	    !evtimer_is_armed(&t->timer))
		relay_http_arm(t);
	update_interest(t);
}

/* A pump's read or write failed: who left, and when. */
static void
pump_failed(struct http *t, bool client)
{
	if (t->phase == H_TUNNEL)
		relay_http_end(t, client ? "CD" : "SD", "reset");
	else if (client)
		relay_http_end(t, t->resp_head ? "CD" : "CR", "reset");
	else if (!t->resp_head)
		relay_http_answer(t, 502, "SH");
	else
		relay_http_end(t, "SD", "reset");
}

static void
client_event(struct http *t, int events)
{
	bool	rd = events & (EV_READ | EV_ERROR);

	if (t->phase == H_HEAD) {
		if (rd)
			read_head(t);
		return;
	}
	if (t->phase == H_ANSWER) {
		if (relay_http_flush(&t->oc, t->c.fd, &t->rout) == -1)
			relay_http_end(t, "CD", "reset");
		else if (relay_http_is_flushed(&t->oc))
			answered(t);
		return;
	}
	if (rd && t->up_on && pump_wants_read(t->up) &&
	    relay_http_is_flushed(&t->oq)) {
		if (pump_read(t->up) == -1)
			pump_failed(t, true);
	} else if (rd)
		t->rd_off = true;	/* pipelined bytes wait their turn */
	if (t->dead != NULL || !(events & (EV_WRITE | EV_ERROR)))
		return;
	if (!relay_http_is_flushed(&t->oc)) {
		if (relay_http_flush(&t->oc, t->c.fd, &t->rout) == -1)
			pump_failed(t, true);
	} else if (t->down_on && pump_write(t->down) == -1)
		pump_failed(t, true);
}

static void
server_event(struct http *t, int events)
{
	int	sfd;

	if (t->u == NULL)
		return;		/* an event of a backend let go meanwhile */
	sfd = upstream_fd(t->u);
	if ((events & (EV_WRITE | EV_ERROR)) && t->connected) {
		if (!relay_http_is_flushed(&t->oq)) {
			if (relay_http_flush(&t->oq, sfd, &t->rin) == -1)
				pump_failed(t, false);
		} else if (t->up_on && pump_write(t->up) == -1)
			pump_failed(t, false);
	}
	if (t->dead != NULL || t->phase == H_ANSWER || !t->connected ||
	    !(events & (EV_READ | EV_ERROR)))
		return;
	if (t->phase == H_FORWARD && !t->resp_head)
		relay_http_read_resp(t);
	else if (t->down_on && pump_wants_read(t->down) &&
	    pump_read(t->down) == -1)
		pump_failed(t, false);
}

static void
on_client(struct evloop *loop, int fd, int events, void *arg)
{
	struct http	*t = arg;

	(void)loop;
	(void)fd;
	t->busy = true;
	client_event(t, events);
	t->busy = false;
	settle(t);
}

static void
on_server(struct evloop *loop, int fd, int events, void *arg)
{
	struct http	*t = arg;

	(void)loop;
	(void)fd;
	t->busy = true;
	server_event(t, events);
	t->busy = false;
	settle(t);
}

static void
http_start(struct conn *c)
{
	struct http		*t = (struct http *)c;
	const struct http_config *h = &c->svc->conf->http;

	evtimer_init(&t->timer, on_timer, t);
	/*
	 * Limits of the buffers, which are lent (take_work()) only while a
	 * request is on: room for a whole head and one pump read after it
	 * (chunked); response heads have the same limit.
	 */
	t->cap = h->max_header_size + LBD_BUFSIZE;
	t->scap = h->max_header_size;
	t->busy = true;
	relay_http_next(t);
	if (t->dead == NULL)
		read_head(t);	/* the head has often come with the connect */
	t->busy = false;
	settle(t);
}

static void
http_stop(struct conn *c)
{
	struct http	*t = (struct http *)c;

	evloop_timer_del(c->loop, &t->timer);
	relay_http_drop(t);
	t->rlen = 0;
	put_work(t);
}

/* Idle: between requests, or a tunnel quiet both ways for idle_ms. */
static bool
http_is_idle(const struct conn *c, uint64_t now_ms, uint64_t idle_ms)
{
	const struct http	*t = (const struct http *)c;

	if (t->phase == H_HEAD)
		return (t->rlen == 0);
	return (t->phase == H_TUNNEL && now_ms - t->client_seen >= idle_ms &&
	    now_ms - t->server_seen >= idle_ms);
}

/*
 * The worker stops: an idle keep-alive client goes now; one with a
 * request in flight gets "Connection: close" on its response; a tunnel
 * lasts until shutdown_timeout.
 */
static void
http_drain(struct conn *c)
{
	struct http	*t = (struct http *)c;

	t->draining = true;
	if (t->phase == H_HEAD && t->rlen == 0)
		relay_close(c, "idle_at_stop");
}

const struct relay_proto relay_http = {
	.size = sizeof(struct http),
	.start = http_start,
	.stop = http_stop,
	.is_idle = http_is_idle,
	.drain = http_drain
};
