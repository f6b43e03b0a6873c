/*
 * Backend choice.  A struct balance holds, per service and per worker, the
 * precomputed smooth weighted round-robin sequences; the position in them
 * is a cursor in the shared region, so rotation is exact across workers.
 * Whether a backend may be chosen right now (up, not tried yet, not full)
 * is the caller's predicate: the choice itself stays a pure function.
 */
#ifndef LBD_BALANCE_H
#define LBD_BALANCE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct service_config;

enum balance_pool {
	POOL_PRIMARY = 0,
	POOL_BACKUP
};

/* May backend be (its index in the service) be chosen now? */
typedef bool	(*balance_usable_fn)(unsigned be, void *arg);

struct balance;

/*
 * Build the sequences for svc's primaries and backups (weight 0 left
 * out).  NULL with errno on allocation failure; free with balance_free.
 */
struct balance	*balance_new(const struct service_config *svc);
void		 balance_free(struct balance *b);

/*
 * Pick from pool: advance *cursor through the pool's sequence until
 * usable() accepts a backend, at most one full turn.  Returns the
 * backend's index in the service, or -1 when none is usable.
 */
int		 balance_pick(const struct balance *b, enum balance_pool pool,
		    atomic_ullong *cursor, balance_usable_fn usable, void *arg);

/*
 * Smooth weighted round robin (nginx's): fill out with one full period of
 * indices into weights[0..n), spreading each backend evenly (5,1,1 gives
 * a a b a c a a).  Returns the period (sum of weights) or 0 if it exceeds
 * cap or every weight is 0.
 */
size_t		 balance_wrr_sequence(const unsigned *weights, size_t n,
		    uint16_t *out, size_t cap);

#endif /* LBD_BALANCE_H */
