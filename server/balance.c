/*
 * Backend choice: smooth weighted round robin over a shared cursor.
 */
#include <errno.h>
#include <stdlib.h>

#include "balance.h"
#include "config.h"
#include "limits.h"

struct sequence {
	uint16_t	*order;		/* backend indices, one period */
	size_t		 len;
};

struct balance {
	struct sequence	pools[2];	/* POOL_PRIMARY, POOL_BACKUP */
};

size_t
balance_wrr_sequence(const unsigned *weights, size_t n, uint16_t *out,
    size_t cap)
{
	long	current[LBD_MAX_BACKENDS] = { 0 };
	size_t	total = 0;

	for (size_t i = 0; i < n; i++)
		total += weights[i];
	if (total == 0 || total > cap || n > LBD_MAX_BACKENDS)
		return (0);
	for (size_t k = 0; k < total; k++) {
		size_t	best = n;

		for (size_t i = 0; i < n; i++) {
			if (weights[i] == 0)
				continue;
			current[i] += weights[i];
			if (best == n || current[i] > current[best])
				best = i;
		}
		current[best] -= (long)total;
		out[k] = (uint16_t)best;
	}
	return (total);
}

/* Build the sequence of one pool: backends whose backup flag matches. */
static int
build_pool(struct sequence *seq, const struct service_config *svc,
    bool backup)
{
	unsigned	weights[LBD_MAX_BACKENDS];
	size_t		cap = 0;

	for (size_t i = 0; i < svc->nbackends; i++) {
		weights[i] = svc->backends[i].backup == backup ?
		    svc->backends[i].weight : 0;
		cap += weights[i];
	}
	if (cap == 0)
		return (0);		/* an empty pool is valid */
	if ((seq->order = calloc(cap, sizeof(*seq->order))) == NULL)
		return (-1);
	seq->len = balance_wrr_sequence(weights, svc->nbackends, seq->order,
	    cap);
	return (0);
}

struct balance *
balance_new(const struct service_config *svc)
{
	struct balance	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return (NULL);
	if (build_pool(&b->pools[POOL_PRIMARY], svc, false) == -1 ||
	    build_pool(&b->pools[POOL_BACKUP], svc, true) == -1) {
		balance_free(b);
		errno = ENOMEM;
		return (NULL);
	}
	return (b);
}

void
balance_free(struct balance *b)
{
	if (b == NULL)
		return;
	free(b->pools[POOL_PRIMARY].order);
	free(b->pools[POOL_BACKUP].order);
	free(b);
}

int
balance_pick(const struct balance *b, enum balance_pool pool,
    atomic_ullong *cursor, balance_usable_fn usable, void *arg)
{
	const struct sequence	*seq = &b->pools[pool];
	unsigned long long	 pos;

	/*
	 * Each try takes the next position for itself, so workers picking at
	 * once never see the same one; skipping an unusable backend costs
	 * one position, which keeps the others' shares in proportion.
	 */
	for (size_t tries = 0; tries < seq->len; tries++) {
		pos = atomic_fetch_add_explicit(cursor, 1,
		    memory_order_relaxed);
		if (usable(seq->order[pos % seq->len], arg))
			return (seq->order[pos % seq->len]);
	}
	/* Other workers moved the cursor meanwhile: make sure of a miss. */
	for (size_t i = 0; i < seq->len; i++)
		if (usable(seq->order[i], arg))
			return (seq->order[i]);
	return (-1);
}
