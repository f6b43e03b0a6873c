/*
 * Classic Unix daemon chores: the pidfile, detaching from the terminal
 * with a readiness pipe, and finding a running master.
 */
#ifndef LBD_DAEMON_H
#define LBD_DAEMON_H

#include <sys/types.h>

/*
 * Open and flock(2) the pidfile at path, without writing it yet.  Returns
 * the fd, or -1 with errno (EWOULDBLOCK: a running lbd holds it).
 */
int	daemon_pidfile_open(const char *path);

/* Write pid into the locked pidfile fd; 0 or -1 with errno. */
int	daemon_pidfile_write(int fd, pid_t pid);

/* Remove the pidfile and close fd. */
void	daemon_pidfile_remove(const char *path, int fd);

/*
 * Read the pid of a running master from path.  Returns it, or -1 with a
 * reason in err when there is no file, no number, or no process holding
 * the lock.
 */
pid_t	daemon_pidfile_read(const char *path, char *err, size_t errlen);

/*
 * Detach: fork, setsid, fork, chdir /, stdio to /dev/null.  Returns in
 * the final process with *ready_fd set; the original process stays in the
 * foreground until daemon_ready() is called, then exits with its status.
 * Returns -1 with errno if it could not fork.
 */
int	daemon_detach(int *ready_fd);

/*
 * Tell the waiting foreground process how start-up went: status 0 (it
 * exits 0) or an exit status with a one-line message it prints first.
 */
void	daemon_ready(int ready_fd, int status, const char *msg);

/*
 * In a child about to serve: become uid/gid (with no supplementary
 * groups) when running as root.  0, or -1 with errno.
 */
int	daemon_drop_privileges(uid_t uid, gid_t gid);

/*
 * Raise RLIMIT_NOFILE to want (the hard limit too, when allowed).
 * Returns the soft limit now in force.
 */
unsigned long	daemon_raise_nofile(unsigned long want);

/*
 * Tell systemd (when NOTIFY_SOCKET is set) about the service, e.g.
 * "READY=1", "RELOADING=1", "STOPPING=1".  Silent when there is no
 * socket or it cannot be reached.
 */
void	daemon_notify(const char *state);

#endif /* LBD_DAEMON_H */
