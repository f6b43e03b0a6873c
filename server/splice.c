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

struct splice_pool {
	unsigned	max;		/* lent at once, at most */
	unsigned	lent;
	unsigned	nfree;
	int		(*free)[2];	/* empty pipes kept for reuse */
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
		close(p->free[p->nfree][0]);
		close(p->free[p->nfree][1]);
	}
	free(p->free);
	free(p);
}

int
splice_get(struct splice_pool *p, int fds[2])
{
	if (p->lent >= p->max)
		return (-1);
	if (p->nfree > 0) {
		p->nfree--;
		fds[0] = p->free[p->nfree][0];
		fds[1] = p->free[p->nfree][1];
	} else if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1)
		return (-1);
	else if (fcntl(fds[1], F_SETPIPE_SZ, SPLICE_PIPE_BYTES) == -1) {
		/* Over the per-user pipe budget: the copy path will do. */
		close(fds[0]);
		close(fds[1]);
		return (-1);
	}
	p->lent++;
	return (0);
}

void
splice_put(struct splice_pool *p, int fds[2], bool empty)
{
	if (fds[0] == -1)
		return;
	p->lent--;
	if (empty && p->nfree < p->max) {
		p->free[p->nfree][0] = fds[0];
		p->free[p->nfree++][1] = fds[1];
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
