/*
 * Client connections inside one worker: choose a backend, connect (with
 * retries on other backends), relay both ways with backpressure and
 * half-close, enforce the idle timeouts, and account everything in the
 * shared region.  struct conn is private to relay.c.
 */
#ifndef LBD_RELAY_H
#define LBD_RELAY_H

#include <stdint.h>

struct evloop;
struct lbd;
struct net_addr;

struct relay;

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

/* Close connections whose connect, client or server timeout has passed. */
void		 relay_sweep(struct relay *r, uint64_t now_ms);

/*
 * Offer a freed backend slot to the connections waiting for one, oldest
 * first; close those whose timeouts.queue has passed.
 */
void		 relay_retry_queue(struct relay *r, uint64_t now_ms);

/* Connections waiting for a backend slot. */
unsigned	 relay_queued(const struct relay *r);

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
