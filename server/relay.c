/*
 * The life of a client connection inside a worker:
 *
 *   accept -> pick -> connect (retry on another backend) -> relay -> close
 *
 * Each direction is a flow: bytes read from its source into a bounded
 * buffer and written to its destination.  A flow reads only while its
 * buffer has room, so a slow reader stops the writer on the other side
 * (backpressure) and memory per connection is fixed.  EOF on a source is
 * passed on as shutdown(SHUT_WR) once the buffer has drained (half-close);
 * the connection ends when both flows have done so.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "balance.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "evloop.h"
#include "lbd.h"
#include "log.h"
#include "net.h"
#include "relay.h"
#include "runtime.h"
#include "shm.h"
#include "splice.h"

#define PUMP_ROUNDS	4	/* buffers moved per wake-up, at most */
#define POOL_KEEP	256	/* free buffers a worker keeps */
#define PIPES_MAX	64	/* pipes a worker lends: two fds each */

enum conn_state {
	CONN_PICKING = 0,	/* no backend yet */
	CONN_QUEUED,		/* every backend full: waiting for a slot */
	CONN_CONNECTING,	/* connect(2) in progress */
	CONN_RELAYING
};

struct flow {
	int		 src;
	int		 dst;
	struct buf	*buf;		/* copy path: bytes waiting, or NULL */
	int		 pipe[2];	/* splice path: -1 until bulk is seen */
	size_t		 piped;		/* bytes waiting in the pipe */
	bool		 eof;		/* src said EOF */
	bool		 shut;		/* dst shut down for writing */
};

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	TAILQ_ENTRY(conn)	 qentry;	/* in r->queue when queued */
	struct relay		*r;
	enum conn_state		 state;
	int			 cfd;		/* client */
	int			 sfd;		/* backend, -1 none */
	unsigned		 svc;		/* index in env->services */
	int			 be;		/* index in service, -1 none */
	unsigned		 attempts;	/* connects started */
	uint64_t		 tried[LBD_MAX_BACKENDS / 64];
	uint64_t		 start_ms;
	uint64_t		 deadline_ms;	/* connect or queue timeout */
	uint64_t		 connect_us;	/* when connect(2) began */
	uint64_t		 connected_us;	/* when it completed */
	uint64_t		 sent_us;	/* first request byte sent */
	bool			 measured;	/* response time sampled */
	uint64_t		 hash;		/* of the client address */
	uint64_t		 client_seen_ms;
	uint64_t		 server_seen_ms;
	uint64_t		 bytes_in;	/* client -> backend */
	uint64_t		 bytes_out;	/* backend -> client */
	uint64_t		 counted_in;	/* of those, in the shared */
	uint64_t		 counted_out;	/* region already */
	struct flow		 up;		/* client -> backend */
	struct flow		 down;		/* backend -> client */
	char			 client[NET_ADDRSTRLEN];
};

struct relay {
	struct lbd		*env;
	struct evloop		*loop;
	struct buf_pool		*pool;		/* buffers on loan to flows */
	struct splice_pool	*splice;	/* pipes on loan, NULL: none */
	unsigned		 wslot;
	unsigned		 count;
	unsigned		 nqueued;
	int			 shortage;	/* see relay_shortage() */
	uint64_t		 rng;		/* xorshift state for random */
	TAILQ_HEAD(, conn)	 conns;
	TAILQ_HEAD(, conn)	 queue;		/* oldest first */
};

static void	connect_next(struct conn *);
static void	dequeue(struct conn *);

struct relay *
relay_new(struct lbd *env, struct evloop *loop, unsigned wslot)
{
	struct relay	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	if ((r->pool = buf_pool_new(POOL_KEEP)) == NULL) {
		free(r);
		return (NULL);
	}
	/* Without pipes bulk still flows, copied. */
	if (getenv("LBD_SPLICE") == NULL || strcmp(getenv("LBD_SPLICE"), "0"))
		r->splice = splice_pool_new(PIPES_MAX);
	r->env = env;
	r->loop = loop;
	r->wslot = wslot;
	r->rng = ((uint64_t)getpid() << 32) ^ clock_us() ^
	    0x9e3779b97f4a7c15ULL;
	TAILQ_INIT(&r->conns);
	TAILQ_INIT(&r->queue);
	return (r);
}

int
relay_shortage(struct relay *r)
{
	int	err = r->shortage;

	r->shortage = 0;
	return (err);
}

unsigned
relay_count(const struct relay *r)
{
	return (r->count);
}

static struct service *
conn_service(const struct conn *c)
{
	return (&c->r->env->services[c->svc]);
}

static const struct backend_config *
conn_backend(const struct conn *c, int be)
{
	return (&conn_service(c)->conf->backends[be]);
}

static struct shm_backend *
conn_shm_backend(const struct conn *c)
{
	return (backend_shm(c->r->env, conn_service(c), (unsigned)c->be));
}

/* One access line per closed connection, when log.access is on. */
static void
log_access(const struct conn *c, const char *result)
{
	if (!c->r->env->conf->log.access)
		return;
	log_info("access service=%s client=%s backend=%s duration_ms=%llu "
	    "bytes_in=%llu bytes_out=%llu result=%s",
	    conn_service(c)->conf->name, c->client,
	    c->be >= 0 ? conn_backend(c, c->be)->name : "-",
	    (unsigned long long)(clock_ms() - c->start_ms),
	    (unsigned long long)c->bytes_in, (unsigned long long)c->bytes_out,
	    result);
}

/*
 * Add the bytes moved since the last call to the backend's shared
 * counters.  Done at close and at each sweep rather than per write: the
 * counters' cache line is shared by every worker, and bouncing it on each
 * send cost more than the send.
 */
static void
count_bytes(struct conn *c)
{
	struct shm_backend	*sb;

	if (c->be < 0 || (c->bytes_in == c->counted_in &&
	    c->bytes_out == c->counted_out))
		return;
	sb = conn_shm_backend(c);
	atomic_fetch_add_explicit(&sb->bytes_in, c->bytes_in - c->counted_in,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&sb->bytes_out,
	    c->bytes_out - c->counted_out, memory_order_relaxed);
	c->counted_in = c->bytes_in;
	c->counted_out = c->bytes_out;
}

/* Let go of the backend: its descriptor and its active count. */
static void
drop_backend(struct conn *c)
{
	struct relay	*r = c->r;

	count_bytes(c);
	if (c->sfd != -1) {
		evloop_forget(r->loop, c->sfd);	/* ours alone: close does it */
		close(c->sfd);
		c->sfd = -1;
	}
	if (c->be >= 0)
		shm_backend_release(r->env->shm, r->wslot,
		    conn_service(c)->be_slot[c->be]);
}

/*
 * Sample the backend's response time once, rt_us long, at now_us: see
 * measure_first_byte() and conn_close() for what each sample is.
 */
static void
measure(struct conn *c, uint64_t rt_us, uint64_t now_us)
{
	if (c->measured || c->connected_us == 0)
		return;
	c->measured = true;
	shm_backend_sample_rt(conn_shm_backend(c), rt_us, now_us / 1000);
}

/*
 * The backend's first byte, at now_us: connect time plus its wait since
 * it was asked, not counting the time the client took to send its first
 * bytes.
 */
static void
measure_first_byte(struct conn *c, uint64_t now_us)
{
	uint64_t	asked = c->sent_us > c->connected_us ? c->sent_us :
			    c->connected_us;

	measure(c, c->connected_us - c->connect_us + (now_us - asked),
	    now_us);
}

static void
conn_close(struct conn *c, const char *result)
{
	struct relay	*r = c->r;

	log_access(c, result);
	dequeue(c);
	/* A backend that never spoke is sampled on its connect time. */
	if (c->state == CONN_RELAYING && !c->measured)
		measure(c, c->connected_us - c->connect_us, clock_us());
	drop_backend(c);
	evloop_forget(r->loop, c->cfd);
	close(c->cfd);
	shm_service_close(r->env->shm, r->wslot, conn_service(c)->slot);
	shm_conn_release(r->env->shm, r->wslot);
	TAILQ_REMOVE(&r->conns, c, entry);
	r->count--;
	buf_put(r->pool, c->up.buf);
	buf_put(r->pool, c->down.buf);
	splice_put(r->splice, c->up.pipe, c->up.piped == 0);
	splice_put(r->splice, c->down.pipe, c->down.piped == 0);
	free(c);
}

/* No backend will take this client: close it and count the rejection. */
static void
give_up(struct conn *c, const char *result)
{
	struct shm_service	*ss;

	ss = shm_service(c->r->env->shm, conn_service(c)->slot);
	atomic_fetch_add_explicit(&ss->rejected, 1, memory_order_relaxed);
	log_info("rejected service=%s client=%s result=%s attempts=%u",
	    conn_service(c)->conf->name, c->client, result, c->attempts);
	conn_close(c, result);
}

/* source balancing hashes the client's address, not its port. */
static uint64_t
hash_client(const struct net_addr *peer)
{
	const struct sockaddr_in	*s4 = (const void *)&peer->ss;
	const struct sockaddr_in6	*s6 = (const void *)&peer->ss;

	if (peer->ss.ss_family == AF_INET6)
		return (balance_hash(&s6->sin6_addr, sizeof(s6->sin6_addr)));
	return (balance_hash(&s4->sin_addr, sizeof(s4->sin_addr)));
}

void
relay_start(struct relay *r, int fd, unsigned svc, const struct net_addr *peer)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s: calloc", __func__);
		close(fd);
		shm_conn_release(r->env->shm, r->wslot);
		return;
	}
	c->r = r;
	c->cfd = fd;
	c->sfd = -1;
	c->up.pipe[0] = c->up.pipe[1] = -1;
	c->down.pipe[0] = c->down.pipe[1] = -1;
	c->svc = svc;
	c->be = -1;
	c->start_ms = clock_ms();
	if (conn_service(c)->conf->balance == BALANCE_SOURCE)
		c->hash = hash_client(peer);
	net_addr_format(peer, c->client, sizeof(c->client));
	TAILQ_INSERT_TAIL(&r->conns, c, entry);
	r->count++;
	shm_service_open(r->env->shm, r->wslot, r->env->services[svc].slot);
	connect_next(c);
}

static bool
was_tried(const struct conn *c, unsigned be)
{
	return ((c->tried[be / 64] >> (be % 64)) & 1);
}

/* What the balancing callbacks need for one pick. */
struct pick_ctx {
	struct conn	*c;
	uint64_t	 now;
	uint64_t	 avg_rt;	/* service mean, for the unmeasured */
	bool		 ignore_full;	/* does only maxconn block? */
};

static bool
is_full(const struct conn *c, unsigned be)
{
	unsigned	max = conn_backend(c, be)->maxconn;

	return (max != 0 && atomic_load_explicit(&backend_shm(c->r->env,
	    conn_service(c), be)->active, memory_order_relaxed) >= max);
}

/* Up, not yet tried by this client, and (unless ignored) not full. */
static bool
usable(unsigned be, void *arg)
{
	const struct pick_ctx	*pc = arg;
	struct conn		*c = pc->c;

	if (was_tried(c, be) || !backend_is_up(c->r->env, conn_service(c), be,
	    pc->now))
		return (false);
	return (pc->ignore_full || !is_full(c, be));
}

static void
load(unsigned be, void *arg, struct balance_load *out)
{
	const struct pick_ctx	*pc = arg;
	struct conn		*c = pc->c;
	struct service		*s = conn_service(c);

	out->active = atomic_load_explicit(&backend_shm(c->r->env, s,
	    be)->active, memory_order_relaxed);
	out->weight = backend_weight(c->r->env, s, be);
	out->ramp = backend_ramp(c->r->env, s, be, pc->now);
	/* Only leasttime weighs response times: spare the others the reads. */
	out->rt_us = s->conf->balance != BALANCE_LEASTTIME ? 0 :
	    backend_rt(c->r->env, s, be, pc->avg_rt, pc->now);
}

/* What balance_pick() and balance_any() read for pool. */
static struct balance_input
pool_input(struct conn *c, enum balance_pool pool, struct pick_ctx *pc)
{
	struct shm_service	*ss = shm_service(c->r->env->shm,
				    conn_service(c)->slot);
	struct balance_input	 in = {
		.cursor = pool == POOL_PRIMARY ? &ss->rr_cursor :
		    &ss->rr_backup,
		.rng = &c->r->rng,
		.hash = c->hash,
		.usable = usable,
		.load = load,
		.arg = pc
	};

	return (in);
}

/* Is some member of pool up and untried, full or not? */
static bool
pool_left(struct conn *c, enum balance_pool pool, struct pick_ctx *pc)
{
	struct balance_input	in;
	bool			ignored = pc->ignore_full, any;

	pc->ignore_full = true;
	in = pool_input(c, pool, pc);
	any = balance_any(conn_service(c)->balance, pool, &in);
	pc->ignore_full = ignored;
	return (any);
}

/* A weight changed over the control socket: rebuild our balancer. */
static void
refresh_balance(struct conn *c)
{
	struct service		*s = conn_service(c);
	struct shm_service	*ss = shm_service(c->r->env->shm, s->slot);

	if (atomic_load_explicit(&ss->weights_gen, memory_order_acquire) !=
	    s->weights_gen && runtime_rebalance(c->r->env, s) == -1)
		log_warn("%s: cannot rebuild service=%s", __func__,
		    s->conf->name);
}

/*
 * Choose a backend this client has not tried.  Backups are considered
 * only when no primary is left: none up, all weighted 0 for now, or all
 * already failed for it.
 * Sets *full when backends are there but all at their maxconn.
 */
static int
pick(struct conn *c, bool *full)
{
	struct pick_ctx		pc = { .c = c, .now = clock_ms() };
	enum balance_pool	pool = POOL_PRIMARY;
	struct balance_input	in;
	int			be;

	refresh_balance(c);
	if (conn_service(c)->conf->balance == BALANCE_LEASTTIME)
		pc.avg_rt = backend_rt_average(c->r->env, conn_service(c));
	if (!pool_left(c, POOL_PRIMARY, &pc))
		pool = POOL_BACKUP;
	in = pool_input(c, pool, &pc);
	if ((be = balance_pick(conn_service(c)->balance, pool, &in)) != -1)
		return (be);
	*full = pool_left(c, pool, &pc);
	return (-1);
}

static void
count_connect_failure(struct conn *c, int err)
{
	backend_connect_failed(c->r->env, conn_service(c), c->be,
	    net_connect_reason(err), clock_ms());
	log_info("connect failed service=%s backend=%s client=%s "
	    "reason=\"%s\"", conn_service(c)->conf->name,
	    conn_backend(c, c->be)->name, c->client, net_connect_reason(err));
}

/* A connect to c->be failed: count it, let go, and try the next one. */
static void
connect_failed(struct conn *c, int err)
{
	count_connect_failure(c, err);
	drop_backend(c);
	c->be = -1;
	c->state = CONN_PICKING;
	connect_next(c);
}

static void	on_connect(struct evloop *, int, int, void *);
static void	on_client(struct evloop *, int, int, void *);
static void	on_server(struct evloop *, int, int, void *);

enum { START_OK, START_FAILED, START_SHORT };

/* Begin a non-blocking connect to be; see the START_ values. */
static int
start_connect(struct conn *c, int be)
{
	struct relay	*r = c->r;
	unsigned	 slot = conn_service(c)->be_slot[be];

	/* Lost a race for the last slot under maxconn: not a failure. */
	if (!shm_backend_acquire(r->env->shm, r->wslot, slot,
	    conn_backend(c, be)->maxconn))
		return (START_FAILED);
	c->tried[be / 64] |= 1ULL << (be % 64);
	c->be = be;
	c->attempts++;
	if ((c->sfd = net_connect(&conn_backend(c, be)->addr)) == -1 ||
	    evloop_add(r->loop, c->sfd, EV_WRITE, on_connect, c) == -1) {
		int	err = errno;
		bool	ours = net_local_shortage(err);

		/*
		 * Blaming the backend for our shortage would take a healthy
		 * one out of service for every worker.
		 */
		if (ours)
			r->shortage = err;
		else
			count_connect_failure(c, err);
		drop_backend(c);
		c->be = -1;
		return (ours ? START_SHORT : START_FAILED);
	}
	dequeue(c);		/* before the state says it is not queued */
	c->state = CONN_CONNECTING;
	c->connect_us = clock_us();
	c->deadline_ms = clock_ms() +
	    conn_service(c)->conf->timeouts.connect_ms;
	return (START_OK);
}

/* Wait for a backend slot to free, up to timeouts.queue. */
static void
enqueue(struct conn *c)
{
	struct relay	*r = c->r;

	if (c->state != CONN_QUEUED) {
		c->state = CONN_QUEUED;
		c->deadline_ms = clock_ms() +
		    conn_service(c)->conf->timeouts.queue_ms;
		TAILQ_INSERT_TAIL(&r->queue, c, qentry);
		r->nqueued++;
	}
}

static void
dequeue(struct conn *c)
{
	if (c->state != CONN_QUEUED)
		return;
	TAILQ_REMOVE(&c->r->queue, c, qentry);
	c->r->nqueued--;
	c->state = CONN_PICKING;
}

/* Try backends until a connect is under way or the tries run out. */
static void
connect_next(struct conn *c)
{
	unsigned	max = conn_service(c)->conf->retries + 1;
	bool		full = false;
	int		be;

	while (c->attempts < max) {
		if ((be = pick(c, &full)) == -1)
			break;
		switch (start_connect(c, be)) {
		case START_OK:
			return;
		case START_SHORT:
			give_up(c, "local_shortage");
			return;
		}
	}
	if (full) {
		enqueue(c);
		return;
	}
	give_up(c, c->attempts == 0 ? "no_backend" : "connect_failed");
}

/* Bytes waiting in a flow; a flow with nothing waiting holds no buffer. */
static size_t
waiting(const struct flow *f)
{
	return ((f->buf != NULL ? buf_len(f->buf) : 0) + f->piped);
}

static bool
wants_read(const struct flow *f)
{
	if (f->eof)
		return (false);
	if (f->pipe[0] != -1)
		return (f->piped < SPLICE_PIPE_BYTES);
	return (f->buf == NULL || buf_space(f->buf) > 0);
}

/* Poll each side for what its flows can do now. */
static void
update_interest(struct conn *c)
{
	int	cmask, smask;

	cmask = (wants_read(&c->up) ? EV_READ : 0) |
	    (waiting(&c->down) > 0 ? EV_WRITE : 0);
	smask = (wants_read(&c->down) ? EV_READ : 0) |
	    (waiting(&c->up) > 0 ? EV_WRITE : 0);
	/* Unchanged masks, the common case, cost no system call. */
	if (evloop_set(c->r->loop, c->cfd, cmask, on_client, c) == -1 ||
	    evloop_set(c->r->loop, c->sfd, smask, on_server, c) == -1)
		log_warn("%s: evloop_set", __func__);
}

static void
connected(struct conn *c)
{
	uint64_t	now = clock_ms();

	c->up.src = c->down.dst = c->cfd;
	c->up.dst = c->down.src = c->sfd;
	c->state = CONN_RELAYING;
	c->client_seen_ms = c->server_seen_ms = now;
	atomic_fetch_add_explicit(&conn_shm_backend(c)->total, 1,
	    memory_order_relaxed);
	c->connected_us = clock_us();
	update_interest(c);
}

static void
on_connect(struct evloop *loop, int fd, int events, void *arg)
{
	struct conn	*c = arg;
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	(void)loop;
	/* Writable without an error condition: connected, nothing to ask. */
	if ((events & EV_ERROR) &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		connect_failed(c, err);
		return;
	}
	connected(c);
}

static void
touch(struct conn *c, int fd)
{
	if (fd == c->cfd)
		c->client_seen_ms = clock_ms();
	else
		c->server_seen_ms = clock_ms();
}

/* Pass a source's EOF on, once everything before it is written. */
static void
maybe_shut(struct conn *c, struct flow *f)
{
	const struct flow	*other = f == &c->up ? &c->down : &c->up;

	if (!f->eof || f->shut || waiting(f) > 0)
		return;
	/* The last direction to finish: close(2) comes next and sends FIN. */
	if (!other->shut)
		shutdown(f->dst, SHUT_WR);
	f->shut = true;
}

/*
 * Write what f holds to its destination, and give the buffer back once
 * it has drained.  -1 on a socket error.
 */
static int
flush(struct conn *c, struct flow *f)
{
	ssize_t	n;

	if (waiting(f) > 0) {
		if (f->pipe[0] != -1)
			n = splice_out(f->pipe[0], f->dst, f->piped);
		else
			n = buf_write_to(f->buf, f->dst);
		if (n == -1)
			return (errno == EAGAIN ? 0 : -1);
		if (f->pipe[0] != -1)
			f->piped -= n;
		touch(c, f->dst);
		if (f == &c->up) {
			if (c->sent_us == 0)
				c->sent_us = clock_us();
			c->bytes_in += n;
		} else
			c->bytes_out += n;
	}
	if (f->buf != NULL && buf_len(f->buf) == 0) {
		buf_put(c->r->pool, f->buf);
		f->buf = NULL;
	}
	maybe_shut(c, f);
	return (0);
}

/*
 * Bulk is coming (a read filled a whole buffer, and it drained): move the
 * rest of the flow with splice(2), when the worker has a pipe to lend.
 */
static void
maybe_splice(struct conn *c, struct flow *f, ssize_t n)
{
	if (n == LBD_BUFSIZE && f->buf == NULL && f->pipe[0] == -1 &&
	    c->r->splice != NULL)
		(void)splice_get(c->r->splice, f->pipe);
}

/* One read from f's source, into the pipe or into a buffer. */
static ssize_t
take(struct conn *c, struct flow *f)
{
	ssize_t	n;

	if (f->pipe[0] != -1) {
		n = splice_in(f->src, f->pipe[1], SPLICE_PIPE_BYTES - f->piped);
		if (n > 0)
			f->piped += n;
		return (n);
	}
	if (f->buf == NULL && (f->buf = buf_get(c->r->pool)) == NULL) {
		errno = ENOMEM;
		return (-1);
	}
	return (buf_read_from(f->buf, f->src));
}

/*
 * Read from f's source and write at once while the far side takes it
 * all: a bulk transfer moves PUMP_ROUNDS buffers per wake-up instead of
 * one.  Stops at EAGAIN, EOF, a short read or a full destination.
 */
static int
fill(struct conn *c, struct flow *f)
{
	ssize_t	n;

	for (int i = 0; i < PUMP_ROUNDS && wants_read(f); i++) {
		if ((n = take(c, f)) == -1)
			return (errno == EAGAIN || errno == EINTR ?
			    flush(c, f) : -1);
		if (n == 0)
			f->eof = true;
		else
			touch(c, f->src);
		if (n > 0 && f == &c->down && !c->measured)
			measure_first_byte(c, clock_us());
		if (flush(c, f) == -1)
			return (-1);
		maybe_splice(c, f, n);
		if (n < LBD_BUFSIZE || waiting(f) > 0)
			break;
	}
	return (0);
}

/*
 * Events on one side: in is the flow it feeds, out the flow it drains.
 * POLLHUP and POLLERR are handled by trying the read or write they concern.
 */
static void
on_side(struct conn *c, struct flow *in, struct flow *out, int events)
{
	if ((events & (EV_READ | EV_ERROR)) && wants_read(in) &&
	    fill(c, in) == -1) {
		conn_close(c, "reset");
		return;
	}
	if ((events & (EV_WRITE | EV_ERROR)) && flush(c, out) == -1) {
		conn_close(c, "reset");
		return;
	}
	if (c->up.shut && c->down.shut) {
		conn_close(c, "ok");
		return;
	}
	update_interest(c);
}

static void
on_client(struct evloop *loop, int fd, int events, void *arg)
{
	struct conn	*c = arg;

	(void)loop;
	(void)fd;
	on_side(c, &c->up, &c->down, events);
}

static void
on_server(struct evloop *loop, int fd, int events, void *arg)
{
	struct conn	*c = arg;

	(void)loop;
	(void)fd;
	on_side(c, &c->down, &c->up, events);
}

/*
 * Idle means nothing read from or written to that side.  A connection
 * idle on both sides ends at the smaller of the two timeouts.
 */
static void
check_timeouts(struct conn *c, uint64_t now)
{
	const struct service_timeouts	*t = &conn_service(c)->conf->timeouts;

	if (c->state == CONN_CONNECTING) {
		if (now >= c->deadline_ms)
			connect_failed(c, ETIMEDOUT);
		return;
	}
	/* Queue deadlines are relay_retry_queue()'s, which runs as often. */
	if (c->state != CONN_RELAYING)
		return;
	count_bytes(c);
	if (now - c->client_seen_ms >= t->client_ms)
		conn_close(c, "client_timeout");
	else if (now - c->server_seen_ms >= t->server_ms)
		conn_close(c, "server_timeout");
}

void
relay_sweep(struct relay *r, uint64_t now_ms)
{
	struct conn	*c, *next;

	for (c = TAILQ_FIRST(&r->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		check_timeouts(c, now_ms);
	}
}

void
relay_retry_queue(struct relay *r, uint64_t now_ms)
{
	struct conn	*c, *next;

	for (c = TAILQ_FIRST(&r->queue); c != NULL; c = next) {
		next = TAILQ_NEXT(c, qentry);
		if (now_ms >= c->deadline_ms)
			give_up(c, "queue_timeout");
		else
			connect_next(c);
	}
}

void
relay_close_idle(struct relay *r, uint64_t now_ms, uint64_t idle_ms)
{
	struct conn	*c, *next;

	for (c = TAILQ_FIRST(&r->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state == CONN_RELAYING &&
		    now_ms - c->client_seen_ms >= idle_ms &&
		    now_ms - c->server_seen_ms >= idle_ms)
			conn_close(c, "idle_at_stop");
	}
}

unsigned
relay_queued(const struct relay *r)
{
	return (r->nqueued);
}

void
relay_free(struct relay *r)
{
	struct conn	*c;

	if (r == NULL)
		return;
	while ((c = TAILQ_FIRST(&r->conns)) != NULL)
		conn_close(c, "reset");
	buf_pool_free(r->pool);
	splice_pool_free(r->splice);
	free(r);
}
