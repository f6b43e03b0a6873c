/*
 * A worker process: accepts from the inherited listening sockets when it
 * holds the accept turn, and relays its connections in one event loop.
 */
#ifndef LBD_WORKER_H
#define LBD_WORKER_H

struct lbd;

/*
 * Run worker number id (1..workers) on shared-region slot wslot until told
 * to stop.  Never returns: exits 0 after a stop, 3 on a setup failure.
 */
_Noreturn void	worker_main(struct lbd *env, unsigned id, unsigned wslot);

#endif /* LBD_WORKER_H */
