/*
 * upstream on its own, with a real shared region, balancer and event
 * loop, against loopback ports that refuse and one that listens: retries
 * go round robin to untried backends, backups only after every primary,
 * the outcome comes through the callback, and a detached connection stays
 * open while its slot is given back.  In http mode a pooled connection to
 * the backend picked replaces the connect; the pick is the same.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "config.h"
#include "evloop.h"
#include "lbd.h"
#include "log.h"
#include "pool.h"
#include "runtime.h"
#include "shm.h"
#include "upstream.h"
#include "unit.h"

/* The outcome the callback saw. */
struct outcome {
	int			calls;
	enum upstream_result	res;
	int			be;
	struct evloop		*loop;
};

static void
on_outcome(struct upstream *u, enum upstream_result res, void *arg)
{
	struct outcome	*o = arg;

	o->calls++;
	o->res = res;
	o->be = upstream_backend(u);
	/* As a protocol does: the descriptor's events are ours now. */
	if (res == UPSTREAM_CONNECTED)
		CU_ASSERT_EQUAL(evloop_set(o->loop, upstream_fd(u), 0, NULL,
		    NULL), 0);
}

/* A loopback TCP socket bound to a free port; listening or closed. */
static int
loopback_port(bool listening, int *fd)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	int			s;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1 ||
	    (listening && listen(s, 8) == -1))
		return (-1);
	if (listening)
		*fd = s;
	else
		close(s);	/* nothing there now: connects are refused */
	return (ntohs(sin.sin_port));
}

struct rig {
	struct lbd		 env;
	struct evloop		*loop;
	struct upstream_ctx	*ctx;
	int			 lfd;		/* the listening backend */
	int			 wslot;
};

/*
 * Service "web" with retries, and backends a and b refusing and c
 * listening, c a backup when asked; c's maxconn and timeouts.queue.
 */
static bool
rig_open_queue(struct rig *r, int retries, bool backup, int maxconn,
    const char *queue)
{
	char	text[1024], path[64], err[256];
	int	pl, pa, pb, pc, fd;

	memset(r, 0, sizeof(*r));
	r->lfd = -1;
	pl = loopback_port(false, NULL);	/* the service's, unused */
	pa = loopback_port(false, NULL);
	pb = loopback_port(false, NULL);
	pc = loopback_port(true, &r->lfd);
	snprintf(text, sizeof(text), "services = ( { name = \"web\"; "
	    "listen = \"127.0.0.1:%d\"; balance = \"roundrobin\"; "
	    "retries = %d; health = { type = \"none\"; }; backends = ( "
	    "{ name = \"a\"; address = \"127.0.0.1:%d\"; }, "
	    "{ name = \"b\"; address = \"127.0.0.1:%d\"; }, "
	    "{ name = \"c\"; address = \"127.0.0.1:%d\"; backup = %s; "
	    "maxconn = %d; } ); timeouts = { queue = \"%s\"; }; } );", pl,
	    retries, pa, pb, pc, backup ? "true" : "false", maxconn, queue);
	snprintf(path, sizeof(path), "/tmp/lbd-test-upstream.XXXXXX");
	if (pl == -1 || pa == -1 || pb == -1 || pc == -1 || (fd = mkstemp(path)) == -1)
		return (false);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return (false);
	}
	close(fd);
	r->env.conf = config_load(path, err, sizeof(err));
	unlink(path);
	if (r->env.conf == NULL || runtime_open(&r->env, err,
	    sizeof(err)) == -1 || (r->wslot = shm_worker_alloc(r->env.shm)) ==
	    -1 || (r->loop = evloop_new(1024, EVLOOP_EPOLL)) == NULL ||
	    (r->ctx = upstream_ctx_new(&r->env, r->loop, r->wslot)) == NULL) {
		fprintf(stderr, "%s\n", err);
		return (false);
	}
	return (true);
}

static bool
rig_open(struct rig *r, int retries, bool backup)
{
	return (rig_open_queue(r, retries, backup, 0, "1s"));
}

static void
rig_close(struct rig *r)
{
	upstream_ctx_free(r->ctx);
	evloop_free(r->loop);
	runtime_close(&r->env);
	config_free(r->env.conf);
	if (r->lfd != -1)
		close(r->lfd);
}

/* Run the loop until the outcome is in (2 s at most). */
static void
wait_outcome(struct rig *r, struct outcome *o)
{
	for (int i = 0; i < 200 && o->calls == 0; i++)
		evloop_wait(r->loop, 10, NULL);
}

static void
connect_wait(struct rig *r, struct upstream *u, struct outcome *o)
{
	o->loop = r->loop;
	upstream_init(u, r->ctx, &r->env.services[0], 0, "test",
	    on_outcome, o);
	upstream_connect(u);
	wait_outcome(r, o);
}

static unsigned
failures(struct rig *r, unsigned be)
{
	return (atomic_load(&shm_backend(r->env.shm,
	    r->env.services[0].be_slot[be])->connect_failures));
}

static unsigned
active(struct rig *r, unsigned be)
{
	return (atomic_load(&shm_backend(r->env.shm,
	    r->env.services[0].be_slot[be])->active));
}

/* retries 2: a and b refuse, then c takes it on the third attempt. */
static void
test_retry_order(void)
{
	struct rig	 r;
	struct upstream	 u;
	struct outcome	 o = { 0 };

	CU_ASSERT_FATAL(rig_open(&r, 2, false));
	connect_wait(&r, &u, &o);
	CU_ASSERT_EQUAL(o.calls, 1);
	CU_ASSERT_EQUAL(o.res, UPSTREAM_CONNECTED);
	CU_ASSERT_EQUAL(o.be, 2);
	CU_ASSERT_EQUAL(u.attempts, 3);
	CU_ASSERT_EQUAL(failures(&r, 0), 1);
	CU_ASSERT_EQUAL(failures(&r, 1), 1);
	CU_ASSERT_EQUAL(active(&r, 0) + active(&r, 1), 0);
	CU_ASSERT_EQUAL(active(&r, 2), 1);
	CU_ASSERT(upstream_fd(&u) >= 0);
	upstream_close(&u);
	CU_ASSERT_EQUAL(active(&r, 2), 0);
	CU_ASSERT_EQUAL(upstream_fd(&u), -1);
	rig_close(&r);
}

/* retries 1: a and b fail and c is never tried; the caller is told. */
static void
test_retries_run_out(void)
{
	struct rig	 r;
	struct upstream	 u;
	struct outcome	 o = { 0 };

	CU_ASSERT_FATAL(rig_open(&r, 1, false));
	connect_wait(&r, &u, &o);
	CU_ASSERT_EQUAL(o.calls, 1);
	CU_ASSERT_EQUAL(o.res, UPSTREAM_CONNECT_FAILED);
	CU_ASSERT_EQUAL(o.be, -1);
	CU_ASSERT_EQUAL(failures(&r, 0) + failures(&r, 1), 2);
	CU_ASSERT_EQUAL(active(&r, 2), 0);
	CU_ASSERT_EQUAL(atomic_load(&shm_service(r.env.shm,
	    r.env.services[0].slot)->rejected), 1);
	upstream_close(&u);		/* holds nothing: harmless */
	rig_close(&r);
}

/* c as a backup: tried only once both primaries have failed. */
static void
test_backup_last(void)
{
	struct rig	 r;
	struct upstream	 u;
	struct outcome	 o = { 0 };

	CU_ASSERT_FATAL(rig_open(&r, 5, true));
	connect_wait(&r, &u, &o);
	CU_ASSERT_EQUAL(o.res, UPSTREAM_CONNECTED);
	CU_ASSERT_EQUAL(o.be, 2);
	CU_ASSERT_EQUAL(u.attempts, 3);
	CU_ASSERT_EQUAL(failures(&r, 0) + failures(&r, 1), 2);
	upstream_close(&u);
	rig_close(&r);
}

/* Detach: the slot is given back, the descriptor stays open and ours. */
static void
test_detach(void)
{
	struct rig	 r;
	struct upstream	 u;
	struct outcome	 o = { 0 };
	int		 fd;

	CU_ASSERT_FATAL(rig_open(&r, 2, false));
	connect_wait(&r, &u, &o);
	CU_ASSERT_EQUAL_FATAL(o.res, UPSTREAM_CONNECTED);
	fd = upstream_detach(&u);
	CU_ASSERT(fd >= 0);
	CU_ASSERT_EQUAL(active(&r, 2), 0);
	CU_ASSERT_EQUAL(upstream_backend(&u), -1);
	CU_ASSERT_NOT_EQUAL(fcntl(fd, F_GETFD), -1);	/* still open */
	CU_ASSERT_EQUAL(upstream_detach(&u), -1);	/* nothing left */
	evloop_forget(r.loop, fd);
	close(fd);
	rig_close(&r);
}

static uint64_t
shm_bytes(struct rig *r, unsigned be, bool in)
{
	struct shm_backend	*sb = shm_backend(r->env.shm,
				    r->env.services[0].be_slot[be]);

	return (in ? atomic_load(&sb->bytes_in) : atomic_load(&sb->bytes_out));
}

/*
 * Bytes reach the shared region in a batch, not per write: within a
 * timer's round while the connection lives, and at the close.
 */
static void
test_byte_batches(void)
{
	struct rig	 r;
	struct upstream	 u;
	struct outcome	 o = { 0 };

	CU_ASSERT_FATAL(rig_open(&r, 2, false));
	connect_wait(&r, &u, &o);
	CU_ASSERT_EQUAL_FATAL(o.res, UPSTREAM_CONNECTED);
	upstream_sent(&u, 100);
	upstream_delivered(&u, 50);
	upstream_sent(&u, 1);
	CU_ASSERT_EQUAL(shm_bytes(&r, 2, true), 0);	/* not yet */
	for (int i = 0; i < 100 && shm_bytes(&r, 2, true) == 0; i++)
		evloop_wait(r.loop, 10, NULL);
	CU_ASSERT_EQUAL(shm_bytes(&r, 2, true), 101);
	CU_ASSERT_EQUAL(shm_bytes(&r, 2, false), 50);
	upstream_delivered(&u, 7);
	upstream_close(&u);
	CU_ASSERT_EQUAL(shm_bytes(&r, 2, false), 57);
	rig_close(&r);
}

/*
 * c with maxconn 1 (a and b refuse): a second upstream waits in the
 * queue, gets c once the first lets go, and a third times out.
 */
static void
test_queue(void)
{
	struct rig	 r;
	struct upstream	 u[3];
	struct outcome	 o[3] = { { 0 } };

	CU_ASSERT_FATAL(rig_open_queue(&r, 2, false, 1, "300ms"));
	connect_wait(&r, &u[0], &o[0]);
	CU_ASSERT_EQUAL_FATAL(o[0].res, UPSTREAM_CONNECTED);
	o[1].loop = r.loop;
	upstream_init(&u[1], r.ctx, &r.env.services[0], 0, "test",
	    on_outcome, &o[1]);
	upstream_connect(&u[1]);
	for (int i = 0; i < 5; i++)
		evloop_wait(r.loop, 10, NULL);
	CU_ASSERT_EQUAL(o[1].calls, 0);			/* waiting */
	CU_ASSERT_EQUAL(upstream_queued(r.ctx), 1);
	upstream_close(&u[0]);
	wait_outcome(&r, &o[1]);
	CU_ASSERT_EQUAL(o[1].calls, 1);
	CU_ASSERT_EQUAL(o[1].res, UPSTREAM_CONNECTED);
	CU_ASSERT_EQUAL(o[1].be, 2);
	CU_ASSERT_EQUAL(upstream_queued(r.ctx), 0);
	connect_wait(&r, &u[2], &o[2]);
	CU_ASSERT_EQUAL(o[2].res, UPSTREAM_QUEUE_TIMEOUT);
	CU_ASSERT_EQUAL(upstream_queued(r.ctx), 0);
	upstream_close(&u[1]);
	upstream_close(&u[2]);
	CU_ASSERT_EQUAL(active(&r, 2), 0);
	rig_close(&r);
}

/* The rig's service in http mode, keeping up to n idle connections. */
static void
rig_http(struct rig *r, unsigned n)
{
	r->env.conf->services[0].mode = MODE_HTTP;
	r->env.conf->services[0].http.pool = n;
}

/*
 * An idle connection to backend be in the worker's pool: lbd's end of a
 * socketpair, returned, the other end in *peer.
 */
static int
pool_fake(struct rig *r, unsigned be, int *peer)
{
	int	sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1)
		return (-1);
	pool_put(upstream_pool(r->ctx), &r->env.services[0], be, sv[0],
	    60000, -1);
	*peer = sv[1];
	return (sv[0]);
}

static unsigned
idle(struct rig *r)
{
	return (pool_count(upstream_pool(r->ctx)));
}

/*
 * a refuses, but the pick chose it and an idle connection to it is
 * pooled: that one is used, at once, with a's slot taken, no connect.
 */
static void
test_reuse_picked(void)
{
	struct rig	 r;
	struct upstream	 u;
	struct outcome	 o = { 0 };
	int		 fd, peer;

	CU_ASSERT_FATAL(rig_open(&r, 2, false));
	rig_http(&r, 4);
	CU_ASSERT_FATAL((fd = pool_fake(&r, 0, &peer)) >= 0);
	CU_ASSERT_EQUAL(idle(&r), 1);
	connect_wait(&r, &u, &o);
	CU_ASSERT_EQUAL(o.res, UPSTREAM_CONNECTED);
	CU_ASSERT_EQUAL(o.be, 0);
	CU_ASSERT(u.reused);
	CU_ASSERT_EQUAL(upstream_fd(&u), fd);
	CU_ASSERT_EQUAL(u.attempts, 1);
	CU_ASSERT_EQUAL(failures(&r, 0), 0);
	CU_ASSERT_EQUAL(active(&r, 0), 1);
	CU_ASSERT_EQUAL(idle(&r), 0);
	upstream_close(&u);
	CU_ASSERT_EQUAL(active(&r, 0), 0);
	close(peer);
	rig_close(&r);
}

/*
 * Only c has an idle connection: the pick still goes a, b (both refuse),
 * then c, where the pooled one is used.  Reuse never chooses.
 */
static void
test_reuse_after_pick(void)
{
	struct rig	 r;
	struct upstream	 u;
	struct outcome	 o = { 0 };
	int		 fd, peer;

	CU_ASSERT_FATAL(rig_open(&r, 2, false));
	rig_http(&r, 4);
	CU_ASSERT_FATAL((fd = pool_fake(&r, 2, &peer)) >= 0);
	connect_wait(&r, &u, &o);
	CU_ASSERT_EQUAL(o.res, UPSTREAM_CONNECTED);
	CU_ASSERT_EQUAL(o.be, 2);
	CU_ASSERT(u.reused);
	CU_ASSERT_EQUAL(upstream_fd(&u), fd);
	CU_ASSERT_EQUAL(u.attempts, 3);
	CU_ASSERT_EQUAL(failures(&r, 0), 1);
	CU_ASSERT_EQUAL(failures(&r, 1), 1);
	upstream_close(&u);
	close(peer);
	rig_close(&r);
}

/*
 * The owner's no_reuse, or tcp mode: a's idle connection stays in the
 * pool and a is connected to (and refuses), as without a pool.
 */
static void
test_no_reuse(void)
{
	struct rig	 r;
	struct upstream	 u;
	struct outcome	 o = { 0 };
	int		 peer;

	CU_ASSERT_FATAL(rig_open(&r, 2, false));
	rig_http(&r, 4);
	CU_ASSERT_FATAL(pool_fake(&r, 0, &peer) >= 0);
	for (int tcp = 0; tcp < 2; tcp++) {
		memset(&o, 0, sizeof(o));
		o.loop = r.loop;
		upstream_init(&u, r.ctx, &r.env.services[0], 0, "test",
		    on_outcome, &o);
		if (tcp)
			r.env.conf->services[0].mode = MODE_TCP;
		else
			u.no_reuse = true;
		upstream_connect(&u);
		wait_outcome(&r, &o);
		CU_ASSERT_EQUAL(o.res, UPSTREAM_CONNECTED);
		CU_ASSERT_EQUAL(o.be, 2);
		CU_ASSERT_FALSE(u.reused);
		CU_ASSERT_EQUAL(failures(&r, 0), 1 + (unsigned)tcp);
		CU_ASSERT_EQUAL(idle(&r), 1);
		upstream_close(&u);
	}
	close(peer);
	rig_close(&r);
}

/*
 * upstream_keep: c's connection goes to the pool, its slot back; the
 * next request to c goes out on it, and c saw one connection only.
 */
static void
test_keep(void)
{
	struct rig	 r;
	struct upstream	 u;
	struct outcome	 o = { 0 };
	int		 fd, peer;

	CU_ASSERT_FATAL(rig_open(&r, 2, false));
	rig_http(&r, 4);
	connect_wait(&r, &u, &o);
	CU_ASSERT_EQUAL_FATAL(o.res, UPSTREAM_CONNECTED);
	CU_ASSERT_FALSE(u.reused);
	fd = upstream_fd(&u);
	upstream_keep(&u, 60000, -1);
	CU_ASSERT_EQUAL(idle(&r), 1);
	CU_ASSERT_EQUAL(active(&r, 2), 0);
	CU_ASSERT_EQUAL(upstream_fd(&u), -1);
	memset(&o, 0, sizeof(o));
	connect_wait(&r, &u, &o);
	CU_ASSERT_EQUAL(o.res, UPSTREAM_CONNECTED);
	CU_ASSERT_EQUAL(o.be, 2);
	CU_ASSERT(u.reused);
	CU_ASSERT_EQUAL(upstream_fd(&u), fd);
	CU_ASSERT_FATAL(fcntl(r.lfd, F_SETFL, O_NONBLOCK) == 0);
	CU_ASSERT((peer = accept(r.lfd, NULL, NULL)) >= 0);
	CU_ASSERT_EQUAL(accept(r.lfd, NULL, NULL), -1);
	upstream_close(&u);
	close(peer);
	rig_close(&r);
}

/* The suite's connect failures are expected: keep them off the output. */
static int
quiet(void)
{
	log_init("lbd", true, LOG_ERR, LOG_DAEMON);
	return (0);
}

static int
loud(void)
{
	log_init("lbd", true, LOG_INFO, LOG_DAEMON);
	return (0);
}

int
test_upstream_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("upstream", quiet, loud)) == NULL ||
	    CU_add_test(s, "retries go to untried backends in order",
	    test_retry_order) == NULL ||
	    CU_add_test(s, "retries run out: the caller is told",
	    test_retries_run_out) == NULL ||
	    CU_add_test(s, "a backup only after every primary",
	    test_backup_last) == NULL ||
	    CU_add_test(s, "detach keeps the descriptor, frees the slot",
	    test_detach) == NULL ||
	    CU_add_test(s, "the queue: served when a slot frees, or timed out",
	    test_queue) == NULL ||
	    CU_add_test(s, "byte counts reach the shared region in batches",
	    test_byte_batches) == NULL ||
	    CU_add_test(s, "http: the picked backend's idle one is reused",
	    test_reuse_picked) == NULL ||
	    CU_add_test(s, "http: reuse comes after the pick, never before",
	    test_reuse_after_pick) == NULL ||
	    CU_add_test(s, "http: no_reuse, or tcp mode, connects anew",
	    test_no_reuse) == NULL ||
	    CU_add_test(s, "http: a kept connection carries the next request",
	    test_keep) == NULL)
		return (-1);
	return (0);
}
