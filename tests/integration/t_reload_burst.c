/*
 * A burst of reloads while old generations hold connections.
 *
 * Config: one echo backend "a", shutdown_timeout 60 s, idle timeouts
 * 60 s; after the start the file asks for 1 worker, so that one held
 * connection keeps a whole generation alive.  Client: up to RELOADS
 * times, HUP the master and wait for "reload done", open one connection
 * (it lands on the new generation's worker: the old ones stopped
 * accepting) and keep every connection opened so far busy, one byte each
 * way per round, so that no old worker drains, even when told a second
 * time to close idle connections.  After 255 generations the 256 shared
 * worker slots are all taken.  Expect, after every reload: lbd_workers is
 * 1 (never 0) and a new client's echo comes back; and the master said
 * "worker slots short" (the burst did reach the limit, and it closed the
 * oldest generation instead of failing to start the new one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "harness.h"

#define WORKERS		1
#define RELOADS		270	/* past the 256 slots, one per generation */
#define OPTS		"retries = 2; timeouts = { connect = \"1s\"; " \
			"client = \"60s\"; server = \"60s\"; };"
#define TOP		"pidfile = \"\"; shutdown_timeout = \"60s\";"

/* Rewrite the file with "workers = n;"; 0 or -1. */
static int
set_workers(const struct harness *h, int n)
{
	char	*text, *at;
	FILE	*f;
	int	 rc;

	if ((text = harness_read_file(h->conf)) == NULL)
		return (-1);
	if ((at = strstr(text, "workers = 2;")) == NULL ||
	    (f = fopen(h->conf, "w")) == NULL) {
		free(text);
		return (-1);
	}
	rc = fprintf(f, "%.*sworkers = %d;%s", (int)(at - text), text, n,
	    at + strlen("workers = 2;")) < 0;
	rc |= fclose(f) == EOF;
	free(text);
	return (rc ? -1 : 0);
}

/*
 * One byte each way on every held connection still open: none stays
 * idle long enough for a second TERM to close it.  A connection that
 * fails (its generation was closed) is dropped from the list.
 */
static void
keep_busy(int *fds, int *n)
{
	char	c;
	int	k = 0;

	for (int i = 0; i < *n; i++) {
		if (harness_write(fds[i], "x", 1) == 0 &&
		    harness_read(fds[i], &c, 1) == 0)
			fds[k++] = fds[i];
		else
			close(fds[i]);
	}
	*n = k;
}

static void
test_burst(void)
{
	struct harness	*h;
	int		 fds[RELOADS], n = 0, r;
	double		 workers = -1;
	bool		 served = true;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h = harness_new());
	snprintf(h->top, sizeof(h->top), "%s", TOP);
	harness_backend(h, "a", 1, "echo", NULL);
	if (harness_start(h, OPTS) == -1 || set_workers(h, WORKERS) == -1) {
		CU_FAIL("lbd start");
		goto out;
	}
	for (r = 0; r < RELOADS; r++) {
		if (harness_hup(h) == -1) {
			CU_FAIL("reload");
			break;
		}
		workers = harness_metric(h, "lbd_workers");
		served = harness_echo_fresh(h, 1, "fresh\n") == 1;
		if (workers != WORKERS || !served)
			break;
		if ((fds[n] = harness_connect(h->port)) == -1 ||
		    !harness_echo(fds[n++], "h"))
			break;
		keep_busy(fds, &n);
	}
	if (r < RELOADS)
		fprintf(stderr, "reload %d: lbd_workers=%g served=%d held=%d\n",
		    r + 1, workers, served, n);
	CU_ASSERT_EQUAL(r, RELOADS);
	CU_ASSERT_EQUAL(workers, WORKERS);
	CU_ASSERT_TRUE(served);
	CU_ASSERT_TRUE(harness_log_has(h, "worker slots short"));
out:
	for (int i = 0; i < n; i++)
		close(fds[i]);
	harness_free(h);
}

int
t_reload_burst_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("reload_burst", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "270 reloads, every generation busy: always a "
	    "worker, new clients served", test_burst) == NULL)
		return (-1);
	return (0);
}
