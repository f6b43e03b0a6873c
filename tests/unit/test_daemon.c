/*
 * Daemon chores: the pidfile's lock, and systemd's readiness datagram.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "daemon.h"
#include "unit.h"

/* DIR/NAME for this test process. */
static void
unit_path(char *path, size_t len, const char *name)
{
	snprintf(path, len, "/tmp/lbd-unit-%d-%s", (int)getpid(), name);
	unlink(path);
}

static void
test_pidfile_lock(void)
{
	char	path[64], err[256];
	int	fd, again;

	unit_path(path, sizeof(path), "lock.pid");
	CU_ASSERT_EQUAL(daemon_pidfile_read(path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot open pidfile"));
	CU_ASSERT_FATAL((fd = daemon_pidfile_open(path, err,
	    sizeof(err))) >= 0);
	CU_ASSERT_EQUAL(daemon_pidfile_write(fd, getpid()), 0);
	/* A second lbd finds it locked. */
	again = daemon_pidfile_open(path, err, sizeof(err));
	CU_ASSERT_EQUAL(again, -1);
	CU_ASSERT_EQUAL(errno, EWOULDBLOCK);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "already running"));
	/* We hold it, but we are no master: nothing to signal. */
	CU_ASSERT_EQUAL(daemon_pidfile_read(path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not an lbd master"));
	daemon_pidfile_remove(path, fd);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
}

/* Wait up to 2 s for pid's title to start with title. */
static bool
titled(pid_t pid, const char *title)
{
	char	path[64], cmd[128];
	int	fd;
	ssize_t	n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	for (int i = 0; i < 400; i++) {
		if ((fd = open(path, O_RDONLY)) == -1)
			return (false);
		n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		cmd[n > 0 ? n : 0] = '\0';
		if (strncmp(cmd, title, strlen(title)) == 0)
			return (true);
		usleep(5000);
	}
	return (false);
}

/* A process titled as a master that holds the pidfile is found. */
static void
test_pidfile_master(void)
{
	char	path[64], moved[64], err[256];
	pid_t	pid;
	int	fd;

	unit_path(path, sizeof(path), "master.pid");
	unit_path(moved, sizeof(moved), "moved.pid");
	CU_ASSERT_FATAL((fd = daemon_pidfile_open(path, err,
	    sizeof(err))) >= 0);
	if ((pid = fork()) == 0) {
		dup2(fd, 5);	/* without close-on-exec: sleep holds it */
		execl("/bin/sleep", DAEMON_MASTER_TITLE " [gen 1] x", "30",
		    (char *)NULL);
		_exit(127);
	}
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT(titled(pid, DAEMON_MASTER_TITLE));
	CU_ASSERT_EQUAL(daemon_pidfile_write(fd, pid), 0);
	CU_ASSERT_EQUAL(daemon_pidfile_read(path, err, sizeof(err)), pid);
	/* The same pid, but the file it holds is no longer the pidfile. */
	CU_ASSERT_EQUAL(rename(path, moved), 0);
	close(fd);
	CU_ASSERT_FATAL((fd = daemon_pidfile_open(path, err,
	    sizeof(err))) >= 0);
	CU_ASSERT_EQUAL(daemon_pidfile_write(fd, pid), 0);
	CU_ASSERT_EQUAL(daemon_pidfile_read(path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "does not hold"));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(moved);
	daemon_pidfile_remove(path, fd);
}

/* Links and FIFOs are refused, and what they point at is not touched. */
static void
test_pidfile_links(void)
{
	char	path[64], target[64], err[256];

	unit_path(path, sizeof(path), "link.pid");
	unit_path(target, sizeof(target), "target");
	CU_ASSERT_FATAL(close(open(target, O_WRONLY | O_CREAT, 0600)) == 0);
	CU_ASSERT_EQUAL(symlink(target, path), 0);
	CU_ASSERT_EQUAL(daemon_pidfile_open(path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "symbolic link"));
	CU_ASSERT_EQUAL(daemon_pidfile_read(path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "symbolic link"));
	unlink(path);
	CU_ASSERT_EQUAL(link(target, path), 0);
	CU_ASSERT_EQUAL(daemon_pidfile_open(path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "has 2 links"));
	unlink(path);
	CU_ASSERT_EQUAL(mkfifo(path, 0600), 0);
	CU_ASSERT_EQUAL(daemon_pidfile_open(path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a regular file"));
	unlink(path);
	unlink(target);
}

/*
 * The state file round-trips whole; a link in its place or another
 * owner's file is refused.
 */
static void
test_state_file(void)
{
	struct reload_state	out = { .pid = 42, .started = 3, .done = 2,
				    .generation = 5, .failures = 1,
				    .time = 1764560000, .shutdown_ms = 2000,
				    .failed = true };
	struct reload_state	in;
	char			pidfile[64], path[64], target[64], err[256];

	unit_path(pidfile, sizeof(pidfile), "state.pid");
	unit_path(path, sizeof(path), "state.pid.state");
	unit_path(target, sizeof(target), "state.target");
	snprintf(out.error, sizeof(out.error), "bind 127.0.0.1:1: in use");
	CU_ASSERT_FATAL(close(open(pidfile, O_WRONLY | O_CREAT, 0600)) == 0);
	CU_ASSERT_EQUAL(daemon_state_write(path, &out), 0);
	CU_ASSERT_EQUAL(daemon_state_read(path, pidfile, &in, err,
	    sizeof(err)), 0);
	CU_ASSERT(in.pid == 42 && in.started == 3 && in.done == 2 &&
	    in.generation == 5 && in.failures == 1 &&
	    in.time == 1764560000 && in.shutdown_ms == 2000 && in.failed);
	CU_ASSERT_STRING_EQUAL(in.error, out.error);
	unlink(path);
	CU_ASSERT_EQUAL(daemon_state_write(target, &out), 0);
	CU_ASSERT_EQUAL(symlink(target, path), 0);
	CU_ASSERT_EQUAL(daemon_state_read(path, pidfile, &in, err,
	    sizeof(err)), -1);
	unlink(path);
	if (geteuid() == 0) {
		CU_ASSERT_EQUAL(daemon_state_write(path, &out), 0);
		CU_ASSERT_EQUAL(chown(path, 65534, 65534), 0);
		CU_ASSERT_EQUAL(daemon_state_read(path, pidfile, &in, err,
		    sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "owned by uid 65534"));
	}
	daemon_state_remove(path);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	unlink(pidfile);
	unlink(target);
}

/* A pidfile replaced under a running lbd is not ours to remove. */
static void
test_pidfile_replaced(void)
{
	char	path[64], err[256];
	int	fd, other;

	unit_path(path, sizeof(path), "replaced.pid");
	CU_ASSERT_FATAL((fd = daemon_pidfile_open(path, err,
	    sizeof(err))) >= 0);
	unlink(path);
	CU_ASSERT_FATAL((other = daemon_pidfile_open(path, err,
	    sizeof(err))) >= 0);
	daemon_pidfile_remove(path, fd);
	CU_ASSERT_EQUAL(access(path, F_OK), 0);
	daemon_pidfile_remove(path, other);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
}

/* A pidfile nobody holds is stale: readers say so, starters take it. */
static void
test_pidfile_stale(void)
{
	char	path[64], err[256];
	FILE	*f;
	int	fd;

	snprintf(path, sizeof(path), "/tmp/lbd-unit-stale-%d.pid",
	    (int)getpid());
	CU_ASSERT_PTR_NOT_NULL_FATAL(f = fopen(path, "w"));
	fprintf(f, "99999\n");
	fclose(f);
	CU_ASSERT_EQUAL(daemon_pidfile_read(path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no running lbd"));
	CU_ASSERT_FATAL((fd = daemon_pidfile_open(path, err,
	    sizeof(err))) >= 0);
	daemon_pidfile_remove(path, fd);
}

static void
test_notify(void)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	char			buf[64] = "";
	int			fd;
	ssize_t			n;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "/tmp/lbd-unit-%d.sock",
	    (int)getpid());
	unlink(sun.sun_path);
	CU_ASSERT_FATAL((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) >= 0);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	setenv("NOTIFY_SOCKET", sun.sun_path, 1);
	daemon_notify("READY=1\nMAINPID=7");
	unsetenv("NOTIFY_SOCKET");
	daemon_notify("STOPPING=1");		/* no socket: nothing sent */
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	CU_ASSERT_EQUAL(n, 17);
	CU_ASSERT_STRING_EQUAL(buf, "READY=1\nMAINPID=7");
	CU_ASSERT_EQUAL(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	close(fd);
	unlink(sun.sun_path);
}

int
test_daemon_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("daemon", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "pidfile lock", test_pidfile_lock) == NULL ||
	    CU_add_test(s, "pidfile names a master holding it",
	    test_pidfile_master) == NULL ||
	    CU_add_test(s, "pidfile links refused", test_pidfile_links) ==
	    NULL ||
	    CU_add_test(s, "pidfile replaced, not removed",
	    test_pidfile_replaced) == NULL ||
	    CU_add_test(s, "stale pidfile", test_pidfile_stale) == NULL ||
	    CU_add_test(s, "reload state file", test_state_file) == NULL ||
	    CU_add_test(s, "systemd notify datagram", test_notify) == NULL)
		return (-1);
	return (0);
}
