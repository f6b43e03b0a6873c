/*
 * Child processes: the table the master keeps, spawning one child, and
 * process titles.  Mechanism only; when to spawn is master.c's policy.
 */
#ifndef LBD_PROC_H
#define LBD_PROC_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

struct lbd;

enum proc_kind {
	PROC_WORKER = 0,
	PROC_CHECKER			/* "lbd: health" */
};

struct proc {
	bool		used;		/* this table entry is taken */
	enum proc_kind	kind;
	pid_t		pid;		/* 0: not running */
	unsigned	id;		/* worker number, 1..workers */
	int		wslot;		/* shared-region worker slot */
	unsigned	generation;	/* configuration it runs */
	bool		exiting;	/* told to stop */
	uint64_t	started_ms;
	uint64_t	respawn_at_ms;	/* 0: no respawn pending */
	uint64_t	delay_ms;	/* current back-off */
};

/*
 * Fork the child p describes: it sets its title, dies with the master,
 * and runs worker_main or health_main.  Returns the pid (also stored in
 * p), or -1 with errno when fork(2) or the shared slot failed.
 */
pid_t	proc_spawn(struct lbd *env, struct proc *p);

/* Remember where argv lives so titles can overwrite it. */
void	proc_title_init(int argc, char **argv);

/* Set the title shown by ps(1), e.g. "lbd: worker 2". */
void	proc_title_set(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif /* LBD_PROC_H */
