/*
 * A reload that changes the backends.
 *
 * Config: 2 workers, round robin over identity backends "a" and "b";
 * identity backend "c" runs but is not in the file yet.
 * Replace: 10 connections reach a and b only; reload with {c}; 20 new
 * connections all reach c.
 * Keep: 20 connections, 10 to a and 10 to b, and
 * lbd_backend_connections_total of b says 10; reload with {b, c}; the
 * counter of b still says 10 right after the reload; 20 new connections
 * reach b and c only, and the counters of b and c grow by exactly what
 * reached them.
 */
#include <stdio.h>

#include <CUnit/CUnit.h>

#include "harness.h"

#define CONNS	"lbd_backend_connections_total{service=\"web\",backend=\"%s\"}"

/* Identity backends a and b in the file, c beside it; NULL on error. */
static struct harness *
start_ab(void)
{
	struct harness	*h = harness_new();

	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	harness_backend(h, "b", 1, "identity", "-n", "b", NULL);
	if (harness_start(h, NULL) == -1 ||
	    harness_backend(h, "c", 1, "identity", "-n", "c", NULL) == -1) {
		harness_free(h);
		return (NULL);
	}
	return (h);
}

/* lbd_backend_connections_total of backend name, polled until want. */
static double
conns_total(const struct harness *h, const char *name, double want)
{
	char	series[128];

	snprintf(series, sizeof(series), CONNS, name);
	return (harness_metric_wait(h, series, want, 2000));
}

static void
test_replace(void)
{
	struct harness	*h = start_ab();
	int		 before[3] = { 0 }, after[3] = { 0 };

	if (h == NULL) {
		CU_FAIL("lbd did not start");
		return;
	}
	CU_ASSERT_EQUAL(harness_tally(h, 10, before), 0);
	CU_ASSERT(before[0] > 0 && before[1] > 0 && before[2] == 0);
	if (harness_reload(h, NULL, "c") != 0) {
		CU_FAIL("the reload was not done");
		goto out;
	}
	CU_ASSERT_EQUAL(harness_tally(h, 20, after), 0);
	CU_ASSERT_EQUAL(after[0], 0);
	CU_ASSERT_EQUAL(after[1], 0);
	CU_ASSERT_EQUAL(after[2], 20);
	if (after[2] != 20)
		fprintf(stderr, "\n  after the reload: a=%d b=%d c=%d\n",
		    after[0], after[1], after[2]);
out:
	harness_free(h);
}

static void
test_keep_counters(void)
{
	struct harness	*h = start_ab();
	int		 before[3] = { 0 }, after[3] = { 0 };
	double		 b0;

	if (h == NULL) {
		CU_FAIL("lbd did not start");
		return;
	}
	CU_ASSERT_EQUAL(harness_tally(h, 20, before), 0);
	CU_ASSERT_EQUAL(before[0], 10);
	CU_ASSERT_EQUAL(before[1], 10);
	b0 = conns_total(h, "b", before[1]);
	CU_ASSERT_EQUAL(b0, before[1]);
	if (harness_reload(h, NULL, "b,c") != 0) {
		CU_FAIL("the reload was not done");
		goto out;
	}
	/* Right after the reload, before any new connection. */
	CU_ASSERT_EQUAL(conns_total(h, "b", b0), b0);
	CU_ASSERT_EQUAL(harness_tally(h, 20, after), 0);
	CU_ASSERT_EQUAL(after[0], 0);
	CU_ASSERT(after[1] > 0 && after[2] > 0);
	CU_ASSERT_EQUAL(after[1] + after[2], 20);
	CU_ASSERT_EQUAL(conns_total(h, "b", b0 + after[1]), b0 + after[1]);
	CU_ASSERT_EQUAL(conns_total(h, "c", after[2]), after[2]);
	fprintf(stderr, "\n  b: %g connections before, %d after; c: %d\n",
	    b0, after[1], after[2]);
out:
	harness_free(h);
}

int
t_reload_backends_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("reload_backends", NULL, NULL)) == NULL ||
	    CU_add_test(s, "a,b -> c: new connections reach c only",
	    test_replace) == NULL ||
	    CU_add_test(s, "a,b -> b,c: b keeps its counters",
	    test_keep_counters) == NULL)
		return (-1);
	return (0);
}
