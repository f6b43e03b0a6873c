/*
 * leastconn: a new connection goes to the backend with the fewest active
 * connections relative to weight, counted over all workers.
 *
 * Config: 2 workers, echo backends "a", "b", "c", balance = "leastconn",
 * idle timeouts 60 s.  Client: opens connections one after another and
 * holds them all; before each it reads lbd_backend_active_connections of
 * every backend, and once the new one echoes it reads them again.
 * Expect: exactly one count grew, by one, and it was a lowest one
 * (active / weight) before.  Weights 1,1,1 and 6 held: 2,2,2, with the
 * connections held by both workers, so each worker's choice counted the
 * other's connections; close the 2 on "b", and the next 2 both go to "b"
 * (round robin would send one elsewhere).  Weights 2,1,1 and 8 held:
 * 4,2,2; close the 4 on "a", and the next 4 all go to "a".
 */
#include <stdio.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "harness.h"

#define OPTS		"retries = 2; " \
			"timeouts = { connect = \"1s\"; client = \"60s\"; " \
			"server = \"60s\"; };"
#define ACTIVE		"lbd_backend_active_connections"
#define NBE		3
#define MAXHELD		12

struct held {
	int	fd[MAXHELD];		/* -1 once closed */
	pid_t	owner[MAXHELD];		/* worker holding lbd's side */
	int	be[MAXHELD];		/* backend it reached, or -1 */
	int	n;
};

/* Start echo backends with these weights, then lbd; NULL on error. */
static struct harness *
setup(const int weights[NBE])
{
	static const char	*names[NBE] = { "a", "b", "c" };
	struct harness		*h = harness_new();

	if (h != NULL)
		snprintf(h->balance, sizeof(h->balance), "leastconn");
	for (int i = 0; i < NBE; i++)
		harness_backend(h, names[i], weights[i], "echo", NULL);
	if (harness_start(h, OPTS) == -1) {
		harness_free(h);
		return (NULL);
	}
	return (h);
}

/* Every backend's active count; 0 or -1 when one is missing. */
static int
read_active(const struct harness *h, double active[NBE])
{
	for (int i = 0; i < NBE; i++)
		if ((active[i] = harness_backend_metric(h, ACTIVE, i)) < 0)
			return (-1);
	return (0);
}

/* True when backend be had the lowest active / weight of all. */
static bool
was_least(const double active[NBE], const int weights[NBE], int be)
{
	for (int i = 0; i < NBE; i++)
		if (active[be] * weights[i] > active[i] * weights[be])
			return (false);
	return (true);
}

/* Which count grew by one, the others unchanged; -1 otherwise. */
static int
grown(const double before[NBE], const double after[NBE])
{
	int	be = -1;

	for (int i = 0; i < NBE; i++) {
		if (after[i] == before[i])
			continue;
		if (after[i] != before[i] + 1 || be != -1)
			return (-1);
		be = i;
	}
	return (be);
}

/*
 * Open and hold one more echoing connection and check it went to a
 * least loaded backend; 0 or -1 when the client side failed.
 */
static int
hold_one(const struct harness *h, const int weights[NBE], struct held *c)
{
	double	before[NBE], after[NBE];
	int	fd, be;

	if (c->n == MAXHELD || read_active(h, before) == -1 ||
	    (fd = harness_connect(h->port)) == -1)
		return (-1);
	c->be[c->n] = -1;
	c->owner[c->n] = -1;
	c->fd[c->n++] = fd;
	/* Once it echoes, the backend connection is up and counted. */
	if (!harness_echo(fd, "held\n") || read_active(h, after) == -1)
		return (-1);
	c->owner[c->n - 1] = harness_conn_owner(h, fd);
	c->be[c->n - 1] = be = grown(before, after);
	CU_ASSERT(be != -1);
	if (be != -1 && !was_least(before, weights, be)) {
		CU_FAIL("a connection went to a backend that was not least "
		    "loaded");
		fprintf(stderr, "\nconn %d went to %d; active before "
		    "%.0f %.0f %.0f\n", c->n, be, before[0], before[1],
		    before[2]);
	}
	return (0);
}

/*
 * Close the connections held on backend be; 0, or -1 when lbd's count for
 * it did not drop to 0.
 */
static int
release(const struct harness *h, struct held *c, int be)
{
	for (int i = 0; i < c->n; i++)
		if (c->be[i] == be && c->fd[i] != -1) {
			close(c->fd[i]);
			c->fd[i] = -1;
		}
	return (harness_backend_metric_wait(h, ACTIVE, be, 0, 2000) == 0 ?
	    0 : -1);
}

/* True when the held connections are not all in one worker. */
static bool
spread(const struct held *c)
{
	for (int i = 1; i < c->n; i++)
		if (c->owner[i] > 0 && c->owner[0] > 0 &&
		    c->owner[i] != c->owner[0])
			return (true);
	return (false);
}

/* Hold n more connections; 0 or -1. */
static int
hold(const struct harness *h, const int weights[NBE], struct held *c,
    int n)
{
	for (int i = 0; i < n; i++)
		if (hold_one(h, weights, c) == -1) {
			CU_FAIL("could not hold an echoing connection");
			return (-1);
		}
	return (0);
}

/* Expect exactly these active counts. */
static void
expect_active(const struct harness *h, const int want[NBE])
{
	double	active[NBE];

	CU_ASSERT_EQUAL_FATAL(read_active(h, active), 0);
	for (int i = 0; i < NBE; i++)
		CU_ASSERT_EQUAL(active[i], want[i]);
}

/*
 * Hold n connections and expect want; close those on backend be, hold
 * as many again and expect want again: all went back to be.
 */
static void
run(const int weights[NBE], int n, const int want[NBE], int be)
{
	struct harness	*h = setup(weights);
	struct held	 c = { .n = 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	if (hold(h, weights, &c, n) == -1)
		goto out;
	expect_active(h, want);
	CU_ASSERT(spread(&c));
	if (release(h, &c, be) == -1) {
		CU_FAIL("lbd_backend_active_connections did not drop to 0");
		goto out;
	}
	if (hold(h, weights, &c, want[be]) == -1)
		goto out;
	expect_active(h, want);
	for (int i = n; i < c.n; i++)
		CU_ASSERT_EQUAL(c.be[i], be);
out:
	for (int i = 0; i < c.n; i++)
		if (c.fd[i] != -1)
			close(c.fd[i]);
	harness_free(h);
}

static void
test_equal_weights(void)
{
	static const int	weights[NBE] = { 1, 1, 1 };
	static const int	want[NBE] = { 2, 2, 2 };

	run(weights, 6, want, 1);
}

static void
test_weights_2_1_1(void)
{
	static const int	weights[NBE] = { 2, 1, 1 };
	static const int	want[NBE] = { 4, 2, 2 };

	run(weights, 8, want, 0);
}

int
t_leastconn_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("leastconn", NULL, NULL)) == NULL ||
	    CU_add_test(s, "2 workers, 6 held, 2 closed: each to the least",
	    test_equal_weights) == NULL ||
	    CU_add_test(s, "weights 2,1,1, 8 held, 4 closed: each to the least",
	    test_weights_2_1_1) == NULL)
		return (-1);
	return (0);
}
