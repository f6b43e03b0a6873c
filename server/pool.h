/*
 * The idle keep-alive backend connections of one worker (HTTP mode), kept
 * per backend slot.  The balancer picks the backend first; the pool only
 * answers whether an idle connection to that backend can be reused, so
 * reuse never decides where a request goes.
 *
 * Idle connections stay registered for reading, so a backend's close (or
 * any stray byte) is seen at once and the connection dropped.  Each
 * expires after its time to live; at most the service's http.pool are
 * kept per backend; all of a backend's are closed when it goes down, is
 * disabled or drained, or leaves the configuration.
 */
#ifndef LBD_POOL_H
#define LBD_POOL_H

#include <stdint.h>

struct evloop;
struct lbd;
struct pool;
struct service;

/*
 * The pool of the worker holding shared-region worker slot wslot, on
 * loop.  NULL with errno on failure.
 */
struct pool	*pool_new(struct lbd *env, struct evloop *loop, unsigned wslot);

/* Close every idle connection and free the pool.  NULL allowed. */
void		 pool_free(struct pool *p);

/*
 * An idle connection to backend be (index in svc) to send a request on,
 * or -1 when there is none.  The descriptor leaves the pool and the loop:
 * the caller owns it and registers it as it needs.
 */
int		 pool_take(struct pool *p, struct service *svc, unsigned be);

/*
 * Keep fd, a connection to backend be of svc on which a response has just
 * ended cleanly, for reuse within ttl_ms, for at most uses_left more
 * requests (-1: no limit).  The pool owns fd from now on: it closes it at
 * once instead when ttl_ms or uses_left is 0, the backend's pool is full
 * (svc's http.pool), or the backend is not up.  fd must not be in the loop.
 */
void		 pool_put(struct pool *p, struct service *svc, unsigned be,
		    int fd, uint64_t ttl_ms, long uses_left);

/*
 * Close the idle connections to backends that are no longer up, or whose
 * service left the configuration (after a reload, svc pointers change):
 * call when backend states may have changed.
 */
void		 pool_prune(struct pool *p, uint64_t now_ms);

/* Idle connections kept now, all backends together. */
unsigned	 pool_count(const struct pool *p);

#endif /* LBD_POOL_H */
