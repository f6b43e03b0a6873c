/*
 * The master process: binds, forks and watches the workers, and acts on
 * signals.  Policy lives here; proc.c has the mechanism.
 */
#ifndef LBD_MASTER_H
#define LBD_MASTER_H

struct lbd;

/*
 * Bind the listeners, map the shared region and open the stats socket,
 * from env->conf.  Returns 0, or -1 after logging why (the caller exits 3).
 */
int	master_setup(struct lbd *env);

/*
 * Fork the workers and run until a stop.  Returns the exit status for
 * main (0 after a stop, 3 when the workers could not be started).
 */
int	master_run(struct lbd *env);

/* Free what master_setup() built; the config stays the caller's. */
void	master_teardown(struct lbd *env);

#endif /* LBD_MASTER_H */
