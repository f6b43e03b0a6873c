/*
 * The idle connection pool with a real shared region and event loop, on
 * socketpairs standing for backend connections (the pool cares only that
 * they are sockets): kept and handed back per backend, newest first, at
 * most http.pool of them, each until its time to live; dropped when the
 * backend closes or talks while idle, goes down, is disabled, or leaves
 * the configuration.  The peer's end tells whether lbd's end was closed.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "config.h"
#include "evloop.h"
#include "lbd.h"
#include "pool.h"
#include "runtime.h"
#include "shm.h"
#include "unit.h"

#define WAIT_ROUNDS	200	/* of 10 ms: 2 s at most per wait */

struct rig {
	struct lbd	 env;
	struct evloop	*loop;
	struct pool	*pool;
	struct service	*svc;
};

/* Service "web" in http mode, pool max, backends "a" and "b" (no checks). */
static bool
rig_open(struct rig *r, unsigned max)
{
	struct config		*c;
	struct service_config	*sc;
	char			 err[LBD_ERRLEN];

	memset(r, 0, sizeof(*r));
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->services = calloc(1, sizeof(*sc))) == NULL ||
	    (c->services[0].backends = calloc(2, sizeof(*sc->backends))) ==
	    NULL)
		return (false);
	r->env.conf = c;
	c->workers = 1;
	c->nservices = 1;
	sc = &c->services[0];
	snprintf(sc->name, sizeof(sc->name), "web");
	sc->mode = MODE_HTTP;
	sc->http.pool = max;
	sc->health.type = HEALTH_NONE;
	sc->nbackends = 2;
	for (size_t j = 0; j < 2; j++) {
		snprintf(sc->backends[j].name, LBD_NAMELEN, "%c",
		    (int)('a' + j));
		sc->backends[j].weight = 1;
	}
	r->env.generation = 1;
	if (runtime_open(&r->env, err, sizeof(err)) == -1) {
		fprintf(stderr, "runtime_open: %s\n", err);
		return (false);
	}
	shm_global_set_generation(shm_global(r->env.shm), 1);
	r->svc = &r->env.services[0];
	return ((r->loop = evloop_new(1024, EVLOOP_EPOLL)) != NULL &&
	    (r->pool = pool_new(&r->env, r->loop, 0)) != NULL);
}

static void
rig_close(struct rig *r)
{
	pool_free(r->pool);
	evloop_free(r->loop);
	runtime_close(&r->env);
	config_free(r->env.conf);
}

/* A connected pair: conn[0] is lbd's end, conn[1] the backend's. */
static bool
pair(int conn[2])
{
	return (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    conn) == 0);
}

/*
 * Has lbd closed its end?  The backend's end reads EOF then, or a reset
 * when lbd closed without reading what the backend sent.
 */
static bool
peer_closed(int peer)
{
	char	c;
	ssize_t	n;

	n = recv(peer, &c, 1, MSG_DONTWAIT);
	return (n == 0 || (n == -1 && errno == ECONNRESET));
}

/* Run the loop until the pool holds want (2 s at most). */
static unsigned
wait_count(struct rig *r, unsigned want)
{
	for (int i = 0; i < WAIT_ROUNDS && pool_count(r->pool) != want; i++)
		evloop_wait(r->loop, 10, NULL);
	return (pool_count(r->pool));
}

static void
on_mine(struct evloop *loop, int fd, int events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	(*(int *)arg)++;
}

/*
 * Kept, then handed back for its own backend only, still registered for
 * reading so that the taker's evloop_set() costs nothing; events then
 * reach the taker, and the pool holds nothing more.
 */
static void
test_round_trip(void)
{
	struct rig	 r;
	int		 c[2], fd, mine = 0;

	CU_ASSERT_FATAL(rig_open(&r, 4));
	CU_ASSERT_FATAL(pair(c));
	pool_put(r.pool, r.svc, 0, c[0], 10000, -1);
	CU_ASSERT_EQUAL(pool_count(r.pool), 1);
	CU_ASSERT_EQUAL(evloop_mask(r.loop, c[0]), EV_READ);
	CU_ASSERT_EQUAL(pool_take(r.pool, r.svc, 1), -1);
	fd = pool_take(r.pool, r.svc, 0);
	CU_ASSERT_EQUAL(fd, c[0]);
	CU_ASSERT_EQUAL(pool_count(r.pool), 0);
	CU_ASSERT_EQUAL(evloop_mask(r.loop, fd), EV_READ);
	CU_ASSERT_EQUAL(pool_take(r.pool, r.svc, 0), -1);
	CU_ASSERT_EQUAL(evloop_set(r.loop, fd, EV_READ, on_mine, &mine), 0);
	CU_ASSERT_EQUAL(send(c[1], "x", 1, MSG_NOSIGNAL), 1);
	for (int i = 0; i < WAIT_ROUNDS && mine == 0; i++)
		evloop_wait(r.loop, 10, NULL);
	CU_ASSERT(mine > 0);
	CU_ASSERT_FALSE(peer_closed(c[1]));
	evloop_forget(r.loop, fd);
	close(fd);
	close(c[1]);
	rig_close(&r);
}

/* http.pool 2: a third put closes the oldest; takes go newest first. */
static void
test_limit(void)
{
	struct rig	 r;
	int		 c[4][2];

	CU_ASSERT_FATAL(rig_open(&r, 2));
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_FATAL(pair(c[i]));
		pool_put(r.pool, r.svc, 0, c[i][0], 10000, -1);
	}
	CU_ASSERT_EQUAL(pool_count(r.pool), 2);
	CU_ASSERT(peer_closed(c[0][1]));
	CU_ASSERT_FALSE(peer_closed(c[1][1]));
	CU_ASSERT_EQUAL(pool_take(r.pool, r.svc, 0), c[2][0]);
	CU_ASSERT_EQUAL(pool_take(r.pool, r.svc, 0), c[1][0]);
	CU_ASSERT_EQUAL(pool_take(r.pool, r.svc, 0), -1);
	/* The other backend has its own count. */
	CU_ASSERT_FATAL(pair(c[3]));
	pool_put(r.pool, r.svc, 1, c[3][0], 10000, -1);
	CU_ASSERT_EQUAL(pool_count(r.pool), 1);
	for (int i = 1; i < 3; i++) {
		evloop_forget(r.loop, c[i][0]);
		close(c[i][0]);
	}
	for (int i = 0; i < 4; i++)
		close(c[i][1]);
	rig_close(&r);
}

/* Each expires after its own time to live, the loop's timer closing it. */
static void
test_expiry(void)
{
	struct rig	 r;
	int		 a[2], b[2];
	uint64_t	 start;

	CU_ASSERT_FATAL(rig_open(&r, 4));
	CU_ASSERT_FATAL(pair(a));
	CU_ASSERT_FATAL(pair(b));
	start = clock_ms();
	pool_put(r.pool, r.svc, 0, a[0], 50, -1);
	pool_put(r.pool, r.svc, 0, b[0], 60000, -1);
	CU_ASSERT_EQUAL(wait_count(&r, 1), 1);
	CU_ASSERT(clock_ms() - start >= 40);
	CU_ASSERT(peer_closed(a[1]));
	CU_ASSERT_FALSE(peer_closed(b[1]));
	CU_ASSERT_EQUAL(pool_take(r.pool, r.svc, 0), b[0]);
	evloop_forget(r.loop, b[0]);
	close(b[0]);
	close(a[1]);
	close(b[1]);
	rig_close(&r);
}

/* The backend closes an idle one, or sends a byte: dropped, no take. */
static void
test_peer_activity(void)
{
	struct rig	 r;
	int		 a[2], b[2];

	CU_ASSERT_FATAL(rig_open(&r, 4));
	CU_ASSERT_FATAL(pair(a));
	CU_ASSERT_FATAL(pair(b));
	pool_put(r.pool, r.svc, 0, a[0], 60000, -1);
	pool_put(r.pool, r.svc, 1, b[0], 60000, -1);
	for (int i = 0; i < 5; i++)
		evloop_wait(r.loop, 10, NULL);
	CU_ASSERT_EQUAL(pool_count(r.pool), 2);		/* quiet: kept */
	close(a[1]);
	CU_ASSERT_EQUAL(wait_count(&r, 1), 1);
	CU_ASSERT_EQUAL(pool_take(r.pool, r.svc, 0), -1);
	CU_ASSERT_EQUAL(send(b[1], "HTTP/1.1 200", 12, MSG_NOSIGNAL), 12);
	CU_ASSERT_EQUAL(wait_count(&r, 0), 0);
	CU_ASSERT_EQUAL(pool_take(r.pool, r.svc, 1), -1);
	CU_ASSERT(peer_closed(b[1]));
	close(b[1]);
	rig_close(&r);
}

/*
 * Put and close at once: no uses left, no time to live, a pool of 0, a
 * backend not up.  One use left is kept.
 */
static void
test_refused(void)
{
	struct rig	 r;
	int		 c[2];
	struct shm_backend *sb;

	CU_ASSERT_FATAL(rig_open(&r, 4));
	sb = shm_backend(r.env.shm, r.svc->be_slot[0]);
	for (int i = 0; i < 5; i++) {
		CU_ASSERT_FATAL(pair(c));
		r.env.conf->services[0].http.pool = i == 2 ? 0 : 4;
		shm_backend_set_state(sb, i == 3 ? BACKEND_DOWN : BACKEND_UP);
		pool_put(r.pool, r.svc, 0, c[0], i == 1 ? 0 : 1000,
		    i == 0 ? 0 : 1);
		CU_ASSERT_EQUAL(pool_count(r.pool), i == 4 ? 1 : 0);
		CU_ASSERT_EQUAL(peer_closed(c[1]), i != 4);
		close(c[1]);
	}
	CU_ASSERT_EQUAL(pool_take(r.pool, r.svc, 0), c[0]);
	evloop_forget(r.loop, c[0]);
	close(c[0]);
	rig_close(&r);
}

/*
 * A backend down, disabled, or whose slot left the configuration loses
 * its idle ones at the next prune, the pool's own timer's included; a
 * reload that makes this worker old drops them all.
 */
static void
test_prune(void)
{
	struct rig	 r;
	int		 c[4][2];
	unsigned	 slot;

	CU_ASSERT_FATAL(rig_open(&r, 4));
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_FATAL(pair(c[i]));
		pool_put(r.pool, r.svc, i % 2, c[i][0], 60000, -1);
	}
	CU_ASSERT_EQUAL(pool_count(r.pool), 4);
	pool_prune(r.pool, clock_ms());
	CU_ASSERT_EQUAL(pool_count(r.pool), 4);		/* all up: kept */
	shm_backend_set_state(shm_backend(r.env.shm, r.svc->be_slot[0]),
	    BACKEND_DOWN);
	CU_ASSERT_EQUAL(wait_count(&r, 2), 2);		/* by the timer */
	CU_ASSERT(peer_closed(c[0][1]) && peer_closed(c[2][1]));
	shm_backend_set_disabled(shm_backend(r.env.shm, r.svc->be_slot[1]),
	    true);
	pool_prune(r.pool, clock_ms());
	CU_ASSERT_EQUAL(pool_count(r.pool), 0);
	CU_ASSERT(peer_closed(c[1][1]) && peer_closed(c[3][1]));

	/* b back, then a rebuilt service no longer holds its slot. */
	shm_backend_set_disabled(shm_backend(r.env.shm, r.svc->be_slot[1]),
	    false);
	CU_ASSERT_FATAL(pair(c[0]));
	pool_put(r.pool, r.svc, 1, c[0][0], 60000, -1);
	CU_ASSERT_EQUAL(pool_count(r.pool), 1);
	slot = r.svc->be_slot[1];
	r.svc->be_slot[1] = LBD_SHM_BACKENDS - 1;
	pool_prune(r.pool, clock_ms());
	r.svc->be_slot[1] = slot;
	CU_ASSERT_EQUAL(pool_count(r.pool), 0);
	CU_ASSERT(peer_closed(c[0][1]));

	/* A reload: this worker's generation is no longer the running one. */
	CU_ASSERT_FATAL(pair(c[1]));
	pool_put(r.pool, r.svc, 1, c[1][0], 60000, -1);
	CU_ASSERT_EQUAL(pool_count(r.pool), 1);
	shm_global_set_generation(shm_global(r.env.shm), 2);
	pool_prune(r.pool, clock_ms());
	CU_ASSERT_EQUAL(pool_count(r.pool), 0);
	CU_ASSERT_FATAL(pair(c[2]));
	pool_put(r.pool, r.svc, 1, c[2][0], 60000, -1);
	CU_ASSERT_EQUAL(pool_count(r.pool), 0);
	CU_ASSERT(peer_closed(c[1][1]) && peer_closed(c[2][1]));
	for (int i = 0; i < 4; i++)
		close(c[i][1]);
	rig_close(&r);
}

/* Freeing the pool closes what it holds. */
static void
test_free_closes(void)
{
	struct rig	 r;
	int		 c[2];

	CU_ASSERT_FATAL(rig_open(&r, 4));
	CU_ASSERT_FATAL(pair(c));
	pool_put(r.pool, r.svc, 0, c[0], 60000, -1);
	pool_free(r.pool);
	r.pool = NULL;
	CU_ASSERT(peer_closed(c[1]));
	close(c[1]);
	rig_close(&r);
}

int
test_pool_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("pool", NULL, NULL)) == NULL ||
	    CU_add_test(s, "put and take, per backend, still in the loop",
	    test_round_trip) == NULL ||
	    CU_add_test(s, "at most http.pool per backend, newest first",
	    test_limit) == NULL ||
	    CU_add_test(s, "each expires after its time to live",
	    test_expiry) == NULL ||
	    CU_add_test(s, "a backend's close or stray bytes drop it",
	    test_peer_activity) == NULL ||
	    CU_add_test(s, "no uses, no ttl, no pool, not up: closed",
	    test_refused) == NULL ||
	    CU_add_test(s, "prune: down, disabled, out of the config, reload",
	    test_prune) == NULL ||
	    CU_add_test(s, "free closes the idle ones",
	    test_free_closes) == NULL)
		return (-1);
	return (0);
}
