/*
 * The runtime built from a configuration: bound listeners, the stats
 * socket, the shared region and each service's slots and balancer.  Built
 * once at start, swapped whole at each reload.
 */
#ifndef LBD_RUNTIME_H
#define LBD_RUNTIME_H

#include <stddef.h>

struct config;
struct lbd;
struct service;

/*
 * First start, from env->conf: bind every listener and the stats socket,
 * map the shared region, give each service and backend its slot.
 * Returns 0, or -1 with the reason in err.
 */
int	runtime_open(struct lbd *env, char *err, size_t errlen);

/*
 * Reload to new: keep the listeners whose address stays, bind the new
 * ones, close the others; backends that stay (same service and name) keep
 * their slot, state and counters.  A slot left by an older generation is
 * reused only once no process of generation <= its last is alive, which
 * the caller tells with oldest_live.  On success env holds new (the old
 * config is freed), its generation is one higher, and 0 is returned; on
 * failure env is unchanged, new is still the caller's, err says why.
 */
int	runtime_swap(struct lbd *env, struct config *new,
	    unsigned oldest_live, char *err, size_t errlen);

/*
 * Rebuild s's balancer from the weights in the shared region (set over
 * the control socket), noting which change it has seen.  0, or -1 with
 * errno, keeping the old balancer.
 */
int	runtime_rebalance(struct lbd *env, struct service *s);

/*
 * Close this process's copies of the listening sockets (the table stays
 * allocated, empty).  A port stays open while any process holds a copy.
 */
void	runtime_close_listeners(struct lbd *env);

/* Close and free everything runtime_open/swap built; conf stays. */
void	runtime_close(struct lbd *env);

#endif /* LBD_RUNTIME_H */
