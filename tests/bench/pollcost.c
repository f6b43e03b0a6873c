/*
 * pollcost: what one wait costs as idle descriptors pile up, for poll(2)
 * and epoll(7) behind lbd's event loop.  For each count N it registers N
 * idle socketpair ends plus one end that is always readable, then times
 * ROUNDS waits that each return that one event.  Prints one markdown row
 * per N: microseconds per wait for poll and for epoll.
 *
 * usage: pollcost [MAX]   (default 10000; capped by RLIMIT_NOFILE)
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clock.h"
#include "evloop.h"

#define ROUNDS	2000

static void
on_ready(struct evloop *loop, int fd, int events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	(*(unsigned long *)arg)++;
}

/* Microseconds per wait with n idle descriptors and one ready one. */
static double
cost(enum evloop_kind kind, const int *idle, int n, int ready, int maxfd)
{
	struct evloop	*loop = evloop_new(maxfd, kind);
	unsigned long	 fired = 0;
	uint64_t	 t0;

	if (loop == NULL)
		return (-1);
	for (int i = 0; i < n; i++)
		evloop_add(loop, idle[i], EV_READ, on_ready, &fired);
	evloop_add(loop, ready, EV_READ, on_ready, &fired);
	t0 = clock_us();
	for (int r = 0; r < ROUNDS; r++)
		evloop_wait(loop, 0, NULL);
	t0 = clock_us() - t0;
	evloop_free(loop);
	return (fired == ROUNDS ? (double)t0 / ROUNDS : -1);
}

int
main(int argc, char **argv)
{
	static const int	 steps[] = { 10, 100, 1000, 5000, 10000, 20000 };
	struct rlimit		 rl;
	int			 max = argc > 1 ? atoi(argv[1]) : 10000;
	int			*fds, sv[2], n = 0, ready[2];

	getrlimit(RLIMIT_NOFILE, &rl);
	if ((rlim_t)max * 2 + 64 > rl.rlim_cur)
		max = (int)(rl.rlim_cur - 64) / 2;
	if ((fds = calloc(max, sizeof(*fds))) == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, ready) == -1)
		return (1);
	if (write(ready[1], "x", 1) != 1)
		return (1);
	printf("| idle descriptors | poll us/wait | epoll us/wait |\n"
	    "|---:|---:|---:|\n");
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		if (steps[s] > max)
			break;
		for (; n < steps[s]; n++) {
			if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
				return (1);
			fds[n] = sv[0];
		}
		printf("| %d | %.2f | %.2f |\n", n,
		    cost(EVLOOP_POLL, fds, n, ready[0], (int)rl.rlim_cur),
		    cost(EVLOOP_EPOLL, fds, n, ready[0], (int)rl.rlim_cur));
	}
	return (0);
}
