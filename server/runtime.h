/*
 * The runtime built from a configuration: bound listeners, the stats
 * socket, the shared region and each service's slots and balancer.  Built
 * once at start, swapped whole at each reload.
 */
#ifndef LBD_RUNTIME_H
#define LBD_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>

#include "shm.h"

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
 * their slot, state and counters.  Nothing shared is written before the
 * whole new runtime is built.  A slot left by an older generation is
 * reused only once no process of generation <= its last is alive, which
 * the caller tells with oldest_live.  On success env holds new (the old
 * config is freed), its generation is one higher, and 0 is returned; on
 * failure env is unchanged, new is still the caller's, err says why.
 */
int	runtime_swap(struct lbd *env, struct config *new,
	    unsigned oldest_live, char *err, size_t errlen);

/*
 * Worker: rebuild s's balancer from the weights in the shared region (set
 * over the control socket), noting which change it has seen.  0, or -1
 * with errno, keeping the old balancer.
 */
int	runtime_rebalance(struct lbd *env, struct service *s);

/*
 * Master, for the control socket: set backend j of s's weight or its
 * admin state (up, maint, drain), in the master's book and in the shared
 * region.  Both outlive a reload that leaves the backend's own keys in
 * the file (weight, maxconn, backup, address) as they were; a reload that
 * changes one of them drops both.  The workers rebuild their balancers
 * at the weight change.
 */
void	runtime_set_weight(struct lbd *env, const struct service *s,
	    size_t j, unsigned w);
void	runtime_set_admin(struct lbd *env, const struct service *s,
	    size_t j, enum backend_admin a);

/*
 * Master: backend j of s's weight in force, whether control set it, and
 * its admin state, as the master set them (never read back from the
 * shared region).
 */
unsigned runtime_weight(const struct lbd *env, const struct service *s,
	    size_t j);
bool	runtime_weight_is_set(const struct lbd *env, const struct service *s,
	    size_t j);
enum backend_admin runtime_admin(const struct lbd *env,
	    const struct service *s, size_t j);

/*
 * Close this process's copies of the listening sockets (the table stays
 * allocated, empty).  A port stays open while any process holds a copy.
 */
void	runtime_close_listeners(struct lbd *env);

/* Close and free everything runtime_open/swap built; conf stays. */
void	runtime_close(struct lbd *env);

#endif /* LBD_RUNTIME_H */
