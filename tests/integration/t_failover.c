/*
 * Failover: a backend that does not listen is skipped.
 *
 * Config: identity backends "a" and "b", backend "dead" on a port nothing
 * listens on, all weight 1, retries = 2.  Client: 300 connections one
 * after another, each reading the backend's name.  Expect: all 300 get a
 * name, none is "dead", and lbd_backend_connect_failures_total counts
 * failures for "dead" only.
 */
#include <CUnit/CUnit.h>

#include "harness.h"

#define FAILURES(b)	"lbd_backend_connect_failures_total" \
			"{service=\"web\",backend=\"" b "\"}"

static void
test_dead_backend_skipped(void)
{
	struct harness	*h = harness_new();
	int		 counts[3] = { 0 };

	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	harness_dead_backend(h, "dead", 1);
	harness_backend(h, "b", 1, "identity", "-n", "b", NULL);
	if (harness_start(h, NULL) == -1) {
		harness_free(h);
		CU_FAIL_FATAL("lbd did not start");
	}
	CU_ASSERT_EQUAL(harness_tally(h, 300, counts), 0);
	CU_ASSERT_EQUAL(counts[1], 0);
	CU_ASSERT_EQUAL(counts[0] + counts[2], 300);
	CU_ASSERT(counts[0] > 0 && counts[2] > 0);
	CU_ASSERT(harness_metric(h, FAILURES("dead")) > 0);
	CU_ASSERT_EQUAL(harness_metric(h, FAILURES("a")), 0);
	CU_ASSERT_EQUAL(harness_metric(h, FAILURES("b")), 0);
	harness_free(h);
}

int
t_failover_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("failover", NULL, NULL)) == NULL ||
	    CU_add_test(s, "300 connections, none to the dead backend",
	    test_dead_backend_skipped) == NULL)
		return (-1);
	return (0);
}
