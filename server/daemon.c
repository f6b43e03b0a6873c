/*
 * Pidfile, detaching and readiness.
 */
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <grp.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

int
daemon_pidfile_open(const char *path)
{
	int	fd, saved;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return (-1);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}

int
daemon_pidfile_write(int fd, pid_t pid)
{
	char	text[32];
	int	n;

	n = snprintf(text, sizeof(text), "%d\n", (int)pid);
	if (ftruncate(fd, 0) == -1 || pwrite(fd, text, n, 0) != n)
		return (-1);
	return (0);
}

void
daemon_pidfile_remove(const char *path, int fd)
{
	if (fd == -1)
		return;
	unlink(path);
	close(fd);
}

pid_t
daemon_pidfile_read(const char *path, char *err, size_t errlen)
{
	char	text[32] = "";
	ssize_t	n;
	long	pid;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot open pidfile %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	/* A lock we can take means nobody is running: the file is stale. */
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		close(fd);
		snprintf(err, errlen, "no running lbd holds pidfile %s", path);
		return (-1);
	}
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0 || (pid = strtol(text, NULL, 10)) <= 0) {
		snprintf(err, errlen, "pidfile %s holds no pid", path);
		return (-1);
	}
	return ((pid_t)pid);
}

/* The foreground process: wait for the daemon's word, then exit. */
static _Noreturn void
wait_ready(int fd)
{
	char	msg[1024];
	ssize_t	n, len = 0;

	while ((n = read(fd, msg + len, sizeof(msg) - 1 - len)) > 0)
		len += n;
	if (len == 0) {
		fprintf(stderr, "lbd: exited during start-up (see the log)\n");
		_exit(3);
	}
	msg[len] = '\0';
	if (msg[0] != '0' && len > 2)
		fprintf(stderr, "lbd: %s\n", msg + 2);
	_exit(msg[0] - '0');
}

static int
null_stdio(void)
{
	int	fd;

	if ((fd = open("/dev/null", O_RDWR)) == -1)
		return (-1);
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	return (0);
}

int
daemon_detach(int *ready_fd)
{
	int	pfd[2];
	pid_t	pid;

	if (pipe2(pfd, O_CLOEXEC) == -1 || (pid = fork()) == -1)
		return (-1);
	if (pid != 0) {
		close(pfd[1]);
		wait_ready(pfd[0]);
	}
	close(pfd[0]);
	setsid();
	/* The session leader exits so the daemon can never get a tty. */
	if ((pid = fork()) == -1)
		return (-1);
	if (pid != 0)
		_exit(0);
	if (chdir("/") == -1 || null_stdio() == -1)
		return (-1);
	*ready_fd = pfd[1];
	return (0);
}

void
daemon_ready(int ready_fd, int status, const char *msg)
{
	char	text[1024];
	int	n;

	if (ready_fd == -1)
		return;
	n = snprintf(text, sizeof(text), "%d %s", status, msg);
	if (n > 0)
		(void)write(ready_fd, text, (size_t)n < sizeof(text) ?
		    (size_t)n : sizeof(text) - 1);
	close(ready_fd);
}

int
daemon_drop_privileges(uid_t uid, gid_t gid)
{
	if (geteuid() != 0)
		return (0);
	if (setgroups(1, &gid) == -1 || setgid(gid) == -1 ||
	    setuid(uid) == -1)
		return (-1);
	return (0);
}

unsigned long
daemon_raise_nofile(unsigned long want)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return (0);
	if (rl.rlim_cur >= want)
		return (rl.rlim_cur);
	if (rl.rlim_max < want) {
		struct rlimit	up = { want, want };

		/* Only root may raise the hard limit. */
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			return (want);
	}
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 &&
	    getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return (0);
	return (rl.rlim_cur);
}

void
daemon_notify(const char *state)
{
	const char		*path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	socklen_t		 len;
	int			 fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sun.sun_path))
		return;
	memcpy(sun.sun_path, path, strlen(path));
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';	/* abstract namespace */
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	(void)sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len);
	close(fd);
}
