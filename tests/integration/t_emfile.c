/*
 * Out of descriptors: lbd under a 128-descriptor limit it cannot raise
 * warns at start; when clients outnumber what a worker can hold, workers
 * pause accepting instead of spinning, and serve again once descriptors
 * free.  Running short is this host's failure, never the backend's: the
 * backend must not be paused for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "harness.h"

#define NOFILE		128
#define CLIENTS		200	/* two descriptors each: past two workers */

/* CPU ticks (user + system) a process has used, or -1. */
static long
cpu_ticks(pid_t pid)
{
	char		 path[64], buf[1024], *p;
	unsigned long	 ut, st;
	FILE		*f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* Fields 14 and 15, counted after the ")" that ends the name. */
	if (p == NULL || (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return (-1);
	return ((long)(ut + st));
}

static long
workers_ticks(const struct harness *h)
{
	pid_t	pids[8];
	size_t	n = harness_workers(h, pids, 8);
	long	sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += cpu_ticks(pids[i]);
	return (sum);
}

/*
 * Each client takes two descriptors, so whether accept() or the backend
 * socket() meets the limit first depends on how many a worker holds
 * already; nofile and nofile + 1 try both.
 */
static void
emfile_pauses(int nofile)
{
	struct harness	*h = harness_new();
	int		 fds[CLIENTS], fd;
	long		 before;
	char		 warning[64];

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	h->nofile = nofile;
	harness_backend(h, "a", 1, "echo", NULL);
	if (harness_start(h, NULL) == -1) {
		CU_FAIL("lbd did not start");
		harness_free(h);
		return;
	}
	snprintf(warning, sizeof(warning), "descriptor limit is %d", nofile);
	CU_ASSERT_TRUE(harness_log_has(h, warning));
	for (int i = 0; i < CLIENTS; i++)
		fds[i] = harness_connect(h->port);
	CU_ASSERT_TRUE(harness_log_wait(h, "accept paused", 5000));
	/* One second with a backlog it cannot take: no spinning. */
	before = workers_ticks(h);
	usleep(1000 * 1000);
	CU_ASSERT(workers_ticks(h) - before < 30);
	for (int i = 0; i < CLIENTS; i++)
		if (fds[i] != -1)
			close(fds[i]);
	/* Descriptors are back: a new client is served again. */
	fd = harness_connect(h->port);
	CU_ASSERT_TRUE(fd != -1 && harness_echo(fd, "still here\n"));
	if (fd != -1)
		close(fd);
	/* Our shortage is not the backend's failure. */
	CU_ASSERT_FALSE(harness_log_has(h, "backend down"));
	CU_ASSERT_FALSE(harness_log_has(h, "result=connect_failed"));
	harness_free(h);
}

static void
test_emfile_even(void)
{
	emfile_pauses(NOFILE);
}

static void
test_emfile_odd(void)
{
	emfile_pauses(NOFILE + 1);
}

int
t_emfile_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("emfile", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "out of descriptors (128): pause, no spin, "
	    "recover, backend not blamed", test_emfile_even) == NULL ||
	    CU_add_test(s, "out of descriptors (129): pause, no spin, "
	    "recover, backend not blamed", test_emfile_odd) == NULL)
		return (-1);
	return (0);
}
