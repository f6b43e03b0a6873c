/*
 * Choosing and connecting to a backend:
 *
 *   pick -> slot -> connect -> ready
 *     |       |        `-- failed or timed out: count it, pick another
 *     |       `-- all full: queue until a slot frees or timeouts.queue
 *     `-- nothing left to try: final failure, the caller answers
 *
 * In HTTP mode the slot step may find an idle connection to the backend
 * just picked in the worker's pool (pool.c) and skip the connect: reuse
 * happens after the pick, so it never changes which backend is chosen.
 *
 * Retries go to backends this upstream has not tried yet; backups are
 * picked only when no primary is left.  Byte counts reach the shared
 * region in batches (at release, and every COUNT_MS for upstreams that
 * moved bytes), not per write: the counters' cache line is shared by
 * every worker, and bouncing it on each send cost more than the send.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "backend.h"
#include "balance.h"
#include "clock.h"
#include "config.h"
#include "evloop.h"
#include "lbd.h"
#include "log.h"
#include "net.h"
#include "proxyproto.h"
#include "pool.h"
#include "runtime.h"
#include "shm.h"
#include "upstream.h"

#define QUEUE_RETRY_MS	5	/* a slot may free in another worker */
#define COUNT_MS	100	/* byte counts reach the shared region */

struct upstream_ctx {
	struct lbd		*env;
	struct evloop		*loop;
	unsigned		 wslot;
	unsigned		 nqueued;
	int			 shortage;	/* see upstream_shortage() */
	uint64_t		 rng;		/* xorshift state for random */
	struct pool		*pool;		/* idle HTTP connections */
	TAILQ_HEAD(, upstream)	 queue;		/* oldest first */
	TAILQ_HEAD(, upstream)	 dirty;		/* bytes not yet counted */
	struct evtimer		 retry;		/* looks at the queue again */
	struct evtimer		 count;		/* empties the dirty list */
};

static void	connect_next(struct upstream *);
static void	on_retry(struct evloop *, struct evtimer *, void *);
static void	on_count(struct evloop *, struct evtimer *, void *);

struct upstream_ctx *
upstream_ctx_new(struct lbd *env, struct evloop *loop, unsigned wslot)
{
	struct upstream_ctx	*x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return (NULL);
	if ((x->pool = pool_new(env, loop, wslot)) == NULL) {
		free(x);
		return (NULL);
	}
	x->env = env;
	x->loop = loop;
	x->wslot = wslot;
	x->rng = ((uint64_t)getpid() << 32) ^ clock_us() ^
	    0x9e3779b97f4a7c15ULL;
	TAILQ_INIT(&x->queue);
	TAILQ_INIT(&x->dirty);
	evtimer_init(&x->retry, on_retry, x);
	evtimer_init(&x->count, on_count, x);
	return (x);
}

void
upstream_ctx_free(struct upstream_ctx *x)
{
	if (x == NULL)
		return;
	evloop_timer_del(x->loop, &x->retry);
	evloop_timer_del(x->loop, &x->count);
	pool_free(x->pool);
	free(x);
}

struct pool *
upstream_pool(struct upstream_ctx *x)
{
	return (x->pool);
}

unsigned
upstream_queued(const struct upstream_ctx *x)
{
	return (x->nqueued);
}

int
upstream_shortage(struct upstream_ctx *x)
{
	int	err = x->shortage;

	x->shortage = 0;
	return (err);
}

const char *
upstream_result_name(enum upstream_result res)
{
	switch (res) {
	case UPSTREAM_CONNECTED:
		return ("ok");
	case UPSTREAM_NO_BACKEND:
		return ("no_backend");
	case UPSTREAM_CONNECT_FAILED:
		return ("connect_failed");
	case UPSTREAM_QUEUE_TIMEOUT:
		return ("queue_timeout");
	case UPSTREAM_LOCAL_SHORTAGE:
		return ("local_shortage");
	}
	return ("unknown");
}

static void	on_timeout(struct evloop *, struct evtimer *, void *);

void
upstream_init(struct upstream *u, struct upstream_ctx *x, struct service *svc,
    uint64_t hash, const char *client, upstream_fn fn, void *arg)
{
	*u = (struct upstream){
		.ctx = x,
		.svc = svc,
		.client = client,
		.hash = hash,
		.fn = fn,
		.arg = arg,
		.state = UPSTREAM_IDLE,
		.fd = -1,
		.be = -1
	};
	evtimer_init(&u->timer, on_timeout, u);
}

void
upstream_set_origin(struct upstream *u, const struct net_addr *src,
    const struct net_addr *dst)
{
	u->src = src;
	u->dst = dst;
}

int
upstream_fd(const struct upstream *u)
{
	return (u->state == UPSTREAM_READY ? u->fd : -1);
}

int
upstream_backend(const struct upstream *u)
{
	return (u->be);
}

static const struct backend_config *
backend_conf(const struct upstream *u, unsigned be)
{
	return (&u->svc->conf->backends[be]);
}

static struct shm_backend *
shm_slot(const struct upstream *u)
{
	return (backend_shm(u->ctx->env, u->svc, (unsigned)u->be));
}

/* Add the bytes moved since the last call to the backend's counters. */
static void
count_bytes(struct upstream *u)
{
	struct shm_backend	*sb;

	if (u->be < 0 || (u->uncounted_in == 0 && u->uncounted_out == 0))
		return;
	sb = shm_slot(u);
	shm_backend_add_bytes(sb, u->uncounted_in, u->uncounted_out);
	u->uncounted_in = u->uncounted_out = 0;
}

/* Bytes moved: count them within COUNT_MS, with the others. */
static void
mark_dirty(struct upstream *u)
{
	struct upstream_ctx	*x = u->ctx;

	if (u->dirty)
		return;
	u->dirty = true;
	TAILQ_INSERT_TAIL(&x->dirty, u, dentry);
	if (!evtimer_is_armed(&x->count) && evloop_timer_add(x->loop,
	    &x->count, evloop_now(x->loop) + COUNT_MS) == -1)
		log_warn("%s: evloop_timer_add", __func__);
}

static void
unmark_dirty(struct upstream *u)
{
	if (!u->dirty)
		return;
	TAILQ_REMOVE(&u->ctx->dirty, u, dentry);
	u->dirty = false;
}

static void
on_count(struct evloop *loop, struct evtimer *t, void *arg)
{
	struct upstream_ctx	*x = arg;
	struct upstream		*u;

	(void)loop;
	(void)t;
	while ((u = TAILQ_FIRST(&x->dirty)) != NULL) {
		count_bytes(u);
		unmark_dirty(u);
	}
}

void
upstream_sent(struct upstream *u, size_t n)
{
	if (u->sent_us == 0)
		u->sent_us = clock_us();
	u->uncounted_in += n;
	mark_dirty(u);
}

void
upstream_delivered(struct upstream *u, size_t n)
{
	u->uncounted_out += n;
	mark_dirty(u);
}

/*
 * Sample the backend's response time once, rt_us long, at now_us: see
 * upstream_first_byte() and release() for what each sample is.
 */
static void
measure(struct upstream *u, uint64_t rt_us, uint64_t now_us)
{
	if (u->measured || u->connected_us == 0)
		return;
	u->measured = true;
	shm_backend_sample_rt(shm_slot(u), rt_us, now_us / 1000);
}

/*
 * Connect time plus the backend's wait since it was asked, not counting
 * the time the client took to send its first bytes.
 */
void
upstream_first_byte(struct upstream *u)
{
	uint64_t	now = clock_us();
	uint64_t	asked = u->sent_us > u->connected_us ? u->sent_us :
			    u->connected_us;

	if (!u->measured)
		measure(u, u->connected_us - u->connect_us + (now - asked),
		    now);
}

/* Wake the queue this round: a slot of ours has just freed. */
static void
poke_queue(struct upstream_ctx *x)
{
	if (x->nqueued > 0 && evloop_timer_add(x->loop, &x->retry,
	    evloop_now(x->loop)) == -1)
		log_warn("%s: evloop_timer_add", __func__);
}

/* Give the slot back: counts, the active count, the sample. */
static void
drop_backend(struct upstream *u)
{
	struct upstream_ctx	*x = u->ctx;

	if (u->be < 0)
		return;
	/*
	 * A backend that never spoke is sampled on its connect time; a
	 * reused connection made none to sample.
	 */
	if (u->state == UPSTREAM_READY && !u->measured && !u->reused)
		measure(u, u->connected_us - u->connect_us, clock_us());
	count_bytes(u);
	unmark_dirty(u);
	shm_backend_release(x->env->shm, x->wslot, u->svc->be_slot[u->be]);
	u->be = -1;
	poke_queue(x);
}

static void
dequeue(struct upstream *u)
{
	struct upstream_ctx	*x = u->ctx;

	if (u->state != UPSTREAM_QUEUED)
		return;
	TAILQ_REMOVE(&x->queue, u, qentry);
	x->nqueued--;
	shm_service_queue_down(x->env->shm, x->wslot, u->svc->slot);
	u->state = UPSTREAM_IDLE;
}

/* Close the descriptor and give the slot back; a queue place stays. */
static void
release(struct upstream *u)
{
	if (u->fd != -1) {
		/* Ours alone: close(2) takes it out of the epoll set. */
		evloop_forget(u->ctx->loop, u->fd);
		close(u->fd);
		u->fd = -1;
	}
	drop_backend(u);
}

void
upstream_close(struct upstream *u)
{
	evloop_timer_del(u->ctx->loop, &u->timer);
	dequeue(u);
	release(u);
	u->state = UPSTREAM_IDLE;
}

int
upstream_detach(struct upstream *u)
{
	int	fd = u->fd;

	if (u->state != UPSTREAM_READY)
		return (-1);
	drop_backend(u);
	u->fd = -1;
	u->state = UPSTREAM_IDLE;
	return (fd);
}

void
upstream_keep(struct upstream *u, uint64_t ttl_ms, long uses_left)
{
	struct service	*s = u->svc;
	int		 be = u->be, fd;

	if ((fd = upstream_detach(u)) != -1)
		pool_put(u->ctx->pool, s, (unsigned)be, fd, ttl_ms, uses_left);
}

/* No backend will take this client: count it, log it, tell the owner. */
static void
give_up(struct upstream *u, enum upstream_result res)
{
	struct shm_service	*ss;

	ss = shm_service(u->ctx->env->shm, u->svc->slot);
	shm_service_count_rejected(ss);
	log_info("rejected service=%s client=%s result=%s attempts=%u",
	    u->svc->conf->name, u->client, upstream_result_name(res),
	    u->attempts);
	u->fn(u, res, u->arg);
}

static bool
was_tried(const struct upstream *u, unsigned be)
{
	return ((u->tried[be / 64] >> (be % 64)) & 1);
}

/* What the balancing callbacks need for one pick. */
struct pick_ctx {
	struct upstream	*u;
	uint64_t	 now;
	uint64_t	 avg_rt;	/* service mean, for the unmeasured */
	bool		 ignore_full;	/* does only maxconn block? */
};

static bool
is_full(const struct upstream *u, unsigned be)
{
	unsigned	max = backend_conf(u, be)->maxconn;

	return (max != 0 && shm_backend_active(backend_shm(u->ctx->env,
	    u->svc, be)) >= max);
}

/* Up, not yet tried by this upstream, and (unless ignored) not full. */
static bool
usable(unsigned be, void *arg)
{
	const struct pick_ctx	*pc = arg;
	struct upstream		*u = pc->u;

	if (was_tried(u, be) || !backend_is_up(u->ctx->env, u->svc, be,
	    pc->now))
		return (false);
	return (pc->ignore_full || !is_full(u, be));
}

static void
load(unsigned be, void *arg, struct balance_load *out)
{
	const struct pick_ctx	*pc = arg;
	struct upstream		*u = pc->u;
	struct lbd		*env = u->ctx->env;

	out->active = shm_backend_active(backend_shm(env, u->svc, be));
	out->weight = backend_weight(env, u->svc, be);
	out->ramp = backend_ramp(env, u->svc, be, pc->now);
	/* Only leasttime weighs response times: spare the others the reads. */
	out->rt_us = u->svc->conf->balance != BALANCE_LEASTTIME ? 0 :
	    backend_rt(env, u->svc, be, pc->avg_rt, pc->now);
}

/* What balance_pick() and balance_any() read for pool. */
static struct balance_input
pool_input(struct upstream *u, enum balance_pool pool, struct pick_ctx *pc)
{
	struct shm_service	*ss = shm_service(u->ctx->env->shm,
				    u->svc->slot);
	struct balance_input	 in = {
		.cursor = pool == POOL_PRIMARY ? &ss->rr_cursor :
		    &ss->rr_backup,
		.rng = &u->ctx->rng,
		.hash = u->hash,
		.usable = usable,
		.load = load,
		.arg = pc
	};

	return (in);
}

/* Is some member of pool up and untried, full or not? */
static bool
pool_left(struct upstream *u, enum balance_pool pool, struct pick_ctx *pc)
{
	struct balance_input	in;
	bool			ignored = pc->ignore_full, any;

	pc->ignore_full = true;
	in = pool_input(u, pool, pc);
	any = balance_any(u->svc->balance, pool, &in);
	pc->ignore_full = ignored;
	return (any);
}

/* A weight changed over the control socket: rebuild our balancer. */
static void
refresh_balance(struct upstream *u)
{
	struct service		*s = u->svc;
	struct shm_service	*ss = shm_service(u->ctx->env->shm, s->slot);

	if (shm_service_weights_gen(ss) != s->weights_gen && runtime_rebalance(u->ctx->env, s) == -1)
		log_warn("%s: cannot rebuild service=%s", __func__,
		    s->conf->name);
}

/*
 * Choose a backend this upstream has not tried.  Backups are considered
 * only when no primary is left: none up, all weighted 0 for now, or all
 * already failed for it.
 * Sets *full when backends are there but all at their maxconn.
 */
static int
pick(struct upstream *u, bool *full)
{
	struct pick_ctx		pc = { .u = u, .now = clock_ms() };
	enum balance_pool	pool = POOL_PRIMARY;
	struct balance_input	in;
	int			be;

	refresh_balance(u);
	if (u->svc->conf->balance == BALANCE_LEASTTIME)
		pc.avg_rt = backend_rt_average(u->ctx->env, u->svc);
	if (!pool_left(u, POOL_PRIMARY, &pc))
		pool = POOL_BACKUP;
	in = pool_input(u, pool, &pc);
	if ((be = balance_pick(u->svc->balance, pool, &in)) != -1)
		return (be);
	*full = pool_left(u, pool, &pc);
	return (-1);
}

static void
count_connect_failure(struct upstream *u, int err)
{
	backend_connect_failed(u->ctx->env, u->svc, u->be,
	    net_connect_reason(err), clock_ms());
	log_info("connect failed service=%s backend=%s client=%s "
	    "reason=\"%s\"", u->svc->conf->name, backend_conf(u, u->be)->name,
	    u->client, net_connect_reason(err));
}

/* A connect to u->be failed: count it, let go, and try the next one. */
static void
connect_failed(struct upstream *u, int err)
{
	count_connect_failure(u, err);
	upstream_close(u);
	connect_next(u);
}

/*
 * A fresh connection to a backend with send_proxy: the PROXY header goes
 * first.  It is small and the socket's buffer empty, so a short write
 * means the connection is already broken: it fails like a connect.
 * 0, or -1 with errno set.
 */
static int
send_proxy_header(struct upstream *u)
{
	static const struct net_addr	 none;
	enum proxy_version		 v = backend_conf(u, u->be)->send_proxy;
	unsigned char			 buf[PROXY_MAX];
	size_t				 n;
	ssize_t				 sent;

	if (v == PROXY_NONE)
		return (0);
	n = proxy_encode(v, u->src != NULL ? u->src : &none,
	    u->dst != NULL ? u->dst : &none, buf, sizeof(buf));
	if ((sent = send(u->fd, buf, n, MSG_NOSIGNAL)) == -1)
		return (-1);
	if ((size_t)sent != n) {
		errno = EAGAIN;
		return (-1);
	}
	return (0);
}

static void
on_connect(struct evloop *loop, int fd, int events, void *arg)
{
	struct upstream	*u = arg;
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	/* Writable without an error condition: connected, nothing to ask. */
	if ((events & EV_ERROR) &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == 0 && send_proxy_header(u) == -1)
		err = errno;
	if (err != 0) {
		connect_failed(u, err);
		return;
	}
	evloop_timer_del(loop, &u->timer);
	u->state = UPSTREAM_READY;
	shm_backend_count_connect(shm_slot(u));
	u->connected_us = clock_us();
	u->fn(u, UPSTREAM_CONNECTED, u->arg);
}

/* The connect or queue deadline passed. */
static void
on_timeout(struct evloop *loop, struct evtimer *t, void *arg)
{
	struct upstream	*u = arg;

	(void)loop;
	(void)t;
	if (u->state == UPSTREAM_CONNECTING)
		connect_failed(u, ETIMEDOUT);
	else if (u->state == UPSTREAM_QUEUED) {
		dequeue(u);
		shm_service_count_queue_timeout(shm_service(u->ctx->env->shm,
		    u->svc->slot));
		give_up(u, UPSTREAM_QUEUE_TIMEOUT);
	}
}

enum { START_OK, START_FAILED, START_SHORT, START_REUSED };

/* Arm u's timer ms from now; a failure leaves only the bound unenforced. */
static void
arm(struct upstream *u, uint64_t ms)
{
	struct evloop	*loop = u->ctx->loop;

	if (evloop_timer_add(loop, &u->timer, evloop_now(loop) + ms) == -1)
		log_warn("%s: evloop_timer_add", __func__);
}

/*
 * HTTP: take an idle pooled connection to u->be, just picked and its slot
 * taken, instead of connecting.  Its response time is sampled from the
 * request on, as on a new connection, with no connect time.
 */
static bool
take_pooled(struct upstream *u)
{
	u->reused = false;	/* of this connection, not an earlier one */
	if (u->svc->conf->mode != MODE_HTTP || u->no_reuse ||
	    (u->fd = pool_take(u->ctx->pool, u->svc, (unsigned)u->be)) == -1)
		return (false);
	dequeue(u);
	u->state = UPSTREAM_READY;
	u->reused = true;
	u->connect_us = u->connected_us = clock_us();
	return (true);
}

/* Begin a non-blocking connect to be, or reuse; see the START_ values. */
static int
start_connect(struct upstream *u, int be)
{
	struct upstream_ctx	*x = u->ctx;
	int			 err;

	/* Lost a race for the last slot under maxconn: not a failure. */
	if (!shm_backend_acquire(x->env->shm, x->wslot, u->svc->be_slot[be],
	    backend_conf(u, be)->maxconn))
		return (START_FAILED);
	u->tried[be / 64] |= 1ULL << (be % 64);
	u->be = be;
	/* A slot taken after a failed connect: that is a retry. */
	if (u->attempts++ > 0)
		shm_service_count_retry(shm_service(x->env->shm,
		    u->svc->slot));
	if (take_pooled(u))
		return (START_REUSED);
	if ((u->fd = net_connect(&backend_conf(u, be)->addr)) == -1 ||
	    evloop_add(x->loop, u->fd, EV_WRITE, on_connect, u) == -1) {
		err = errno;
		/*
		 * Blaming the backend for our shortage would take a healthy
		 * one out of service for every worker.
		 */
		if (net_local_shortage(err))
			x->shortage = err;
		else
			count_connect_failure(u, err);
		release(u);
		return (net_local_shortage(err) ? START_SHORT : START_FAILED);
	}
	dequeue(u);		/* before the state says it is not queued */
	u->state = UPSTREAM_CONNECTING;
	u->connect_us = clock_us();
	arm(u, u->svc->conf->timeouts.connect_ms);
	return (START_OK);
}

/* Wait for a backend slot to free, up to timeouts.queue. */
static void
enqueue(struct upstream *u)
{
	struct upstream_ctx	*x = u->ctx;

	if (u->state == UPSTREAM_QUEUED)
		return;
	u->state = UPSTREAM_QUEUED;
	arm(u, u->svc->conf->timeouts.queue_ms);
	TAILQ_INSERT_TAIL(&x->queue, u, qentry);
	x->nqueued++;
	shm_service_queue_up(x->env->shm, x->wslot, u->svc->slot);
	if (!evtimer_is_armed(&x->retry) && evloop_timer_add(x->loop,
	    &x->retry, evloop_now(x->loop) + QUEUE_RETRY_MS) == -1)
		log_warn("%s: evloop_timer_add", __func__);
}

/* Try backends until a connect is under way or the tries run out. */
static void
connect_next(struct upstream *u)
{
	unsigned	max = u->svc->conf->retries + 1;
	bool		full = false;
	int		be;

	while (u->attempts < max) {
		if ((be = pick(u, &full)) == -1)
			break;
		switch (start_connect(u, be)) {
		case START_OK:
			return;
		case START_REUSED:
			u->fn(u, UPSTREAM_CONNECTED, u->arg);
			return;
		case START_SHORT:
			upstream_close(u);
			give_up(u, UPSTREAM_LOCAL_SHORTAGE);
			return;
		}
	}
	if (full) {
		enqueue(u);
		return;
	}
	upstream_close(u);
	give_up(u, u->attempts == 0 ? UPSTREAM_NO_BACKEND :
	    UPSTREAM_CONNECT_FAILED);
}

void
upstream_connect(struct upstream *u)
{
	connect_next(u);
}

/*
 * Offer slots to the queue, oldest first, and look again in
 * QUEUE_RETRY_MS while anyone waits: a slot may free in another worker.
 */
static void
on_retry(struct evloop *loop, struct evtimer *t, void *arg)
{
	struct upstream_ctx	*x = arg;
	struct upstream		*u, *next;

	for (u = TAILQ_FIRST(&x->queue); u != NULL; u = next) {
		next = TAILQ_NEXT(u, qentry);
		connect_next(u);
	}
	if (x->nqueued > 0 && !evtimer_is_armed(t) &&
	    evloop_timer_add(loop, t, evloop_now(loop) + QUEUE_RETRY_MS) == -1)
		log_warn("%s: evloop_timer_add", __func__);
}
