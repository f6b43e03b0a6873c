/*
 * Slow start: a backend coming back up has its weight ramped.
 *
 * Config: identity backends "a" and "b" of equal weight, roundrobin, tcp
 * health checks every 200 ms (rise 1, fall 1), slowstart = "3s".  Client:
 * once both are up, stop "b" until it is down and start it again; as soon
 * as it is up, up to 60 connections one after another within 600 ms, then,
 * after the 3 s ramp, 100 more.  Expect: "b" gets well under half at
 * first (under 30%: its weight starts at a tenth), then about half (40 to
 * 60%).  Weights 10,10 ramp "b" from 1 to 10.  Weights 1,1, the default,
 * must ramp too: a cold backend of weight 1 is as easily flooded.
 */
#include <stdio.h>
#include <stdint.h>
#include <time.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"

#define OPTS		"retries = 2; timeouts = { connect = \"1s\"; " \
			"client = \"10s\"; server = \"10s\"; }; " \
			"health = { type = \"tcp\"; interval = \"200ms\"; " \
			"timeout = \"100ms\"; rise = 1; fall = 1; " \
			"slowstart = \"3s\"; };"
#define UP		"lbd_backend_up"
#define RAMP_MS		3000
#define EARLY_MAX	60	/* connections in the first window */
#define EARLY_MS	600	/* its length, from "b" seen up */
#define LATE		100	/* connections after the ramp */

/* Both backends up, then "b" stopped, down, started and up; or NULL. */
static struct harness *
setup(int weight, uint64_t *up_ms)
{
	struct harness	*h = harness_new();

	harness_backend(h, "a", weight, "identity", "-n", "a", NULL);
	harness_backend(h, "b", weight, "identity", "-n", "b", NULL);
	if (harness_start(h, OPTS) == -1 ||
	    harness_backend_metric_wait(h, UP, 0, 1, 2000) != 1 ||
	    harness_backend_metric_wait(h, UP, 1, 1, 2000) != 1 ||
	    harness_backend_stop(h, 1) == -1 ||
	    harness_backend_metric_wait(h, UP, 1, 0, 2000) != 0 ||
	    harness_backend_restart(h, 1) == -1 ||
	    harness_backend_metric_wait(h, UP, 1, 1, 2000) != 1) {
		harness_free(h);
		return (NULL);
	}
	*up_ms = clock_ms();
	return (h);
}

/* Connections one at a time until n or the deadline; how many. */
static int
window(const struct harness *h, int n, uint64_t deadline, int counts[2])
{
	int	done = 0;

	for (; done < n && clock_ms() < deadline; done++)
		CU_ASSERT_EQUAL(harness_tally(h, 1, counts), 0);
	return (done);
}

static void
run(int weight)
{
	struct harness	*h;
	uint64_t	 up = 0;
	int		 early[2] = { 0 }, late[2] = { 0 }, n;

	h = setup(weight, &up);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	n = window(h, EARLY_MAX, up + EARLY_MS, early);
	CU_ASSERT(n >= 20);
	CU_ASSERT(early[1] * 100 < n * 30);
	harness_sleep_until(up + RAMP_MS + 200);
	CU_ASSERT_EQUAL(window(h, LATE, UINT64_MAX, late), LATE);
	CU_ASSERT(late[1] >= LATE * 40 / 100 && late[1] <= LATE * 60 / 100);
	fprintf(stderr, "\nweight %d: b had %d of %d at first, %d of %d "
	    "after the ramp ", weight, early[1], n, late[1], LATE);
	harness_free(h);
}

static void
test_weight_10(void)
{
	run(10);
}

static void
test_weight_1(void)
{
	run(1);
}

int
t_slowstart_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("slowstart", NULL, NULL)) == NULL ||
	    CU_add_test(s, "weights 10,10: under 30% at first, half later",
	    test_weight_10) == NULL ||
	    CU_add_test(s, "weights 1,1: under 30% at first, half later",
	    test_weight_1) == NULL)
		return (-1);
	return (0);
}
