/*
 * An event loop shaped like Redis's ae: a descriptor, an interest mask and
 * a callback with its argument.  One round waits with the caller's signal
 * mask, the only place a blocked signal is delivered.  Two mechanisms sit
 * behind the same calls: poll(2), whose cost grows with every registered
 * descriptor, and epoll(7), whose cost grows with the ready ones.
 *
 * Timers sit on a binary min-heap: adding, re-arming and deleting one
 * costs O(log n), and a wait sleeps no longer than the next deadline.
 */
#ifndef LBD_EVLOOP_H
#define LBD_EVLOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

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

struct evtimer;

/* Called once when t's deadline has passed; t is disarmed by then. */
typedef void	(*evtimer_fn)(struct evloop *loop, struct evtimer *t,
		    void *arg);

/*
 * A timer lives inside its owner (no allocation per timer), so an object
 * may own several.  Its fields are the loop's; use the calls below.
 */
struct evtimer {
	uint64_t	 when;		/* deadline, clock_ms() scale */
	uint64_t	 seq;		/* arming order: ties, and runs */
	unsigned	 index;		/* heap position, EVTIMER_IDLE if none */
	evtimer_fn	 fn;
	void		*arg;
};

#define EVTIMER_IDLE	(~0U)

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

/* Set t up, disarmed, to call fn(loop, t, arg).  Cannot fail. */
void		 evtimer_init(struct evtimer *t, evtimer_fn fn, void *arg);

/* Is t waiting for its deadline? */
static inline bool
evtimer_is_armed(const struct evtimer *t)
{
	return (t->index != EVTIMER_IDLE);
}

/*
 * Arm t for the deadline when_ms (clock_ms() scale), or move it there if
 * it is armed already.  O(log n).  0, or -1 with errno ENOMEM.
 */
int		 evloop_timer_add(struct evloop *loop, struct evtimer *t,
		    uint64_t when_ms);

/* Disarm t; nothing happens if it is not armed.  O(log n). */
void		 evloop_timer_del(struct evloop *loop, struct evtimer *t);

/*
 * The loop's clock: clock_ms() as of the last wake-up, which costs
 * nothing to read, for stamping activity and computing deadlines.
 */
uint64_t	 evloop_now(const struct evloop *loop);

/*
 * Wait up to timeout_ms (-1: forever, but never past the next timer) with
 * sigmask in force, then call the callbacks of ready descriptors, then
 * those of the timers whose deadline has passed, earliest first.  A
 * callback may add or delete any fd or timer.  Returns the number of
 * callbacks run, 0 on timeout or signal, -1 on error.
 */
int		 evloop_wait(struct evloop *loop, int timeout_ms,
		    const sigset_t *sigmask);

#endif /* LBD_EVLOOP_H */
