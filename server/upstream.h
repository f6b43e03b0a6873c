/*
 * One backend connection for a client: pick a backend (balance), take a
 * slot under its maxconn or wait in the queue for one, connect without
 * blocking, retry on another backend, sample its response time, and let
 * go of it.  The caller learns the outcome through one callback: a
 * connected descriptor to use, or a final failure to answer (TCP closes
 * the client; HTTP will answer 503).
 *
 * A per-worker context holds what the worker's upstreams share: the
 * queue, the balancers' random state, and the batching of byte counts
 * into the shared region.
 */
#ifndef LBD_UPSTREAM_H
#define LBD_UPSTREAM_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evloop.h"
#include "lbd_limits.h"

struct lbd;
struct service;
struct upstream;
struct upstream_ctx;

enum upstream_result {
	UPSTREAM_CONNECTED = 0,
	UPSTREAM_NO_BACKEND,		/* none up and untried to connect to */
	UPSTREAM_CONNECT_FAILED,	/* every connect tried failed */
	UPSTREAM_QUEUE_TIMEOUT,		/* all full past timeouts.queue */
	UPSTREAM_LOCAL_SHORTAGE		/* we ran out of fds, memory, ports */
};

/*
 * Called once per upstream_connect() with its outcome, maybe before
 * upstream_connect() returns.  On UPSTREAM_CONNECTED the descriptor is
 * still in the loop with a callback not the caller's: for EV_WRITE after
 * a connect, for EV_READ when reused from the pool (u->reused).  The
 * caller takes it over with evloop_set() before returning (one epoll_ctl
 * after a connect, which it needs anyway; none on a reused connection
 * when its mask is EV_READ).  On failure the upstream holds nothing any
 * more.  The callback may close or free the upstream's owner.
 */
typedef void	(*upstream_fn)(struct upstream *u, enum upstream_result res,
		    void *arg);

enum upstream_state {
	UPSTREAM_IDLE = 0,		/* holds nothing */
	UPSTREAM_QUEUED,		/* every backend full: waiting */
	UPSTREAM_CONNECTING,		/* connect(2) in progress */
	UPSTREAM_READY			/* connected: fd is the caller's to use */
};

/* Fields are upstream.c's; the struct is here so owners can embed it. */
struct upstream {
	struct upstream_ctx	*ctx;
	struct service		*svc;
	const char		*client;	/* for log lines */
	uint64_t		 hash;		/* source balancing */
	upstream_fn		 fn;
	void			*arg;
	enum upstream_state	 state;
	int			 fd;		/* -1 none */
	int			 be;		/* index in service, -1 none */
	unsigned		 attempts;	/* connects started */
	uint64_t		 tried[LBD_MAX_BACKENDS / 64];
	bool			 reused;	/* fd came from the pool */
	bool			 no_reuse;	/* owner: connect anew (HTTP) */
	struct evtimer		 timer;		/* connect or queue deadline */
	TAILQ_ENTRY(upstream)	 qentry;	/* in the queue when queued */
	TAILQ_ENTRY(upstream)	 dentry;	/* bytes not yet in shm */
	bool			 dirty;		/* on that list */
	bool			 measured;	/* response time sampled */
	uint64_t		 connect_us;	/* when connect(2) began */
	uint64_t		 connected_us;	/* when it completed */
	uint64_t		 sent_us;	/* first byte sent to it */
	uint64_t		 uncounted_in;	/* sent to the backend, and */
	uint64_t		 uncounted_out;	/* its bytes delivered, since */
};					/* the last shared-region add */

/*
 * The upstreams of the worker holding shared-region worker slot wslot,
 * on loop.  NULL with errno on failure.
 */
struct upstream_ctx	*upstream_ctx_new(struct lbd *env, struct evloop *loop,
			    unsigned wslot);

/* Free the context; its upstreams must all be closed.  NULL allowed. */
void			 upstream_ctx_free(struct upstream_ctx *x);

/*
 * The worker's pool of idle HTTP backend connections (pool.h), which
 * upstream_connect() takes from and upstream_keep() puts into.
 */
struct pool		*upstream_pool(struct upstream_ctx *x);

/* Upstreams waiting in the queue for a slot. */
unsigned		 upstream_queued(const struct upstream_ctx *x);

/*
 * The errno of the last time this host ran out of descriptors, memory or
 * local ports for a backend connection (the backend not blamed), and
 * forget it; 0 when it did not.
 */
int			 upstream_shortage(struct upstream_ctx *x);

/* "no_backend", "connect_failed" and so on, as the access line says. */
const char		*upstream_result_name(enum upstream_result res);

/*
 * Set u up, holding nothing, for one backend connection of service svc
 * on behalf of client (a string that outlives u), whose address hashes
 * to hash.  A fresh init is a fresh choice: for a new HTTP request.
 */
void	upstream_init(struct upstream *u, struct upstream_ctx *x,
	    struct service *svc, uint64_t hash, const char *client,
	    upstream_fn fn, void *arg);

/*
 * Pick, connect, retry (up to the service's retries) or queue, then call
 * u's callback once with the outcome.  u must hold nothing.  In HTTP mode,
 * unless the owner set u->no_reuse after upstream_init(), an idle pooled
 * connection to the picked backend is used instead of a connect, and
 * u->reused says so.
 */
void	upstream_connect(struct upstream *u);

/* The connected descriptor, or -1. */
int	upstream_fd(const struct upstream *u);

/* The backend's index in its service, or -1 when u holds none. */
int	upstream_backend(const struct upstream *u);

/* n bytes were sent to the backend. */
void	upstream_sent(struct upstream *u, size_t n);

/* n bytes of the backend's were delivered to the client. */
void	upstream_delivered(struct upstream *u, size_t n);

/* The backend's first byte arrived: sample its response time. */
void	upstream_first_byte(struct upstream *u);

/*
 * Let go of whatever u holds, in any state: its place in the queue, its
 * connect, or its connection (counted, slot given back) and close the
 * descriptor.  u then holds nothing.
 */
void	upstream_close(struct upstream *u);

/*
 * Let go of a connected u like upstream_close() but keep the descriptor
 * open and return it, for reuse by the caller, who then owns it (and its
 * evloop registration).  -1 when u is not connected.
 */
int	upstream_detach(struct upstream *u);

/*
 * HTTP: let go of a connected u like upstream_detach() and keep its
 * connection, on which a response has just ended cleanly, in the
 * worker's pool: pool_put() with ttl_ms and uses_left (see pool.h).
 */
void	upstream_keep(struct upstream *u, uint64_t ttl_ms, long uses_left);

#endif /* LBD_UPSTREAM_H */
