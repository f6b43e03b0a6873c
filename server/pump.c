/*
 * Moving bytes from one descriptor to another.
 *
 * A read fills a buffer lent by the worker's pool, and the buffer goes
 * back as soon as it drains, so an idle pump holds no memory.  A read
 * that fills a whole buffer which then drains at once is bulk: the rest
 * moves through a pipe with splice(2), without a copy through user
 * space, when the worker has a pipe to lend.
 */
#include <sys/socket.h>

#include <errno.h>

#include "buf.h"
#include "pump.h"
#include "splice.h"

#define PUMP_ROUNDS	4	/* reads per wake-up, at most */
#define PUMP_WAKE_BYTES	(1024 * 1024)	/* and bytes, so others get a turn */

void
pump_init(struct pump *p, struct pump_pools *pools, int src, int dst,
    pump_fn fn, void *arg)
{
	p->src = src;
	p->dst = dst;
	p->pools = pools;
	p->buf = NULL;
	p->pipe[0] = p->pipe[1] = -1;
	p->pipe_cap = 0;
	p->piped = 0;
	p->left = PUMP_NOLIMIT;
	p->eof = p->ended = p->started = false;
	p->pass_eof = true;
	p->fn = fn;
	p->arg = arg;
}

void
pump_limit(struct pump *p, uint64_t limit)
{
	p->left = limit;
}

void
pump_pass_eof(struct pump *p, bool pass)
{
	p->pass_eof = pass;
}

bool
pump_is_done(const struct pump *p)
{
	return (p->ended);
}

bool
pump_at_eof(const struct pump *p)
{
	return (p->eof);
}

/* Bytes waiting; a pump with nothing waiting holds no buffer. */
static size_t
waiting(const struct pump *p)
{
	return ((p->buf != NULL ? buf_len(p->buf) : 0) + p->piped);
}

bool
pump_wants_write(const struct pump *p)
{
	return (waiting(p) > 0);
}

bool
pump_wants_read(const struct pump *p)
{
	if (p->eof || p->left == 0)
		return (false);
	if (p->pipe[0] != -1)
		return (p->piped < p->pipe_cap);
	return (p->buf == NULL || buf_space(p->buf) > 0);
}

/* Once src is over and all of it written: pass EOF on, tell the owner. */
static void
maybe_end(struct pump *p)
{
	if (p->ended || (!p->eof && p->left != 0) || waiting(p) > 0)
		return;
	if (p->eof && p->pass_eof)
		shutdown(p->dst, SHUT_WR);
	p->ended = true;
	p->fn(p, PUMP_END, 0, p->arg);
}

int
pump_write(struct pump *p)
{
	ssize_t	n;

	if (waiting(p) > 0) {
		if (p->pipe[0] != -1)
			n = splice_out(p->pipe[0], p->dst, p->piped);
		else
			n = buf_write_to(p->buf, p->dst);
		if (n == -1)
			return (errno == EAGAIN ? 0 : -1);
		if (p->pipe[0] != -1)
			p->piped -= n;
		p->fn(p, PUMP_WROTE, n, p->arg);
	}
	if (p->buf != NULL && buf_len(p->buf) == 0) {
		buf_put(p->pools->bufs, p->buf);
		p->buf = NULL;
	}
	maybe_end(p);
	return (0);
}

/* Bulk is coming: move the rest with splice(2) if a pipe is lent. */
static void
maybe_splice(struct pump *p, ssize_t n)
{
	ssize_t	cap;

	if (n == LBD_BUFSIZE && p->buf == NULL && p->pipe[0] == -1 &&
	    p->pools->pipes != NULL &&
	    (cap = splice_get(p->pools->pipes, p->pipe)) != -1)
		p->pipe_cap = (size_t)cap;
}

/* One read from src, into the pipe or into a buffer, within the limit. */
static ssize_t
take(struct pump *p)
{
	size_t	room;
	ssize_t	n;

	if (p->pipe[0] != -1) {
		room = p->pipe_cap - p->piped;
		n = splice_in(p->src, p->pipe[1], room < p->left ? room :
		    (size_t)p->left);
		if (n > 0)
			p->piped += n;
		return (n);
	}
	if (p->buf == NULL && (p->buf = buf_get(p->pools->bufs)) == NULL) {
		errno = ENOMEM;
		return (-1);
	}
	return (buf_read_upto(p->buf, p->src, p->left < SIZE_MAX ?
	    (size_t)p->left : SIZE_MAX));
}

/* Account for n > 0 bytes just read, and tell the owner. */
static void
took(struct pump *p, size_t n)
{
	if (p->left != PUMP_NOLIMIT)
		p->left -= n;
	if (!p->started) {
		p->started = true;
		p->fn(p, PUMP_FIRST, n, p->arg);
	}
	p->fn(p, PUMP_READ, n, p->arg);
}

/*
 * Read and write at once while dst takes it all: a bulk transfer moves
 * up to PUMP_ROUNDS reads, PUMP_WAKE_BYTES in all, per wake-up instead of
 * one read.  Stops at EAGAIN, EOF, the limit, a short read or a full dst.
 */
int
pump_read(struct pump *p)
{
	ssize_t	n;
	size_t	moved = 0;

	for (int i = 0; i < PUMP_ROUNDS && moved < PUMP_WAKE_BYTES &&
	    pump_wants_read(p); i++) {
		if ((n = take(p)) == -1)
			return (errno == EAGAIN || errno == EINTR ?
			    pump_write(p) : -1);
		if (n == 0)
			p->eof = true;
		else
			took(p, n);
		moved += (size_t)n;
		if (pump_write(p) == -1)
			return (-1);
		maybe_splice(p, n);
		if (n < LBD_BUFSIZE || waiting(p) > 0)
			break;
	}
	return (0);
}

void
pump_release(struct pump *p)
{
	buf_put(p->pools->bufs, p->buf);
	p->buf = NULL;
	splice_put(p->pools->pipes, p->pipe, p->pipe_cap, p->piped == 0);
	p->piped = 0;
}
