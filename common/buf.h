/*
 * A fixed-capacity byte queue between two sockets: bytes are read in at the
 * tail and written out from the head.  When it drains, both ends rewind, so
 * a relay that keeps up never has to move memory.
 */
#ifndef LBD_BUF_H
#define LBD_BUF_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#define LBD_BUFSIZE	(16 * 1024)

struct buf {
	size_t	head;			/* first byte not yet written out */
	size_t	tail;			/* one past the last byte read in */
	char	data[LBD_BUFSIZE];
};

/* Empty the buffer. */
void	buf_init(struct buf *b);

/* Bytes waiting to be written out. */
size_t	buf_len(const struct buf *b);

/* Room left for reading in (waiting bytes move to the front as needed). */
size_t	buf_space(const struct buf *b);

/*
 * read(2) from fd into the free space.  Returns what read(2) returned:
 * bytes read, 0 at EOF, -1 with errno (EAGAIN when nothing is there).
 * Must not be called when buf_space() is 0.
 */
ssize_t	buf_read_from(struct buf *b, int fd);

/* The same, reading max bytes at most (max > 0). */
ssize_t	buf_read_upto(struct buf *b, int fd, size_t max);

/*
 * send(2) the waiting bytes to fd with MSG_NOSIGNAL.  Returns bytes sent
 * or -1 with errno.  Must not be called when buf_len() is 0.
 */
ssize_t	buf_write_to(struct buf *b, int fd);

/*
 * Buffers on loan.  A relay holds a buffer only while bytes wait in it, so
 * an idle connection costs none; freed buffers wait in the pool (up to
 * keep of them) for the next one.
 */
struct buf_pool;

struct buf_pool	*buf_pool_new(size_t keep);	/* NULL on ENOMEM */
void		 buf_pool_free(struct buf_pool *p);	/* NULL allowed */

/* An empty buffer, from the pool or new; NULL with errno ENOMEM. */
struct buf	*buf_get(struct buf_pool *p);

/* Give b back (NULL allowed); kept for reuse or freed. */
void		 buf_put(struct buf_pool *p, struct buf *b);

/*
 * Blocks of memory on loan, of the size each borrower asks for (HTTP
 * mode's request and response heads with their tables): a block given
 * back waits, up to keep of them, for the next borrower it is big enough
 * for, so pages touched once serve again rather than each connection
 * keeping its own.
 */
struct blk_pool;

struct blk_pool	*blk_pool_new(size_t keep);	/* NULL on ENOMEM */
void		 blk_pool_free(struct blk_pool *p);	/* NULL allowed */

/* A block of size bytes at least (not cleared); NULL with ENOMEM. */
void		*blk_get(struct blk_pool *p, size_t size);

/* Give b back (NULL allowed); kept for reuse or freed. */
void		 blk_put(struct blk_pool *p, void *b);

#endif /* LBD_BUF_H */
