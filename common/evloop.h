/*
 * An event loop shaped like Redis's ae: a descriptor, an interest mask and
 * a callback with its argument.  One round waits with the caller's signal
 * mask, the only place a blocked signal is delivered.  Two mechanisms sit
 * behind the same calls: poll(2), whose cost grows with every registered
 * descriptor, and epoll(7), whose cost grows with the ready ones.
 */
#ifndef LBD_EVLOOP_H
#define LBD_EVLOOP_H

#include <signal.h>
#include <stdbool.h>

#define EV_READ		0x1
#define EV_WRITE	0x2
#define EV_ERROR	0x4	/* reported only: POLLERR, POLLHUP, POLLNVAL */
#define EV_EXCLUSIVE	0x8	/* epoll: wake one of the loops waiting on fd */

enum evloop_kind {
	EVLOOP_POLL = 0,
	EVLOOP_EPOLL
};

struct evloop;

/* Called with the events that fired (EV_* bits) on fd. */
typedef void	(*evloop_fn)(struct evloop *loop, int fd, int events,
		    void *arg);

/*
 * A loop of the given kind for descriptors below maxfds.  NULL with errno
 * on failure.
 */
struct evloop	*evloop_new(int maxfds, enum evloop_kind kind);
void		 evloop_free(struct evloop *loop);

/* "poll" or "epoll" to a kind; -1 for another word. */
int		 evloop_kind_parse(const char *name);
const char	*evloop_kind_name(enum evloop_kind kind);

/*
 * Add mask to fd's interest set; fn and arg replace any earlier ones.
 * EV_EXCLUSIVE is taken from the first add of fd.  Returns 0, or -1 with
 * errno (ERANGE when fd >= maxfds).
 */
int		 evloop_add(struct evloop *loop, int fd, int mask, evloop_fn fn,
		    void *arg);

/* Remove mask from fd's interest; with no interest left, forget fd. */
void		 evloop_del(struct evloop *loop, int fd, int mask);

/*
 * Forget fd without telling the kernel, for a descriptor about to be
 * closed that no other process shares: its close(2) takes it out of an
 * epoll set by itself, which saves a system call per close.
 */
void		 evloop_forget(struct evloop *loop, int fd);

/*
 * Make fd's interest exactly mask (0: forget it).  With epoll, a mask
 * that does not change costs no system call.  0, or -1 with errno.
 */
int		 evloop_set(struct evloop *loop, int fd, int mask, evloop_fn fn,
		    void *arg);

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
