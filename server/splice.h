/*
 * Zero-copy relaying through pipes: splice(2) moves bytes from one socket
 * into a pipe and from the pipe to the other socket without copying them
 * through user space.  A pool lends each worker's pipes to bulk flows.
 */
#ifndef LBD_SPLICE_H
#define LBD_SPLICE_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

/*
 * A pipe's capacity: one that holds a whole 1 MiB body moves it in one
 * pair of splices.  Unprivileged users have a budget of pipe pages
 * (fs.pipe-user-pages-soft, 64 MiB by default), so past it a pipe gets
 * the smaller size, and past that none (the copy path).
 */
#define SPLICE_PIPE_BYTES	(1024 * 1024)
#define SPLICE_PIPE_MIN		(256 * 1024)

struct splice_pool;

/* A pool that lends at most max pipes at once.  NULL on ENOMEM. */
struct splice_pool	*splice_pool_new(unsigned max);

/* Close every pipe of the pool; NULL allowed. */
void			 splice_pool_free(struct splice_pool *p);

/*
 * Lend a pipe: fds[0] to read, fds[1] to write, both non-blocking.  Its
 * capacity in bytes, or -1 when the pool has lent max already or no pipe
 * can be made.
 */
ssize_t			 splice_get(struct splice_pool *p, int fds[2]);

/*
 * Give a pipe back.  An empty one is kept for the next flow; one still
 * holding bytes is closed, and the bytes with it.
 */
void			 splice_put(struct splice_pool *p, int fds[2],
			    size_t cap, bool empty);

/* Move up to len bytes from socket src into the pipe's write end. */
ssize_t			 splice_in(int src, int pipe_w, size_t len);

/* Move up to len bytes from the pipe's read end to socket dst. */
ssize_t			 splice_out(int pipe_r, int dst, size_t len);

#endif /* LBD_SPLICE_H */
