/*
 * A pump moves bytes from one descriptor to another: read from src into
 * a bounded buffer (or, once bulk shows, a pipe for splice(2)) and write
 * to dst.  It reads only while it has room, so a slow dst stops the reads
 * from src (backpressure) and memory per pump is fixed.  EOF on src is
 * passed on as shutdown(dst, SHUT_WR) once everything before it is
 * written (half-close), unless the owner says otherwise; an optional
 * byte limit makes it move exactly that many bytes (one HTTP body).
 *
 * A pump knows nothing of clients, backends or protocols: it tells its
 * owner what happened through one callback, and the owner polls the two
 * descriptors for what pump_wants_read() and pump_wants_write() say.
 */
#ifndef LBD_PUMP_H
#define LBD_PUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct buf_pool;
struct splice_pool;
struct pump;

#define PUMP_NOLIMIT	UINT64_MAX

/* What a pump tells its owner; n is a byte count where it applies. */
enum pump_event {
	PUMP_READ = 0,	/* n bytes read from src */
	PUMP_FIRST,	/* the first of them since pump_init() */
	PUMP_WROTE,	/* n bytes written to dst */
	PUMP_END	/* src at EOF or at the limit, and all of it written */
};

/*
 * Called during pump_read() and pump_write().  It may look at and change
 * either pump of its owner, but must not release or free p: the owner
 * acts on the outcome once the call has returned.
 */
typedef void	(*pump_fn)(struct pump *p, enum pump_event ev, size_t n,
		    void *arg);

/* What the pumps of one worker borrow: buffers, and pipes (NULL: none). */
struct pump_pools {
	struct buf_pool		*bufs;
	struct splice_pool	*pipes;
};

/* Fields are pump.c's; the struct is here so owners can embed it. */
struct pump {
	int			 src;
	int			 dst;
	struct pump_pools	*pools;
	struct buf		*buf;		/* copy path: bytes waiting */
	int			 pipe[2];	/* splice path: -1 until bulk */
	size_t			 pipe_cap;	/* its capacity */
	size_t			 piped;		/* bytes waiting in the pipe */
	uint64_t		 left;		/* src may give, or NOLIMIT */
	bool			 eof;		/* src said EOF */
	bool			 ended;		/* PUMP_END reported */
	bool			 pass_eof;	/* shutdown(dst) on src EOF */
	bool			 started;	/* PUMP_FIRST reported */
	pump_fn			 fn;
	void			*arg;
};

/*
 * Set p up to move bytes from src to dst without limit, passing EOF on,
 * calling fn(p, event, n, arg).  Holds no buffer yet.  Cannot fail.
 */
void	pump_init(struct pump *p, struct pump_pools *pools, int src, int dst,
	    pump_fn fn, void *arg);

/* Move limit more bytes at most (PUMP_NOLIMIT: until EOF). */
void	pump_limit(struct pump *p, uint64_t limit);

/* Pass src's EOF on to dst as shutdown(SHUT_WR), or not (still END). */
void	pump_pass_eof(struct pump *p, bool pass);

/*
 * Read from src and write straight on while dst takes it all (a few
 * buffers per call at most).  0, or -1 with errno on a socket error.
 */
int	pump_read(struct pump *p);

/* Write what waits to dst.  0, or -1 with errno on a socket error. */
int	pump_write(struct pump *p);

/* Should src be polled for reading / dst for writing? */
bool	pump_wants_read(const struct pump *p);
bool	pump_wants_write(const struct pump *p);

/* Has p moved everything it will (PUMP_END reported)? */
bool	pump_is_done(const struct pump *p);

/* Did src say EOF (rather than the limit running out)? */
bool	pump_at_eof(const struct pump *p);

/*
 * Give p's buffer and pipe back to the pools; bytes still waiting are
 * dropped.  The descriptors stay open: they are the owner's.
 */
void	pump_release(struct pump *p);

#endif /* LBD_PUMP_H */
