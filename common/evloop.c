/*
 * poll(2) event loop.  Registered descriptors sit densely in a pollfd array
 * so each ppoll(2) passes exactly the live set; a per-fd table maps back to
 * the callback.  Deleting swaps the last entry into the hole.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "evloop.h"

struct slot {
	int		mask;		/* EV_READ | EV_WRITE, 0 = unused */
	int		index;		/* position in pfd[] */
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
	int		 maxfds;
	int		 npfd;
	struct pollfd	*pfd;
	struct slot	*slots;
	struct fired	*fired;
};

struct evloop *
evloop_new(int maxfds)
{
	struct evloop	*loop;

	if ((loop = calloc(1, sizeof(*loop))) == NULL)
		return (NULL);
	loop->maxfds = maxfds;
	loop->pfd = calloc(maxfds, sizeof(*loop->pfd));
	loop->slots = calloc(maxfds, sizeof(*loop->slots));
	loop->fired = calloc(maxfds, sizeof(*loop->fired));
	if (loop->pfd == NULL || loop->slots == NULL || loop->fired == NULL) {
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
	free(loop->pfd);
	free(loop->slots);
	free(loop->fired);
	free(loop);
}

void
evloop_close_all(struct evloop *loop)
{
	if (loop == NULL)
		return;
	for (int i = 0; i < loop->npfd; i++)
		close(loop->pfd[i].fd);
	evloop_free(loop);
}

static short
poll_events(int mask)
{
	return ((mask & EV_READ ? POLLIN : 0) | (mask & EV_WRITE ? POLLOUT : 0));
}

int
evloop_add(struct evloop *loop, int fd, int mask, evloop_fn fn, void *arg)
{
	struct slot	*s;

	if (fd < 0 || fd >= loop->maxfds) {
		errno = ERANGE;
		return (-1);
	}
	s = &loop->slots[fd];
	if (s->mask == 0) {
		s->index = loop->npfd++;
		loop->pfd[s->index].fd = fd;
	}
	s->mask |= mask;
	s->fn = fn;
	s->arg = arg;
	loop->pfd[s->index].events = poll_events(s->mask);
	return (0);
}

/* Drop fd from the poll array, moving the last entry into its place. */
static void
forget(struct evloop *loop, int fd)
{
	struct slot	*s = &loop->slots[fd];
	int		 last = --loop->npfd;

	if (s->index != last) {
		loop->pfd[s->index] = loop->pfd[last];
		loop->slots[loop->pfd[s->index].fd].index = s->index;
	}
	s->mask = 0;
	s->gen++;
}

void
evloop_del(struct evloop *loop, int fd, int mask)
{
	struct slot	*s;

	if (fd < 0 || fd >= loop->maxfds || loop->slots[fd].mask == 0)
		return;
	s = &loop->slots[fd];
	s->mask &= ~mask;
	if (s->mask == 0)
		forget(loop, fd);
	else
		loop->pfd[s->index].events = poll_events(s->mask);
}

int
evloop_mask(const struct evloop *loop, int fd)
{
	if (fd < 0 || fd >= loop->maxfds)
		return (0);
	return (loop->slots[fd].mask);
}

/* Copy out what fired, so callbacks may reshape pfd[] while we dispatch. */
static int
collect(struct evloop *loop)
{
	int	n = 0;

	for (int i = 0; i < loop->npfd; i++) {
		struct pollfd	*p = &loop->pfd[i];
		int		 ev = 0;

		if (p->revents == 0)
			continue;
		if (p->revents & POLLIN)
			ev |= EV_READ;
		if (p->revents & POLLOUT)
			ev |= EV_WRITE;
		if (p->revents & (POLLERR | POLLHUP | POLLNVAL))
			ev |= EV_ERROR;
		loop->fired[n].fd = p->fd;
		loop->fired[n].events = ev;
		loop->fired[n++].gen = loop->slots[p->fd].gen;
	}
	return (n);
}

int
evloop_wait(struct evloop *loop, int timeout_ms, const sigset_t *sigmask)
{
	struct timespec	 ts, *tsp = NULL;
	int		 n, ran = 0;

	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tsp = &ts;
	}
	if ((n = ppoll(loop->pfd, loop->npfd, tsp, sigmask)) == -1)
		return (errno == EINTR ? 0 : -1);
	if (n == 0)
		return (0);
	n = collect(loop);
	for (int i = 0; i < n; i++) {
		struct fired	*f = &loop->fired[i];
		struct slot	*s = &loop->slots[f->fd];
		int		 ev;

		/* Skip a descriptor deleted, or closed and reused, meanwhile. */
		if (s->mask == 0 || s->gen != f->gen)
			continue;
		/* An earlier callback may have narrowed the interest. */
		if ((ev = f->events & (s->mask | EV_ERROR)) == 0)
			continue;
		s->fn(loop, f->fd, ev, s->arg);
		ran++;
	}
	return (ran);
}
