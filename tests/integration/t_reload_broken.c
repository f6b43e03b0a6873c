/*
 * A reload with a broken file.
 *
 * Config: 2 workers, identity backends "a" and "b", a pidfile in the
 * test's directory; identity backend "c" runs beside.  The file is then
 * rewritten to name only c, with a syntax error on line 3.  Expect: HUP
 * logs "reload error: PATH:3:" and "reload failed"; the workers are the
 * same processes, lbd_reloads_total stays 0, and 10 new connections
 * still reach a and b only.  "lbd -s reload -c FILE -p PIDFILE" exits 1
 * printing "FILE:3:" and sends no HUP.  Once the file is valid again
 * (naming c), the same command exits 0, the reload is done, and new
 * connections reach c.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"

#define BROKEN_LINE	3
#define BROKEN_TEXT	"this line is broken\n"
#define RUN_MS		10000


/* Write the file for {c} with BROKEN_TEXT as line BROKEN_LINE; 0 or -1. */
static int
break_config(struct harness *h)
{
	char	*text, *p;
	FILE	*f;
	int	 line = 1, rc;

	if (harness_config(h, NULL, "c") == -1 ||
	    (text = harness_read_file(h->conf)) == NULL)
		return (-1);
	for (p = text; *p != '\0' && line < BROKEN_LINE; p++)
		line += *p == '\n';
	if (line != BROKEN_LINE || (f = fopen(h->conf, "w")) == NULL) {
		free(text);
		return (-1);
	}
	fprintf(f, "%.*s%s%s", (int)(p - text), text, BROKEN_TEXT, p);
	rc = fclose(f) == EOF ? -1 : 0;
	free(text);
	return (rc);
}

/* True when both worker lists hold the same pids. */
static bool
same_workers(const pid_t *a, size_t na, const pid_t *b, size_t nb)
{
	if (na != nb)
		return (false);
	for (size_t i = 0; i < na; i++)
		if (a[i] != b[i])
			return (false);
	return (true);
}

/* The HUP half: lbd keeps the old configuration and says why. */
static void
check_hup(struct harness *h)
{
	char	 want[PATH_MAX + 64], real[PATH_MAX];
	pid_t	 w0[16], w1[16];
	size_t	 n0 = harness_workers(h, w0, 16), n1;
	int	 counts[3] = { 0 };

	CU_ASSERT_EQUAL(harness_hup(h), -1);
	CU_ASSERT(harness_log_has(h, "reload failed, keeping generation="));
	if (realpath(h->conf, real) == NULL)
		snprintf(real, sizeof(real), "%s", h->conf);
	snprintf(want, sizeof(want), "reload error: %s:%d:", real,
	    BROKEN_LINE);
	CU_ASSERT(harness_log_has(h, want));
	if (!harness_log_has(h, want))
		fprintf(stderr, "\n  no \"%s\" in the log\n", want);
	n1 = harness_workers(h, w1, 16);
	CU_ASSERT_EQUAL(n0, 2);
	CU_ASSERT(same_workers(w0, n0, w1, n1));
	CU_ASSERT_EQUAL(harness_metric(h, "lbd_reloads_total"), 0);
	CU_ASSERT_EQUAL(harness_tally(h, 10, counts), 0);
	CU_ASSERT(counts[0] > 0 && counts[1] > 0);
	CU_ASSERT_EQUAL(counts[2], 0);
}

/* The command half: -s reload refuses the broken file, then takes it. */
static void
check_command(struct harness *h, const char *pidfile)
{
	char	out[2048], want[256];
	pid_t	old[16];
	size_t	nold;
	int	counts[3] = { 0 }, rc;

	rc = harness_run(out, sizeof(out), RUN_MS, "-s", "reload", "-c",
	    h->conf, "-p", pidfile, NULL);
	CU_ASSERT_EQUAL(rc, 1);
	snprintf(want, sizeof(want), "%s:%d:", h->conf, BROKEN_LINE);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
	if (rc != 1 || strstr(out, want) == NULL)
		fprintf(stderr, "\n  lbd -s reload: status %d, output \"%s\"\n",
		    rc, out);
	harness_sleep_ms(300);		/* a HUP it wrongly sent would show by now */
	CU_ASSERT_EQUAL(harness_log_count(h, "reloading generation="), 1);

	if (harness_config(h, NULL, "c") == -1) {
		CU_FAIL("cannot write the configuration");
		return;
	}
	nold = harness_workers(h, old, 16);
	rc = harness_run(out, sizeof(out), RUN_MS, "-s", "reload", "-c",
	    h->conf, "-p", pidfile, NULL);
	CU_ASSERT_EQUAL(rc, 0);
	for (uint64_t end = clock_ms() + 5000; clock_ms() < end &&
	    harness_log_count(h, "reload done generation=") == 0; )
		harness_sleep_ms(20);
	CU_ASSERT_EQUAL(harness_log_count(h, "reload done generation="), 1);
	CU_ASSERT(harness_wait_draining(h, old, nold, clock_ms() + 5000));
	CU_ASSERT_EQUAL(harness_tally(h, 10, counts), 0);
	CU_ASSERT_EQUAL(counts[2], 10);
}

static void
test_broken(void)
{
	struct harness	*h = harness_new();
	char		 pidfile[128];
	int		 counts[3] = { 0 };

	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	harness_backend(h, "b", 1, "identity", "-n", "b", NULL);
	snprintf(pidfile, sizeof(pidfile), "%s/lbd.pid", h->dir);
	snprintf(h->top, sizeof(h->top), "pidfile = \"%s\"; "
	    "shutdown_timeout = \"2s\";", pidfile);
	if (harness_start(h, NULL) == -1 ||
	    harness_backend(h, "c", 1, "identity", "-n", "c", NULL) == -1) {
		CU_FAIL("lbd did not start");
		goto out;
	}
	CU_ASSERT_EQUAL(harness_tally(h, 10, counts), 0);
	if (break_config(h) == -1) {
		CU_FAIL("cannot write the broken configuration");
		goto out;
	}
	check_hup(h);
	check_command(h, pidfile);
out:
	harness_free(h);
}

int
t_reload_broken_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("reload_broken", NULL, NULL)) == NULL ||
	    CU_add_test(s, "a broken file changes nothing; -s reload "
	    "refuses it", test_broken) == NULL)
		return (-1);
	return (0);
}
