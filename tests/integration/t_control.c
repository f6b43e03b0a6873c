/*
 * Control: the control socket and lbd -x.
 *
 * Config: identity backends "a" and "b" (weight 1, roundrobin), control
 * socket DIR/ctl.sock.  Client and expectations:
 *  - an open connection to a; "disable web/a": 20 new connections all go
 *    to b, the open one still echoes, lbd_backend_up of a stays 1 (health
 *    only) and "show backends" says maint* (set at runtime); "enable
 *    web/a": 20 connections split 10/10 again;
 *  - "set weight web/b 3": 40 connections split exactly 10/30, "show
 *    backends" shows weight 3* (set at runtime); weight 0: b gets none;
 *  - unknown, malformed and out-of-range commands each get one reply
 *    starting "error:" and change nothing; an overlong line does not
 *    kill the master;
 *  - several commands on one connection, each sent once the reply to the
 *    one before came (lbd(8) promises it), or all in one write: each
 *    answered;
 *  - lbd -x prints the reply and exits 0, 2 for a refused command, 3 when
 *    nothing listens on the socket;
 *  - the socket is mode 0600 and ours; as root, a client running as
 *    nobody is refused with EACCES, and let in once the mode is 0666 (so
 *    the refusal comes from the mode);
 *  - a disabled backend stays disabled across a reload (SIGHUP, same
 *    file);
 *  - lock-out: with 16 connections open and idle (all the master
 *    serves), lbd -x still gets its reply at once (the quietest one is
 *    closed for it); with LBD_ADMIN_TIMEOUT=500ms an idle connection is
 *    closed within IDLE_CLOSE_MS while one sending a command every
 *    200 ms stays; lbd -x against a socket that closes every connection
 *    at once exits 3 with a reason, never of SIGPIPE.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
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

#define REPLYMAX	16384
#define RUN_MS		5000	/* for one lbd -x */
#define CHILD_MS	5000	/* for the client running as nobody */
#define CTL_CLIENTS	16	/* connections the master serves at once */
#define IDLE_CLOSE_MS	3000	/* 500 ms idle, and the 1 s sweep, and slack */
#define UP_A		"lbd_backend_up{service=\"web\",backend=\"a\"}"
#define ACTIVE_A	"lbd_backend_active_connections{service=\"web\"," \
			"backend=\"a\"}"

/* The control socket's path for h. */
static void
sock_path(const struct harness *h, char *buf, size_t len)
{
	snprintf(buf, len, "%s/ctl.sock", h->dir);
}

/*
 * lbd with identity a and b (b_opts, such as "backup = true;", appended
 * to b's entry) and a control socket; NULL if it failed.
 */
static struct harness *
start_with(const char *b_opts)
{
	struct harness	*h = harness_new();
	char		 path[128];

	if (h == NULL)
		return (NULL);
	sock_path(h, path, sizeof(path));
	snprintf(h->top, sizeof(h->top), "%s control = \"%s\";", HARNESS_TOP,
	    path);
	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	harness_backend(h, "b", 1, "identity", "-n", "b", NULL);
	if (b_opts != NULL)
		harness_backend_opts(h, 1, b_opts);
	if (harness_start(h, NULL) == -1) {
		harness_free(h);
		return (NULL);
	}
	return (h);
}

static struct harness *
start(void)
{
	return (start_with(NULL));
}

/* A connection to the control socket with bounded reads, or -1. */
static int
ctl_open(const struct harness *h)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };

	sock_path(h, sun.sun_path, sizeof(sun.sun_path));
	return (harness_connect_addr((struct sockaddr *)&sun, sizeof(sun)));
}

/*
 * Read one reply, up to and with the blank line that ends it; 0 or -1
 * (EOF, timeout, no blank line).
 */
static int
ctl_reply(int fd, char *reply, size_t len)
{
	size_t	n = 0;

	reply[0] = '\0';
	/* A byte at a time: the next reply stays in the socket. */
	while (n < len - 1) {
		if (harness_read(fd, reply + n, 1) == -1)
			return (-1);
		reply[++n] = '\0';
		if (n >= 2 && reply[n - 1] == '\n' && reply[n - 2] == '\n')
			return (0);
	}
	return (-1);
}

/* Send one command line and read its reply; 0 or -1. */
static int
ctl_cmd(int fd, const char *cmd, char *reply, size_t len)
{
	char	line[3200];

	reply[0] = '\0';
	snprintf(line, sizeof(line), "%s\n", cmd);
	if (harness_write(fd, line, strlen(line)) == -1)
		return (-1);
	return (ctl_reply(fd, reply, len));
}

/* One command on a connection of its own; 0 or -1. */
static int
ctl(const struct harness *h, const char *cmd, char *reply, size_t len)
{
	int	fd, rc;

	if ((fd = ctl_open(h)) == -1)
		return (-1);
	rc = ctl_cmd(fd, cmd, reply, len);
	close(fd);
	return (rc);
}

/* True when cmd was accepted: a reply that is not an error. */
static bool
ctl_ok(const struct harness *h, const char *cmd)
{
	char	reply[REPLYMAX];

	if (ctl(h, cmd, reply, sizeof(reply)) == -1)
		return (false);
	if (strncmp(reply, "error:", 6) == 0) {
		fprintf(stderr, "\n%s: %s", cmd, reply);
		return (false);
	}
	return (true);
}

/*
 * Column col (0: service) of backend name's row in "show backends web",
 * copied into out; false when there is no such row.
 */
static bool
backend_column(const struct harness *h, const char *name, int col,
    char *out, size_t len)
{
	char	 reply[REPLYMAX], *line, *save = NULL, *tok, *tsave;
	int	 i;

	if (ctl(h, "show backends web", reply, sizeof(reply)) == -1)
		return (false);
	for (line = strtok_r(reply, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		tsave = NULL;
		if ((tok = strtok_r(line, " ", &tsave)) == NULL ||
		    strcmp(tok, "web") != 0 ||
		    (tok = strtok_r(NULL, " ", &tsave)) == NULL ||
		    strcmp(tok, name) != 0)
			continue;
		for (i = 1; i < col && tok != NULL; i++)
			tok = strtok_r(NULL, " ", &tsave);
		if (tok == NULL)
			return (false);
		snprintf(out, len, "%s", tok);
		return (true);
	}
	return (false);
}

/* True when "show backends web" gives backend name this state. */
static bool
state_is(const struct harness *h, const char *name, const char *state)
{
	char	v[32];

	return (backend_column(h, name, 3, v, sizeof(v)) &&
	    strcmp(v, state) == 0);
}

static void
test_disable_enable(void)
{
	struct harness	*h;
	int		 fd, counts[2] = { 0 };

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT((fd = harness_connect_to(h, "a")) != -1);
	CU_ASSERT(ctl_ok(h, "disable web/a"));
	CU_ASSERT(state_is(h, "a", "maint*"));
	/* Health only: maintenance is not an outage. */
	CU_ASSERT_EQUAL(harness_metric(h, UP_A), 1);
	CU_ASSERT_EQUAL(harness_tally(h, 20, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 0);
	CU_ASSERT_EQUAL(counts[1], 20);
	/* The open connection goes on. */
	CU_ASSERT(fd != -1 && harness_echo(fd, "still here\n"));
	CU_ASSERT_EQUAL(harness_metric(h, ACTIVE_A), 1);
	if (fd != -1)
		close(fd);
	CU_ASSERT_EQUAL(harness_metric_wait(h, ACTIVE_A, 0, 5000), 0);
	CU_ASSERT(ctl_ok(h, "enable web/a"));
	CU_ASSERT(state_is(h, "a", "up"));
	CU_ASSERT_EQUAL(harness_metric(h, UP_A), 1);
	counts[0] = counts[1] = 0;
	CU_ASSERT_EQUAL(harness_tally(h, 20, counts), 0);
	CU_ASSERT(counts[0] >= 9 && counts[0] <= 11);
	CU_ASSERT_EQUAL(counts[0] + counts[1], 20);
	harness_free(h);
}

static void
test_weight(void)
{
	struct harness	*h;
	char		 w[16];
	int		 counts[2] = { 0 };

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT(ctl_ok(h, "set weight web/b 3"));
	CU_ASSERT(backend_column(h, "b", 4, w, sizeof(w)) &&
	    strcmp(w, "3*") == 0);
	CU_ASSERT(backend_column(h, "a", 4, w, sizeof(w)) &&
	    strcmp(w, "1") == 0);
	CU_ASSERT_EQUAL(harness_tally(h, 40, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 10);
	CU_ASSERT_EQUAL(counts[1], 30);
	CU_ASSERT(ctl_ok(h, "set weight web/b 0"));
	counts[0] = counts[1] = 0;
	CU_ASSERT_EQUAL(harness_tally(h, 10, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 10);
	CU_ASSERT_EQUAL(counts[1], 0);
	harness_free(h);
}

/* Weight 0 on the only primary: the backup serves, as when it is down. */
static void
test_weight_zero_backup(void)
{
	struct harness	*h;
	int		 counts[2] = { 0 };

	if ((h = start_with("backup = true;")) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT_EQUAL(harness_tally(h, 10, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 10);
	CU_ASSERT(ctl_ok(h, "set weight web/a 0"));
	counts[0] = counts[1] = 0;
	CU_ASSERT_EQUAL(harness_tally(h, 10, counts), 0);
	CU_ASSERT_EQUAL(counts[1], 10);
	CU_ASSERT(ctl_ok(h, "set weight web/a 1"));
	counts[0] = counts[1] = 0;
	CU_ASSERT_EQUAL(harness_tally(h, 10, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 10);
	harness_free(h);
}

static const char *const bad_commands[] = {
	"frobnicate", "disable", "enable", "disable web", "disable web/",
	"disable /a", "disable web/nope", "disable nope/a", "enable web/nope",
	"disable web/a extra", "set weight web/a 999", "set weight web/a 257",
	"set weight web/a -1", "set weight web/a x", "set weight web/a 2x",
	"set weight web/a", "set weight web/nope 2", "set colour web/a 2",
	"show", "show nothing",
};

static void
test_bad_commands(void)
{
	struct harness	*h;
	char		 reply[REPLYMAX], line[3000];
	int		 fd, counts[2] = { 0 };

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	for (size_t i = 0; i < sizeof(bad_commands) / sizeof(bad_commands[0]);
	    i++) {
		if (ctl(h, bad_commands[i], reply, sizeof(reply)) == 0 &&
		    strncmp(reply, "error:", 6) == 0)
			continue;
		fprintf(stderr, "\n\"%s\" answered \"%s\"\n", bad_commands[i],
		    reply);
		CU_FAIL("a bad command was not refused");
	}
	/* Nothing changed. */
	CU_ASSERT(state_is(h, "a", "up") && state_is(h, "b", "up"));
	CU_ASSERT(backend_column(h, "a", 4, reply, sizeof(reply)) &&
	    strcmp(reply, "1") == 0);
	CU_ASSERT_EQUAL(harness_tally(h, 10, counts), 0);
	CU_ASSERT(counts[0] == 5 && counts[1] == 5);
	/* An overlong line: an error or a close, and the master lives. */
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	if ((fd = ctl_open(h)) != -1) {
		if (ctl_cmd(fd, line, reply, sizeof(reply)) == 0)
			CU_ASSERT(strncmp(reply, "error:", 6) == 0);
		close(fd);
	}
	CU_ASSERT(harness_pid_alive(h->lbd));
	CU_ASSERT(ctl(h, "show services", reply, sizeof(reply)) == 0 &&
	    strstr(reply, "web") != NULL);
	harness_free(h);
}

/*
 * lbd(8): "several commands may follow one another on a connection".
 * Each is sent once the reply to the one before has come.
 */
static void
test_commands_in_turn(void)
{
	static const char *const cmds[] = {
		"frobnicate", "help", "disable web/nope", "show services"
	};
	struct harness	*h;
	char		 reply[REPLYMAX];
	int		 fd;

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT_FATAL((fd = ctl_open(h)) != -1);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (ctl_cmd(fd, cmds[i], reply, sizeof(reply)) == -1) {
			fprintf(stderr, "\nno reply to \"%s\", command %zu on "
			    "the connection\n", cmds[i], i + 1);
			CU_FAIL("a later command on a connection unanswered");
			break;
		}
	close(fd);
	/* Two commands in one write. */
	CU_ASSERT_FATAL((fd = ctl_open(h)) != -1);
	CU_ASSERT(harness_write(fd, "help\nshow services\n", 19) == 0);
	CU_ASSERT(ctl_reply(fd, reply, sizeof(reply)) == 0 &&
	    strstr(reply, "set weight") != NULL);
	CU_ASSERT(ctl_reply(fd, reply, sizeof(reply)) == 0 &&
	    strstr(reply, "roundrobin") != NULL);
	close(fd);
	harness_free(h);
}

/* A copy of h's file whose control socket nobody listens on; 0 or -1. */
static int
write_orphan_config(const struct harness *h, char *path, size_t len)
{
	char	*conf, *p;
	FILE	*f;
	int	 rc;

	snprintf(path, len, "%s/orphan.conf", h->dir);
	if ((conf = harness_read_file(h->conf)) == NULL)
		return (-1);
	if ((p = strstr(conf, "ctl.sock")) != NULL)
		memcpy(p, "nob.sock", 8);
	if (p == NULL || (f = fopen(path, "w")) == NULL) {
		free(conf);
		return (-1);
	}
	fputs(conf, f);
	rc = fclose(f) == EOF ? -1 : 0;
	free(conf);
	return (rc);
}

static void
test_lbd_x(void)
{
	struct harness	*h;
	char		 out[REPLYMAX], want[64], orphan[128];
	int		 counts[2] = { 0 };

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT_EQUAL(harness_run(out, sizeof(out), RUN_MS, "-c", h->conf,
	    "-x", "show backends web", NULL), 0);
	snprintf(want, sizeof(want), "127.0.0.1:%d", h->backends[1].port);
	CU_ASSERT(strstr(out, want) != NULL);
	CU_ASSERT_EQUAL(harness_run(out, sizeof(out), RUN_MS, "-c", h->conf,
	    "-x", "disable web/nope", NULL), 2);
	CU_ASSERT(strstr(out, "error:") != NULL);
	CU_ASSERT_EQUAL(harness_run(out, sizeof(out), RUN_MS, "-c", h->conf,
	    "-x", "disable web/b", NULL), 0);
	CU_ASSERT(strstr(out, "error") == NULL);
	CU_ASSERT_EQUAL(harness_tally(h, 6, counts), 0);
	CU_ASSERT(counts[0] == 6 && counts[1] == 0);
	CU_ASSERT_EQUAL(harness_run(out, sizeof(out), RUN_MS, "-c", h->conf,
	    "-x", "enable web/b", NULL), 0);
	CU_ASSERT(state_is(h, "b", "up"));
	CU_ASSERT_EQUAL_FATAL(write_orphan_config(h, orphan, sizeof(orphan)),
	    0);
	CU_ASSERT_EQUAL(harness_run(out, sizeof(out), RUN_MS, "-c", orphan,
	    "-x", "help", NULL), 3);
	harness_free(h);
}

/*
 * In a child running as uid/gid, connect to path: 0 when it connected,
 * 1 on EACCES, 2 on another error, 3 when the identity did not change;
 * -1 when the child could not be run or waited for.
 */
static int
connect_as(const char *path, uid_t uid, gid_t gid)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	uint64_t		 end = clock_ms() + CHILD_MS;
	pid_t			 pid;
	int			 fd, st;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0) {
		if (setgroups(0, NULL) == -1 || setgid(gid) == -1 ||
		    setuid(uid) == -1 || getuid() != uid)
			_exit(3);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
			_exit(2);
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			_exit(0);
		_exit(errno == EACCES ? 1 : 2);
	}
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (clock_ms() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return (-1);
		}
		usleep(5000);
	}
	return (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void
refuses_other_user(const struct harness *h, const char *path)
{
	struct passwd	*pw = getpwnam("nobody");
	uid_t		 uid = pw != NULL ? pw->pw_uid : 65534;
	gid_t		 gid = pw != NULL ? pw->pw_gid : 65534;

	/* Let nobody through the directory: only the socket's mode counts. */
	CU_ASSERT_EQUAL_FATAL(chmod(h->dir, 0711), 0);
	CU_ASSERT_EQUAL(connect_as(path, uid, gid), 1);
	CU_ASSERT_EQUAL(chmod(path, 0666), 0);
	CU_ASSERT_EQUAL(connect_as(path, uid, gid), 0);
	CU_ASSERT_EQUAL(chmod(path, 0600), 0);
	CU_ASSERT_EQUAL(chmod(h->dir, 0700), 0);
}

static void
test_socket_mode(void)
{
	struct harness	*h;
	struct stat	 sb;
	char		 path[128], reply[REPLYMAX];

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	sock_path(h, path, sizeof(path));
	CU_ASSERT_EQUAL_FATAL(stat(path, &sb), 0);
	CU_ASSERT(S_ISSOCK(sb.st_mode));
	CU_ASSERT_EQUAL(sb.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(sb.st_uid, geteuid());
	CU_ASSERT(ctl(h, "help", reply, sizeof(reply)) == 0);
	harness_free(h);
}

static void
test_other_user(void)
{
	struct harness	*h;
	char		 path[128];

	if (geteuid() != 0) {
		cunit_skip("connecting as another user needs root");
		return;
	}
	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	sock_path(h, path, sizeof(path));
	refuses_other_user(h, path);
	harness_free(h);
}

static void
test_disabled_across_reload(void)
{
	struct harness	*h;
	int		 counts[2] = { 0 };

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT(ctl_ok(h, "disable web/a"));
	CU_ASSERT_EQUAL_FATAL(harness_hup(h), 0);
	CU_ASSERT(state_is(h, "a", "maint*"));
	CU_ASSERT_EQUAL(harness_tally(h, 20, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 0);
	CU_ASSERT_EQUAL(counts[1], 20);
	CU_ASSERT(ctl_ok(h, "enable web/a"));
	counts[0] = counts[1] = 0;
	CU_ASSERT_EQUAL(harness_tally(h, 20, counts), 0);
	CU_ASSERT(counts[0] >= 9 && counts[0] <= 11);
	harness_free(h);
}

/* Fill the master's table with idle clients: lbd -x must still get in. */
static void
test_lockout(void)
{
	struct harness	*h;
	char		 out[REPLYMAX], reply[REPLYMAX];
	int		 fds[CTL_CLIENTS];

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	/* One command each: then the master surely holds them all. */
	for (int i = 0; i < CTL_CLIENTS; i++)
		if ((fds[i] = ctl_open(h)) != -1 &&
		    ctl_cmd(fds[i], "help", reply, sizeof(reply)) == -1) {
			close(fds[i]);
			fds[i] = -1;
		}
	for (int i = 0; i < CTL_CLIENTS; i++)
		CU_ASSERT(fds[i] != -1);
	CU_ASSERT_EQUAL(harness_run(out, sizeof(out), RUN_MS, "-c", h->conf,
	    "-x", "help", NULL), 0);
	CU_ASSERT(strstr(out, "show services") != NULL);
	for (int i = 0; i < CTL_CLIENTS; i++)
		if (fds[i] != -1)
			close(fds[i]);
	harness_free(h);
}

/* An idle client is closed; one that keeps talking is not. */
static void
test_idle_closed(void)
{
	struct harness	*h;
	char		 reply[REPLYMAX];
	uint64_t	 end;
	int		 idle, busy;

	setenv("LBD_ADMIN_TIMEOUT", "500ms", 1);
	h = start();
	unsetenv("LBD_ADMIN_TIMEOUT");
	if (h == NULL)
		CU_FAIL_FATAL("lbd did not start");
	idle = ctl_open(h);
	busy = ctl_open(h);
	CU_ASSERT_FATAL(idle != -1 && busy != -1);
	end = clock_ms() + 1500;
	while (clock_ms() < end) {
		CU_ASSERT_EQUAL_FATAL(ctl_cmd(busy, "help", reply,
		    sizeof(reply)), 0);
		harness_sleep_ms(200);
	}
	CU_ASSERT(harness_wait_closed(idle, IDLE_CLOSE_MS) != -1);
	CU_ASSERT_EQUAL(ctl_cmd(busy, "help", reply, sizeof(reply)), 0);
	close(idle);
	close(busy);
	harness_free(h);
}

/*
 * A child serving path by closing each connection at once, for CHILD_MS
 * at most; its pid, or -1.
 */
static pid_t
serve_closing(const char *path)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	pid_t			pid;
	int			fd, c;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return (-1);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 16) == -1 || (pid = fork()) == -1) {
		close(fd);
		return (-1);
	}
	if (pid == 0) {
		alarm(CHILD_MS / 1000);		/* the default action ends us */
		for (;;)
			if ((c = accept(fd, NULL, NULL)) != -1)
				close(c);
	}
	close(fd);
	return (pid);
}

/* lbd -x against a socket that closes at once: exit 3 and say why. */
static void
test_x_closed(void)
{
	struct harness	*h;
	char		 out[REPLYMAX], conf[128], path[100];
	pid_t		 pid;
	int		 rc;

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT_EQUAL_FATAL(write_orphan_config(h, conf, sizeof(conf)), 0);
	snprintf(path, sizeof(path), "%s/nob.sock", h->dir);
	CU_ASSERT_FATAL((pid = serve_closing(path)) > 0);
	for (int i = 0; i < 5; i++) {
		rc = harness_run(out, sizeof(out), RUN_MS, "-c", conf, "-x",
		    "help", NULL);
		CU_ASSERT_EQUAL(rc, 3);
		CU_ASSERT(strstr(out, "lbd: ") != NULL);
		if (rc != 3)
			fprintf(stderr, "\nlbd -x: status %d: %s", rc, out);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(path);
	harness_free(h);
}

int
t_control_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("control", NULL, NULL)) == NULL ||
	    CU_add_test(s, "disable spares open connections, enable restores",
	    test_disable_enable) == NULL ||
	    CU_add_test(s, "set weight 0 on the only primary: backup serves",
	    test_weight_zero_backup) == NULL ||
	    CU_add_test(s, "set weight 1:3 splits 40 as 10/30",
	    test_weight) == NULL ||
	    CU_add_test(s, "bad commands get error lines", test_bad_commands) ==
	    NULL ||
	    CU_add_test(s, "commands one after another on one connection",
	    test_commands_in_turn) == NULL ||
	    CU_add_test(s, "lbd -x prints the reply, exits 0/2/3",
	    test_lbd_x) == NULL ||
	    CU_add_test(s, "socket mode 0600, owned by lbd's user",
	    test_socket_mode) == NULL ||
	    CU_add_test(s, "the socket refuses another user",
	    test_other_user) == NULL ||
	    CU_add_test(s, "disabled stays disabled across a reload",
	    test_disabled_across_reload) == NULL ||
	    CU_add_test(s, "16 idle clients do not lock lbd -x out",
	    test_lockout) == NULL ||
	    CU_add_test(s, "an idle client is closed, a busy one kept",
	    test_idle_closed) == NULL ||
	    CU_add_test(s, "lbd -x on a socket that closes: 3 and a reason",
	    test_x_closed) == NULL)
		return (-1);
	return (0);
}
