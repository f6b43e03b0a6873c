/*
 * Privilege drop (only when the tests run as root; else it passes with
 * a note).
 *
 * Config: 2 workers, echo backend "a", user = "nobody".  Expect: both
 * workers' real, effective, saved and filesystem uids and gids are
 * nobody's (getpwnam), the master's uid is 0, nothing in the log says
 * the user was ignored, and 10 connections echo.  Then the master is
 * killed: each worker is told at once by its parent-death signal (which a
 * change of uid clears, so it must be set after the drop) and logs that
 * it is draining, rather than noticing later on its own.
 */
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "../cunit_run.h"
#include "clock.h"
#include "harness.h"

#define DROP_MS		2000	/* for a worker to drop its privileges */

/* True when all four ids on the line of /proc/PID/status equal want. */
static bool
ids_are(pid_t pid, const char *field, long want)
{
	char	 path[64], key[16], *status, *p, *end;
	bool	 ok = true;
	long	 id;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	snprintf(key, sizeof(key), "\n%s", field);
	if ((status = harness_read_file(path)) == NULL ||
	    (p = strstr(status, key)) == NULL) {
		free(status);
		return (false);
	}
	p += strlen(key);
	for (int i = 0; i < 4; i++, p = end) {
		id = strtol(p, &end, 10);
		ok = ok && end != p && id == want;
	}
	if (!ok)
		fprintf(stderr, "\n  pid %d: %.40s\n", (int)pid,
		    strstr(status, key) + 1);
	free(status);
	return (ok);
}

/*
 * ids_are(), waiting up to DROP_MS: "ready" comes once the workers are
 * forked, and a worker drops its privileges just after.
 */
static bool
ids_become(pid_t pid, const char *field, long want)
{
	uint64_t	end = clock_ms() + DROP_MS;

	while (!ids_are(pid, field, want)) {
		if (clock_ms() >= end)
			return (false);
		harness_sleep_ms(10);
	}
	return (true);
}

/* Kill the master; true when each of the n workers logged the TERM. */
static bool
workers_told(struct harness *h, const pid_t *pids, size_t n)
{
	char	needle[64];
	bool	told = true;

	if (kill(h->lbd, SIGKILL) == -1)
		return (false);
	(void)harness_wait_exit(h, 5000);
	for (size_t i = 0; i < n; i++) {
		snprintf(needle, sizeof(needle), " pid=%d connections=",
		    (int)pids[i]);
		told = harness_log_wait(h, needle, 2000) && told;
	}
	return (told);
}


static void
test_privdrop(void)
{
	struct harness	*h;
	struct passwd	*pw;
	pid_t		 pids[16];
	size_t		 n;
	long		 uid, gid;

	if (geteuid() != 0 || (pw = getpwnam("nobody")) == NULL) {
		cunit_skip("privilege drop needs root and user nobody");
		return;
	}
	uid = (long)pw->pw_uid;
	gid = (long)pw->pw_gid;
	h = harness_new();
	harness_backend(h, "a", 1, "echo", NULL);
	snprintf(h->top, sizeof(h->top), "%s user = \"nobody\";",
	    HARNESS_TOP);
	if (harness_start(h, NULL) == -1) {
		CU_FAIL("lbd did not start");
		goto out;
	}
	n = harness_workers(h, pids, 16);
	CU_ASSERT_EQUAL(n, 2);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT(ids_become(pids[i], "Uid:", uid));
		CU_ASSERT(ids_become(pids[i], "Gid:", gid));
	}
	CU_ASSERT(ids_are(h->lbd, "Uid:", 0));
	CU_ASSERT(!harness_log_has(h, "ignored"));
	CU_ASSERT_EQUAL(harness_echo_fresh(h, 10, "as nobody\n"), 10);
	CU_ASSERT(workers_told(h, pids, n));
out:
	harness_free(h);
}

int
t_privdrop_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("privdrop", NULL, NULL)) == NULL ||
	    CU_add_test(s, "user = nobody: workers run as nobody, and are "
	    "told when the master dies",
	    test_privdrop) == NULL)
		return (-1);
	return (0);
}
