/*
 * What an operator reads: process titles and configuration warnings.
 *
 * Titles.
 * Config: 2 workers, a tcp health check (so a checker runs), one echo
 * backend.  Client: read /proc/PID/cmdline of the master and of each of
 * its children, then HUP and read them again once the old generation is
 * gone.  Expect: "lbd: master [gen 1] FILE" (FILE the absolute path lbd
 * was given), children "lbd: worker 1 [gen 1]", "lbd: worker 2 [gen 1]"
 * and "lbd: health [gen 1]"; after the reload the same with gen 2.
 *
 * Warnings.  Config: timeouts.connect = 2 (2 ms, surely meant as 2 s).
 * Client: lbd -t, then start lbd and HUP it.  Expect: -t exits 0, says
 * "configuration ok" and "FILE:LINE: warning: connect = 2 means 2 ms;
 * write "2s" if seconds were meant"; the same line in the log at start
 * and again at the reload.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"

#define TITLE_OPTS	HARNESS_OPTS " health = { type = \"tcp\"; " \
			"interval = \"200ms\"; };"
#define SETTLE_MS	10000
#define NCHILDREN	3
#define WARN_OPTS	"timeouts = { connect = 2; };"
#define WARNING		": warning: connect = 2 means 2 ms; write \"2s\" " \
			"if seconds were meant"
#define RUN_MS		5000

/* pid's title (cmdline up to its first NUL) into buf; 0 or -1. */
static int
title_of(pid_t pid, char *buf, size_t len)
{
	char	 path[64], *cmd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((cmd = harness_read_file(path)) == NULL)
		return (-1);
	snprintf(buf, len, "%s", cmd);
	free(cmd);
	return (0);
}

/* Does every child's title appear in want, and each of want once? */
static bool
children_are(const struct harness *h, const char *want[NCHILDREN])
{
	pid_t	 pids[16];
	size_t	 n = harness_workers(h, pids, 16);
	bool	 seen[NCHILDREN] = { false };
	char	 title[128];

	if (n != NCHILDREN)
		return (false);
	for (size_t i = 0; i < n; i++) {
		size_t	 k = 0;

		if (title_of(pids[i], title, sizeof(title)) == -1)
			return (false);
		while (k < NCHILDREN && (seen[k] || strcmp(title, want[k])))
			k++;
		if (k == NCHILDREN)
			return (false);
		seen[k] = true;
	}
	return (true);
}

/* Wait (bounded) until the children's titles are want's; true if so. */
static bool
children_wait(const struct harness *h, const char *want[NCHILDREN])
{
	uint64_t	end = clock_ms() + SETTLE_MS;

	while (!children_are(h, want)) {
		if (clock_ms() > end)
			return (false);
		harness_sleep_ms(50);
	}
	return (true);
}

/* The master's title is "lbd: master [gen GEN] FILE". */
static void
check_master(const struct harness *h, unsigned gen, const char *file)
{
	char	want[PATH_MAX + 64], title[PATH_MAX + 64];

	snprintf(want, sizeof(want), "lbd: master [gen %u] %s", gen, file);
	CU_ASSERT_EQUAL(title_of(h->lbd, title, sizeof(title)), 0);
	CU_ASSERT_STRING_EQUAL(title, want);
}

static void
test_titles(void)
{
	struct harness	*h;
	char		 file[PATH_MAX];
	const char	*gen1[NCHILDREN] = { "lbd: worker 1 [gen 1]",
			    "lbd: worker 2 [gen 1]", "lbd: health [gen 1]" };
	const char	*gen2[NCHILDREN] = { "lbd: worker 1 [gen 2]",
			    "lbd: worker 2 [gen 2]", "lbd: health [gen 2]" };

	CU_ASSERT_PTR_NOT_NULL_FATAL(h = harness_new());
	harness_backend(h, "a", 1, "echo", NULL);
	if (harness_start(h, TITLE_OPTS) == -1 ||
	    realpath(h->conf, file) == NULL) {
		CU_FAIL("lbd start");
		goto out;
	}
	check_master(h, 1, file);
	CU_ASSERT_TRUE(children_wait(h, gen1));
	CU_ASSERT_EQUAL(harness_hup(h), 0);
	check_master(h, 2, file);
	CU_ASSERT_TRUE(children_wait(h, gen2));
out:
	harness_free(h);
}

static void
test_warnings(void)
{
	struct harness	*h;
	char		 out[4096];

	CU_ASSERT_PTR_NOT_NULL_FATAL(h = harness_new());
	harness_backend(h, "a", 1, "echo", NULL);
	if (harness_config(h, WARN_OPTS, NULL) == -1) {
		CU_FAIL("setup");
		goto out;
	}
	CU_ASSERT_EQUAL(harness_run(out, sizeof(out), RUN_MS, "-t", "-c",
	    h->conf, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "configuration ok"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, h->conf));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, WARNING));
	if (harness_start(h, WARN_OPTS) == -1) {
		CU_FAIL("lbd start");
		goto out;
	}
	CU_ASSERT_EQUAL(harness_log_count(h, WARNING), 1);
	CU_ASSERT_EQUAL(harness_hup(h), 0);
	CU_ASSERT_EQUAL(harness_log_count(h, WARNING), 2);
out:
	harness_free(h);
}

int
t_titles_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("titles", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "master, workers and checker name their "
	    "generation, before and after a reload", test_titles) == NULL ||
	    CU_add_test(s, "a 2 ms duration: lbd -t, start and reload "
	    "warn", test_warnings) == NULL)
		return (-1);
	return (0);
}
