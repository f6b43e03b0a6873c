/*
 * Distribution: smooth weighted round robin, exact across workers.
 *
 * Config: 2 workers, identity backends.  Client: connections one after
 * another, each reading the backend's name.  Expect: weights 1,1,1 over
 * 300 connections give exactly 100 each; weights 3,1 over 400 give exactly
 * 300 and 100.  The rotation is shared, so which worker accepts does not
 * matter.
 *
 * Spread: a burst of BURST connections opened at once and held is shared
 * by the two workers, under epoll and under poll, rather than taken whole
 * by whichever worker woke first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "harness.h"

/* Start identity backends with these weights, then lbd; NULL on error. */
static struct harness *
setup(const int *weights, int n)
{
	static const char	*names[] = { "a", "b", "c" };
	struct harness		*h = harness_new();

	for (int i = 0; i < n; i++)
		harness_backend(h, names[i], weights[i], "identity", "-n",
		    names[i], NULL);
	if (harness_start(h, NULL) == -1) {
		harness_free(h);
		return (NULL);
	}
	return (h);
}

static void
test_equal_weights(void)
{
	static const int	 weights[] = { 1, 1, 1 };
	struct harness		*h = setup(weights, 3);
	int			 counts[3] = { 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(harness_tally(h, 300, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 100);
	CU_ASSERT_EQUAL(counts[1], 100);
	CU_ASSERT_EQUAL(counts[2], 100);
	/* Every accept is counted by the worker that made it. */
	CU_ASSERT_EQUAL(harness_metric(h, "lbd_worker_connections_total{"
	    "worker=\"1\",generation=\"1\"}") + harness_metric(h,
	    "lbd_worker_connections_total{worker=\"2\",generation=\"1\"}"),
	    300);
	harness_free(h);
}

static void
test_weights_3_1(void)
{
	static const int	 weights[] = { 3, 1 };
	struct harness		*h = setup(weights, 2);
	int			 counts[2] = { 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(harness_tally(h, 400, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 300);
	CU_ASSERT_EQUAL(counts[1], 100);
	harness_free(h);
}

#define BURST		64
#define ACTIVE		"lbd_service_active_connections{service=\"web\"}"

/* Open BURST connections at once, hold them, count who holds each. */
static void
burst_spread(const char *events)
{
	struct harness		*h = harness_new();
	pid_t			 pids[2], owner;
	int			 fds[BURST], held[2] = { 0 }, rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	harness_backend(h, "a", 1, "echo", NULL);
	setenv("LBD_EVENTS", events, 1);
	rc = harness_start(h, NULL);
	unsetenv("LBD_EVENTS");
	if (rc == -1) {
		CU_FAIL("lbd did not start");
		harness_free(h);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(harness_workers(h, pids, 2), 2);
	for (int i = 0; i < BURST; i++)
		fds[i] = harness_connect(h->port);
	CU_ASSERT_EQUAL(harness_metric_wait(h, ACTIVE, BURST, 3000), BURST);
	for (int i = 0; i < BURST; i++) {
		owner = fds[i] == -1 ? -1 : harness_conn_owner(h, fds[i]);
		held[0] += owner == pids[0];
		held[1] += owner == pids[1];
	}
	printf("\n%s: workers hold %d and %d of %d ", events, held[0],
	    held[1], BURST);
	CU_ASSERT_EQUAL(held[0] + held[1], BURST);
	/* The share is the mean plus one; allow a few for races. */
	CU_ASSERT(held[0] >= BURST / 2 - 4 && held[1] >= BURST / 2 - 4);
	for (int i = 0; i < BURST; i++)
		if (fds[i] != -1)
			close(fds[i]);
	harness_free(h);
}

static void
test_burst_epoll(void)
{
	burst_spread("epoll");
}

static void
test_burst_poll(void)
{
	burst_spread("poll");
}

int
t_distribution_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("distribution", NULL, NULL)) == NULL ||
	    CU_add_test(s, "weights 1,1,1: 100 each of 300",
	    test_equal_weights) == NULL ||
	    CU_add_test(s, "weights 3,1: 300 and 100 of 400",
	    test_weights_3_1) == NULL ||
	    CU_add_test(s, "a burst of 64 held: shared by 2 workers (epoll)",
	    test_burst_epoll) == NULL ||
	    CU_add_test(s, "a burst of 64 held: shared by 2 workers (poll)",
	    test_burst_poll) == NULL)
		return (-1);
	return (0);
}
