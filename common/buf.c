/*
 * Relay buffer.
 */
#include <sys/socket.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

void
buf_init(struct buf *b)
{
	b->head = b->tail = 0;
}

size_t
buf_len(const struct buf *b)
{
	return (b->tail - b->head);
}

size_t
buf_space(const struct buf *b)
{
	return (sizeof(b->data) - buf_len(b));
}

/* Move waiting bytes to the front when the tail has hit the end. */
static void
compact(struct buf *b)
{
	if (b->tail < sizeof(b->data) || b->head == 0)
		return;
	memmove(b->data, b->data + b->head, buf_len(b));
	b->tail -= b->head;
	b->head = 0;
}

ssize_t
buf_read_from(struct buf *b, int fd)
{
	return (buf_read_upto(b, fd, sizeof(b->data)));
}

ssize_t
buf_read_upto(struct buf *b, int fd, size_t max)
{
	size_t	room;
	ssize_t	n;

	compact(b);
	room = sizeof(b->data) - b->tail;
	if ((n = read(fd, b->data + b->tail, room < max ? room : max)) > 0)
		b->tail += n;
	return (n);
}

ssize_t
buf_write_to(struct buf *b, int fd)
{
	ssize_t	n;

	n = send(fd, b->data + b->head, buf_len(b), MSG_NOSIGNAL);
	if (n > 0) {
		b->head += n;
		if (b->head == b->tail)		/* drained: rewind */
			b->head = b->tail = 0;
	}
	return (n);
}

struct buf_pool {
	size_t		 keep;
	size_t		 n;
	struct buf	*free[];
};

struct buf_pool *
buf_pool_new(size_t keep)
{
	struct buf_pool	*p;

	if ((p = calloc(1, sizeof(*p) + keep * sizeof(p->free[0]))) == NULL)
		return (NULL);
	p->keep = keep;
	return (p);
}

void
buf_pool_free(struct buf_pool *p)
{
	if (p == NULL)
		return;
	while (p->n > 0)
		free(p->free[--p->n]);
	free(p);
}

struct buf *
buf_get(struct buf_pool *p)
{
	struct buf	*b;

	if (p->n > 0)
		b = p->free[--p->n];
	else if ((b = malloc(sizeof(*b))) == NULL)
		return (NULL);
	buf_init(b);
	return (b);
}

void
buf_put(struct buf_pool *p, struct buf *b)
{
	if (b == NULL)
		return;
	if (p->n < p->keep)
		p->free[p->n++] = b;
	else
		free(b);
}

/* Before each block: its size, aligned for whatever the block holds. */
union blk_hdr {
	size_t		size;
	max_align_t	align;
};

struct blk_pool {
	size_t		 keep;
	size_t		 n;
	union blk_hdr	*free[];
};

struct blk_pool *
blk_pool_new(size_t keep)
{
	struct blk_pool	*p;

	if ((p = calloc(1, sizeof(*p) + keep * sizeof(p->free[0]))) == NULL)
		return (NULL);
	p->keep = keep;
	return (p);
}

void
blk_pool_free(struct blk_pool *p)
{
	if (p == NULL)
		return;
	while (p->n > 0)
		free(p->free[--p->n]);
	free(p);
}

/*
 * The last block given back when it is big enough; one too small (a
 * service with larger limits borrows now) is freed for a new one.
 */
void *
blk_get(struct blk_pool *p, size_t size)
{
	union blk_hdr	*h = NULL;

	if (p->n > 0) {
		h = p->free[--p->n];
		if (h->size < size) {
			free(h);
			h = NULL;
		}
	}
	if (h == NULL) {
		if ((h = malloc(sizeof(*h) + size)) == NULL)
			return (NULL);
		h->size = size;
	}
	return (h + 1);
}

void
blk_put(struct blk_pool *p, void *b)
{
	union blk_hdr	*h;

	if (b == NULL)
		return;
	h = (union blk_hdr *)b - 1;
	if (p->n < p->keep)
		p->free[p->n++] = h;
	else
		free(h);
}
