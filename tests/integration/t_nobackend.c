/*
 * No backend reachable.
 *
 * Config: backends "a" and "b" on ports nothing listens on, retries = 1,
 * connect = 1s.  Client: 5 connections, one after another, each waiting
 * for lbd to close it.  Expect: each is closed (EOF or reset) within
 * connect x (retries + 1) + 1 s = 3 s, and lbd_service_rejected_total
 * grows by exactly 5.
 */
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "harness.h"

#define NCONN		5
#define OPTS		"retries = 1; timeouts = { connect = \"1s\"; " \
			"client = \"10s\"; server = \"10s\"; };"
#define REJECTED	"lbd_service_rejected_total{service=\"web\"}"

/* Connections lbd closed within 3 s each. */
static int
closed_promptly(const struct harness *h)
{
	int	fd, closed = 0;

	for (int i = 0; i < NCONN; i++) {
		if ((fd = harness_connect(h->port)) == -1)
			continue;
		if (harness_wait_closed(fd, 3000) >= 0)
			closed++;
		close(fd);
	}
	return (closed);
}

static void
test_all_down(void)
{
	struct harness	*h = harness_new();
	double		 before;

	harness_dead_backend(h, "a", 1);
	harness_dead_backend(h, "b", 1);
	if (harness_start(h, OPTS) == -1) {
		harness_free(h);
		CU_FAIL_FATAL("lbd did not start");
	}
	before = harness_metric(h, REJECTED);
	CU_ASSERT(before >= 0);
	CU_ASSERT_EQUAL(closed_promptly(h), NCONN);
	CU_ASSERT_EQUAL(harness_metric_wait(h, REJECTED, before + NCONN, 2000),
	    before + NCONN);
	harness_free(h);
}

int
t_nobackend_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("nobackend", NULL, NULL)) == NULL ||
	    CU_add_test(s, "closed promptly and counted as rejected",
	    test_all_down) == NULL)
		return (-1);
	return (0);
}
