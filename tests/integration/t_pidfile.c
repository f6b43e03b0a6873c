/*
 * Pidfile rules.
 *
 * Symbolic link: in a world-writable sticky directory owned by another
 * user (nobody, when we are root, so the kernel's protected_symlinks
 * does not stop the link being followed either way), that user plants
 * DIR/pub/lbd.pid -> DIR/secret, a file only root reads.  Expect: "lbd
 * -p DIR/pub/lbd.pid" exits 3 saying the pidfile is a symbolic link,
 * and the secret is untouched.  A hard link to the secret, and (as
 * root) a regular file owned by nobody, are refused the same way.
 * Not a master: a pidfile locked by the test names a process the test
 * started (sleep, its signals blocked so that one sent stays pending
 * and visible), first under its own title, then titled "lbd: master".
 * Expect: "lbd -s stop" exits 3 saying why and nothing is pending; an
 * unlocked pidfile is refused too.  As root, nobody's locked pidfile
 * naming a running root master: "lbd -s stop" exits 3 and lbd serves on.
 * Reload: lbd -f with a pidfile and a control socket; the file changes,
 * HUP, stats and -x requests, then "lbd -s stop".  Expect: it exits 0
 * and the pidfile is gone (the path outlives the first configuration).
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
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

#define RUN_MS		15000	/* one lbd command, start-up included */
#define SECRET		"root only\n"

struct pidtest {
	struct harness	*h;
	char		 pub[96];	/* DIR/pub: 01777, another owner */
	char		 secret[96];	/* DIR/secret: 0600, ours */
	char		 pidfile[128];	/* DIR/pub/lbd.pid */
	char		 out[2048];	/* the last command's output */
	uid_t		 other;		/* nobody as root, else us */
};

/* Write text to path with mode; 0 or -1. */
static int
write_file(const char *path, const char *text, mode_t mode)
{
	int	fd, rc = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1)
		return (-1);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		rc = -1;
	close(fd);
	return (rc);
}

/* True when path holds exactly text. */
static bool
holds(const char *path, const char *text)
{
	char	*got = harness_read_file(path);
	bool	 same = got != NULL && strcmp(got, text) == 0;

	free(got);
	return (same);
}

/* A harness with its file, the shared directory and the secret. */
static bool
setup(struct pidtest *t)
{
	struct passwd	*pw;

	memset(t, 0, sizeof(*t));
	t->other = geteuid();
	if (geteuid() == 0 && (pw = getpwnam("nobody")) != NULL)
		t->other = pw->pw_uid;
	t->h = harness_new();
	harness_backend(t->h, "a", 1, "identity", "-n", "a", NULL);
	if (t->h == NULL || t->h->broken ||
	    harness_config(t->h, NULL, NULL) == -1)
		return (false);
	snprintf(t->pub, sizeof(t->pub), "%s/pub", t->h->dir);
	snprintf(t->secret, sizeof(t->secret), "%s/secret", t->h->dir);
	snprintf(t->pidfile, sizeof(t->pidfile), "%s/lbd.pid", t->pub);
	return (mkdir(t->pub, 0755) == 0 &&
	    chmod(t->pub, 01777) == 0 && chown(t->pub, t->other, -1) == 0 &&
	    write_file(t->secret, SECRET, 0600) == 0);
}

/*
 * Start lbd on t->pidfile: it must exit 3 with a message holding both
 * the path and why, and leave the secret alone.  A daemon the old code
 * started anyway wrote its pid into the secret: stop it.
 */
static void
start_refused(struct pidtest *t, const char *why)
{
	char	*text;
	long	 pid;
	int	 rc;

	rc = harness_run(t->out, sizeof(t->out), RUN_MS, "-c", t->h->conf,
	    "-p", t->pidfile, NULL);
	CU_ASSERT_EQUAL(rc, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(t->out, t->pidfile));
	CU_ASSERT_PTR_NOT_NULL(strstr(t->out, why));
	CU_ASSERT(holds(t->secret, SECRET));
	if (rc != 3 || strstr(t->out, why) == NULL)
		fprintf(stderr, "\n  lbd status %d, output: %s\n", rc, t->out);
	if (rc == 0 && (text = harness_read_file(t->secret)) != NULL) {
		if ((pid = strtol(text, NULL, 10)) > 0)
			kill((pid_t)pid, SIGINT);
		free(text);
	}
}

static void
test_links(void)
{
	struct pidtest	t;

	if (!setup(&t)) {
		CU_FAIL("cannot set up");
		goto out;
	}
	if (symlink(t.secret, t.pidfile) == -1 ||
	    lchown(t.pidfile, t.other, -1) == -1) {
		CU_FAIL("cannot plant the symbolic link");
		goto out;
	}
	start_refused(&t, "symbolic link");
	unlink(t.pidfile);
	if (link(t.secret, t.pidfile) == -1) {
		CU_FAIL("cannot make the hard link");
		goto out;
	}
	start_refused(&t, "links");
	unlink(t.pidfile);
	if (geteuid() != 0 || t.other == 0) {
		fprintf(stderr, "\n  not root: a pidfile of another user "
		    "not tested here (see the test that skips)\n");
		goto out;
	}
	if (write_file(t.pidfile, "1\n", 0644) == -1 ||
	    chown(t.pidfile, t.other, -1) == -1) {
		CU_FAIL("cannot write nobody's pidfile");
		goto out;
	}
	start_refused(&t, "owned by uid");
	CU_ASSERT(holds(t.pidfile, "1\n"));
out:
	unlink(t.pidfile);
	harness_free(t.h);
}

/* Wait (bounded) until pid's title starts with title; false if not. */
static bool
wait_title(pid_t pid, const char *title)
{
	uint64_t	end = clock_ms() + 2000;

	while (!harness_pid_titled(pid, title)) {
		if (clock_ms() >= end)
			return (false);
		harness_sleep_ms(5);
	}
	return (true);
}

/*
 * Start /bin/sleep with argv[0] title and its stop signals blocked (the
 * mask survives exec), so that a signal sent to it stays pending.
 */
static pid_t
start_sleeper(const char *title)
{
	sigset_t	set;
	pid_t		pid;

	if ((pid = fork()) != 0)
		return (pid);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	execl("/bin/sleep", title, "30", (char *)NULL);
	_exit(127);
}

/* True when pid has a signal pending (blocked, so not yet acted on). */
static bool
has_pending(pid_t pid)
{
	char		 path[64], *status, *p;
	bool		 yes = false;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((status = harness_read_file(path)) == NULL)
		return (false);
	for (p = status; (p = strstr(p, "Pnd:\t")) != NULL; p++)
		yes = yes || strtoull(p + 5, NULL, 16) != 0;
	free(status);
	return (yes);
}

/* "lbd -s stop" on a pidfile naming sleeper: 3, why, nothing sent. */
static void
stop_refused(struct pidtest *t, pid_t sleeper, const char *why)
{
	int	rc;

	rc = harness_run(t->out, sizeof(t->out), RUN_MS, "-s", "stop", "-c",
	    t->h->conf, "-p", t->pidfile, NULL);
	CU_ASSERT_EQUAL(rc, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(t->out, why));
	CU_ASSERT(harness_pid_alive(sleeper) && !has_pending(sleeper));
	if (rc != 3 || strstr(t->out, why) == NULL)
		fprintf(stderr, "\n  lbd -s stop status %d, output: %s\n", rc,
		    t->out);
}

/*
 * Write pid into t->pidfile and, when locked, hold its lock;
 * the fd to close (-1 when not locked), or -2 on error.
 */
static int
name_pid(struct pidtest *t, pid_t pid, bool locked)
{
	char	text[32];
	int	fd;

	snprintf(text, sizeof(text), "%d\n", (int)pid);
	if (write_file(t->pidfile, text, 0644) == -1)
		return (-2);
	if (!locked)
		return (-1);
	if ((fd = open(t->pidfile, O_RDONLY | O_CLOEXEC)) == -1)
		return (-2);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		return (-2);
	}
	return (fd);
}

/* Start a sleeper titled title, try to stop it; false on setup error. */
static bool
try_sleeper(struct pidtest *t, const char *title, bool locked,
    const char *why)
{
	pid_t	sleeper;
	int	fd;

	if ((sleeper = start_sleeper(title)) == -1)
		return (false);
	fd = wait_title(sleeper, title) ? name_pid(t, sleeper, locked) :
	    -2;
	if (fd != -2)
		stop_refused(t, sleeper, why);
	if (fd >= 0)
		close(fd);
	kill(sleeper, SIGKILL);
	waitpid(sleeper, NULL, 0);
	unlink(t->pidfile);
	return (fd != -2);
}

static void
test_not_master(void)
{
	struct pidtest	t;

	if (!setup(&t)) {
		CU_FAIL("cannot set up");
		goto out;
	}
	snprintf(t.pidfile, sizeof(t.pidfile), "%s/lbd.pid", t.h->dir);
	if (!try_sleeper(&t, "sleep", true, "not an lbd master") ||
	    !try_sleeper(&t, "lbd: master [gen 1] fake", true,
	    "does not hold") ||
	    !try_sleeper(&t, "lbd: master [gen 1] fake", false,
	    "no running lbd"))
		CU_FAIL("cannot start and lock for a sleeper");
out:
	harness_free(t.h);
}

/*
 * As root: nobody's pidfile, locked, names a running root master.  lbd -s
 * must not stop it on the word of another user's file.
 */
static void
test_foreign_file(void)
{
	struct pidtest	t;
	int		fd, counts[1];

	if (geteuid() != 0 || getpwnam("nobody") == NULL) {
		cunit_skip("another user's pidfile needs root and user nobody");
		return;
	}
	if (!setup(&t) || harness_start(t.h, NULL) == -1) {
		CU_FAIL("cannot set up");
		goto out;
	}
	if ((fd = name_pid(&t, t.h->lbd, true)) < 0 ||
	    fchown(fd, t.other, -1) == -1) {
		CU_FAIL("cannot write nobody's pidfile");
		goto out;
	}
	CU_ASSERT_EQUAL(harness_run(t.out, sizeof(t.out), RUN_MS, "-s", "stop",
	    "-c", t.h->conf, "-p", t.pidfile, NULL), 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(t.out, "owned by uid"));
	close(fd);
	CU_ASSERT(harness_pid_alive(t.h->lbd));
	CU_ASSERT_EQUAL(harness_tally(t.h, 1, counts), 0);
out:
	unlink(t.pidfile);
	harness_free(t.h);
}

/* Requests that allocate in the master after the reload freed memory. */
static void
after_reload_requests(struct pidtest *t)
{
	for (int i = 0; i < 5; i++) {
		CU_ASSERT(harness_metric(t->h, "lbd_reloads_total") == 1);
		CU_ASSERT_EQUAL(harness_run(t->out, sizeof(t->out), RUN_MS,
		    "-c", t->h->conf, "-x", "show backends web", NULL), 0);
	}
}

static void
test_reload(void)
{
	struct pidtest	t;
	struct harness	*h;

	if (!setup(&t)) {
		CU_FAIL("cannot set up");
		goto out;
	}
	h = t.h;
	snprintf(t.pidfile, sizeof(t.pidfile), "%s/lbd.pid", h->dir);
	snprintf(h->top, sizeof(h->top), "pidfile = \"%s\"; control = "
	    "\"%s/ctl.sock\"; shutdown_timeout = \"2s\";", t.pidfile, h->dir);
	if (harness_start(h, NULL) == -1) {
		CU_FAIL("lbd did not start");
		goto out;
	}
	CU_ASSERT(access(t.pidfile, F_OK) == 0);
	if (harness_reload(h, "retries = 1;", NULL) == -1) {
		CU_FAIL("the reload failed");
		goto out;
	}
	after_reload_requests(&t);
	CU_ASSERT_EQUAL(harness_run(t.out, sizeof(t.out), RUN_MS, "-s",
	    "stop", "-c", h->conf, "-p", t.pidfile, NULL), 0);
	CU_ASSERT_EQUAL(harness_wait_exit(h, 5000), 0);
	CU_ASSERT(access(t.pidfile, F_OK) == -1);
out:
	harness_free(t.h);
}

int
t_pidfile_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("pidfile", NULL, NULL)) == NULL ||
	    CU_add_test(s, "pidfile: a symbolic link, a hard link or "
	    "another user's file is refused", test_links) == NULL ||
	    CU_add_test(s, "pidfile: -s stop signals only a master holding "
	    "it", test_not_master) == NULL ||
	    CU_add_test(s, "pidfile: -s stop on another user's file naming "
	    "a master", test_foreign_file) == NULL ||
	    CU_add_test(s, "pidfile: removed at stop after a reload",
	    test_reload) == NULL)
		return (-1);
	return (0);
}
