/*
 * Passive checks: failed connects, counted over all workers, pause a
 * backend; clients never see the failures.
 *
 * Config: identity backends "a" and "b", backend "dead" where nothing
 * listens, roundrobin, retries = 2, health = { type = "none";
 * max_fails = 3; fail_timeout = "2s"; }.  Client: 30 connections one
 * after another, each reading its greeting; 30 more while "dead" is
 * paused; 30 more once the pause is over.  Expect: all 90 served, none by
 * "dead"; after exactly max_fails failures the log says "backend down"
 * for "dead" and lbd_backend_up is 0; its failure count stays at 3 while
 * it is paused, and once the pause ends it is tried again and paused
 * again after 3 more (6 in all).
 */
#include <stdio.h>
#include <time.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"

#define OPTS		"retries = 2; timeouts = { connect = \"1s\"; " \
			"client = \"10s\"; server = \"10s\"; }; " \
			"health = { type = \"none\"; max_fails = 3; " \
			"fail_timeout = \"2s\"; };"
#define PAUSE_MS	2000
#define UP		"lbd_backend_up"
#define FAILURES	"lbd_backend_connect_failures_total"
#define DEAD		1
#define ROUND		30

/* ROUND connections: all served, none by "dead". */
static void
round_ok(const struct harness *h)
{
	int	counts[3] = { 0 };

	CU_ASSERT_EQUAL(harness_tally(h, ROUND, counts), 0);
	CU_ASSERT_EQUAL(counts[DEAD], 0);
	CU_ASSERT_EQUAL(counts[0] + counts[2], ROUND);
}

static void
test_paused_after_max_fails(void)
{
	struct harness	*h = harness_new();
	uint64_t	 start, paused;

	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	harness_dead_backend(h, "dead", 1);
	harness_backend(h, "b", 1, "identity", "-n", "b", NULL);
	if (harness_start(h, OPTS) == -1) {
		harness_free(h);
		CU_FAIL_FATAL("lbd did not start");
	}
	start = clock_ms();
	round_ok(h);
	CU_ASSERT(harness_log_has(h, "backend down service=web "
	    "backend=dead reason="));
	CU_ASSERT(harness_log_has(h, "failures=3"));
	CU_ASSERT_EQUAL(harness_backend_metric(h, FAILURES, DEAD), 3);
	CU_ASSERT_EQUAL(harness_backend_metric(h, UP, DEAD), 0);
	round_ok(h);
	paused = clock_ms();
	/* The pause began after start: still on, or we proved nothing. */
	CU_ASSERT(paused < start + PAUSE_MS);
	CU_ASSERT_EQUAL(harness_backend_metric(h, FAILURES, DEAD), 3);
	/* Over for sure: it began before paused. */
	harness_sleep_until(paused + PAUSE_MS + 300);
	round_ok(h);
	CU_ASSERT_EQUAL(harness_backend_metric(h, FAILURES, DEAD), 6);
	harness_free(h);
}

int
t_passive_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("passive", NULL, NULL)) == NULL ||
	    CU_add_test(s, "refusing backend paused after 3, no client sees it",
	    test_paused_after_max_fails) == NULL)
		return (-1);
	return (0);
}
