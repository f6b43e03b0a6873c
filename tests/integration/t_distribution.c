/*
 * Distribution: smooth weighted round robin, exact across workers.
 *
 * Config: 2 workers, identity backends.  Client: connections one after
 * another, each reading the backend's name.  Expect: weights 1,1,1 over
 * 300 connections give exactly 100 each; weights 3,1 over 400 give exactly
 * 300 and 100.  The rotation is shared, so which worker accepts does not
 * matter.
 */
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

int
t_distribution_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("distribution", NULL, NULL)) == NULL ||
	    CU_add_test(s, "weights 1,1,1: 100 each of 300",
	    test_equal_weights) == NULL ||
	    CU_add_test(s, "weights 3,1: 300 and 100 of 400",
	    test_weights_3_1) == NULL)
		return (-1);
	return (0);
}
