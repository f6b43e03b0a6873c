/*
 * Worker death: SIGKILL one worker while both hold connections.
 *
 * Config: 2 workers, one echo backend "a", idle timeouts 60 s.  Client:
 * opens at least 20 connections (more, up to 100, until both workers hold
 * some; sock_diag and /proc tell which worker holds each), checks each
 * echoes, then SIGKILLs the worker holding the first one.  Expect: the
 * master logs "worker exited" and forks a replacement (2 workers, the
 * victim gone); the victim's connections are closed, the others still
 * echo; new connections echo; lbd_service_active_connections and
 * lbd_backend_active_connections come back to exactly the number still
 * open; lbd_worker_restarts_total is 1.
 */
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"

/* Idle timeouts far above the test's length: only the kill may close. */
#define OPTS		"retries = 2; timeouts = { connect = \"1s\"; " \
			"client = \"60s\"; server = \"60s\"; };"
#define MIN_HELD	20
#define MAX_HELD	100
#define ACTIVE		"lbd_service_active_connections{service=\"web\"}"
#define BE_ACTIVE	"lbd_backend_active_connections" \
			"{service=\"web\",backend=\"a\"}"

struct held {
	int	fd[MAX_HELD];
	pid_t	owner[MAX_HELD];	/* worker holding lbd's side */
	int	n;
};

/* True when some connection is held by another worker than the first. */
static bool
spread(const struct held *c)
{
	for (int i = 1; i < c->n; i++)
		if (c->owner[i] != c->owner[0])
			return (true);
	return (false);
}

/* Open echoing connections until both workers hold some; 0 or -1. */
static int
open_held(const struct harness *h, struct held *c)
{
	char	msg[32];
	int	fd;

	while (c->n < MAX_HELD && (c->n < MIN_HELD || !spread(c))) {
		snprintf(msg, sizeof(msg), "held %d\n", c->n);
		if ((fd = harness_connect(h->port)) == -1)
			return (-1);
		c->fd[c->n++] = fd;
		/* Once it echoes, lbd has surely accepted it. */
		if (!harness_echo(fd, msg) ||
		    (c->owner[c->n - 1] = harness_conn_owner(h, fd)) <= 0)
			return (-1);
	}
	return (spread(c) ? 0 : -1);
}

/* Wait up to 10 s for 2 workers, the victim not among them. */
static bool
replaced(const struct harness *h, pid_t victim)
{
	uint64_t	end = clock_ms() + 10000;
	pid_t		pids[8];
	size_t		n;
	struct timespec	ts = { 0, 50 * 1000000 };

	while (clock_ms() < end) {
		n = harness_workers(h, pids, 8);
		if (n == 2 && pids[0] != victim && pids[1] != victim)
			return (true);
		nanosleep(&ts, NULL);
	}
	return (false);
}

/* Victim's connections must be closed, others echo; the survivors. */
static int
check_held(const struct held *c, pid_t victim)
{
	int	alive = 0;

	for (int i = 0; i < c->n; i++) {
		if (c->owner[i] == victim) {
			CU_ASSERT(harness_wait_closed(c->fd[i], 3000) >= 0);
		} else if (harness_echo(c->fd[i], "still there\n"))
			alive++;
		else
			CU_FAIL("a connection of the surviving worker broke");
	}
	return (alive);
}


static void
test_kill_worker(void)
{
	static struct held	 c;
	struct harness		*h = harness_new();
	int			 alive;

	c.n = 0;
	harness_backend(h, "a", 1, "echo", NULL);
	if (harness_start(h, OPTS) == -1) {
		harness_free(h);
		CU_FAIL_FATAL("lbd did not start");
	}
	/* Never kill() a pid we did not find: -1 or 0 would hit us all. */
	if (open_held(h, &c) == -1) {
		CU_FAIL("could not hold echoing connections on both workers");
		goto out;
	}
	CU_ASSERT(kill(c.owner[0], SIGKILL) == 0);
	CU_ASSERT(replaced(h, c.owner[0]));
	alive = check_held(&c, c.owner[0]);
	CU_ASSERT(alive > 0 && alive < c.n);
	CU_ASSERT_EQUAL(harness_echo_fresh(h, 10, "new\n"), 10);
	CU_ASSERT_EQUAL(harness_metric_wait(h, ACTIVE, alive, 5000), alive);
	CU_ASSERT_EQUAL(harness_metric_wait(h, BE_ACTIVE, alive, 5000),
	    alive);
	CU_ASSERT(harness_log_has(h, "worker exited"));
	CU_ASSERT_EQUAL(harness_metric(h, "lbd_worker_restarts_total"), 1);
out:
	for (int i = 0; i < c.n; i++)
		close(c.fd[i]);
	harness_free(h);
}

int
t_worker_death_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("worker_death", NULL, NULL)) == NULL ||
	    CU_add_test(s, "SIGKILL a worker: replaced, counts exact",
	    test_kill_worker) == NULL)
		return (-1);
	return (0);
}
