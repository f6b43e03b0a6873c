/*
 * Client connections inside one worker: take an accepted client, account
 * for it in the shared region, hand it to its service's protocol (tcp or
 * http), and write its access line when it closes (tcp; http writes one
 * per request).  How a backend is
 * chosen and connected is upstream.c's; how bytes move is pump.c's.
 */
#ifndef LBD_RELAY_H
#define LBD_RELAY_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net.h"

struct blk_pool;
struct evloop;
struct lbd;
struct proxy_wait;
struct pump_pools;
struct relay;
struct relay_proto;
struct service;
struct upstream;
struct upstream_ctx;

/*
 * A client connection as the protocols see it.  relay.c allocates the
 * protocol's size, which begins with this struct, and owns the fields
 * marked so; the protocol keeps be and the byte counts.
 */
struct conn {
	TAILQ_ENTRY(conn)	 entry;		/* relay.c */
	struct relay		*r;		/* relay.c */
	struct evloop		*loop;		/* relay.c */
	const struct relay_proto *proto;	/* relay.c */
	struct service		*svc;		/* relay.c */
	int			 fd;		/* client, relay.c closes it */
	int			 be;		/* for the access line, or -1 */
	uint64_t		 start_ms;	/* relay.c */
	uint64_t		 hash;		/* of the client's address */
	uint64_t		 bytes_in;	/* client -> backend */
	uint64_t		 bytes_out;	/* backend -> client */
	char			 client[NET_ADDRSTRLEN];
	struct conn_addrs	*addrs;		/* relay.c; see below */
	struct proxy_wait	*pw;		/* accept_proxy: header to come */
};

/*
 * The client's address and the one it connected to, from the socket or
 * its PROXY header (dst only when a backend of the service is sent the
 * header: len 0 otherwise).  Kept apart, and only for a service that sends
 * or accepts the PROXY header: 272 bytes each idle connection would
 * otherwise carry for nothing.
 */
struct conn_addrs {
	struct net_addr		 src;
	struct net_addr		 dst;
};

/* A protocol: what relay.c calls on a connection of its mode. */
struct relay_proto {
	size_t	size;		/* of its connection struct */
	/* Take the connection over; may close it before returning. */
	void	(*start)(struct conn *c);
	/* Let go of all but the client fd: relay_close() is closing it. */
	void	(*stop)(struct conn *c);
	/* Has nothing moved either way for idle_ms (a stop's second TERM)? */
	bool	(*is_idle)(const struct conn *c, uint64_t now_ms,
		    uint64_t idle_ms);
	/* A stop began: finish what is in flight, then close (or NULL). */
	void	(*drain)(struct conn *c);
};

/*
 * A relay for the worker holding shared-region worker slot wslot, adding
 * its descriptors to loop.  NULL with errno on failure.
 */
struct relay	*relay_new(struct lbd *env, struct evloop *loop,
		    unsigned wslot);

/* Close every connection now and free the relay. */
void		 relay_free(struct relay *r);

/*
 * Take over an accepted client fd for service svc (index in the config).
 * The caller has already reserved a place under the global maxconn; the
 * relay gives it back when the connection closes.
 */
void		 relay_start(struct relay *r, int fd, unsigned svc,
		    const struct net_addr *peer);

/*
 * Give u c's addresses for the PROXY header it may send (none when the
 * service sends none).  Call after each upstream_init().
 */
void		 relay_set_origin(const struct conn *c, struct upstream *u);

/*
 * End c with result (the access line's word): the protocol lets go of
 * what it holds, then the client is closed and c freed.
 */
void		 relay_close(struct conn *c, const char *result);

/* The buffers and pipes the worker's pumps borrow. */
struct pump_pools	*relay_pools(struct relay *r);

/* The blocks the worker's HTTP requests borrow while in flight. */
struct blk_pool		*relay_blocks(struct relay *r);

/* The daemon's environment. */
struct lbd		*relay_env(struct relay *r);

/*
 * The worker stops: each connection whose protocol can end early (an
 * idle HTTP keep-alive client) is told to, the others go on.
 */
void		 relay_drain(struct relay *r);

/* The worker's upstream context (queue, counts). */
struct upstream_ctx	*relay_upstreams(struct relay *r);

/*
 * Close the connections on which no byte has moved either way for
 * idle_ms; the others go on.
 */
void		 relay_close_idle(struct relay *r, uint64_t now_ms,
		    uint64_t idle_ms);

/*
 * The errno of the last time this host ran out of descriptors, memory or
 * local ports for a backend connection (the client was closed, the
 * backend not blamed), and forget it; 0 when it did not.
 */
int		 relay_shortage(struct relay *r);

/* Client connections open now. */
unsigned	 relay_count(const struct relay *r);

#endif /* LBD_RELAY_H */
