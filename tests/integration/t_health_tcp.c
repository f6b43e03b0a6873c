/*
 * Active tcp health checks.
 *
 * Config: identity backends, health = { type = "tcp"; interval = "200ms";
 * timeout = "100ms"; rise = 2; fall = 2; }.
 *
 * Start: backend "a" and "dead", where nothing listens.  Expect: "a" comes
 * up at its first passing check (checks=1); "dead" starts down and stays
 * down, so 20 connections all reach "a" and none is even tried on "dead"
 * (no connect failure counted for it).
 *
 * Stop and start: backends "a", "b", "c", all up first.  Stop "b": within
 * interval x fall + timeout (plus slack for polling) lbd_backend_up is 0,
 * the log says why after 2 checks, and 30 connections skip it.  Start it
 * again on the same port: up after rise = 2 passing checks, and it gets
 * connections again.
 */
#include <stdio.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"

#define OPTS		"retries = 2; timeouts = { connect = \"1s\"; " \
			"client = \"10s\"; server = \"10s\"; }; " \
			"health = { type = \"tcp\"; interval = \"200ms\"; " \
			"timeout = \"100ms\"; rise = 2; fall = 2; };"
#define UP		"lbd_backend_up"
#define FAILURES	"lbd_backend_connect_failures_total"
#define TOTAL		"lbd_backend_connections_total"
#define FIRST_UP_MS	2000	/* first check is due at once */
#define DOWN_MS		1000	/* 200 ms x 2 + 100 ms, and slack */
#define RISE_MS		1000	/* 200 ms x 2 + 100 ms, and slack */

/* Start lbd and wait until backends [0, n) are up; -1 on error. */
static int
start_up(struct harness *h, size_t n)
{
	if (harness_start(h, OPTS) == -1)
		return (-1);
	for (size_t i = 0; i < n; i++)
		if (harness_backend_metric_wait(h, UP, i, 1, FIRST_UP_MS) != 1)
			return (-1);
	return (0);
}

static void
test_starts_down(void)
{
	struct harness	*h = harness_new();
	int		 counts[2] = { 0 };

	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	harness_dead_backend(h, "dead", 1);
	if (start_up(h, 1) == -1) {
		harness_free(h);
		CU_FAIL_FATAL("lbd did not start with backend a up");
	}
	CU_ASSERT(harness_log_has(h, "backend up service=web backend=a "
	    "reason=\"check passed\" checks=1"));
	CU_ASSERT(harness_log_wait(h, "backend down service=web "
	    "backend=dead reason=\"connect refused\" checks=1", 1000));
	CU_ASSERT_EQUAL(harness_backend_metric(h, UP, 1), 0);
	CU_ASSERT_EQUAL(harness_tally(h, 20, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 20);
	CU_ASSERT_EQUAL(harness_backend_metric(h, FAILURES, 1), 0);
	CU_ASSERT_EQUAL(harness_backend_metric(h, UP, 1), 0);
	harness_free(h);
}

/* Stop backend 1 and expect it down in time, then skipped. */
static void
stop_b(struct harness *h)
{
	int		counts[3] = { 0 };
	uint64_t	start, took;
	double		before;

	CU_ASSERT_EQUAL(harness_backend_stop(h, 1), 0);
	start = clock_ms();
	CU_ASSERT_EQUAL(harness_backend_metric_wait(h, UP, 1, 0, 3000), 0);
	took = clock_ms() - start;
	CU_ASSERT(took <= DOWN_MS);
	fprintf(stderr, "\ndown after %llu ms ", (unsigned long long)took);
	CU_ASSERT(harness_log_has(h, "backend down service=web backend=b "
	    "reason=\"connect refused\" checks=2"));
	before = harness_backend_metric(h, TOTAL, 1);
	CU_ASSERT_EQUAL(harness_tally(h, 30, counts), 0);
	CU_ASSERT_EQUAL(counts[1], 0);
	CU_ASSERT_EQUAL(counts[0] + counts[2], 30);
	CU_ASSERT_EQUAL(harness_backend_metric(h, TOTAL, 1), before);
	CU_ASSERT_EQUAL(harness_backend_metric(h, FAILURES, 1), 0);
}

/* Start backend 1 again; expect it up after rise checks, then chosen. */
static void
restart_b(struct harness *h)
{
	int		counts[3] = { 0 };
	uint64_t	start, took;

	CU_ASSERT_EQUAL_FATAL(harness_backend_restart(h, 1), 0);
	start = clock_ms();
	CU_ASSERT_EQUAL(harness_backend_metric_wait(h, UP, 1, 1, 3000), 1);
	took = clock_ms() - start;
	CU_ASSERT(took <= RISE_MS);
	fprintf(stderr, "up after %llu ms ", (unsigned long long)took);
	CU_ASSERT(harness_log_has(h, "backend up service=web backend=b "
	    "reason=\"check passed\" checks=2"));
	CU_ASSERT_EQUAL(harness_tally(h, 30, counts), 0);
	CU_ASSERT(counts[1] >= 5);
}

static void
test_stop_start(void)
{
	struct harness	*h = harness_new();
	int		 counts[3] = { 0 };

	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	harness_backend(h, "b", 1, "identity", "-n", "b", NULL);
	harness_backend(h, "c", 1, "identity", "-n", "c", NULL);
	if (start_up(h, 3) == -1) {
		harness_free(h);
		CU_FAIL_FATAL("lbd did not start with every backend up");
	}
	CU_ASSERT_EQUAL(harness_tally(h, 30, counts), 0);
	CU_ASSERT(counts[0] > 0 && counts[1] > 0 && counts[2] > 0);
	stop_b(h);
	restart_b(h);
	harness_free(h);
}

int
t_health_tcp_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("health_tcp", NULL, NULL)) == NULL ||
	    CU_add_test(s, "start: up at the first pass, dead stays down",
	    test_starts_down) == NULL ||
	    CU_add_test(s, "stop: down in time, skipped; start: up after rise",
	    test_stop_start) == NULL)
		return (-1);
	return (0);
}
