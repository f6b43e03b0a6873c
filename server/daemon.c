/*
 * Pidfile, detaching and readiness.
 */
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

/*
 * A pidfile may sit in a directory others can write (/run/lbd owned by
 * the workers' user, /tmp): never follow a link planted there, never
 * take a file another user could have prepared, never block on a FIFO.
 */
#define PIDFILE_FLAGS	(O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

/* Refuse what fd is unless it is a plain file of uid's; 0 or -1 + err. */
static int
pidfile_check(int fd, const char *path, uid_t uid, char *err, size_t errlen)
{
	struct stat	st;

	if (fstat(fd, &st) == -1)
		snprintf(err, errlen, "cannot stat pidfile %s: %s", path,
		    strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(err, errlen, "pidfile %s is not a regular file",
		    path);
	else if (st.st_nlink != 1)
		snprintf(err, errlen, "pidfile %s has %lu links, not 1", path,
		    (unsigned long)st.st_nlink);
	else if (st.st_uid != uid)
		snprintf(err, errlen, "pidfile %s is owned by uid %lu, not "
		    "%lu", path, (unsigned long)st.st_uid, (unsigned long)uid);
	else
		return (0);
	return (-1);
}

/* open(2) path for a pidfile; the fd, or -1 with the reason in err. */
static int
pidfile_open(const char *path, int flags, char *err, size_t errlen)
{
	int	fd;

	if ((fd = open(path, flags | PIDFILE_FLAGS, 0644)) != -1)
		return (fd);
	if (errno == ELOOP)
		snprintf(err, errlen, "pidfile %s is a symbolic link: "
		    "refused", path);
	else
		snprintf(err, errlen, "cannot open pidfile %s: %s", path,
		    strerror(errno));
	return (-1);
}

int
daemon_pidfile_open(const char *path, char *err, size_t errlen)
{
	int	fd, saved;

	if ((fd = pidfile_open(path, O_RDWR | O_CREAT, err, errlen)) == -1)
		return (-1);
	if (pidfile_check(fd, path, geteuid(), err, errlen) == -1) {
		close(fd);
		errno = EPERM;
		return (-1);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		saved = errno;
		if (saved == EWOULDBLOCK)
			snprintf(err, errlen, "pidfile %s is locked: lbd is "
			    "already running", path);
		else
			snprintf(err, errlen, "cannot lock pidfile %s: %s",
			    path, strerror(saved));
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

/*
 * Unlink path only while it still names the file fd holds: someone may
 * have removed it, and another lbd made a new one there since.
 */
void
daemon_pidfile_remove(const char *path, int fd)
{
	struct stat	ours, now;

	if (fd == -1)
		return;
	if (fstat(fd, &ours) == 0 && lstat(path, &now) == 0 &&
	    ours.st_dev == now.st_dev && ours.st_ino == now.st_ino)
		unlink(path);
	close(fd);
}

/* Read at most len - 1 bytes of a small file, NUL-ended; n or -1. */
static ssize_t
read_small(const char *path, char *buf, size_t len)
{
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return (n);
}

/* The effective uid pid runs as, from /proc/PID/status; 0 or -1. */
static int
proc_euid(pid_t pid, uid_t *uid)
{
	char		 path[64], status[4096], *p;
	unsigned long	 real, eff;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_small(path, status, sizeof(status)) <= 0 ||
	    (p = strstr(status, "\nUid:")) == NULL ||
	    sscanf(p + 5, "%lu %lu", &real, &eff) != 2)
		return (-1);
	*uid = (uid_t)eff;
	return (0);
}

/*
 * Whether one of pid's descriptors is the file st describes: 1 or 0, or
 * -1 with errno when they cannot be listed (another user's process).
 */
static int
proc_holds(pid_t pid, const struct stat *st)
{
	char		 path[64], fdpath[384];
	struct dirent	*de;
	struct stat	 fst;
	DIR		*d;
	int		 found = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return (-1);
	while (!found && (de = readdir(d)) != NULL) {
		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, de->d_name);
		found = de->d_name[0] != '.' && stat(fdpath, &fst) == 0 &&
		    fst.st_dev == st->st_dev && fst.st_ino == st->st_ino;
	}
	closedir(d);
	return (found);
}

/*
 * Is pid the master that holds the pidfile st, at path?  Its title says
 * "lbd: master", it runs as the file's owner, and it has the file open
 * (its workers close it).  A title alone can be borrowed by any program.
 */
static int
pidfile_master_check(pid_t pid, const char *path, const struct stat *st,
    char *err, size_t errlen)
{
	char	 file[64], title[128];
	uid_t	 uid;
	int	 holds;

	snprintf(file, sizeof(file), "/proc/%d/cmdline", (int)pid);
	if (read_small(file, title, sizeof(title)) <= 0) {
		snprintf(err, errlen, "pidfile %s names pid %d, which is not "
		    "running", path, (int)pid);
		return (-1);
	}
	if (strncmp(title, DAEMON_MASTER_TITLE,
	    sizeof(DAEMON_MASTER_TITLE) - 1) != 0)
		snprintf(err, errlen, "pidfile %s names pid %d, which is not "
		    "an lbd master (it runs \"%s\"): not signalled", path,
		    (int)pid, title);
	else if (proc_euid(pid, &uid) == -1 || uid != st->st_uid)
		snprintf(err, errlen, "pidfile %s is owned by uid %lu, but "
		    "pid %d does not run as that user: not signalled", path,
		    (unsigned long)st->st_uid, (int)pid);
	else if ((holds = proc_holds(pid, st)) == -1)
		snprintf(err, errlen, "cannot check that pid %d holds pidfile "
		    "%s: %s", (int)pid, path, strerror(errno));
	else if (!holds)
		snprintf(err, errlen, "pid %d does not hold pidfile %s: not "
		    "signalled", (int)pid, path);
	else
		return (0);
	return (-1);
}

/* The pid written in the locked pidfile fd, or -1 with err. */
static pid_t
pidfile_pid(int fd, const char *path, char *err, size_t errlen)
{
	char	text[32] = "", *end;
	ssize_t	n;
	long	pid;

	/* A lock we can take means nobody is running: the file is stale. */
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		snprintf(err, errlen, "no running lbd holds pidfile %s", path);
		return (-1);
	}
	n = pread(fd, text, sizeof(text) - 1, 0);
	pid = n > 0 ? strtol(text, &end, 10) : 0;
	if (pid <= 0 || pid > INT_MAX ||
	    (*end != '\n' && *end != '\0')) {
		snprintf(err, errlen, "pidfile %s holds no pid", path);
		return (-1);
	}
	return ((pid_t)pid);
}

pid_t
daemon_pidfile_read(const char *path, char *err, size_t errlen)
{
	struct stat	st;
	pid_t		pid = -1;
	int		fd;

	if ((fd = pidfile_open(path, O_RDONLY, err, errlen)) == -1)
		return (-1);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		snprintf(err, errlen, "pidfile %s is not a regular file",
		    path);
	else if ((pid = pidfile_pid(fd, path, err, errlen)) != -1 &&
	    pidfile_master_check(pid, path, &st, err, errlen) == -1)
		pid = -1;
	close(fd);
	return (pid);
}

/* rs as the state file's two lines; the length, or -1 if it does not fit. */
static int
state_format(const struct reload_state *rs, char *buf, size_t len)
{
	int	n;

	n = snprintf(buf, len, "pid=%d started=%u done=%u generation=%u "
	    "failures=%u time=%lld shutdown_ms=%llu result=%s\nerror=%s\n",
	    (int)rs->pid, rs->started, rs->done, rs->generation, rs->failures,
	    rs->time, rs->shutdown_ms, rs->failed ? "failed" : "ok",
	    rs->error);
	return (n > 0 && (size_t)n < len ? n : -1);
}

/* The two lines back into rs; 0 or -1 when they are not what we write. */
static int
state_parse(const char *text, struct reload_state *rs)
{
	const char	*e;
	char		 result[8];
	int		 pid;
	size_t		 n;

	memset(rs, 0, sizeof(*rs));
	if (sscanf(text, "pid=%d started=%u done=%u generation=%u "
	    "failures=%u time=%lld shutdown_ms=%llu result=%7s", &pid,
	    &rs->started, &rs->done, &rs->generation, &rs->failures,
	    &rs->time, &rs->shutdown_ms, result) != 8 || pid <= 0 ||
	    (e = strstr(text, "\nerror=")) == NULL)
		return (-1);
	rs->pid = (pid_t)pid;
	rs->failed = strcmp(result, "failed") == 0;
	e += sizeof("\nerror=") - 1;
	n = strcspn(e, "\n");
	if (n >= sizeof(rs->error))
		n = sizeof(rs->error) - 1;
	memcpy(rs->error, e, n);
	rs->error[n] = '\0';
	return (0);
}

int
daemon_state_write(const char *path, const struct reload_state *rs)
{
	char	tmp[PATH_MAX], text[DAEMON_STATE_ERRLEN + 256];
	int	fd, n, saved;

	if ((n = state_format(rs, text, sizeof(text))) == -1 ||
	    snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	/* A leftover of ours from a crash; O_EXCL refuses anyone else's. */
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | PIDFILE_FLAGS,
	    0644)) == -1)
		return (-1);
	if (write(fd, text, (size_t)n) != n)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) == 0)
		return (0);
	fd = -1;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	(void)unlink(tmp);
	errno = saved;
	return (-1);
}

int
daemon_state_read(const char *path, const char *pidfile,
    struct reload_state *rs, char *err, size_t errlen)
{
	struct stat	owner;
	char		text[DAEMON_STATE_ERRLEN + 256];
	ssize_t		n;
	int		fd, rc = -1;

	if (lstat(pidfile, &owner) == -1) {
		snprintf(err, errlen, "cannot stat pidfile %s: %s", pidfile,
		    strerror(errno));
		return (-1);
	}
	if ((fd = open(path, O_RDONLY | PIDFILE_FLAGS)) == -1) {
		snprintf(err, errlen, "cannot open state file %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	if (pidfile_check(fd, path, owner.st_uid, err, errlen) == 0) {
		n = read(fd, text, sizeof(text) - 1);
		text[n > 0 ? n : 0] = '\0';
		if ((rc = state_parse(text, rs)) == -1)
			snprintf(err, errlen, "state file %s is not lbd's",
			    path);
	}
	close(fd);
	return (rc);
}

void
daemon_state_remove(const char *path)
{
	if (path[0] != '\0')
		(void)unlink(path);
}

bool
daemon_pid_is_gone(pid_t pid)
{
	char	path[64], stat[512], *p;

	if (kill(pid, 0) == -1 && errno == ESRCH)
		return (true);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, stat, sizeof(stat)) <= 0)
		return (kill(pid, 0) == -1 && errno == ESRCH);
	/* "pid (comm) S ...": the state follows the last parenthesis. */
	if ((p = strrchr(stat, ')')) == NULL || p[1] == '\0')
		return (false);
	return (p[2] == 'Z' || p[2] == 'X');
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
