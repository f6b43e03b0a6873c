/*
 * Classic Unix daemon chores: the pidfile, detaching from the terminal
 * with a readiness pipe, and finding a running master.
 */
#ifndef LBD_DAEMON_H
#define LBD_DAEMON_H

#include <sys/types.h>

#include <stdbool.h>

/* Every master's process title starts with this (master.c sets it). */
#define DAEMON_MASTER_TITLE	"lbd: master"

/*
 * Open and flock(2) the pidfile at path, without writing it yet.  It must
 * not be a symbolic link and, if it exists, must be a regular file with
 * one link, owned by our effective uid.  Returns the fd, or -1 with the
 * reason in err (and errno EWOULDBLOCK when a running lbd holds it).
 */
int	daemon_pidfile_open(const char *path, char *err, size_t errlen);

/* Write pid into the locked pidfile fd; 0 or -1 with errno. */
int	daemon_pidfile_write(int fd, pid_t pid);

/* Remove the pidfile if path still names fd's file; close fd. */
void	daemon_pidfile_remove(const char *path, int fd);

/*
 * The pid of the running master named by the pidfile at path, to signal.
 * Returns -1 with the reason in err unless path is a regular file (not a
 * link) that is locked and names a process titled DAEMON_MASTER_TITLE,
 * running as the file's owner and holding the file open.
 */
pid_t	daemon_pidfile_read(const char *path, char *err, size_t errlen);

/*
 * The outcome of the newest reload, which the master keeps and writes to
 * its state file (the pidfile's path plus DAEMON_STATE_SUFFIX) for
 * "lbd -s reload" to read.  started counts the reloads begun (parses
 * started), done is the newest of them finished, ok or failed: a client
 * that read started = S before its HUP waits for done > S.
 */
#define DAEMON_STATE_SUFFIX	".state"
#define DAEMON_STATE_ERRLEN	512

struct reload_state {
	pid_t		 pid;		/* the master */
	unsigned	 started;	/* reloads begun */
	unsigned	 done;		/* the newest finished */
	unsigned	 generation;	/* serving after it */
	unsigned	 failures;	/* reloads failed since start */
	long long	 time;		/* it finished, Unix seconds */
	unsigned long long shutdown_ms;	/* its shutdown_timeout */
	bool		 failed;
	char		 error[DAEMON_STATE_ERRLEN];	/* one line */
};

/*
 * Write rs to path atomically (a new file, then rename(2)): a reader
 * sees the old state or the new, never half of one.  0 or -1 with errno.
 */
int	daemon_state_write(const char *path, const struct reload_state *rs);

/*
 * Read the state file at path into rs.  Like a pidfile, it must be a
 * regular file, not a link, with one link, owned by the owner of the
 * pidfile at pidfile.  0, or -1 with the reason in err.
 */
int	daemon_state_read(const char *path, const char *pidfile,
	    struct reload_state *rs, char *err, size_t errlen);

/* Remove the state file at path, if it is there. */
void	daemon_state_remove(const char *path);

/*
 * Whether pid has exited: gone, or a zombie nobody reaped yet (a master
 * run in the foreground by a shell or a test).
 */
bool	daemon_pid_is_gone(pid_t pid);

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
