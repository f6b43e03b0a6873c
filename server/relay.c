/*
 * The life of a client connection inside a worker:
 *
 *   accept -> account -> protocol (tcp: upstream + two pumps) -> close
 *
 * relay.c owns what every mode shares: the connection list, the shared
 * region's per-service and global counts, the access line, and the
 * worker's buffer and pipe pools.  What happens in between is the
 * protocol's, chosen by the service's mode.
 */
#include <sys/socket.h>
#include <netinet/in.h>

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
#include "pump.h"
#include "relay.h"
#include "relay_http.h"
#include "relay_tcp.h"
#include "shm.h"
#include "splice.h"
#include "upstream.h"

#define POOL_KEEP	256	/* free buffers a worker keeps */
#define PIPES_MAX	64	/* pipes a worker lends: two fds each */

struct relay {
	struct lbd		*env;
	struct evloop		*loop;
	struct pump_pools	 pools;		/* on loan to pumps */
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
	    (r->ups = upstream_ctx_new(env, loop, wslot)) == NULL) {
		buf_pool_free(r->pools.bufs);
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
	log_info("access service=%s client=%s backend=%s duration_ms=%llu "
	    "bytes_in=%llu bytes_out=%llu result=%s",
	    c->svc->conf->name, c->client,
	    c->be >= 0 ? c->svc->conf->backends[c->be].name : "-",
	    (unsigned long long)(clock_ms() - c->start_ms),
	    (unsigned long long)c->bytes_in, (unsigned long long)c->bytes_out,
	    result);
}

void
relay_close(struct conn *c, const char *result)
{
	struct relay	*r = c->r;

	log_access(c, result);
	c->proto->stop(c);
	evloop_forget(r->loop, c->fd);	/* ours alone: close does it */
	close(c->fd);
	shm_service_close(r->env->shm, r->wslot, c->svc->slot);
	shm_conn_release(r->env->shm, r->wslot);
	TAILQ_REMOVE(&r->conns, c, entry);
	r->count--;
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
	if (c->svc->conf->balance == BALANCE_SOURCE)
		c->hash = hash_client(peer);
	net_addr_format(peer, c->client, sizeof(c->client));
	TAILQ_INSERT_TAIL(&r->conns, c, entry);
	r->count++;
	shm_service_open(r->env->shm, r->wslot, c->svc->slot);
	proto->start(c);	/* may close c */
}

void
relay_close_idle(struct relay *r, uint64_t now_ms, uint64_t idle_ms)
{
	struct conn	*c, *next;

	for (c = TAILQ_FIRST(&r->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->proto->is_idle(c, now_ms, idle_ms))
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
	splice_pool_free(r->pools.pipes);
	free(r);
}
