/*
 * Log targets, formats and reopening (SPEC, Logs).
 *
 * Config: 2 workers, echo backend "a", log.access = true, and a target
 * in the test's directory DIR (the harness's log file, DIR/lbd.log).
 *  - -f, target = the file, stderr to DIR/stderr: the master's "ready"
 *    line and the workers' access lines (4 connections) are in the file,
 *    and not on stderr.
 *  - -f, rename the file, SIGUSR1: the master and each child log "log
 *    files reopened pid=P" in a new file; 3 more connections log there,
 *    and the renamed file does not grow.  The same with user = "nobody"
 *    (as root only), the file in DIR, which only root may enter.
 *  - Detached (-p DIR/lbd.pid): lines reach the file; after a rename,
 *    "lbd -s reopen" gives a new file the access lines.  target =
 *    "stderr": the workers' access lines still reach the stderr lbd was
 *    started with, after it detached.
 *  - access_target = DIR/access.log: exactly the 5 access lines there,
 *    none in the main file.
 *  - format = "json": every line of the file (and of stderr) parses as
 *    one JSON object with "time" (RFC 3339 UTC with milliseconds),
 *    "level" and "msg"; access lines carry the pairs as members.
 *  - Detached, default target (syslog) and LBD_SYSLOG_PATH naming a
 *    socket nobody listens on: the start prints the warning once; with a
 *    datagram socket bound there, it does not.
 *  - A target in a directory that does not exist: exit 3 and one line,
 *    "cannot open log file", in the foreground and detached.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <fcntl.h>
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
#include "httpc.h"
#include "json.h"

#define LOG_MS		10000	/* for lines to appear */
#define RUN_MS		15000	/* one lbd command */
#define GONE_MS		5000
#define ACCESS		" access service=web "
#define HTTP_ACCESS	" http service=web "
#define READY_TEXT	" notice: ready pid="
#define READY_JSON	"\"msg\":\"ready\""
#define REOPENED	"log files reopened pid="
#define NOTE		"no syslog daemon listens"

struct logt {
	struct harness	*h;
	char		 err[128];	/* DIR/stderr: lbd's own stderr */
	char		 pidfile[128];
	char		 out[4096];	/* a command's output */
	pid_t		 master;	/* a detached master, or -1 */
};

/*
 * A harness with echo backend "a" and its configuration written: top
 * added to the top-level settings (NULL: none), logopts to the log group
 * after "access = true;", with %1$s standing for the test's directory.
 */
static bool	setup_mode(struct logt *, const char *, const char *,
		    const char *);

static bool
setup(struct logt *t, const char *top, const char *logopts)
{
	return (setup_mode(t, top, logopts, NULL));
}

/* setup(), with the web service in mode (NULL: tcp, to an echo backend). */
static bool
setup_mode(struct logt *t, const char *top, const char *logopts,
    const char *mode)
{
	size_t	n;

	memset(t, 0, sizeof(*t));
	t->master = -1;
	if ((t->h = harness_new()) == NULL)
		return (false);
	snprintf(t->err, sizeof(t->err), "%s/stderr", t->h->dir);
	snprintf(t->pidfile, sizeof(t->pidfile), "%s/lbd.pid", t->h->dir);
	if (top != NULL)
		snprintf(t->h->top, sizeof(t->h->top), "%s %s", HARNESS_TOP,
		    top);
	n = (size_t)snprintf(t->h->logopts, sizeof(t->h->logopts),
	    "access = true; ");
	snprintf(t->h->logopts + n, sizeof(t->h->logopts) - n, logopts,
	    t->h->dir);
	if (mode != NULL)
		snprintf(t->h->mode, sizeof(t->h->mode), "%s", mode);
	if (harness_backend(t->h, "a", 1, mode != NULL ? "origin" : "echo",
	    NULL) == -1 || harness_config(t->h, NULL, NULL) == -1) {
		CU_FAIL("setup");
		return (false);
	}
	return (true);
}

/* Stop a detached master by its pid, only while it is one. */
static void
stop_master(struct logt *t)
{
	uint64_t	end = clock_ms() + GONE_MS;

	if (t->master <= 0 || !harness_pid_titled(t->master, "lbd: master"))
		return;
	kill(t->master, SIGTERM);
	while (harness_pid_alive(t->master) && clock_ms() < end)
		harness_sleep_ms(20);
	if (harness_pid_alive(t->master))
		kill(t->master, SIGKILL);
	t->master = -1;
}

static void
teardown(struct logt *t)
{
	stop_master(t);
	harness_free(t->h);
}

/*
 * Run "lbd -f -c FILE" (or "lbd -c FILE -p PIDFILE" when detached) with
 * stdout and stderr to the file out; the pid, or -1.
 */
static pid_t
spawn_lbd(struct logt *t, const char *out, bool foreground)
{
	char		 bin[512];
	char		*fg[] = { bin, (char *)"-f", (char *)"-c", t->h->conf,
			    NULL };
	char		*bg[] = { bin, (char *)"-c", t->h->conf, (char *)"-p",
			    t->pidfile, NULL };
	const char	*env = getenv("LBD_BIN");
	pid_t		 pid, parent = getpid();
	int		 fd;

	snprintf(bin, sizeof(bin), "%s", env != NULL ? env : "build/lbd");
	if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		return (-1);
	if ((pid = fork()) == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 ||
		    getppid() != parent || dup2(fd, 1) == -1 ||
		    dup2(fd, 2) == -1)
			_exit(127);
		execv(bin, foreground ? fg : bg);
		_exit(127);
	}
	close(fd);
	return (pid);
}

/*
 * "lbd -f -c FILE", stdout and stderr to t->err (not the harness's log,
 * which is the target here); wait for ready in the file.  0 or -1.
 */
static int
start_foreground(struct logt *t, const char *ready)
{
	if ((t->h->lbd = spawn_lbd(t, t->err, true)) == -1)
		return (-1);
	return (harness_log_wait(t->h, ready, LOG_MS) ? 0 : -1);
}

/* The master's pid from the pidfile, or -1. */
static pid_t
pidfile_pid(const struct logt *t)
{
	char	*text = harness_read_file(t->pidfile);
	long	 pid = text != NULL ? strtol(text, NULL, 10) : -1;

	free(text);
	return (pid > 0 ? (pid_t)pid : -1);
}

/* Start detached with -p; its exit status (the master from the pidfile). */
static int
start_daemon(struct logt *t)
{
	int	rc;

	rc = harness_run(t->out, sizeof(t->out), RUN_MS, "-c", t->h->conf,
	    "-p", t->pidfile, NULL);
	if (rc == 0)
		t->master = pidfile_pid(t);
	return (rc);
}

/* Poll until the log holds needle n times (or more); true if it did. */
static bool
log_count_wait(const struct harness *h, const char *needle, int n)
{
	uint64_t	end = clock_ms() + LOG_MS;

	while (harness_log_count(h, needle) < n) {
		if (clock_ms() >= end)
			return (false);
		harness_sleep_ms(20);
	}
	return (true);
}

/* Make n connections, each echoing; then wait for n lines with needle. */
static bool
traffic(const struct harness *h, int n, const char *needle)
{
	if (harness_echo_fresh(h, n, "hello\n") != n)
		return (false);
	return (log_count_wait(h, needle, n));
}

static off_t
file_size(const char *path)
{
	struct stat	st;

	return (stat(path, &st) == 0 ? st.st_size : -1);
}

/* How many times needle occurs in text (NULL: none). */
static int
text_count(const char *text, const char *needle)
{
	const char	*p;
	int		 n = 0;

	for (p = text; p != NULL && (p = strstr(p, needle)) != NULL; p++)
		n++;
	return (n);
}

/* How many times needle occurs in file path. */
static int
file_count(const char *path, const char *needle)
{
	char	*text = harness_read_file(path);
	int	 n = text_count(text, needle);

	free(text);
	return (n);
}

/* Up to max children of pid; the count. */
static size_t
children(pid_t pid, pid_t *pids, size_t max)
{
	char	 path[96], *list, *p, *end;
	size_t	 n = 0;
	long	 child;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
	    (int)pid);
	if ((list = harness_read_file(path)) == NULL)
		return (0);
	for (p = list; n < max && (child = strtol(p, &end, 10)) > 0; p = end)
		pids[n++] = (pid_t)child;
	free(list);
	return (n);
}

/*
 * Wait until the log holds "log files reopened pid=P" for master and
 * each of its children: then all of them write to the new file.
 */
static bool
all_reopened(const struct harness *h, pid_t master)
{
	char	needle[64];
	pid_t	pids[16];
	size_t	n = children(master, pids, 15);

	CU_ASSERT(n >= 2);
	pids[n++] = master;
	for (size_t i = 0; i < n; i++) {
		snprintf(needle, sizeof(needle), REOPENED "%d\n", (int)pids[i]);
		if (!log_count_wait(h, needle, 1)) {
			fprintf(stderr, "\n  no reopen line from pid %d\n",
			    (int)pids[i]);
			return (false);
		}
	}
	return (true);
}

/* Each access line of the log comes from a child of master, not it. */
static void
check_access_pids(const struct harness *h, pid_t master)
{
	char	*text = harness_read_file(h->log), *p, *line;
	char	 tag[32];
	int	 n = 0;

	snprintf(tag, sizeof(tag), "lbd[%d]", (int)master);
	for (p = text; p != NULL && (p = strstr(p, ACCESS)) != NULL; p++) {
		for (line = p; line > text && line[-1] != '\n'; line--)
			;
		CU_ASSERT(strncmp(strstr(line, "lbd["), tag,
		    strlen(tag)) != 0);
		n++;
	}
	CU_ASSERT(n > 0);
	free(text);
}

#define TARGET_FILE	"target = \"%1$s/lbd.log\";"	/* h->log */

/* Set up the file target and start in the foreground; false on failure. */
static bool
start_file(struct logt *t, const char *top)
{
	if (!setup(t, top, TARGET_FILE))
		return (false);
	if (start_foreground(t, READY_TEXT) == -1) {
		CU_FAIL("lbd -f with a log file did not start");
		return (false);
	}
	return (true);
}

static void
test_file_foreground(void)
{
	struct logt	t;

	if (!start_file(&t, NULL))
		goto done;
	CU_ASSERT(traffic(t.h, 4, ACCESS));
	CU_ASSERT_EQUAL(harness_log_count(t.h, ACCESS), 4);
	check_access_pids(t.h, t.h->lbd);
	/* Nothing after the start went to stderr. */
	CU_ASSERT_EQUAL(file_count(t.err, "ready"), 0);
	CU_ASSERT_EQUAL(file_count(t.err, ACCESS), 0);
done:
	teardown(&t);
}

/*
 * A reload with another log.level: its lines, the master's and the new
 * workers', follow the new level at once, both ways.
 */
static void
test_reload_level(void)
{
	struct logt	 t;
	const char	*was = getenv("LBD_LOG_LEVEL");
	char		 saved[32];

	snprintf(saved, sizeof(saved), "%s", was != NULL ? was : "");
	if (!start_file(&t, NULL))
		goto done;
	CU_ASSERT(traffic(t.h, 2, ACCESS));
	/* warning: no access line, no "reload done" notice. */
	setenv("LBD_LOG_LEVEL", "warning", 1);
	CU_ASSERT_EQUAL_FATAL(harness_config(t.h, NULL, NULL), 0);
	kill(t.h->lbd, SIGHUP);
	CU_ASSERT_EQUAL(harness_metric_wait(t.h, "lbd_reloads_total", 1,
	    LOG_MS), 1);
	CU_ASSERT_EQUAL(harness_echo_fresh(t.h, 3, "hello\n"), 3);
	/* info again: the next reload and connection are logged. */
	setenv("LBD_LOG_LEVEL", "info", 1);
	CU_ASSERT_EQUAL_FATAL(harness_config(t.h, NULL, NULL), 0);
	kill(t.h->lbd, SIGHUP);
	CU_ASSERT(log_count_wait(t.h, "reload done generation=3", 1));
	CU_ASSERT(traffic(t.h, 3, ACCESS));
	CU_ASSERT(log_count_wait(t.h, ACCESS, 5));
	/* The first two and the last three: none of the three between. */
	CU_ASSERT_EQUAL(harness_log_count(t.h, ACCESS), 5);
	CU_ASSERT_EQUAL(harness_log_count(t.h, "reload done generation=2"),
	    0);
done:
	if (saved[0] != '\0')
		setenv("LBD_LOG_LEVEL", saved, 1);
	else
		unsetenv("LBD_LOG_LEVEL");
	teardown(&t);
}

/* Rename the log, USR1, and see every process move to a new file. */
static void
reopen_run(struct logt *t)
{
	char	old[128];
	off_t	size;

	snprintf(old, sizeof(old), "%s.1", t->h->log);
	CU_ASSERT(traffic(t->h, 2, ACCESS));
	if (rename(t->h->log, old) == -1) {
		CU_FAIL("rename");
		return;
	}
	kill(t->h->lbd, SIGUSR1);
	if (!all_reopened(t->h, t->h->lbd)) {
		CU_FAIL("not every process reopened the log");
		return;
	}
	size = file_size(old);
	CU_ASSERT(traffic(t->h, 3, ACCESS));
	CU_ASSERT_EQUAL(harness_log_count(t->h, ACCESS), 3);
	CU_ASSERT_EQUAL(file_size(old), size);
	CU_ASSERT_EQUAL(file_count(old, ACCESS), 2);
}

static void
test_reopen(void)
{
	struct logt	t;

	if (start_file(&t, NULL))
		reopen_run(&t);
	teardown(&t);
}

/* The uid /proc/PID/status gives pid (real), or -1. */
static long
pid_uid(pid_t pid)
{
	char	 path[64], *status, *p;
	long	 uid = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((status = harness_read_file(path)) != NULL &&
	    (p = strstr(status, "\nUid:")) != NULL)
		uid = strtol(p + 5, NULL, 10);
	free(status);
	return (uid);
}

/*
 * pid's real uid once it is not root, waiting up to 2 s: "ready" comes
 * once the workers are forked, and a worker drops to user just after.
 */
static long
dropped_uid(pid_t pid)
{
	uint64_t	end = clock_ms() + 2000;
	long		uid;

	while ((uid = pid_uid(pid)) == 0 && clock_ms() < end)
		harness_sleep_ms(10);
	return (uid);
}

static void
test_reopen_unprivileged(void)
{
	struct logt	t;
	struct stat	st;
	pid_t		pids[16];
	size_t		n;

	if (geteuid() != 0 || getpwnam("nobody") == NULL) {
		cunit_skip("workers as another user need root and nobody");
		return;
	}
	if (!start_file(&t, "user = \"nobody\";"))
		goto done;
	/* The workers could not open the file by its name themselves. */
	CU_ASSERT(stat(t.h->dir, &st) == 0 && st.st_uid == 0 &&
	    (st.st_mode & 077) == 0);
	n = children(t.h->lbd, pids, 16);
	CU_ASSERT(n >= 2);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT(dropped_uid(pids[i]) > 0);
	reopen_run(&t);
done:
	teardown(&t);
}

static void
test_daemon(void)
{
	struct logt	t;
	char		old[128];

	if (!setup(&t, NULL, TARGET_FILE))
		goto done;
	snprintf(old, sizeof(old), "%s.1", t.h->log);
	if (start_daemon(&t) != 0) {
		CU_FAIL("detached start");
		fprintf(stderr, "\n  output: %s\n", t.out);
		goto done;
	}
	CU_ASSERT(strstr(t.out, "ready") == NULL);
	CU_ASSERT(harness_log_wait(t.h, READY_TEXT, LOG_MS));
	CU_ASSERT(traffic(t.h, 2, ACCESS));
	CU_ASSERT(rename(t.h->log, old) == 0);
	CU_ASSERT_EQUAL(harness_run(t.out, sizeof(t.out), RUN_MS, "-c",
	    t.h->conf, "-p", t.pidfile, "-s", "reopen", NULL), 0);
	CU_ASSERT(all_reopened(t.h, t.master));
	CU_ASSERT(traffic(t.h, 3, ACCESS));
	CU_ASSERT_EQUAL(file_count(old, ACCESS), 2);
done:
	teardown(&t);
}

/* target = "stderr" survives detaching: for a supervisor that reads it. */
static void
test_stderr_detached(void)
{
	struct logt	t;
	pid_t		pid;
	int		st;

	if (!setup(&t, NULL, "target = \"stderr\";"))
		goto done;
	if ((pid = spawn_lbd(&t, t.h->log, false)) == -1 ||
	    waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		CU_FAIL("detached start");
		goto done;
	}
	t.master = pidfile_pid(&t);
	CU_ASSERT(harness_log_wait(t.h, READY_TEXT, LOG_MS));
	CU_ASSERT(traffic(t.h, 2, ACCESS));
	check_access_pids(t.h, t.master);
done:
	teardown(&t);
}

static void
test_access_target(void)
{
	struct logt	t;
	char		access[128], *text, *p, *nl;
	int		lines = 0;

	if (!setup(&t, NULL, TARGET_FILE
	    " access_target = \"%1$s/access.log\";"))
		goto done;
	snprintf(access, sizeof(access), "%s/access.log", t.h->dir);
	if (start_foreground(&t, READY_TEXT) == -1) {
		CU_FAIL("start");
		goto done;
	}
	CU_ASSERT_EQUAL(harness_echo_fresh(t.h, 5, "hello\n"), 5);
	for (uint64_t end = clock_ms() + LOG_MS; clock_ms() < end &&
	    file_count(access, ACCESS) < 5; )
		harness_sleep_ms(20);
	text = harness_read_file(access);
	for (p = text; p != NULL && (nl = strchr(p, '\n')) != NULL;
	    p = nl + 1) {
		CU_ASSERT(strstr(p, ACCESS) != NULL &&
		    strstr(p, ACCESS) < nl);
		lines++;
	}
	free(text);
	CU_ASSERT_EQUAL(lines, 5);
	CU_ASSERT_EQUAL(harness_log_count(t.h, ACCESS), 0);
done:
	teardown(&t);
}

/* In http mode the per-request access lines go to access_target too. */
static void
test_access_target_http(void)
{
	struct logt		t;
	struct httpc_resp	r;
	char			access[128];
	int			ok = 0;

	if (!setup_mode(&t, NULL, TARGET_FILE
	    " access_target = \"%1$s/access.log\";", "http"))
		goto done;
	snprintf(access, sizeof(access), "%s/access.log", t.h->dir);
	if (start_foreground(&t, READY_TEXT) == -1) {
		CU_FAIL("start");
		goto done;
	}
	for (int i = 0; i < 3; i++)
		if (httpc_get(t.h->port, "GET", "/", &r) == 0) {
			ok += r.status == 200;
			httpc_resp_free(&r);
		}
	CU_ASSERT_EQUAL(ok, 3);
	for (uint64_t end = clock_ms() + LOG_MS; clock_ms() < end &&
	    file_count(access, HTTP_ACCESS) < 3; )
		harness_sleep_ms(20);
	CU_ASSERT_EQUAL(file_count(access, HTTP_ACCESS), 3);
	CU_ASSERT_EQUAL(harness_log_count(t.h, HTTP_ACCESS), 0);
done:
	teardown(&t);
}

/* A number member's value, or -1. */
static double
num(const struct json *j, const char *key)
{
	const struct json	*v = json_get(j, key);

	return (v != NULL && v->type == JSON_NUMBER ? v->num : -1);
}

static const char *
str(const struct json *j, const char *key)
{
	const struct json	*v = json_get(j, key);

	return (v != NULL && v->type == JSON_STRING ? v->str : "");
}

/* "2026-12-01T04:05:06.789Z" */
static bool
is_rfc3339_ms(const char *s)
{
	static const char	form[] = "dddd-dd-ddTdd:dd:dd.dddZ";

	if (strlen(s) != sizeof(form) - 1)
		return (false);
	for (size_t i = 0; form[i] != '\0'; i++)
		if (form[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != form[i])
			return (false);
	return (true);
}

/* Every line of path is a JSON object as SPEC says; access lines counted. */
static int
check_json_lines(const char *path, int *lines)
{
	char		*text = harness_read_file(path), *p, *nl, err[128];
	struct json	*j;
	int		 access = 0;

	for (p = text; p != NULL && (nl = strchr(p, '\n')) != NULL;
	    p = nl + 1) {
		(*lines)++;
		if ((j = json_parse(p, nl - p, err, sizeof(err))) == NULL) {
			fprintf(stderr, "\n  not JSON (%s): %.*s\n", err,
			    (int)(nl - p), p);
			CU_FAIL("a line is not JSON");
			continue;
		}
		CU_ASSERT(j->type == JSON_OBJECT);
		CU_ASSERT(is_rfc3339_ms(str(j, "time")));
		CU_ASSERT(str(j, "level")[0] != '\0');
		CU_ASSERT(json_get(j, "msg") != NULL);
		if (strcmp(str(j, "msg"), "access") == 0) {
			access++;
			CU_ASSERT_STRING_EQUAL(str(j, "level"), "info");
			CU_ASSERT_STRING_EQUAL(str(j, "service"), "web");
			CU_ASSERT_STRING_EQUAL(str(j, "backend"), "a");
			CU_ASSERT_STRING_EQUAL(str(j, "result"), "ok");
			CU_ASSERT_EQUAL(num(j, "bytes_in"), 6);
			CU_ASSERT_EQUAL(num(j, "bytes_out"), 6);
			CU_ASSERT(num(j, "duration_ms") >= 0);
		}
		json_free(j);
	}
	free(text);
	return (access);
}

static void
test_json(void)
{
	struct logt	t;
	int		lines = 0;

	if (!setup(&t, NULL, TARGET_FILE " format = \"json\";"))
		goto done;
	if (start_foreground(&t, READY_JSON) == -1) {
		CU_FAIL("start");
		goto done;
	}
	CU_ASSERT(traffic(t.h, 3, "\"msg\":\"access\""));
	CU_ASSERT_EQUAL(check_json_lines(t.h->log, &lines), 3);
	CU_ASSERT(lines >= 4);
	(void)check_json_lines(t.err, &lines);
done:
	teardown(&t);
}

/* Bind a datagram socket at path, as a syslog daemon would; fd or -1. */
static int
bind_syslog(const char *path)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	int			fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return (-1);
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

static void
test_syslog_note(void)
{
	struct logt	t;
	char		path[128];
	int		fd = -1;

	if (!setup(&t, NULL, ""))
		goto done;
	snprintf(path, sizeof(path), "%s/devlog", t.h->dir);
	setenv("LBD_SYSLOG_PATH", path, 1);
	if (start_daemon(&t) != 0) {
		CU_FAIL("detached start");
		goto done;
	}
	CU_ASSERT_EQUAL(text_count(t.out, NOTE), 1);
	CU_ASSERT(strstr(t.out, path) != NULL);
	stop_master(&t);
	/* Something listens now: nothing to say. */
	if ((fd = bind_syslog(path)) == -1) {
		CU_FAIL("bind");
		goto done;
	}
	if (start_daemon(&t) != 0) {
		CU_FAIL("detached start");
		goto done;
	}
	CU_ASSERT_EQUAL(text_count(t.out, NOTE), 0);
done:
	unsetenv("LBD_SYSLOG_PATH");
	if (fd != -1)
		close(fd);
	teardown(&t);
}

static void
test_bad_target(void)
{
	struct logt	t;
	char		want[256];

	if (!setup(&t, NULL, "target = \"%1$s/none/lbd.log\";"))
		goto done;
	snprintf(want, sizeof(want), "cannot open log file %s/none/lbd.log: "
	    "No such file or directory\n", t.h->dir);
	CU_ASSERT_EQUAL(harness_run(t.out, sizeof(t.out), RUN_MS, "-f", "-c",
	    t.h->conf, NULL), 3);
	CU_ASSERT(strstr(t.out, want) != NULL);
	CU_ASSERT_EQUAL(text_count(t.out, "\n"), 1);
	CU_ASSERT_EQUAL(start_daemon(&t), 3);
	CU_ASSERT(strstr(t.out, want) != NULL);
	CU_ASSERT_EQUAL(text_count(t.out, "\n"), 1);
	CU_ASSERT(access(t.pidfile, F_OK) == -1);
done:
	teardown(&t);
}

int
t_logs_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("logs", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "-f, target = file: master and worker lines "
	    "there, not on stderr", test_file_foreground) == NULL ||
	    CU_add_test(s, "rename + USR1: every process writes to the new "
	    "file", test_reopen) == NULL ||
	    CU_add_test(s, "workers as nobody reach a reopened file in a "
	    "root-only directory", test_reopen_unprivileged) == NULL ||
	    CU_add_test(s, "detached: the file, then lbd -s reopen",
	    test_daemon) == NULL ||
	    CU_add_test(s, "target = stderr: kept when detached",
	    test_stderr_detached) == NULL ||
	    CU_add_test(s, "access_target: the access lines alone",
	    test_access_target) == NULL ||
	    CU_add_test(s, "access_target: http mode's request lines too",
	    test_access_target_http) == NULL ||
	    CU_add_test(s, "format = json: each line one object",
	    test_json) == NULL ||
	    CU_add_test(s, "syslog with nothing on /dev/log: said once",
	    test_syslog_note) == NULL ||
	    CU_add_test(s, "a target that cannot be opened: exit 3, one line",
	    test_bad_target) == NULL ||
	    CU_add_test(s, "a reload's log.level applies at once, both ways",
	    test_reload_level) == NULL)
		return (-1);
	return (0);
}
