/*
 * A poll(2) event loop shaped like Redis's ae: a descriptor, an interest
 * mask and a callback with its argument.  One round waits in ppoll(2) with
 * the caller's signal mask, the only place a blocked signal is delivered.
 */
#ifndef LBD_EVLOOP_H
#define LBD_EVLOOP_H

#include <signal.h>

#define EV_READ		0x1
#define EV_WRITE	0x2
#define EV_ERROR	0x4	/* reported only: POLLERR, POLLHUP, POLLNVAL */

struct evloop;

/* Called with the events that fired (EV_* bits) on fd. */
typedef void	(*evloop_fn)(struct evloop *loop, int fd, int events,
		    void *arg);

/* A loop for descriptors below maxfds.  NULL with errno on failure. */
struct evloop	*evloop_new(int maxfds);
void		 evloop_free(struct evloop *loop);

/*
 * Add mask to fd's interest set; fn and arg replace any earlier ones.
 * Returns 0, or -1 with errno ERANGE when fd >= maxfds.
 */
int		 evloop_add(struct evloop *loop, int fd, int mask, evloop_fn fn,
		    void *arg);

/* Remove mask from fd's interest; with no interest left, forget fd. */
void		 evloop_del(struct evloop *loop, int fd, int mask);

/*
 * Close every registered descriptor and free the loop: a forked child
 * drops what belongs to its parent's loop.
 */
void		 evloop_close_all(struct evloop *loop);

/* Current interest mask of fd (0 when not registered). */
int		 evloop_mask(const struct evloop *loop, int fd);

/*
 * Wait up to timeout_ms (-1: forever) with sigmask in force, then call the
 * callbacks of ready descriptors.  A callback may add or delete any fd.
 * Returns the number of callbacks run, 0 on timeout or signal, -1 on error.
 */
int		 evloop_wait(struct evloop *loop, int timeout_ms,
		    const sigset_t *sigmask);

#endif /* LBD_EVLOOP_H */
