/*
 * TCP mode.  The client waits, unread, while its upstream picks and
 * connects (or queues); then two pumps move bytes each way and the
 * connection ends when both have passed their EOF on, on a socket error,
 * or when one side has been idle (nothing read from it or written to it)
 * past its timeout.
 *
 * Idle timeouts cost nothing per read: each side's last activity is a
 * stamp, and one timer per connection is armed for the earlier of the two
 * deadlines.  When it fires it checks the stamps and either closes or
 * re-arms for the new deadline (as nginx and HAProxy do).
 */
#include <stdlib.h>

#include "config.h"
#include "evloop.h"
#include "lbd.h"
#include "log.h"
#include "pump.h"
#include "relay.h"
#include "relay_tcp.h"
#include "upstream.h"

struct tcp {
	struct conn	 c;		/* first: relay.c allocates a tcp */
	struct upstream	 u;
	struct pump	 up;		/* client -> backend */
	struct pump	 down;		/* backend -> client */
	struct evtimer	 idle;
	uint64_t	 client_seen;	/* last read from or write to it */
	uint64_t	 server_seen;
	bool		 relaying;	/* connected: the pumps are set up */
};

static void
tcp_close(struct tcp *t, const char *result)
{
	t->c.be = upstream_backend(&t->u);
	relay_close(&t->c, result);
}

/* When the first side to go idle will have been idle too long. */
static uint64_t
idle_deadline(const struct tcp *t)
{
	const struct service_timeouts	*to = &t->c.svc->conf->timeouts;
	uint64_t			 c = t->client_seen + to->client_ms;
	uint64_t			 s = t->server_seen + to->server_ms;

	return (c < s ? c : s);
}

static void
arm_idle(struct tcp *t)
{
	if (evloop_timer_add(t->c.loop, &t->idle, idle_deadline(t)) == -1)
		log_warn("%s: evloop_timer_add", __func__);
}

/* Idle means nothing read from or written to that side. */
static void
on_idle(struct evloop *loop, struct evtimer *tm, void *arg)
{
	struct tcp			*t = arg;
	const struct service_timeouts	*to = &t->c.svc->conf->timeouts;
	uint64_t			 now = evloop_now(loop);

	(void)tm;
	if (now - t->client_seen >= to->client_ms)
		tcp_close(t, "client_timeout");
	else if (now - t->server_seen >= to->server_ms)
		tcp_close(t, "server_timeout");
	else
		arm_idle(t);
}

/* Client to backend: stamps, counts, and the backend's half-close. */
static void
on_up(struct pump *p, enum pump_event ev, size_t n, void *arg)
{
	struct tcp	*t = arg;

	(void)p;
	switch (ev) {
	case PUMP_READ:
		t->client_seen = evloop_now(t->c.loop);
		break;
	case PUMP_WROTE:
		t->server_seen = evloop_now(t->c.loop);
		t->c.bytes_in += n;
		upstream_sent(&t->u, n);
		break;
	case PUMP_END:
		/* The last direction to end: close(2) comes next, FIN. */
		pump_pass_eof(&t->down, false);
		break;
	case PUMP_FIRST:
		break;
	}
}

/* Backend to client: the response-time sample, stamps, counts. */
static void
on_down(struct pump *p, enum pump_event ev, size_t n, void *arg)
{
	struct tcp	*t = arg;

	(void)p;
	switch (ev) {
	case PUMP_FIRST:
		upstream_first_byte(&t->u);
		break;
	case PUMP_READ:
		t->server_seen = evloop_now(t->c.loop);
		break;
	case PUMP_WROTE:
		t->client_seen = evloop_now(t->c.loop);
		t->c.bytes_out += n;
		upstream_delivered(&t->u, n);
		break;
	case PUMP_END:
		pump_pass_eof(&t->up, false);
		break;
	}
}

static void	on_client(struct evloop *, int, int, void *);
static void	on_server(struct evloop *, int, int, void *);

/* Poll each side for what its pumps can do now. */
static void
update_interest(struct tcp *t)
{
	int	cmask, smask;

	cmask = (pump_wants_read(&t->up) ? EV_READ : 0) |
	    (pump_wants_write(&t->down) ? EV_WRITE : 0);
	smask = (pump_wants_read(&t->down) ? EV_READ : 0) |
	    (pump_wants_write(&t->up) ? EV_WRITE : 0);
	/* Unchanged masks, the common case, cost no system call. */
	if (evloop_set(t->c.loop, t->c.fd, cmask, on_client, t) == -1 ||
	    evloop_set(t->c.loop, upstream_fd(&t->u), smask, on_server,
	    t) == -1)
		log_warn("%s: evloop_set", __func__);
}

/* The upstream's outcome: relay both ways, or close the client. */
static void
on_upstream(struct upstream *u, enum upstream_result res, void *arg)
{
	struct tcp		*t = arg;
	struct pump_pools	*pools = relay_pools(t->c.r);
	int			 sfd = upstream_fd(u);

	if (res != UPSTREAM_CONNECTED) {
		tcp_close(t, upstream_result_name(res));
		return;
	}
	pump_init(&t->up, pools, t->c.fd, sfd, on_up, t);
	pump_init(&t->down, pools, sfd, t->c.fd, on_down, t);
	t->relaying = true;
	t->client_seen = t->server_seen = evloop_now(t->c.loop);
	arm_idle(t);
	update_interest(t);
}

/*
 * Events on one side: in is the pump it feeds, out the pump it drains.
 * POLLHUP and POLLERR are handled by trying the read or write they concern.
 */
static void
on_side(struct tcp *t, struct pump *in, struct pump *out, int events)
{
	if ((events & (EV_READ | EV_ERROR)) && pump_wants_read(in) &&
	    pump_read(in) == -1) {
		tcp_close(t, "reset");
		return;
	}
	if ((events & (EV_WRITE | EV_ERROR)) && pump_write(out) == -1) {
		tcp_close(t, "reset");
		return;
	}
	if (pump_is_done(&t->up) && pump_is_done(&t->down)) {
		tcp_close(t, "ok");
		return;
	}
	update_interest(t);
}

static void
on_client(struct evloop *loop, int fd, int events, void *arg)
{
	struct tcp	*t = arg;

	(void)loop;
	(void)fd;
	on_side(t, &t->up, &t->down, events);
}

static void
on_server(struct evloop *loop, int fd, int events, void *arg)
{
	struct tcp	*t = arg;

	(void)loop;
	(void)fd;
	on_side(t, &t->down, &t->up, events);
}

static void
tcp_start(struct conn *c)
{
	struct tcp	*t = (struct tcp *)c;

	evtimer_init(&t->idle, on_idle, t);
	upstream_init(&t->u, relay_upstreams(c->r), c->svc, c->hash,
	    c->client, on_upstream, t);
	relay_set_origin(c, &t->u);
	upstream_connect(&t->u);
}

static void
tcp_stop(struct conn *c)
{
	struct tcp	*t = (struct tcp *)c;

	evloop_timer_del(c->loop, &t->idle);
	upstream_close(&t->u);
	if (t->relaying) {
		pump_release(&t->up);
		pump_release(&t->down);
	}
}

static bool
tcp_is_idle(const struct conn *c, uint64_t now_ms, uint64_t idle_ms)
{
	const struct tcp	*t = (const struct tcp *)c;

	return (t->relaying && now_ms - t->client_seen >= idle_ms &&
	    now_ms - t->server_seen >= idle_ms);
}

const struct relay_proto relay_tcp = {
	.size = sizeof(struct tcp),
	.start = tcp_start,
	.stop = tcp_stop,
	.is_idle = tcp_is_idle
};
