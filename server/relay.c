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

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "balance.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "evloop.h"
#include "lbd.h"
#include "log.h"
#include "net.h"
#include "relay.h"
#include "shm.h"

enum conn_state {
	CONN_PICKING = 0,	/* no backend yet */
	CONN_CONNECTING,	/* connect(2) in progress */
	CONN_RELAYING
};

struct flow {
	int		 src;
	int		 dst;
	struct buf	*buf;
	bool		 eof;		/* src said EOF */
	bool		 shut;		/* dst shut down for writing */
};

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	struct relay		*r;
	enum conn_state		 state;
	int			 cfd;		/* client */
	int			 sfd;		/* backend, -1 none */
	unsigned		 svc;		/* index in env->services */
	int			 be;		/* index in service, -1 none */
	unsigned		 attempts;	/* connects started */
	uint64_t		 tried[LBD_MAX_BACKENDS / 64];
	uint64_t		 start_ms;
	uint64_t		 deadline_ms;	/* connect timeout */
	uint64_t		 connect_us;	/* when connect(2) began */
	uint64_t		 client_seen_ms;
	uint64_t		 server_seen_ms;
	uint64_t		 bytes_in;	/* client -> backend */
	uint64_t		 bytes_out;	/* backend -> client */
	struct flow		 up;		/* client -> backend */
	struct flow		 down;		/* backend -> client */
	char			 client[NET_ADDRSTRLEN];
};

struct relay {
	struct lbd		*env;
	struct evloop		*loop;
	unsigned		 wslot;
	unsigned		 count;
	TAILQ_HEAD(, conn)	 conns;
};

static void	connect_next(struct conn *);

struct relay *
relay_new(struct lbd *env, struct evloop *loop, unsigned wslot)
{
	struct relay	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	r->env = env;
	r->loop = loop;
	r->wslot = wslot;
	TAILQ_INIT(&r->conns);
	return (r);
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
	return (shm_backend(c->r->env->shm, conn_service(c)->be_slot[c->be]));
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

/* Let go of the backend: its descriptor and its active count. */
static void
drop_backend(struct conn *c)
{
	struct relay	*r = c->r;

	if (c->sfd != -1) {
		evloop_del(r->loop, c->sfd, EV_READ | EV_WRITE);
		close(c->sfd);
		c->sfd = -1;
	}
	if (c->be >= 0)
		shm_backend_release(r->env->shm, r->wslot,
		    conn_service(c)->be_slot[c->be]);
}

static void
conn_close(struct conn *c, const char *result)
{
	struct relay	*r = c->r;

	log_access(c, result);
	drop_backend(c);
	evloop_del(r->loop, c->cfd, EV_READ | EV_WRITE);
	close(c->cfd);
	shm_service_close(r->env->shm, r->wslot, conn_service(c)->slot);
	shm_conn_release(r->env->shm, r->wslot);
	TAILQ_REMOVE(&r->conns, c, entry);
	r->count--;
	free(c->up.buf);
	free(c->down.buf);
	free(c);
}

/* No backend will take this client: close it and count the rejection. */
static void
give_up(struct conn *c, const char *result)
{
	struct shm_service	*ss;

	ss = shm_service(c->r->env->shm, conn_service(c)->slot);
	atomic_fetch_add_explicit(&ss->rejected, 1, memory_order_relaxed);
	log_info("no backend service=%s client=%s attempts=%u",
	    conn_service(c)->conf->name, c->client, c->attempts);
	c->be = -1;
	conn_close(c, result);
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
	c->svc = svc;
	c->be = -1;
	c->start_ms = clock_ms();
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

/* balance_usable_fn: up, not yet tried by this client, not full. */
static bool
usable(unsigned be, void *arg)
{
	const struct conn		*c = arg;
	const struct backend_config	*bc = conn_backend(c, be);
	struct shm_backend		*sb;

	if (was_tried(c, be))
		return (false);
	sb = shm_backend(c->r->env->shm, conn_service(c)->be_slot[be]);
	if (atomic_load_explicit(&sb->state, memory_order_acquire) !=
	    BACKEND_UP)
		return (false);
	return (bc->maxconn == 0 || atomic_load_explicit(&sb->active,
	    memory_order_relaxed) < bc->maxconn);
}

/* True while some primary is up and not yet tried by this client. */
static bool
primary_left(const struct conn *c)
{
	const struct service_config	*sc = conn_service(c)->conf;
	struct shm_backend		*sb;

	for (size_t i = 0; i < sc->nbackends; i++) {
		if (sc->backends[i].backup || sc->backends[i].weight == 0 ||
		    was_tried(c, i))
			continue;
		sb = shm_backend(c->r->env->shm, conn_service(c)->be_slot[i]);
		if (atomic_load_explicit(&sb->state, memory_order_acquire) ==
		    BACKEND_UP)
			return (true);
	}
	return (false);
}

/*
 * Choose a backend this client has not tried.  Backups are considered
 * only when no primary is left: none up, or all already failed for it.
 */
static int
pick(struct conn *c)
{
	struct service		*s = conn_service(c);
	struct shm_service	*ss = shm_service(c->r->env->shm, s->slot);
	int			 be;

	be = balance_pick(s->balance, POOL_PRIMARY, &ss->rr_cursor, usable, c);
	if (be == -1 && !primary_left(c))
		be = balance_pick(s->balance, POOL_BACKUP, &ss->rr_backup,
		    usable, c);
	return (be);
}

static void
count_connect_failure(struct conn *c, int err)
{
	atomic_fetch_add_explicit(&conn_shm_backend(c)->connect_failures, 1,
	    memory_order_relaxed);
	log_info("connect failed service=%s backend=%s client=%s "
	    "reason=\"%s\"", conn_service(c)->conf->name,
	    conn_backend(c, c->be)->name, c->client, strerror(err));
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

/* Begin a non-blocking connect to be; -1 when it failed at once. */
static int
start_connect(struct conn *c, int be)
{
	struct relay	*r = c->r;
	unsigned	 slot = conn_service(c)->be_slot[be];

	c->tried[be / 64] |= 1ULL << (be % 64);
	/* Lost a race for the last slot under maxconn: not a failure. */
	if (!shm_backend_acquire(r->env->shm, r->wslot, slot,
	    conn_backend(c, be)->maxconn))
		return (-1);
	c->be = be;
	c->attempts++;
	if ((c->sfd = net_connect(&conn_backend(c, be)->addr)) == -1 ||
	    evloop_add(r->loop, c->sfd, EV_WRITE, on_connect, c) == -1) {
		count_connect_failure(c, errno);
		drop_backend(c);
		c->be = -1;
		return (-1);
	}
	c->state = CONN_CONNECTING;
	c->connect_us = clock_us();
	c->deadline_ms = clock_ms() + conn_service(c)->conf->timeouts.connect_ms;
	return (0);
}

/* Try backends until a connect is under way or the tries run out. */
static void
connect_next(struct conn *c)
{
	unsigned	max = conn_service(c)->conf->retries + 1;
	int		be;

	while (c->attempts < max) {
		if ((be = pick(c)) == -1)
			break;
		if (start_connect(c, be) == 0)
			return;
	}
	give_up(c, c->attempts == 0 ? "no_backend" : "connect_failed");
}

static int
set_interest(struct conn *c, int fd, int mask, evloop_fn fn)
{
	evloop_del(c->r->loop, fd, ~mask & (EV_READ | EV_WRITE));
	if (mask != 0)
		return (evloop_add(c->r->loop, fd, mask, fn, c));
	return (0);
}

static bool
wants_read(const struct flow *f)
{
	return (!f->eof && buf_space(f->buf) > 0);
}

/* Poll each side for what its flows can do now. */
static void
update_interest(struct conn *c)
{
	int	cmask, smask;

	cmask = (wants_read(&c->up) ? EV_READ : 0) |
	    (buf_len(c->down.buf) > 0 ? EV_WRITE : 0);
	smask = (wants_read(&c->down) ? EV_READ : 0) |
	    (buf_len(c->up.buf) > 0 ? EV_WRITE : 0);
	set_interest(c, c->cfd, cmask, on_client);
	set_interest(c, c->sfd, smask, on_server);
}

static int
connected(struct conn *c)
{
	uint64_t	now = clock_ms();

	c->up.buf = malloc(sizeof(*c->up.buf));
	c->down.buf = malloc(sizeof(*c->down.buf));
	if (c->up.buf == NULL || c->down.buf == NULL)
		return (-1);
	buf_init(c->up.buf);
	buf_init(c->down.buf);
	c->up.src = c->down.dst = c->cfd;
	c->up.dst = c->down.src = c->sfd;
	c->state = CONN_RELAYING;
	c->client_seen_ms = c->server_seen_ms = now;
	atomic_fetch_add_explicit(&conn_shm_backend(c)->total, 1,
	    memory_order_relaxed);
	/* In TCP mode a backend need not speak first: connect time it is. */
	shm_backend_sample_rt(conn_shm_backend(c), clock_us() - c->connect_us);
	update_interest(c);
	return (0);
}

static void
on_connect(struct evloop *loop, int fd, int events, void *arg)
{
	struct conn	*c = arg;
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	(void)loop;
	(void)events;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		connect_failed(c, err);
		return;
	}
	if (connected(c) == -1) {
		log_warn("%s: malloc", __func__);
		conn_close(c, "reset");
	}
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
maybe_shut(struct flow *f)
{
	if (f->eof && !f->shut && buf_len(f->buf) == 0) {
		shutdown(f->dst, SHUT_WR);
		f->shut = true;
	}
}

/* Write what f holds to its destination.  -1 on a socket error. */
static int
flush(struct conn *c, struct flow *f)
{
	struct shm_backend	*sb = conn_shm_backend(c);
	ssize_t			 n;

	if (buf_len(f->buf) > 0) {
		if ((n = buf_write_to(f->buf, f->dst)) == -1)
			return (errno == EAGAIN ? 0 : -1);
		touch(c, f->dst);
		if (f == &c->up) {
			c->bytes_in += n;
			atomic_fetch_add_explicit(&sb->bytes_in, n,
			    memory_order_relaxed);
		} else {
			c->bytes_out += n;
			atomic_fetch_add_explicit(&sb->bytes_out, n,
			    memory_order_relaxed);
		}
	}
	maybe_shut(f);
	return (0);
}

/* Read from f's source, then write at once if the far side can take it. */
static int
fill(struct conn *c, struct flow *f)
{
	ssize_t	n;

	if ((n = buf_read_from(f->buf, f->src)) == -1)
		return (errno == EAGAIN || errno == EINTR ? 0 : -1);
	if (n == 0)
		f->eof = true;
	else
		touch(c, f->src);
	return (flush(c, f));
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
	if (c->state != CONN_RELAYING)
		return;
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
relay_free(struct relay *r)
{
	struct conn	*c;

	if (r == NULL)
		return;
	while ((c = TAILQ_FIRST(&r->conns)) != NULL)
		conn_close(c, "reset");
	free(r);
}
