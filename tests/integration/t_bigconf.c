/*
 * A large, valid configuration: 64 services of 16 listeners each (1,024
 * listening sockets), a stats listener and a control socket.
 *
 * Config: written by the test; 1 worker, maxconn 1000, each service with
 * one backend at a port nothing listens on (no health checks).  The
 * listeners take descriptors 3 to 1026, so the stats and control sockets
 * and their clients sit above 1024.  Expect: lbd starts and says "ready";
 * GET /metrics answers; the control socket answers "help"; the log holds
 * no line about the control socket and no empty "warning:" line.  Then the
 * same after a reload of the file; and all of it again without stats.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "harness.h"

#define SERVICES	64
#define LISTEN		16
#define START_MS	20000	/* binding 1,024 sockets, under ASan too */

/* Write the configuration, with a stats listener or not; 0 or -1. */
static int
write_big(const struct harness *h, const char *ctl, bool stats)
{
	FILE	*f;
	int	 dead = harness_free_port();

	if (dead == -1 || (f = fopen(h->conf, "w")) == NULL)
		return (-1);
	fprintf(f, "workers = 1; maxconn = 1000; pidfile = \"\";\n"
	    "shutdown_timeout = \"2s\";\nlog = { level = \"info\"; };\n"
	    "control = \"%s\";\n", ctl);
	if (stats)
		fprintf(f, "stats = { listen = \"127.0.0.1:%d\"; };\n",
		    h->stats_port);
	fprintf(f, "services = (\n");
	for (int s = 0; s < SERVICES; s++) {
		fprintf(f, "{ name = \"s%d\"; listen = [", s);
		for (int l = 0; l < LISTEN; l++) {
			int	port = s == 0 && l == 0 ? h->port :
				    harness_free_port();

			if (port == -1)
				break;
			fprintf(f, "%s\"127.0.0.1:%d\"", l > 0 ? ", " : "",
			    port);
		}
		fprintf(f, "];\n  backends = ( { address = \"127.0.0.1:%d\"; "
		    "} ); }%s\n", dead, s + 1 < SERVICES ? "," : "");
	}
	fprintf(f, ");\n");
	return (fclose(f) == EOF ? -1 : 0);
}

/* Start LBD_BIN -f -c FILE, its output into the log; the pid or -1. */
static pid_t
start_lbd(const struct harness *h)
{
	const char	*bin = getenv("LBD_BIN");
	pid_t		 pid;
	int		 fd;

	if ((pid = fork()) != 0)
		return (pid);
	if ((fd = open(h->log, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	execl(bin != NULL ? bin : "build/lbd", "lbd", "-f", "-c", h->conf,
	    (char *)NULL);
	_exit(127);
}

/* Does the control socket answer "help"? */
static bool
control_answers(const char *path)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	char			line[128];
	bool			ok;
	int			fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = harness_connect_addr((struct sockaddr *)&sun,
	    sizeof(sun))) == -1)
		return (false);
	ok = harness_write(fd, "help\n", 5) == 0 &&
	    harness_read_line(fd, line, sizeof(line)) > 0 &&
	    strncmp(line, "show services", 13) == 0;
	close(fd);
	return (ok);
}

/* Stats (if any) and control answer, and nothing failed in the log. */
static void
check_answers(const struct harness *h, const char *ctl, bool stats)
{
	if (stats)
		CU_ASSERT_EQUAL(harness_metric(h, "lbd_workers"), 1);
	CU_ASSERT_TRUE(control_answers(ctl));
	CU_ASSERT_FALSE(harness_log_has(h, "control socket"));
	CU_ASSERT_FALSE(harness_log_has(h, "cannot serve stats"));
	CU_ASSERT_FALSE(harness_log_has(h, "warning: \n"));
}

static void
run_big(bool stats)
{
	struct harness	*h;
	char		 ctl[128];

	CU_ASSERT_PTR_NOT_NULL_FATAL(h = harness_new());
	snprintf(ctl, sizeof(ctl), "%s/ctl.sock", h->dir);
	CU_ASSERT_EQUAL_FATAL(write_big(h, ctl, stats), 0);
	if ((h->lbd = start_lbd(h)) == -1 ||
	    !harness_log_wait(h, " ready pid=", START_MS)) {
		CU_FAIL("lbd start with 1,024 listeners");
		harness_free(h);
		return;
	}
	check_answers(h, ctl, stats);
	CU_ASSERT_EQUAL(harness_hup(h), 0);
	check_answers(h, ctl, stats);
	harness_free(h);
}

static void
test_big_stats(void)
{
	run_big(true);
}

static void
test_big_control(void)
{
	run_big(false);
}

int
t_bigconf_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("bigconf", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "64 services x 16 listeners, stats and control "
	    "answer", test_big_stats) == NULL ||
	    CU_add_test(s, "the same without stats: control answers",
	    test_big_control) == NULL)
		return (-1);
	return (0);
}
