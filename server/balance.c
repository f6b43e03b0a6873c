/*
 * Backend choice.
 *
 * roundrobin walks a precomputed smooth-WRR sequence with a cursor in the
 * shared region, so rotation is exact across workers.  leastconn, leasttime
 * and random compare loads read through the caller.  source hashes the
 * client onto a ring of virtual nodes: each backend owns many points,
 * placed by hashing its *name*, so removing one backend hands only its own
 * arcs to the next points on the ring -- about 1/N of the clients move, and
 * none of the others.  We chose the ring over Maglev or jump hash because
 * it needs no table rebuild when a backend goes down (we just walk past
 * it) and jump hash cannot remove a backend from the middle.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balance.h"
#include "config.h"
#include "lbd_limits.h"

#define RING_POINTS_PER_WEIGHT	160	/* as ketama */
#define RING_MAX_POINTS		65536	/* per pool; weights scale down */

struct ring_point {
	uint64_t	hash;
	uint16_t	be;
};

struct pool {
	uint16_t		*members;	/* backends of weight > 0 */
	size_t			 nmembers;
	uint16_t		*order;		/* smooth WRR, one period */
	size_t			 len;
	struct ring_point	*ring;		/* sorted by hash */
	size_t			 nring;
};

struct balance {
	enum balance_method		 method;
	const struct service_config	*svc;
	unsigned			 weights[LBD_MAX_BACKENDS];
	struct pool			 pools[2];	/* by balance_pool */
};

uint64_t
balance_hash(const void *data, size_t len)
{
	const unsigned char	*p = data;
	uint64_t		 h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	/* FNV alone clusters similar keys; a murmur finaliser spreads them. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (h);
}

uint64_t
balance_random(uint64_t *state)
{
	uint64_t	x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return (x * 0x2545f4914f6cdd1dULL);
}

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

static int
cmp_points(const void *a, const void *b)
{
	const struct ring_point	*pa = a, *pb = b;

	if (pa->hash != pb->hash)
		return (pa->hash < pb->hash ? -1 : 1);
	return ((int)pa->be - (int)pb->be);
}

/* Points for a backend of weight w when the pool's weights sum to total. */
static size_t
ring_share(unsigned w, size_t total)
{
	size_t	n = (size_t)w * RING_POINTS_PER_WEIGHT;

	if (total * RING_POINTS_PER_WEIGHT > RING_MAX_POINTS)
		n = (size_t)w * RING_MAX_POINTS / total;
	return (n == 0 ? 1 : n);
}

static int
build_ring(struct pool *p, const struct balance *b, size_t total)
{
	const struct service_config	*svc = b->svc;
	char	key[LBD_NAMELEN + 16];
	size_t	n = 0;

	for (size_t i = 0; i < p->nmembers; i++)
		n += ring_share(b->weights[p->members[i]], total);
	if ((p->ring = calloc(n, sizeof(*p->ring))) == NULL)
		return (-1);
	for (size_t i = 0; i < p->nmembers; i++) {
		const struct backend_config *bc = &svc->backends[p->members[i]];
		size_t	share = ring_share(b->weights[p->members[i]], total);

		for (size_t k = 0; k < share; k++) {
			int len = snprintf(key, sizeof(key), "%s#%zu", bc->name,
			    k);

			p->ring[p->nring].hash = balance_hash(key, len);
			p->ring[p->nring++].be = p->members[i];
		}
	}
	qsort(p->ring, p->nring, sizeof(*p->ring), cmp_points);
	return (0);
}

/* One pool: the backends of weight > 0 whose backup flag matches. */
static int
build_pool(struct pool *p, const struct balance *b, bool backup)
{
	const struct service_config	*svc = b->svc;
	unsigned	weights[LBD_MAX_BACKENDS];
	size_t		total = 0;

	if ((p->members = calloc(svc->nbackends, sizeof(*p->members))) == NULL)
		return (-1);
	for (size_t i = 0; i < svc->nbackends; i++) {
		weights[i] = svc->backends[i].backup == backup ?
		    b->weights[i] : 0;
		if (weights[i] > 0)
			p->members[p->nmembers++] = (uint16_t)i;
		total += weights[i];
	}
	if (total == 0)
		return (0);		/* an empty pool is valid */
	if ((p->order = calloc(total, sizeof(*p->order))) == NULL)
		return (-1);
	p->len = balance_wrr_sequence(weights, svc->nbackends, p->order, total);
	if (svc->balance == BALANCE_SOURCE)
		return (build_ring(p, b, total));
	return (0);
}

struct balance *
balance_new(const struct service_config *svc, const unsigned *weights)
{
	struct balance	*b;
	unsigned	 w;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return (NULL);
	b->method = svc->balance;
	b->svc = svc;
	for (size_t i = 0; i < svc->nbackends; i++) {
		w = weights != NULL ? weights[i] : svc->backends[i].weight;
		/* The tables grow with the weights: bound what we were given. */
		b->weights[i] = w > LBD_MAX_WEIGHT ? LBD_MAX_WEIGHT : w;
	}
	if (build_pool(&b->pools[POOL_PRIMARY], b, false) == -1 ||
	    build_pool(&b->pools[POOL_BACKUP], b, true) == -1) {
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
	for (size_t i = 0; i < 2; i++) {
		free(b->pools[i].members);
		free(b->pools[i].order);
		free(b->pools[i].ring);
	}
	free(b);
}


/*
 * Slow start under round robin: a backend ramping up is taken with the
 * probability its ramp says, so its share grows with it.
 */
static bool
ramp_admits(unsigned be, const struct balance_input *in)
{
	struct balance_load	l;

	in->load(be, in->arg, &l);
	if (l.ramp >= BALANCE_RAMP_FULL)
		return (true);
	return (balance_random(in->rng) % BALANCE_RAMP_FULL < l.ramp);
}

/* The weight a choice counts with: the ramp's share of it. */
static double
weight_now(const struct balance_load *l)
{
	double	w = (double)l->weight * l->ramp / BALANCE_RAMP_FULL;

	return (w > 0 ? w : 1.0 / BALANCE_RAMP_FULL);
}

/* The first usable member of p, or -1. */
static int
first_usable(const struct pool *p, const struct balance_input *in)
{
	for (size_t i = 0; i < p->nmembers; i++)
		if (in->usable(p->members[i], in->arg))
			return (p->members[i]);
	return (-1);
}

static int
pick_roundrobin(const struct pool *p, const struct balance_input *in)
{
	unsigned long long	pos;
	unsigned		be;

	/*
	 * Each try takes the next position for itself, so workers picking at
	 * once never see the same one; skipping an unusable backend costs
	 * one position, which keeps the others' shares in proportion.
	 */
	for (size_t tries = 0; tries < p->len; tries++) {
		pos = atomic_fetch_add_explicit(in->cursor, 1,
		    memory_order_relaxed);
		be = p->order[pos % p->len];
		if (in->usable(be, in->arg) && ramp_admits(be, in))
			return ((int)be);
	}
	/* Others moved the cursor, or ramps said no: take any usable one. */
	return (first_usable(p, in));
}

/* Lower is better: connections, or their expected wait, per weight. */
static double
score(enum balance_method m, const struct balance_load *l)
{
	if (m == BALANCE_LEASTTIME)
		return ((double)(l->active + 1) *
		    (double)(l->rt_us > 0 ? l->rt_us : 1) / weight_now(l));
	return ((double)l->active / weight_now(l));
}

/* leastconn and leasttime: the lowest score; ties go round robin. */
static int
pick_least(const struct balance *b, const struct pool *p,
    const struct balance_input *in)
{
	uint16_t		tied[LBD_MAX_BACKENDS];
	size_t			ntied = 0;
	struct balance_load	l;
	double			s, best = 0;

	for (size_t i = 0; i < p->nmembers; i++) {
		if (!in->usable(p->members[i], in->arg))
			continue;
		in->load(p->members[i], in->arg, &l);
		s = score(b->method, &l);
		if (ntied == 0 || s < best) {
			best = s;
			ntied = 0;
		} else if (s > best)
			continue;
		tied[ntied++] = p->members[i];
	}
	if (ntied <= 1)
		return (ntied == 0 ? -1 : tied[0]);
	return (tied[atomic_fetch_add_explicit(in->cursor, 1,
	    memory_order_relaxed) % ntied]);
}

/* Index of a weighted draw over cumulative weights cw[0..n). */
static size_t
draw(const uint64_t *cw, size_t n, uint64_t *rng)
{
	uint64_t	r = balance_random(rng) % cw[n - 1];
	size_t		i = 0;

	while (cw[i] <= r)
		i++;
	return (i);
}

/* Power of two choices: two weighted draws, the less loaded one wins. */
static int
pick_random(const struct pool *p, const struct balance_input *in)
{
	uint16_t		cand[LBD_MAX_BACKENDS];
	struct balance_load	l[LBD_MAX_BACKENDS];
	uint64_t		cw[LBD_MAX_BACKENDS], total = 0;
	size_t			n = 0, i, j;

	for (size_t k = 0; k < p->nmembers; k++) {
		if (!in->usable(p->members[k], in->arg))
			continue;
		in->load(p->members[k], in->arg, &l[n]);
		cw[n] = total += (uint64_t)l[n].weight * l[n].ramp;
		cand[n++] = p->members[k];
	}
	if (n <= 1)
		return (n == 0 ? -1 : cand[0]);
	i = draw(cw, n, in->rng);
	for (int tries = 0; (j = draw(cw, n, in->rng)) == i; tries++)
		if (tries == 8) {
			j = (i + 1) % n;	/* one heavy backend */
			break;
		}
	if (l[j].active / weight_now(&l[j]) < l[i].active / weight_now(&l[i]))
		return (cand[j]);
	return (cand[i]);
}

/* First ring point at or after h, wrapping around. */
static size_t
ring_find(const struct pool *p, uint64_t h)
{
	size_t	lo = 0, hi = p->nring;

	while (lo < hi) {
		size_t	mid = lo + (hi - lo) / 2;

		if (p->ring[mid].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo == p->nring ? 0 : lo);
}

/* source: the client's point on the ring, then clockwise to a usable one. */
static int
pick_source(const struct pool *p, const struct balance_input *in)
{
	uint64_t	refused[LBD_MAX_BACKENDS / 64] = { 0 };
	size_t		start;
	unsigned	be;

	if (p->nring == 0)
		return (-1);
	start = ring_find(p, in->hash);
	for (size_t k = 0; k < p->nring; k++) {
		be = p->ring[(start + k) % p->nring].be;
		if (refused[be / 64] & (1ULL << (be % 64)))
			continue;
		if (in->usable(be, in->arg))
			return ((int)be);
		refused[be / 64] |= 1ULL << (be % 64);
	}
	return (-1);
}

bool
balance_any(const struct balance *b, enum balance_pool pool,
    const struct balance_input *in)
{
	return (first_usable(&b->pools[pool], in) != -1);
}

int
balance_pick(const struct balance *b, enum balance_pool pool,
    const struct balance_input *in)
{
	const struct pool	*p = &b->pools[pool];

	if (p->nmembers == 0)
		return (-1);
	switch (b->method) {
	case BALANCE_LEASTCONN:
	case BALANCE_LEASTTIME:
		return (pick_least(b, p, in));
	case BALANCE_RANDOM:
		return (pick_random(p, in));
	case BALANCE_SOURCE:
		return (pick_source(p, in));
	case BALANCE_ROUNDROBIN:
	default:
		return (pick_roundrobin(p, in));
	}
}
