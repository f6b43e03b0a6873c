/*
 * Daemon chores: the pidfile's lock, and systemd's readiness datagram.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "daemon.h"
#include "unit.h"

static void
test_pidfile_lock(void)
{
	char	path[64], err[256];
	int	fd, again;

	snprintf(path, sizeof(path), "/tmp/lbd-unit-%d.pid", (int)getpid());
	unlink(path);
	CU_ASSERT_EQUAL(daemon_pidfile_read(path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot open pidfile"));
	CU_ASSERT_FATAL((fd = daemon_pidfile_open(path)) >= 0);
	CU_ASSERT_EQUAL(daemon_pidfile_write(fd, 4242), 0);
	/* A second lbd finds it locked; a reader finds the pid. */
	again = daemon_pidfile_open(path);
	CU_ASSERT_EQUAL(again, -1);
	CU_ASSERT_EQUAL(errno, EWOULDBLOCK);
	CU_ASSERT_EQUAL(daemon_pidfile_read(path, err, sizeof(err)), 4242);
	daemon_pidfile_remove(path, fd);
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
	CU_ASSERT_FATAL((fd = daemon_pidfile_open(path)) >= 0);
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
	    CU_add_test(s, "stale pidfile", test_pidfile_stale) == NULL ||
	    CU_add_test(s, "systemd notify datagram", test_notify) == NULL)
		return (-1);
	return (0);
}
