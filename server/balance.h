/*
 * Backend choice, as pure functions over one service's backends.
 *
 * A struct balance holds what can be computed once per configuration:
 * each pool's members, its smooth weighted round-robin sequence and its
 * consistent-hash ring.  Everything that changes (up or down, full, active
 * connections, response times) is read through the caller's callbacks, so
 * the same code serves the relay, which reads the shared region, and the
 * unit tests, which make it up.
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

#define BALANCE_RAMP_FULL	1000	/* balance_load.ramp: all the weight */

/* What a choice may know of a backend now. */
struct balance_load {
	unsigned	active;		/* connections, all workers */
	unsigned	weight;		/* in force, >= 1 */
	unsigned	ramp;		/* per mille of it (slow start) */
	uint64_t	rt_us;		/* response-time estimate */
};

struct balance_input {
	atomic_ullong	*cursor;	/* shared: rotation and tie-breaks */
	uint64_t	*rng;		/* caller's xorshift state, != 0 */
	uint64_t	 hash;		/* source: hash of the client */
	/* May backend be (index in the service) be chosen now? */
	bool		(*usable)(unsigned be, void *arg);
	/* Its load; called only for usable backends. */
	void		(*load)(unsigned be, void *arg,
			    struct balance_load *out);
	void		*arg;
};

struct balance;

/*
 * Precompute svc's pools with method svc->balance and the weights in
 * force (weights[i] for backend i; NULL: the configured ones), each taken
 * as at most LBD_MAX_WEIGHT, so the tables stay small whatever a caller
 * read.  NULL with errno on allocation failure; free with balance_free.
 */
struct balance	*balance_new(const struct service_config *svc,
		    const unsigned *weights);
void		 balance_free(struct balance *b);

/*
 * Choose a usable backend of pool with the service's method.  Returns its
 * index in the service, or -1 when no member of the pool is usable.
 */
int		 balance_pick(const struct balance *b, enum balance_pool pool,
		    const struct balance_input *in);

/*
 * Is some member of pool usable?  Members are the backends of weight > 0
 * in force, so a weight set to 0 takes a backend out as being down does.
 * Neither moves the cursor nor draws a random number.
 */
bool		 balance_any(const struct balance *b, enum balance_pool pool,
		    const struct balance_input *in);

/*
 * Smooth weighted round robin (nginx's): fill out with one full period of
 * indices into weights[0..n), spreading each backend evenly (5,1,1 gives
 * a a b a c a a).  Returns the period (sum of weights) or 0 if it exceeds
 * cap or every weight is 0.
 */
size_t		 balance_wrr_sequence(const unsigned *weights, size_t n,
		    uint16_t *out, size_t cap);

/* 64-bit hash of a byte string (FNV-1a, then a final mix). */
uint64_t	 balance_hash(const void *data, size_t len);

/* Next value of a xorshift64* generator; *state must not be 0. */
uint64_t	 balance_random(uint64_t *state);

#endif /* LBD_BALANCE_H */
