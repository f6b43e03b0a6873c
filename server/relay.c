/*
 * The life of a client connection inside a worker:
 *
 *   accept -> account -> [PROXY header] -> protocol (tcp: upstream + two
 *   pumps) -> close
 *
 * relay.c owns what every mode shares: the connection list, the shared
 * region's per-service and global counts, the access line, and the
 * worker's buffer and pipe pools.  What happens in between is the
 * protocol's, chosen by the service's mode.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "balance.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "evloop.h"
#include "lbd.h"
#include "log.h"
#include "net.h"
#include "proxyproto.h"
#include "pump.h"
#include "relay.h"
#include "relay_http.h"
#include "relay_tcp.h"
#include "shm.h"
#include "splice.h"
#include "upstream.h"

#define POOL_KEEP	256	/* free buffers a worker keeps */
#define BLOCKS_KEEP	64	/* free HTTP request blocks kept */
#define PIPES_MAX	64	/* pipes a worker lends: two fds each */
#define PROXY_WAIT_MS	(10 * 1000)	/* for the header, by default */

/*
 * A client of an accept_proxy service whose header is not all in yet:
 * the bytes of it consumed so far, and its deadline.
 */
struct proxy_wait {
	struct evtimer	 timer;
	size_t		 len;
	unsigned char	 buf[PROXY_MAX];
};

struct relay {
	struct lbd		*env;
	struct evloop		*loop;
	struct pump_pools	 pools;		/* on loan to pumps */
	struct blk_pool		*blocks;	/* on loan to HTTP requests */
	struct upstream_ctx	*ups;
	unsigned		 wslot;
	unsigned		 count;
	TAILQ_HEAD(, conn)	 conns;
};

struct relay *
relay_new(struct lbd *env, struct evloop *loop, unsigned wslot)
{
	struct relay	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	if ((r->pools.bufs = buf_pool_new(POOL_KEEP)) == NULL ||
	    (r->blocks = blk_pool_new(BLOCKS_KEEP)) == NULL ||
	    (r->ups = upstream_ctx_new(env, loop, wslot)) == NULL) {
		buf_pool_free(r->pools.bufs);
		blk_pool_free(r->blocks);
		free(r);
		return (NULL);
	}
	/* Without pipes bulk still flows, copied. */
	if (getenv("LBD_SPLICE") == NULL || strcmp(getenv("LBD_SPLICE"), "0"))
		r->pools.pipes = splice_pool_new(PIPES_MAX);
	r->env = env;
	r->loop = loop;
	r->wslot = wslot;
	TAILQ_INIT(&r->conns);
	return (r);
}

int
relay_shortage(struct relay *r)
{
	return (upstream_shortage(r->ups));
}

unsigned
relay_count(const struct relay *r)
{
	return (r->count);
}

struct pump_pools *
relay_pools(struct relay *r)
{
	return (&r->pools);
}

struct blk_pool *
relay_blocks(struct relay *r)
{
	return (r->blocks);
}

struct upstream_ctx *
relay_upstreams(struct relay *r)
{
	return (r->ups);
}

struct lbd *
relay_env(struct relay *r)
{
	return (r->env);
}

void
relay_drain(struct relay *r)
{
	struct conn	*c, *next;

	for (c = TAILQ_FIRST(&r->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->proto->drain != NULL)
			c->proto->drain(c);
	}
}

/*
 * One access line per closed connection, when log.access is on; http
 * mode writes one per request instead.
 */
static void
log_access(const struct conn *c, const char *result)
{
	if (!c->r->env->conf->log.access || c->svc->conf->mode == MODE_HTTP)
		return;
	log_access_line("access service=%s client=%s backend=%s "
	    "duration_ms=%llu bytes_in=%llu bytes_out=%llu result=%s",
	    c->svc->conf->name, c->client,
	    c->be >= 0 ? c->svc->conf->backends[c->be].name : "-",
	    (unsigned long long)(clock_ms() - c->start_ms),
	    (unsigned long long)c->bytes_in, (unsigned long long)c->bytes_out,
	    result);
}

/* Count the endings the status page shows beside connect failures. */
static void
count_result(const struct conn *c, const char *result)
{
	struct shm_service	*ss = shm_service(c->r->env->shm,
				    c->svc->slot);

	if (strcmp(result, "reset") == 0)
		shm_service_count_reset(ss);
	else if (strstr(result, "_timeout") != NULL)
		shm_service_count_timeout(ss);
}

void
relay_close(struct conn *c, const char *result)
{
	struct relay	*r = c->r;

	log_access(c, result);
	count_result(c, result);
	if (c->pw != NULL) {		/* the protocol has not started */
		evloop_timer_del(r->loop, &c->pw->timer);
		free(c->pw);
	} else
		c->proto->stop(c);
	evloop_forget(r->loop, c->fd);	/* ours alone: close does it */
	close(c->fd);
	shm_service_close(r->env->shm, r->wslot, c->svc->slot);
	shm_conn_release(r->env->shm, r->wslot);
	TAILQ_REMOVE(&r->conns, c, entry);
	r->count--;
	free(c->addrs);
	free(c);
}

/* source balancing hashes the client's address, not its port. */
static uint64_t
hash_client(const struct net_addr *peer)
{
	const struct sockaddr_in	*s4 = (const void *)&peer->ss;
	const struct sockaddr_in6	*s6 = (const void *)&peer->ss;

	if (peer->ss.ss_family == AF_INET6)
		return (balance_hash(&s6->sin6_addr, sizeof(s6->sin6_addr)));
	return (balance_hash(&s4->sin_addr, sizeof(s4->sin_addr)));
}

/* The protocol of a service's mode. */
static const struct relay_proto *
proto_of(const struct service *s)
{
	return (s->conf->mode == MODE_HTTP ? &relay_http : &relay_tcp);
}

/* Who the client is, from src: its text, and its hash for balancing. */
static void
set_client(struct conn *c, const struct net_addr *src)
{
	if (c->svc->conf->balance == BALANCE_SOURCE)
		c->hash = hash_client(src);
	net_addr_format(src, c->client, sizeof(c->client));
}

void
relay_set_origin(const struct conn *c, struct upstream *u)
{
	if (c->addrs != NULL)
		upstream_set_origin(u, &c->addrs->src, &c->addrs->dst);
	else
		upstream_set_origin(u, NULL, NULL);
}

/*
 * Keep the addresses when the PROXY header needs them: peer, and the
 * address it connected to when a backend is sent the header.  0, or -1
 * when memory runs out.
 */
static int
keep_addrs(struct conn *c, const struct net_addr *peer)
{
	struct conn_addrs	*a;

	if (!c->svc->conf->accept_proxy && !c->svc->sends_proxy)
		return (0);
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return (-1);
	a->src = *peer;
	a->dst.len = sizeof(a->dst.ss);
	if (!c->svc->sends_proxy || getsockname(c->fd,
	    (struct sockaddr *)&a->dst.ss, &a->dst.len) == -1)
		a->dst.len = 0;
	c->addrs = a;
	return (0);
}

/* A header (or its absence) that closes the client: counted, logged. */
static void
reject_header(struct conn *c)
{
	shm_service_count_rejected(shm_service(c->r->env->shm, c->svc->slot));
	relay_close(c, "bad_proxy");
}

/* The whole header of h->len bytes is in: on to the protocol. */
static void
take_header(struct conn *c, const struct proxy_header *h)
{
	evloop_timer_del(c->loop, &c->pw->timer);
	evloop_del(c->loop, c->fd, EV_READ);
	free(c->pw);
	c->pw = NULL;
	if (h->has_addr) {
		c->addrs->src = h->src;
		c->addrs->dst = h->dst;
		set_client(c, &c->addrs->src);
	}
	c->proto->start(c);	/* may close c */
}

/*
 * Peek at what has come, and consume only bytes of the header: all of
 * them while it is incomplete (proxy_decode() promises they are header),
 * exactly the rest of it once complete.  The protocol then reads its
 * first byte from the socket as if no header had been, so TCP mode's
 * path stays as it is.
 */
static void
on_proxy_read(struct evloop *loop, int fd, int events, void *arg)
{
	struct conn		*c = arg;
	struct proxy_wait	*pw = c->pw;
	struct proxy_header	 h;
	enum proxy_result	 rc;
	ssize_t			 n;
	size_t			 take;

	(void)loop;
	(void)events;
	n = recv(fd, pw->buf + pw->len, sizeof(pw->buf) - pw->len, MSG_PEEK);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (n == -1)
			relay_close(c, "reset");
		else
			reject_header(c);	/* EOF before a whole header */
		return;
	}
	if ((rc = proxy_decode(pw->buf, pw->len + (size_t)n, &h)) == PROXY_ERROR) {
		reject_header(c);
		return;
	}
	take = rc == PROXY_OK ? h.len - pw->len : (size_t)n;
	/* Bytes already queued: recv(2) gives them all at once. */
	if (recv(fd, pw->buf + pw->len, take, 0) != (ssize_t)take) {
		relay_close(c, "reset");
		return;
	}
	pw->len += take;
	if (rc == PROXY_OK)
		take_header(c, &h);
}

static void
on_proxy_timeout(struct evloop *loop, struct evtimer *t, void *arg)
{
	(void)loop;
	(void)t;
	reject_header(arg);
}

/* accept_proxy: wait for the header before the protocol begins. */
static void
await_header(struct conn *c)
{
	uint64_t	ms = c->svc->conf->timeouts.http_request_ms;

	if ((c->pw = malloc(sizeof(*c->pw))) == NULL) {
		log_warn("%s: malloc", __func__);
		relay_close(c, "local_shortage");
		return;
	}
	c->pw->len = 0;
	evtimer_init(&c->pw->timer, on_proxy_timeout, c);
	if (evloop_add(c->loop, c->fd, EV_READ, on_proxy_read, c) == -1 ||
	    evloop_timer_add(c->loop, &c->pw->timer, evloop_now(c->loop) +
	    (ms != 0 ? ms : PROXY_WAIT_MS)) == -1) {
		log_warn("%s: evloop", __func__);
		relay_close(c, "local_shortage");
	}
}

void
relay_start(struct relay *r, int fd, unsigned svc, const struct net_addr *peer)
{
	const struct relay_proto	*proto = proto_of(&r->env->services[svc]);
	struct conn			*c;

	if ((c = calloc(1, proto->size)) == NULL) {
		log_warn("%s: calloc", __func__);
		close(fd);
		shm_conn_release(r->env->shm, r->wslot);
		return;
	}
	c->r = r;
	c->loop = r->loop;
	c->proto = proto;
	c->svc = &r->env->services[svc];
	c->fd = fd;
	c->be = -1;
	c->start_ms = clock_ms();
	if (keep_addrs(c, peer) == -1) {
		log_warn("%s: calloc", __func__);
		free(c);
		close(fd);
		shm_conn_release(r->env->shm, r->wslot);
		return;
	}
	set_client(c, peer);
	TAILQ_INSERT_TAIL(&r->conns, c, entry);
	r->count++;
	shm_service_open(r->env->shm, r->wslot, c->svc->slot);
	if (c->svc->conf->accept_proxy)
		await_header(c);	/* may close c */
	else
		proto->start(c);	/* may close c */
}

void
relay_close_idle(struct relay *r, uint64_t now_ms, uint64_t idle_ms)
{
	struct conn	*c, *next;

	for (c = TAILQ_FIRST(&r->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		/* A client still owing its header has not begun. */
		if (c->pw != NULL || c->proto->is_idle(c, now_ms, idle_ms))
			relay_close(c, "idle_at_stop");
	}
}

void
relay_free(struct relay *r)
{
	struct conn	*c;

	if (r == NULL)
		return;
	while ((c = TAILQ_FIRST(&r->conns)) != NULL)
		relay_close(c, "reset");
	upstream_ctx_free(r->ups);
	buf_pool_free(r->pools.bufs);
	blk_pool_free(r->blocks);
	splice_pool_free(r->pools.pipes);
	free(r);
}
