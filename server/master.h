/*
 * The master process: binds, forks and watches the workers, and acts on
 * signals.  Policy lives here; proc.c has the mechanism.
 */
#ifndef LBD_MASTER_H
#define LBD_MASTER_H

struct lbd;

/*
 * Bounds on a reload: its parser is killed after MASTER_PARSE_TIMEOUT_MS,
 * and the new generation's children must all run within
 * MASTER_START_TIMEOUT_MS, else the reload fails and the generation
 * before keeps serving.  "lbd -s reload" waits MASTER_RELOAD_WAIT_MS at
 * most: a parse already running when its HUP came, its own, the start,
 * and a margin.  A fast stop kills what is left after MASTER_FAST_STOP_MS.
 */
#define MASTER_PARSE_TIMEOUT_MS	60000
#define MASTER_START_TIMEOUT_MS	10000
#define MASTER_RELOAD_WAIT_MS	(2 * MASTER_PARSE_TIMEOUT_MS + \
				    MASTER_START_TIMEOUT_MS + 5000)
#define MASTER_FAST_STOP_MS	2000

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
