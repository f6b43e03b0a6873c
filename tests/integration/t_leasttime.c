/*
 * leasttime: the backend that answers first gets the traffic.
 *
 * Config: 2 workers, identity backends "fast", "mid" and "slow" that greet
 * after 0, 20 and 100 ms, weight 1, balance = "leasttime".  Client: 300
 * connections one after another, each reading the greeting.  Expect: all
 * 300 served; "fast" gets more than half, "slow" fewer than 15%.  The
 * estimate is connect time plus the wait for the first byte, a moving
 * average shared by the workers; an unmeasured backend starts at the
 * service's average, so "slow" is tried, but rarely.
 *
 * A silent backend is sampled on its connect time alone, however long the
 * client thinks before it sends: the estimate stays under a second.
 */
#include <stdio.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "harness.h"

#define OPTS		"retries = 2; " \
			"timeouts = { connect = \"1s\"; client = \"10s\"; " \
			"server = \"10s\"; };"
#define REQUESTS	300

static void
test_fast_wins(void)
{
	struct harness	*h = harness_new();
	int		 counts[3] = { 0 };

	if (h != NULL)
		snprintf(h->balance, sizeof(h->balance), "leasttime");
	harness_backend(h, "fast", 1, "identity", "-n", "fast", "-d", "0",
	    NULL);
	harness_backend(h, "mid", 1, "identity", "-n", "mid", "-d", "20",
	    NULL);
	harness_backend(h, "slow", 1, "identity", "-n", "slow", "-d", "100",
	    NULL);
	if (harness_start(h, OPTS) == -1) {
		harness_free(h);
		CU_FAIL_FATAL("lbd did not start");
	}
	CU_ASSERT_EQUAL(harness_tally(h, REQUESTS, counts), 0);
	CU_ASSERT_EQUAL(counts[0] + counts[1] + counts[2], REQUESTS);
	CU_ASSERT(counts[0] * 2 > REQUESTS);
	CU_ASSERT(counts[2] * 100 < REQUESTS * 15);
	fprintf(stderr, "\nfast %d, mid %d, slow %d of %d ", counts[0],
	    counts[1], counts[2], REQUESTS);
	harness_free(h);
}

#define RT_SILENT	"lbd_backend_response_time_seconds{service=\"web\"," \
			"backend=\"quiet\"}"

static void
test_silent_sample(void)
{
	struct harness	*h = harness_new();
	int		 fd;
	double		 rt;

	if (h != NULL)
		snprintf(h->balance, sizeof(h->balance), "leasttime");
	harness_backend(h, "quiet", 1, "silent", NULL);
	if (harness_start(h, OPTS) == -1) {
		harness_free(h);
		CU_FAIL_FATAL("lbd did not start");
	}
	CU_ASSERT_FATAL((fd = harness_connect(h->port)) != -1);
	harness_sleep_ms(50);		/* thinks longer than a connect */
	CU_ASSERT_EQUAL(harness_write(fd, "late\n", 5), 0);
	harness_sleep_ms(20);
	close(fd);
	CU_ASSERT_EQUAL(harness_metric_wait(h,
	    "lbd_service_active_connections{service=\"web\"}", 0, 3000), 0);
	rt = harness_metric(h, RT_SILENT);
	fprintf(stderr, "\nsilent backend sampled at %g s ", rt);
	CU_ASSERT(rt > 0 && rt < 1.0);
	harness_free(h);
}

int
t_leasttime_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("leasttime", NULL, NULL)) == NULL ||
	    CU_add_test(s, "0/20/100 ms: fast > 50%, slow < 15% of 300",
	    test_fast_wins) == NULL ||
	    CU_add_test(s, "silent backend: sampled on its connect time",
	    test_silent_sample) == NULL)
		return (-1);
	return (0);
}
