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
 * disabled or paused, or leaves the configuration.
 *
 * A connection passes between its owner and the pool without leaving the
 * event loop: it stays registered for EV_READ throughout, and only the
 * callback changes hands (evloop_set() with an unchanged mask costs no
 * system call), so keeping and reusing one costs no epoll_ctl(2).
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
 * newest first, or -1 when there is none.  The caller owns the descriptor
 * from now on, but it is still in the loop for EV_READ with a callback of
 * the pool's: the caller must take it over with evloop_set() (its own
 * mask and callback; free with EV_READ) or evloop_forget() and close it
 * before the loop runs again.
 */
int		 pool_take(struct pool *p, struct service *svc, unsigned be);

/*
 * Keep fd, a connection to backend be of svc on which a response has just
 * ended cleanly, for reuse within ttl_ms, for at most uses_left more
 * requests (-1: no limit; what the backend's latest Keep-Alive max said).
 * The pool owns fd from now on, in the loop or not (it takes any
 * registration over with evloop_set(), free when the mask is EV_READ).
 * It closes fd at once instead when ttl_ms or uses_left is 0, svc's
 * http.pool is 0, or the backend is not up; a full pool closes its oldest.
 */
void		 pool_put(struct pool *p, struct service *svc, unsigned be,
		    int fd, uint64_t ttl_ms, long uses_left);

/*
 * Close the idle connections to backends that are no longer up, or that
 * left the configuration (a slot no longer in env's services, or a reload
 * made this worker's generation an old one).  The pool calls it itself
 * every few hundred ms while it holds any; callable any time.
 */
void		 pool_prune(struct pool *p, uint64_t now_ms);

/* Idle connections kept now, all backends together. */
unsigned	 pool_count(const struct pool *p);

#endif /* LBD_POOL_H */
