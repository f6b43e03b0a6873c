/*
 * Child processes: the table the master keeps, spawning and signalling
 * one child, and process titles.  Mechanism only; when to spawn, stop or
 * respawn is master.c's policy.
 */
#ifndef LBD_PROC_H
#define LBD_PROC_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include "shm.h"

/*
 * Entries: every live child holds a shared worker slot, so at most
 * LBD_SHM_WORKERS run; the rest is room for the entries of two
 * generations (workers and checker) waiting for a respawn.
 */
#define PROC_MAX	(LBD_SHM_WORKERS + 2 * (LBD_MAX_WORKERS + 1))

struct lbd;

enum proc_kind {
	PROC_WORKER = 0,
	PROC_CHECKER,			/* "lbd: health" */
	PROC_ANY			/* proc_count(): either */
};

struct proc {
	bool		used;		/* this table entry is taken */
	enum proc_kind	kind;
	pid_t		pid;		/* 0: not running */
	unsigned	id;		/* worker number, 1..workers */
	int		wslot;		/* shared-region worker slot */
	unsigned	generation;	/* configuration it runs */
	bool		exiting;	/* told to stop */
	bool		killed;		/* sent SIGKILL: its slot frees soon */
	int		kill_errno;	/* last kill(2) failure logged, 0 none */
	uint64_t	started_ms;
	uint64_t	respawn_at_ms;	/* 0: no respawn pending */
	uint64_t	delay_ms;	/* current back-off */
};

struct proc_table {
	struct proc	procs[PROC_MAX];
};

/*
 * Take a free entry for a child of kind, number id and generation gen
 * (not yet running).  NULL when the table is full.
 */
struct proc	*proc_alloc(struct proc_table *t, enum proc_kind kind,
		    unsigned id, unsigned gen);

/* Give p's entry back; it must not be running. */
void		 proc_release(struct proc *p);

/* The entry of running child pid; NULL when it is none of ours. */
struct proc	*proc_find(struct proc_table *t, pid_t pid);

/*
 * Iterate over the entries in use: p = proc_next(t, NULL) gives the
 * first, proc_next(t, p) the one after p; NULL at the end.  Releasing p
 * while iterating is allowed.
 */
struct proc	*proc_next(struct proc_table *t, struct proc *prev);

/*
 * Running children (entries with a pid) of kind (PROC_ANY: both) and
 * generation gen (0: any).
 */
unsigned	 proc_count(struct proc_table *t, enum proc_kind kind,
		    unsigned gen);

/* Entries that could still be taken by proc_alloc(). */
unsigned	 proc_free_entries(struct proc_table *t);

/*
 * Fork the child p describes: it sets its title, dies with the master,
 * and runs worker_main or health_main.  Returns the pid (also stored in
 * p), or -1 with errno when fork(2) or the shared slot failed.
 */
pid_t		 proc_spawn(struct lbd *env, struct proc *p);

/*
 * Send sig to running child p.  0, or -1 with errno when kill(2) failed;
 * a failure is logged with the pid and errno once, not at each retry
 * with the same errno.  A p that is not running is left alone (0).
 */
int		 proc_signal(struct proc *p, int sig);

/* "worker" or "checker", for log lines. */
const char	*proc_name(const struct proc *p);

/* Remember where argv lives so titles can overwrite it. */
void		 proc_title_init(int argc, char **argv);

/* Set the title shown by ps(1), e.g. "lbd: worker 2 [gen 3]". */
void		 proc_title_set(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));

#endif /* LBD_PROC_H */
