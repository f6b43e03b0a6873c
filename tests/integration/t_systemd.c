/*
 * The shipped systemd unit's privileges (only as root, with setpriv(1)
 * and a user nobody; else skipped with a note).
 *
 * lbd runs as etc/lbd.service runs it: through setpriv with the unit's
 * CapabilityBoundingSet, and without new privileges when the unit says
 * NoNewPrivileges=yes.  Config: 2 workers, user = "nobody", tcp health
 * checks (so a checker runs too), an echo backend.  Expect: once the
 * backend is up, connections echo; a reload is done, the old workers say
 * they drain, and every old child (2 workers and the checker, all
 * nobody's) exits within 5 s; SIGTERM then makes the master exit 0
 * within 5 s.  Without CAP_KILL the root master cannot signal its
 * children: the old ones keep running and a stop never ends.
 */
#include <ctype.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "../cunit_run.h"
#include "harness.h"

#define UNIT		"etc/lbd.service"
#define SETPRIV		"/usr/bin/setpriv"
#define GONE_MS		5000	/* beyond shutdown_timeout = 2s */
#define UP		"lbd_backend_up"
#define UP_MS		2000	/* the first check is due at once */
#define OPTS		"retries = 2; timeouts = { connect = \"1s\"; " \
			"client = \"10s\"; server = \"10s\"; }; " \
			"health = { type = \"tcp\"; interval = \"200ms\"; " \
			"timeout = \"100ms\"; rise = 1; fall = 2; };"

/* The value of "\nKEY=" in unit, up to the line's end, in buf; or NULL. */
static char *
unit_value(const char *unit, const char *key, char *buf, size_t len)
{
	char		 needle[64];
	const char	*p;
	size_t		 n;

	snprintf(needle, sizeof(needle), "\n%s=", key);
	if ((p = strstr(unit, needle)) == NULL)
		return (NULL);
	p += strlen(needle);
	n = strcspn(p, "\n");
	snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), p);
	return (buf);
}

/*
 * setpriv's --bounding-set for the unit's CapabilityBoundingSet, such as
 * "-all,+kill,+setuid": every capability the unit lists, and no other.
 */
static bool
bounding_set(const char *unit, char *set, size_t len)
{
	char	 list[512], *cap, *last;
	size_t	 used;

	if (unit_value(unit, "CapabilityBoundingSet", list, sizeof(list)) ==
	    NULL)
		return (false);
	used = (size_t)snprintf(set, len, "-all");
	for (cap = strtok_r(list, " \t", &last); cap != NULL && used < len;
	    cap = strtok_r(NULL, " \t", &last)) {
		if (strncmp(cap, "CAP_", 4) != 0)
			return (false);
		used += (size_t)snprintf(set + used, len - used, ",+");
		for (cap += 4; *cap != '\0' && used + 1 < len; cap++)
			set[used++] = (char)tolower((unsigned char)*cap);
		set[used] = '\0';
	}
	return (used + 1 < len);
}

/* Wait up to GONE_MS for each of the n pids to be gone. */
static bool
all_gone(const pid_t *pids, size_t n)
{
	uint64_t	end = clock_ms() + GONE_MS;

	for (size_t i = 0; i < n; i++)
		while (harness_pid_alive(pids[i])) {
			if (clock_ms() >= end) {
				fprintf(stderr, "\n  old child %d still runs\n",
				    (int)pids[i]);
				return (false);
			}
			harness_sleep_ms(20);
		}
	return (true);
}

/* Start lbd as the unit would, reload, stop. */
static void
reload_and_stop(struct harness *h)
{
	pid_t	old[16];
	size_t	nold;

	if (harness_start(h, OPTS) == -1) {
		CU_FAIL("lbd did not start under the unit's privileges");
		return;
	}
	nold = harness_workers(h, old, 16);
	CU_ASSERT_EQUAL(nold, 3);		/* 2 workers, the checker */
	/* The checker, as nobody, finds the backend up first. */
	CU_ASSERT(harness_backend_metric_wait(h, UP, 0, 1, UP_MS) == 1);
	CU_ASSERT_EQUAL(harness_echo_fresh(h, 3, "under systemd\n"), 3);
	CU_ASSERT_EQUAL(harness_reload(h, OPTS, NULL), 0);
	CU_ASSERT(all_gone(old, nold));
	CU_ASSERT(harness_backend_metric_wait(h, UP, 0, 1, UP_MS) == 1);
	CU_ASSERT_EQUAL(harness_echo_fresh(h, 3, "reloaded\n"), 3);
	if (kill(h->lbd, SIGTERM) == -1)
		CU_FAIL("cannot signal lbd");
	CU_ASSERT_EQUAL(harness_wait_exit(h, GONE_MS), 0);
	CU_ASSERT(!harness_log_has(h, "killing children"));
}

static void
test_unit_caps(void)
{
	struct harness	*h;
	char		*unit, nnp[16], set[512];
	char		*wrap[] = { (char *)SETPRIV, (char *)"--bounding-set",
			    set, (char *)"--", NULL, NULL };

	if (geteuid() != 0 || getpwnam("nobody") == NULL ||
	    access(SETPRIV, X_OK) == -1) {
		cunit_skip("the unit's privileges need root, user nobody "
		    "and " SETPRIV);
		return;
	}
	if ((unit = harness_read_file(UNIT)) == NULL ||
	    !bounding_set(unit, set, sizeof(set))) {
		CU_FAIL("no CapabilityBoundingSet in " UNIT);
		free(unit);
		return;
	}
	if (unit_value(unit, "NoNewPrivileges", nnp, sizeof(nnp)) != NULL &&
	    strcmp(nnp, "yes") == 0) {
		memmove(wrap + 2, wrap + 1, 4 * sizeof(wrap[0]));
		wrap[1] = (char *)"--no-new-privs";
	}
	free(unit);
	if ((h = harness_new()) == NULL) {
		CU_FAIL("no harness");
		return;
	}
	harness_backend(h, "a", 1, "echo", NULL);
	snprintf(h->top, sizeof(h->top), "%s user = \"nobody\";",
	    HARNESS_TOP);
	h->wrap = wrap;
	reload_and_stop(h);
	harness_free(h);
}

int
t_systemd_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("systemd", NULL, NULL)) == NULL ||
	    CU_add_test(s, "systemd unit's capabilities: user = nobody, "
	    "reload and stop", test_unit_caps) == NULL)
		return (-1);
	return (0);
}
