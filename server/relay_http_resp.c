/*
 * HTTP mode, the backend side of a request: read and check the response
 * head, pass 1xx on, turn a 101 into a tunnel, frame the final head for
 * the client (Connection as the client connection will go on), pump the
 * body, and at its end keep the backend connection in the pool when it
 * can be reused.  A backend that closes before answering on a reused
 * connection is the keep-alive race: the request is sent once more when
 * that is safe.
 */
#include <sys/socket.h>

#include <errno.h>
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
#include "relay_http_int.h"
#include "upstream.h"

static void	on_down(struct pump *, enum pump_event, size_t, void *);

static bool
is_idempotent(enum http1_method m)
{
	return (m == HTTP1_GET || m == HTTP1_HEAD || m == HTTP1_PUT ||
	    m == HTTP1_DELETE || m == HTTP1_OPTIONS || m == HTTP1_TRACE);
}

/*
 * Validate the n chunked-body bytes p just read (still in its buffer),
 * cutting the read at the body's end: what follows goes back to buf for
 * the next message (or is dropped when buf is NULL).  Returns 0 while the
 * body goes on, 1 at its end, -1 on a malformed body (nothing of the read
 * is forwarded).
 */
int
relay_http_check_chunked(struct pump *p, struct http1_chunked *ck, size_t n,
    char *buf, size_t *len)
{
	char			*data = p->buf->data + p->buf->tail - n;
	size_t			 used = 0;
	enum http1_result	 r;

	r = http1_chunked_feed(ck, data, n, &used);
	if (r == HTTP1_NEED_MORE)
		return (0);
	if (r == HTTP1_ERROR)
		used = 0;
	if (buf != NULL && r == HTTP1_OK) {
		memcpy(buf + *len, data + used, n - used);
		*len += n - used;
	}
	p->buf->tail -= n - used;
	pump_limit(p, 0);
	return (r == HTTP1_OK ? 1 : -1);
}

/* Backend to client: the response body, or a tunnel. */
static void
on_down(struct pump *p, enum pump_event ev, size_t n, void *arg)
{
	struct http	*t = arg;
	size_t		 before;

	switch (ev) {
	case PUMP_READ:
		t->server_seen = evloop_now(t->c.loop);
		if (t->phase == H_TUNNEL ||
		    t->resp->head.framing != HTTP1_BODY_CHUNKED)
			break;
		before = p->buf->tail;
		/* Bytes past the end: the backend is out of step. */
		if (relay_http_check_chunked(p, t->schunk, n, NULL,
		    NULL) == -1)
			t->bad_body = true;
		else if (p->buf->tail != before)
			t->be_reusable = false;
		break;
	case PUMP_WROTE:
		t->client_seen = evloop_now(t->c.loop);
		t->c.bytes_out += n;
		t->rout += n;
		t->resp_sent = true;
		upstream_delivered(t->u, n);
		break;
	case PUMP_FIRST:
	case PUMP_END:
		break;
	}
}

/*
 * The backend closed or reset before any response byte.  On a reused
 * pooled connection that is the keep-alive race: send once more on a new
 * connection if the method is idempotent and lbd still holds the request
 * whole (no body byte was pumped).  Otherwise 502.
 */
void
relay_http_no_response(struct http *t)
{
	if (t->u->reused && t->retries == 0 && t->slen == 0 &&
	    is_idempotent(t->req->method) && !t->up_on && t->req_done) {
		relay_http_drop(t);
		t->retries++;
		httpstat_retry(relay_env(t->c.r), t->c.svc);
		relay_http_upstream_init(t);
		t->u->no_reuse = true;
		upstream_connect(t->u);
		return;
	}
	relay_http_answer(t, 502, "SH");
}

/* Where a client connection stands after this response. */
static const char *
conn_line(struct http *t)
{
	t->close_after = !t->req->head.keep_alive || t->draining ||
	    !t->req_done || t->resp->head.framing == HTTP1_BODY_CLOSE;
	if (t->close_after)
		return ("Connection: close\r\n");
	return (t->req->head.version == 10 ? "Connection: keep-alive\r\n" : "");
}

/* Response body bytes that came with the head; 1 when that is all. */
static int
take_resp_body(struct http *t, size_t *n)
{
	const struct http1_head	*hd = &t->resp->head;
	size_t			 have = t->slen - hd->len;
	enum http1_result	 r;

	*n = 0;
	switch (hd->framing) {
	case HTTP1_BODY_LENGTH:
		*n = have < hd->content_length ? have :
		    (size_t)hd->content_length;
		t->be_reusable = have <= hd->content_length;
		return (*n == hd->content_length);
	case HTTP1_BODY_CHUNKED:
		http1_chunked_init(t->schunk);
		r = http1_chunked_feed(t->schunk, t->sbuf + hd->len, have, n);
		if (r == HTTP1_ERROR)
			return (-1);
		t->be_reusable = *n == have;
		return (r == HTTP1_OK);
	case HTTP1_BODY_CLOSE:
		*n = have;
		t->be_reusable = false;
		return (0);
	default:
		t->be_reusable = have == 0;
		return (1);
	}
}

/* A final response head: send it on with what body came along. */
static void
relay_response(struct http *t)
{
	size_t	n;
	int	k, whole;

	if (t->req->head.version == 10 &&
	    t->resp->head.framing == HTTP1_BODY_CHUNKED) {
		/* A 1.0 request line went out: chunked breaks RFC 9112. */
		relay_http_answer(t, 502, "SH");
		return;
	}
	if ((whole = take_resp_body(t, &n)) == -1) {
		relay_http_answer(t, 502, "SH");
		return;
	}
	t->status = t->resp->code;
	t->resp_head = true;
	t->resp_done = whole == 1;
	k = http_response_iov(t->sbuf, t->resp, conn_line(t), t->oc.iov,
	    RESP_HEADERS + IOV_EXTRA - 1);
	if (n > 0) {
		t->oc.iov[k].iov_base = t->sbuf + t->resp->head.len;
		t->oc.iov[k++].iov_len = n;
	}
	t->oc.n = k;
	t->oc.at = 0;
	t->resp_sent = true;
	if (relay_http_flush(&t->oc, t->c.fd, &t->rout) == -1)
		relay_http_end(t, "CD", "reset");
}

/* A 101 to an Upgrade request: both ways become a tunnel. */
static void
start_tunnel(struct http *t)
{
	int	k;

	t->status = 101;
	k = http_response_iov(t->sbuf, t->resp, "", t->oc.iov,
	    RESP_HEADERS + IOV_EXTRA - 1);
	if (t->slen > t->resp->head.len) {
		t->oc.iov[k].iov_base = t->sbuf + t->resp->head.len;
		t->oc.iov[k++].iov_len = t->slen - t->resp->head.len;
	}
	t->oc.n = k;
	t->oc.at = 0;
	/* What the client sent after its head is tunnel data already. */
	t->oq.n = t->oq.at = 0;
	if (t->rlen > t->used) {
		t->oq.iov[0].iov_base = t->rbuf + t->used;
		t->oq.iov[0].iov_len = t->rlen - t->used;
		t->oq.n = 1;
	}
	relay_http_log(t, "--");
	t->phase = H_TUNNEL;
	pump_init(t->up, relay_pools(t->c.r), t->c.fd, upstream_fd(t->u),
	    relay_http_on_up, t);
	pump_init(t->down, relay_pools(t->c.r), upstream_fd(t->u), t->c.fd,
	    on_down, t);
	t->up_on = t->down_on = true;
	if (relay_http_flush(&t->oc, t->c.fd, &t->rout) == -1 ||
	    relay_http_flush(&t->oq, upstream_fd(t->u), &t->rin) == -1)
		relay_http_end(t, "SD", "reset");
	relay_http_arm(t);
}

/* A complete response head: 1xx, 101, or the final one. */
static void
on_resp_head(struct http *t)
{
	httpstat_backend_response(relay_env(t->c.r), t->c.svc, t->be,
	    t->resp->code);
	if (t->resp->code == 101 && t->resp->upgrade && t->req->upgrade) {
		start_tunnel(t);
		return;
	}
	if (t->resp->code == 101) {	/* not asked for: cannot be framed */
		relay_http_answer(t, 502, "SH");
		return;
	}
	if (t->resp->code >= 200) {
		relay_response(t);
		return;
	}
	/* 1xx: to the client (not to 1.0, RFC 9110 §15.2), then parse on. */
	t->skip = t->resp->head.len;
	if (t->req->head.version == 10)
		return;
	t->oc.n = http_response_iov(t->sbuf, t->resp, "", t->oc.iov,
	    RESP_HEADERS + IOV_EXTRA - 1);
	t->oc.at = 0;
	if (relay_http_flush(&t->oc, t->c.fd, &t->rout) == -1)
		relay_http_end(t, "CD", "reset");
}

/* After a 1xx is out: the next head, maybe already read. */
static void
next_resp_head(struct http *t)
{
	memmove(t->sbuf, t->sbuf + t->skip, t->slen - t->skip);
	t->slen -= t->skip;
	t->skip = 0;
	http1_response_init(t->resp, t->sh, RESP_HEADERS, t->scap - 1,
	    t->req->method);
}

static void
parse_resp(struct http *t)
{
	switch (http1_parse_response(t->resp, t->sbuf, t->slen)) {
	case HTTP1_NEED_MORE:
		return;
	case HTTP1_ERROR:
		log_debug("%s: backend=%s reason=\"%s\"", __func__,
		    t->c.svc->conf->backends[t->be].name, t->resp->head.reason);
		relay_http_answer(t, 502, "SH");
		return;
	case HTTP1_OK:
		on_resp_head(t);
		return;
	}
}

/* The backend sent more of a response head. */
void
relay_http_read_resp(struct http *t)
{
	ssize_t	n;

	if (t->skip > 0)
		next_resp_head(t);
	/* A head past the block's buffer moves to one of its full limit. */
	if (t->slen == t->sroom &&
	    relay_http_grow(t, true, t->slen + 1) == -1) {
		relay_http_end(t, "SH", "local_shortage");
		return;
	}
	n = recv(upstream_fd(t->u), t->sbuf + t->slen, (t->sroom < t->scap ?
	    t->sroom : t->scap) - t->slen, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (t->slen == 0 && t->ttfb == 0)
			relay_http_no_response(t);
		else
			relay_http_answer(t, 502, "SH");
		return;
	}
	if (t->ttfb == 0) {
		t->ttfb = clock_ms();
		upstream_first_byte(t->u);
	}
	t->slen += n;
	t->server_seen = evloop_now(t->c.loop);
	parse_resp(t);
}

/* The response head is out: pump the rest of its body, if any. */
static void
start_down(struct http *t)
{
	const struct http1_head	*hd = &t->resp->head;
	bool			 chunked = hd->framing == HTTP1_BODY_CHUNKED;

	if (t->down_on || t->resp_done || !relay_http_is_flushed(&t->oc))
		return;
	pump_init(t->down, chunked ? &t->work->nopipe : relay_pools(t->c.r),
	    upstream_fd(t->u), t->c.fd, on_down, t);
	pump_pass_eof(t->down, false);
	/* take_resp_body() sent what came along: less than the length. */
	if (hd->framing == HTTP1_BODY_LENGTH)
		pump_limit(t->down, hd->content_length -
		    (t->slen - hd->len));
	t->down_on = true;
}

/* The down pump ended: the body is through, or the backend left. */
static void
down_ended(struct http *t)
{
	if (t->bad_body || (pump_at_eof(t->down) &&
	    t->resp->head.framing != HTTP1_BODY_CLOSE)) {
		relay_http_end(t, "SD", "reset");
		return;
	}
	pump_release(t->down);
	t->down_on = false;
	t->resp_done = true;
}

/*
 * Keep a backend connection on which a response ended cleanly, for as
 * long as both lbd's backend_keepalive and the backend's Keep-Alive
 * timeout allow and for the requests its Keep-Alive max leaves.
 */
static void
pool_backend(struct http *t)
{
	uint64_t	ttl = t->c.svc->conf->timeouts.backend_keepalive_ms;

	if (t->resp->ka_timeout >= 0 &&
	    (uint64_t)t->resp->ka_timeout * 1000 < ttl)
		ttl = (uint64_t)t->resp->ka_timeout * 1000;
	t->be = upstream_backend(t->u);
	upstream_keep(t->u, ttl, t->resp->ka_max >= 0 ? t->resp->ka_max : -1);
	t->connected = false;
}

/* The response is all out: log, reuse what can be, next request. */
static void
finish(struct http *t)
{
	if (t->be_reusable && t->req_done && !t->up_on &&
	    t->resp->head.keep_alive && t->c.svc->conf->http.pool > 0)
		pool_backend(t);
	else
		relay_http_drop(t);
	if (t->close_after) {
		relay_http_end(t, "--", "ok");
		return;
	}
	relay_http_log(t, "--");
	relay_http_next(t);
}

void
relay_http_resp_progress(struct http *t)
{
	if (t->skip > 0 && relay_http_is_flushed(&t->oc) &&
	    t->slen > t->skip) {
		next_resp_head(t);
		parse_resp(t);
		if (t->dead != NULL || t->phase != H_FORWARD)
			return;
	}
	if (!t->resp_head)
		return;
	if (t->down_on && pump_is_done(t->down))
		down_ended(t);
	if (t->dead != NULL)
		return;
	start_down(t);
	if (t->resp_done && relay_http_is_flushed(&t->oc) &&
	    (t->req_done || t->close_after))
		finish(t);
}
