/*
 * Daemon mode.
 *
 * Config: 2 workers, identity backend "a"; lbd runs without -f and with
 * -p DIR/lbd.pid, so it detaches and logs to syslog (not read here).
 * Start: "lbd -c FILE -p PIDFILE" exits 0, and a connection made right
 * after it greets with "a"; the pidfile holds the master's pid, whose
 * title is "lbd: master" and whose 2 children are "lbd: worker N".  A
 * second start on the same pidfile exits 3 saying lbd is already running;
 * a start on the taken port with another pidfile exits 3 naming the
 * address and leaves no pidfile.  "lbd -s stop" exits 0; within 5 s the
 * master is gone and so is the pidfile; "lbd -s stop" again exits 3.
 * Stale pidfile: an unlocked pidfile naming another pid is taken over.
 * The daemon is not our child: teardown stops it by the pid read from the
 * pidfile, only while that pid is still "lbd: master".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"

#define RUN_MS		15000	/* one lbd command, start-up included */
#define GONE_MS		5000	/* stopped and pidfile removed by then */
#define STALE_PID	"999999\n"

struct daemon {
	struct harness	*h;
	char		 pidfile[128];
	char		 out[2048];	/* the last command's output */
	pid_t		 master;	/* read from the pidfile, -1 */
};

/* The pid in a pidfile, or -1. */
static pid_t
pidfile_pid(const char *path)
{
	char	*text = harness_read_file(path);
	long	 pid = text != NULL ? strtol(text, NULL, 10) : -1;

	free(text);
	return (pid > 0 ? (pid_t)pid : -1);
}

/* How many children pid has whose title starts with title. */
static int
children_titled(pid_t pid, const char *title)
{
	char	 path[96], *list, *p, *end;
	long	 child;
	int	 n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
	    (int)pid);
	if ((list = harness_read_file(path)) == NULL)
		return (0);
	for (p = list; (child = strtol(p, &end, 10)) > 0; p = end)
		n += harness_pid_titled((pid_t)child, title);
	free(list);
	return (n);
}

/*
 * Run lbd (without -f) with up to 6 arguments (NULL after the last);
 * its status must be want, else the test fails and the output is shown.
 */
static int
run(struct daemon *d, int want, const char *a1, const char *a2,
    const char *a3, const char *a4, const char *a5, const char *a6)
{
	int	rc;

	rc = harness_run(d->out, sizeof(d->out), RUN_MS, a1, a2, a3, a4, a5,
	    a6, NULL);
	CU_ASSERT_EQUAL(rc, want);
	if (rc != want)
		fprintf(stderr, "\n  lbd %s %s %s %s: status %d, not %d; "
		    "output: %s\n", a1, a2, a3 != NULL ? a3 : "",
		    a4 != NULL ? a4 : "", rc, want, d->out);
	return (rc);
}

/* A connection right now greets with "a". */
static bool
greets(const struct harness *h)
{
	char	line[64];
	int	fd;
	bool	ok;

	if ((fd = harness_connect(h->port)) == -1)
		return (false);
	ok = harness_read_line(fd, line, sizeof(line)) != -1 &&
	    strcmp(line, "a") == 0 && harness_echo(fd, "hello\n");
	close(fd);
	return (ok);
}

/* Start "lbd -c FILE -p PIDFILE"; its status, d->master from the file. */
static int
start_daemon(struct daemon *d)
{
	int	rc;

	rc = run(d, 0, "-c", d->h->conf, "-p", d->pidfile, NULL, NULL);
	if (rc == 0)
		d->master = pidfile_pid(d->pidfile);
	return (rc);
}

/* Wait up to GONE_MS for the master and the pidfile to be gone. */
static bool
stopped(const struct daemon *d)
{
	uint64_t	end = clock_ms() + GONE_MS;

	while (harness_pid_alive(d->master) ||
	    access(d->pidfile, F_OK) == 0) {
		if (clock_ms() >= end)
			return (false);
		harness_sleep_ms(20);
	}
	return (true);
}

/* Stop the daemon by its pid whatever happened; only if it is ours. */
static void
teardown(struct daemon *d)
{
	uint64_t	end;

	if (d->master > 0 && harness_pid_alive(d->master) &&
	    harness_pid_titled(d->master, "lbd: master")) {
		CU_FAIL("the daemon was still running at the end");
		kill(d->master, SIGTERM);
		for (end = clock_ms() + GONE_MS; clock_ms() < end &&
		    harness_pid_alive(d->master); )
			harness_sleep_ms(20);
		if (harness_pid_alive(d->master))
			kill(d->master, SIGKILL);
	}
	harness_free(d->h);
}

/* A harness with backend "a" and its file written; false on error. */
static bool
setup(struct daemon *d)
{
	memset(d, 0, sizeof(*d));
	d->master = -1;
	d->h = harness_new();
	harness_backend(d->h, "a", 1, "identity", "-n", "a", NULL);
	if (d->h == NULL || d->h->broken ||
	    harness_config(d->h, NULL, NULL) == -1) {
		CU_FAIL("cannot set up");
		return (false);
	}
	snprintf(d->pidfile, sizeof(d->pidfile), "%s/lbd.pid", d->h->dir);
	return (true);
}

/* Second start on the same pidfile, then on the taken port. */
static void
check_second_starts(struct daemon *d)
{
	char	other[128], addr[2][64];

	run(d, 3, "-c", d->h->conf, "-p", d->pidfile, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(d->out, "already running"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d->out, d->pidfile));
	CU_ASSERT_EQUAL(pidfile_pid(d->pidfile), d->master);

	snprintf(other, sizeof(other), "%s/other.pid", d->h->dir);
	snprintf(addr[0], sizeof(addr[0]), "127.0.0.1:%d", d->h->port);
	snprintf(addr[1], sizeof(addr[1]), "127.0.0.1:%d",
	    d->h->stats_port);
	run(d, 3, "-c", d->h->conf, "-p", other, NULL, NULL);
	CU_ASSERT(strstr(d->out, addr[0]) != NULL ||
	    strstr(d->out, addr[1]) != NULL);
	CU_ASSERT(access(other, F_OK) == -1);
	/* A start that failed must have stopped whatever it began. */
	if (pidfile_pid(other) > 0 && harness_pid_alive(pidfile_pid(other)))
		CU_FAIL("the failed start left a process");
}

static void
test_daemon(void)
{
	struct daemon	d;

	if (!setup(&d))
		goto out;
	if (start_daemon(&d) != 0 || d.master == -1) {
		CU_FAIL("lbd did not start as a daemon");
		goto out;
	}
	CU_ASSERT(greets(d.h));		/* at once: it said it was ready */
	CU_ASSERT(harness_pid_titled(d.master, "lbd: master"));
	CU_ASSERT_EQUAL(children_titled(d.master, "lbd: worker "), 2);
	CU_ASSERT_NOT_EQUAL(d.master, getpid());
	check_second_starts(&d);
	CU_ASSERT(greets(d.h));
	run(&d, 0, "-s", "stop", "-c", d.h->conf, "-p", d.pidfile);
	CU_ASSERT(stopped(&d));
	run(&d, 3, "-s", "stop", "-c", d.h->conf, "-p", d.pidfile);
out:
	teardown(&d);
}

static void
test_stale_pidfile(void)
{
	struct daemon	 d;
	FILE		*f;

	if (!setup(&d))
		goto out;
	if ((f = fopen(d.pidfile, "w")) == NULL) {
		CU_FAIL("cannot write the stale pidfile");
		goto out;
	}
	fputs(STALE_PID, f);
	fclose(f);
	if (start_daemon(&d) != 0 || d.master == -1) {
		CU_FAIL("lbd did not take over a stale pidfile");
		goto out;
	}
	CU_ASSERT(d.master != atoi(STALE_PID));
	CU_ASSERT(harness_pid_titled(d.master, "lbd: master"));
	CU_ASSERT(greets(d.h));
	run(&d, 0, "-s", "stop", "-c", d.h->conf, "-p", d.pidfile);
	CU_ASSERT(stopped(&d));
out:
	teardown(&d);
}

int
t_daemon_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("daemon", NULL, NULL)) == NULL ||
	    CU_add_test(s, "daemon: ready on return, pidfile, exit 3, "
	    "-s stop", test_daemon) == NULL ||
	    CU_add_test(s, "daemon: a stale pidfile is taken over",
	    test_stale_pidfile) == NULL)
		return (-1);
	return (0);
}
