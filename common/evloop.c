/*
 * The event loop.  A per-fd table holds each descriptor's interest and
 * callback for both mechanisms.  With poll(2), registered descriptors sit
 * densely in a pollfd array so each call passes exactly the live set
 * (deleting swaps the last entry into the hole).  With epoll(7), the
 * kernel keeps the set and interest changes are epoll_ctl(2) calls, made
 * only when a mask really changes.
 *
 * Ready events are copied out before any callback runs, so callbacks may
 * reshape the set; a generation number per slot skips an event whose fd
 * was deleted, or closed and reused, meanwhile.
 *
 * Timers are a binary min-heap of pointers ordered by (deadline, arming
 * order); each timer knows its heap index, so re-arming and deleting need
 * no search.  A wait never sleeps past the earliest deadline, and after
 * the descriptors' callbacks it runs the timers that are due.  A timer
 * armed while timers run, for a deadline already passed, waits for the
 * next round: a callback that re-arms itself "now" cannot spin the loop.
 */
#include <sys/epoll.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "evloop.h"

#define INTEREST	(EV_READ | EV_WRITE)

struct slot {
	int		mask;		/* EV_READ | EV_WRITE, 0 = unused */
	bool		exclusive;	/* epoll: EPOLLEXCLUSIVE */
	int		index;		/* poll: position in pfd[] */
	uint32_t	gen;		/* bumped on every forget */
	evloop_fn	fn;
	void		*arg;
};

struct fired {
	int		fd;
	int		events;
	uint32_t	gen;
};

struct evloop {
	enum evloop_kind	 kind;
	int			 maxfds;
	struct slot		*slots;
	struct fired		*fired;
	int			 npfd;		/* poll */
	struct pollfd		*pfd;
	int			 epfd;		/* epoll, -1 for poll */
	struct epoll_event	*events;
	struct evtimer		**heap;		/* min-heap of armed timers */
	unsigned		 ntimers;
	unsigned		 heapcap;
	uint64_t		 seq;		/* next timer's arming order */
	uint64_t		 now;		/* see evloop_now() */
};

int
evloop_kind_parse(const char *name)
{
	if (strcmp(name, "poll") == 0)
		return (EVLOOP_POLL);
	if (strcmp(name, "epoll") == 0)
		return (EVLOOP_EPOLL);
	return (-1);
}

const char *
evloop_kind_name(enum evloop_kind kind)
{
	return (kind == EVLOOP_EPOLL ? "epoll" : "poll");
}

struct evloop *
evloop_new(int maxfds, enum evloop_kind kind)
{
	struct evloop	*loop;

	if ((loop = calloc(1, sizeof(*loop))) == NULL)
		return (NULL);
	loop->kind = kind;
	loop->maxfds = maxfds;
	loop->epfd = -1;
	loop->now = clock_ms();
	loop->slots = calloc(maxfds, sizeof(*loop->slots));
	loop->fired = calloc(maxfds, sizeof(*loop->fired));
	if (kind == EVLOOP_POLL)
		loop->pfd = calloc(maxfds, sizeof(*loop->pfd));
	else {
		loop->events = calloc(maxfds, sizeof(*loop->events));
		loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	}
	if (loop->slots == NULL || loop->fired == NULL ||
	    (kind == EVLOOP_POLL ? loop->pfd == NULL :
	    loop->events == NULL || loop->epfd == -1)) {
		evloop_free(loop);
		errno = ENOMEM;
		return (NULL);
	}
	return (loop);
}

void
evloop_free(struct evloop *loop)
{
	if (loop == NULL)
		return;
	if (loop->epfd != -1)
		close(loop->epfd);
	free(loop->pfd);
	free(loop->events);
	free(loop->slots);
	free(loop->fired);
	free(loop->heap);
	free(loop);
}

void
evloop_close_all(struct evloop *loop)
{
	if (loop == NULL)
		return;
	for (int fd = 0; fd < loop->maxfds; fd++)
		if (loop->slots[fd].mask != 0)
			close(fd);
	evloop_free(loop);
}

static short
poll_events(int mask)
{
	return ((mask & EV_READ ? POLLIN : 0) |
	    (mask & EV_WRITE ? POLLOUT : 0));
}

/* poll: move fd into, within or out of the dense pollfd array. */
static void
poll_apply(struct evloop *loop, int fd, int old, int new)
{
	struct slot	*s = &loop->slots[fd];
	int		 last;

	if (old == 0) {
		s->index = loop->npfd++;
		loop->pfd[s->index].fd = fd;
	} else if (new == 0) {
		last = --loop->npfd;
		if (s->index != last) {
			loop->pfd[s->index] = loop->pfd[last];
			loop->slots[loop->pfd[s->index].fd].index = s->index;
		}
		return;
	}
	loop->pfd[s->index].events = poll_events(new);
}

/* epoll: one epoll_ctl(2), or two for an exclusive fd, which cannot MOD. */
static int
epoll_apply(struct evloop *loop, int fd, int old, int new)
{
	struct epoll_event	ev = { .data.fd = fd };
	const struct slot	*s = &loop->slots[fd];

	ev.events = (new & EV_READ ? EPOLLIN : 0) |
	    (new & EV_WRITE ? EPOLLOUT : 0) |
	    (s->exclusive ? EPOLLEXCLUSIVE : 0);
	/* A descriptor closed meanwhile has left the set by itself. */
	if (old != 0 && (new == 0 || s->exclusive) &&
	    epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL) == -1 &&
	    errno != ENOENT && errno != EBADF)
		return (-1);
	if (new == 0)
		return (0);
	return (epoll_ctl(loop->epfd, old != 0 && !s->exclusive ?
	    EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev));
}

int
evloop_set(struct evloop *loop, int fd, int mask, evloop_fn fn, void *arg)
{
	struct slot	*s;
	int		 old;

	if (fd < 0 || fd >= loop->maxfds) {
		errno = ERANGE;
		return (-1);
	}
	s = &loop->slots[fd];
	old = s->mask;
	if (old == 0)
		s->exclusive = (mask & EV_EXCLUSIVE) != 0;
	mask &= INTEREST;
	s->fn = fn;
	s->arg = arg;
	if (mask == old)
		return (0);
	if (loop->kind == EVLOOP_POLL)
		poll_apply(loop, fd, old, mask);
	else if (epoll_apply(loop, fd, old, mask) == -1)
		return (-1);
	s->mask = mask;
	if (mask == 0)
		s->gen++;
	return (0);
}

void
evloop_forget(struct evloop *loop, int fd)
{
	struct slot	*s;

	if (fd < 0 || fd >= loop->maxfds || loop->slots[fd].mask == 0)
		return;
	s = &loop->slots[fd];
	if (loop->kind == EVLOOP_POLL)
		poll_apply(loop, fd, s->mask, 0);
	s->mask = 0;
	s->gen++;
}

int
evloop_add(struct evloop *loop, int fd, int mask, evloop_fn fn, void *arg)
{
	int	old = evloop_mask(loop, fd);

	return (evloop_set(loop, fd, old | mask, fn, arg));
}

void
evloop_del(struct evloop *loop, int fd, int mask)
{
	struct slot	*s;

	if (fd < 0 || fd >= loop->maxfds || loop->slots[fd].mask == 0)
		return;
	s = &loop->slots[fd];
	(void)evloop_set(loop, fd, s->mask & ~mask, s->fn, s->arg);
}

int
evloop_mask(const struct evloop *loop, int fd)
{
	if (fd < 0 || fd >= loop->maxfds)
		return (0);
	return (loop->slots[fd].mask);
}

static int
ev_bits(int in, int out, int err)
{
	return ((in ? EV_READ : 0) | (out ? EV_WRITE : 0) | (err ? EV_ERROR :
	    0));
}

static void
fire(struct evloop *loop, int n, int fd, int events)
{
	loop->fired[n].fd = fd;
	loop->fired[n].events = events;
	loop->fired[n].gen = loop->slots[fd].gen;
}

/* Wait with poll(2); copy what fired.  The count, or -1. */
static int
wait_poll(struct evloop *loop, const struct timespec *ts,
    const sigset_t *sigmask)
{
	int	n = 0;

	if (ppoll(loop->pfd, loop->npfd, ts, sigmask) == -1)
		return (-1);
	for (int i = 0; i < loop->npfd; i++) {
		const struct pollfd	*p = &loop->pfd[i];

		if (p->revents != 0)
			fire(loop, n++, p->fd, ev_bits(p->revents & POLLIN,
			    p->revents & POLLOUT, p->revents & (POLLERR |
			    POLLHUP | POLLNVAL)));
	}
	return (n);
}

/* Wait with epoll_pwait(2); copy what fired.  The count, or -1. */
static int
wait_epoll(struct evloop *loop, int timeout_ms, const sigset_t *sigmask)
{
	int	n;

	n = epoll_pwait(loop->epfd, loop->events, loop->maxfds, timeout_ms,
	    sigmask);
	for (int i = 0; i < n; i++) {
		uint32_t	e = loop->events[i].events;

		fire(loop, i, loop->events[i].data.fd, ev_bits(e & EPOLLIN,
		    e & EPOLLOUT, e & (EPOLLERR | EPOLLHUP)));
	}
	return (n);
}

uint64_t
evloop_now(const struct evloop *loop)
{
	return (loop->now);
}

void
evtimer_init(struct evtimer *t, evtimer_fn fn, void *arg)
{
	t->when = 0;
	t->seq = 0;
	t->index = EVTIMER_IDLE;
	t->fn = fn;
	t->arg = arg;
}

/* Does a fall due before b?  Equal deadlines go in arming order. */
static bool
earlier(const struct evtimer *a, const struct evtimer *b)
{
	return (a->when < b->when || (a->when == b->when && a->seq < b->seq));
}

static void
heap_place(struct evloop *loop, struct evtimer *t, unsigned i)
{
	loop->heap[i] = t;
	t->index = i;
}

/* Move the timer at i towards the root while it is due earlier. */
static void
sift_up(struct evloop *loop, unsigned i)
{
	struct evtimer	*t = loop->heap[i];
	unsigned	 parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!earlier(t, loop->heap[parent]))
			break;
		heap_place(loop, loop->heap[parent], i);
		i = parent;
	}
	heap_place(loop, t, i);
}

/* Move the timer at i towards the leaves while a child is due earlier. */
static void
sift_down(struct evloop *loop, unsigned i)
{
	struct evtimer	*t = loop->heap[i];
	unsigned	 child;

	while ((child = 2 * i + 1) < loop->ntimers) {
		if (child + 1 < loop->ntimers &&
		    earlier(loop->heap[child + 1], loop->heap[child]))
			child++;
		if (!earlier(loop->heap[child], t))
			break;
		heap_place(loop, loop->heap[child], i);
		i = child;
	}
	heap_place(loop, t, i);
}

/* Room for one more timer; doubling keeps adds O(1) amortized. */
static int
heap_grow(struct evloop *loop)
{
	struct evtimer	**heap;
	unsigned	  cap;

	if (loop->ntimers < loop->heapcap)
		return (0);
	cap = loop->heapcap == 0 ? 64 : loop->heapcap * 2;
	if ((heap = reallocarray(loop->heap, cap, sizeof(*heap))) == NULL) {
		errno = ENOMEM;
		return (-1);
	}
	loop->heap = heap;
	loop->heapcap = cap;
	return (0);
}

int
evloop_timer_add(struct evloop *loop, struct evtimer *t, uint64_t when_ms)
{
	uint64_t	old = t->when;

	if (!evtimer_is_armed(t)) {
		if (heap_grow(loop) == -1)
			return (-1);
		t->when = when_ms;
		t->seq = loop->seq++;
		heap_place(loop, t, loop->ntimers++);
		sift_up(loop, t->index);
		return (0);
	}
	t->when = when_ms;
	t->seq = loop->seq++;
	if (when_ms < old)
		sift_up(loop, t->index);
	else
		sift_down(loop, t->index);
	return (0);
}

void
evloop_timer_del(struct evloop *loop, struct evtimer *t)
{
	unsigned	 i = t->index;
	struct evtimer	*last;

	if (!evtimer_is_armed(t))
		return;
	t->index = EVTIMER_IDLE;
	last = loop->heap[--loop->ntimers];
	if (last == t)
		return;
	/* The last timer fills the hole, then finds its place. */
	heap_place(loop, last, i);
	if (i > 0 && earlier(last, loop->heap[(i - 1) / 2]))
		sift_up(loop, i);
	else
		sift_down(loop, i);
}

/* The caller's timeout, shortened to reach the next deadline. */
static int
timer_timeout(const struct evloop *loop, int timeout_ms)
{
	uint64_t	now, when;

	if (loop->ntimers == 0)
		return (timeout_ms);
	when = loop->heap[0]->when;
	now = clock_ms();
	if (when <= now)
		return (0);
	if (timeout_ms >= 0 && (uint64_t)timeout_ms < when - now)
		return (timeout_ms);
	return (when - now > INT32_MAX ? INT32_MAX : (int)(when - now));
}

/*
 * Run the timers due at loop->now, earliest first.  Those armed during
 * this run (seq from limit on) wait for the next one.
 */
static int
run_timers(struct evloop *loop)
{
	uint64_t	 limit = loop->seq;
	struct evtimer	*t;
	int		 ran = 0;

	while (loop->ntimers > 0) {
		t = loop->heap[0];
		if (t->when > loop->now || t->seq >= limit)
			break;
		evloop_timer_del(loop, t);
		t->fn(loop, t, t->arg);
		ran++;
	}
	return (ran);
}

int
evloop_wait(struct evloop *loop, int timeout_ms, const sigset_t *sigmask)
{
	struct timespec	 ts, *tsp = NULL;
	int		 n, ran = 0;

	timeout_ms = timer_timeout(loop, timeout_ms);
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tsp = &ts;
	}
	n = loop->kind == EVLOOP_POLL ? wait_poll(loop, tsp, sigmask) :
	    wait_epoll(loop, timeout_ms, sigmask);
	loop->now = clock_ms();
	if (n == -1)
		return (errno == EINTR ? run_timers(loop) : -1);
	for (int i = 0; i < n; i++) {
		struct fired	*f = &loop->fired[i];
		struct slot	*s = &loop->slots[f->fd];
		int		 ev;

		/* Skip an fd deleted, or closed and reused, meanwhile. */
		if (s->mask == 0 || s->gen != f->gen)
			continue;
		/* An earlier callback may have narrowed the interest. */
		if ((ev = f->events & (s->mask | EV_ERROR)) == 0)
			continue;
		s->fn(loop, f->fd, ev, s->arg);
		ran++;
	}
	/* Callbacks took time: a deadline may have passed meanwhile. */
	if (loop->ntimers > 0 && n > 0)
		loop->now = clock_ms();
	return (ran + run_timers(loop));
}
