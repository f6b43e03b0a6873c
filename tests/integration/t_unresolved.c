/*
 * lbd -s and -x when a backend's host no longer resolves.
 *
 * Config: identity backend "a", a pidfile and a control socket in the
 * test's directory.  Once lbd runs, the file is rewritten so that a's
 * address is "nosuchhost.invalid:PORT", which lbd -t rejects.  Expect:
 * "lbd -x 'show services'" still answers (exit 0, naming web);
 * "lbd -s reload" checks the file as the master would and refuses it
 * (exit 1, naming the host) without signalling: no reload is logged,
 * generation 1 keeps serving, and 5 new connections still reach a.
 * "lbd -s stop" then stops the master (it exits 0).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "harness.h"

#define RUN_MS		5000	/* for one lbd -t, -x or -s */
#define NOHOST		"nosuchhost.invalid"

/* Rewrite h's file with a's host NOHOST; 0 or -1. */
static int
unresolve(const struct harness *h)
{
	char	from[64], *text, *at;
	FILE	*f;
	int	 rc;

	snprintf(from, sizeof(from), "\"127.0.0.1:%d\"", h->backends[0].port);
	if ((text = harness_read_file(h->conf)) == NULL)
		return (-1);
	if ((at = strstr(text, from)) == NULL ||
	    (f = fopen(h->conf, "w")) == NULL) {
		free(text);
		return (-1);
	}
	fprintf(f, "%.*s\"%s:%d\"%s", (int)(at - text), text, NOHOST,
	    h->backends[0].port, at + strlen(from));
	rc = fclose(f) == EOF ? -1 : 0;
	free(text);
	return (rc);
}

/* The refused -s reload sent nothing: generation 1 serves on. */
static void
check_reload_kept(struct harness *h)
{
	int	counts[1] = { 0 };

	CU_ASSERT_EQUAL(harness_log_count(h, "reload"), 0);
	CU_ASSERT_EQUAL(harness_tally(h, 5, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 5);
}

static void
test_unresolved(void)
{
	struct harness	*h = harness_new();
	char		 out[2048];
	int		 rc;

	snprintf(h->top, sizeof(h->top), "pidfile = \"%s/lbd.pid\"; "
	    "control = \"%s/ctl.sock\"; shutdown_timeout = \"2s\";", h->dir,
	    h->dir);
	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	if (harness_start(h, NULL) == -1 || unresolve(h) == -1) {
		CU_FAIL("lbd did not start, or the file cannot be rewritten");
		goto out;
	}
	/* The file really is broken now. */
	CU_ASSERT_EQUAL(harness_run(out, sizeof(out), RUN_MS, "-t", "-c",
	    h->conf, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, NOHOST));
	rc = harness_run(out, sizeof(out), RUN_MS, "-c", h->conf, "-x",
	    "show services", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "web"));
	if (rc != 0)
		fprintf(stderr, "\n  lbd -x: status %d, output \"%s\"\n", rc,
		    out);
	rc = harness_run(out, sizeof(out), RUN_MS, "-c", h->conf, "-s",
	    "reload", NULL);
	CU_ASSERT_EQUAL(rc, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, NOHOST));
	if (rc != 1)
		fprintf(stderr, "\n  lbd -s reload: status %d, output \"%s\"\n",
		    rc, out);
	check_reload_kept(h);
	CU_ASSERT_EQUAL(harness_run(out, sizeof(out), RUN_MS, "-c", h->conf,
	    "-s", "stop", NULL), 0);
	CU_ASSERT_EQUAL(harness_wait_exit(h, RUN_MS), 0);
out:
	harness_free(h);
}

int
t_unresolved_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("unresolved", NULL, NULL)) == NULL ||
	    CU_add_test(s, "-s and -x work when a backend host no longer "
	    "resolves", test_unresolved) == NULL)
		return (-1);
	return (0);
}
