/*
 * Pipes on loan for splice(2).  Pipes cost two descriptors each, so a
 * worker lends a bounded number and keeps the empty ones for reuse rather
 * than making a pipe per burst.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "splice.h"

struct spare {
	int	fds[2];
	size_t	cap;
};

struct splice_pool {
	unsigned	 max;		/* lent at once, at most */
	unsigned	 lent;
	unsigned	 nfree;
	struct spare	*free;		/* empty pipes kept for reuse */
};

struct splice_pool *
splice_pool_new(unsigned max)
{
	struct splice_pool	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->free = calloc(max, sizeof(*p->free))) == NULL) {
		free(p);
		return (NULL);
	}
	p->max = max;
	return (p);
}

void
splice_pool_free(struct splice_pool *p)
{
	if (p == NULL)
		return;
	while (p->nfree > 0) {
		p->nfree--;
		close(p->free[p->nfree].fds[0]);
		close(p->free[p->nfree].fds[1]);
	}
	free(p->free);
	free(p);
}

/* A new pipe of the larger size the budget allows; its size, or -1. */
static ssize_t
make_pipe(int fds[2])
{
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1)
		return (-1);
	if (fcntl(fds[1], F_SETPIPE_SZ, SPLICE_PIPE_BYTES) != -1)
		return (SPLICE_PIPE_BYTES);
	if (fcntl(fds[1], F_SETPIPE_SZ, SPLICE_PIPE_MIN) != -1)
		return (SPLICE_PIPE_MIN);
	/*
	 * Over the per-user pipe budget: the copy path will do.  The
	 * numbers must not stay behind, or the caller would splice into
	 * whatever descriptor gets them next.
	 */
	close(fds[0]);
	close(fds[1]);
	fds[0] = fds[1] = -1;
	return (-1);
}

ssize_t
splice_get(struct splice_pool *p, int fds[2])
{
	ssize_t	cap;

	if (p->lent >= p->max)
		return (-1);
	if (p->nfree > 0) {
		p->nfree--;
		fds[0] = p->free[p->nfree].fds[0];
		fds[1] = p->free[p->nfree].fds[1];
		cap = (ssize_t)p->free[p->nfree].cap;
	} else if ((cap = make_pipe(fds)) == -1)
		return (-1);
	p->lent++;
	return (cap);
}

void
splice_put(struct splice_pool *p, int fds[2], size_t cap, bool empty)
{
	if (fds[0] == -1)
		return;
	p->lent--;
	if (empty && p->nfree < p->max) {
		p->free[p->nfree].fds[0] = fds[0];
		p->free[p->nfree].fds[1] = fds[1];
		p->free[p->nfree++].cap = cap;
	} else {
		close(fds[0]);
		close(fds[1]);
	}
	fds[0] = fds[1] = -1;
}

ssize_t
splice_in(int src, int pipe_w, size_t len)
{
	return (splice(src, NULL, pipe_w, NULL, len,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK));
}

ssize_t
splice_out(int pipe_r, int dst, size_t len)
{
	return (splice(pipe_r, NULL, dst, NULL, len,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK));
}
