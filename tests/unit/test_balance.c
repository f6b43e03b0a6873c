/*
 * Smooth weighted round robin and the shared-cursor pick.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "balance.h"
#include "config.h"
#include "unit.h"

static void
test_wrr_spread(void)
{
	const unsigned	w[] = { 5, 1, 1 };
	const uint16_t	want[] = { 0, 0, 1, 0, 2, 0, 0 };	/* a a b a c a a */
	uint16_t	seq[16];

	CU_ASSERT_EQUAL_FATAL(balance_wrr_sequence(w, 3, seq, 16), 7);
	CU_ASSERT_EQUAL(memcmp(seq, want, sizeof(want)), 0);
}

static void
test_wrr_exact_weights(void)
{
	const unsigned	w[] = { 7, 3, 0, 11, 1 };
	uint16_t	seq[64];
	unsigned	count[5] = { 0 };
	size_t		n;

	n = balance_wrr_sequence(w, 5, seq, 64);
	CU_ASSERT_EQUAL_FATAL(n, 22);
	for (size_t i = 0; i < n; i++)
		count[seq[i]]++;
	for (size_t i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(count[i], w[i]);
}

static void
test_wrr_no_bursts(void)
{
	const unsigned	w[] = { 1, 1, 1, 1 };
	uint16_t	seq[8];

	CU_ASSERT_EQUAL_FATAL(balance_wrr_sequence(w, 4, seq, 8), 4);
	for (size_t i = 1; i < 4; i++)
		CU_ASSERT_NOT_EQUAL(seq[i], seq[i - 1]);
}

static void
test_wrr_limits(void)
{
	const unsigned	zero[] = { 0, 0 }, big[] = { 200, 200 };
	uint16_t	seq[16];

	CU_ASSERT_EQUAL(balance_wrr_sequence(zero, 2, seq, 16), 0);
	CU_ASSERT_EQUAL(balance_wrr_sequence(big, 2, seq, 16), 0);
}

/*
 * A service of n backends with the given weights and backup flags (NULL:
 * no backup).
 */
static void
make_service(struct service_config *sc, struct backend_config *bc,
    const unsigned *w, const bool *backup, size_t n)
{
	memset(sc, 0, sizeof(*sc));
	memset(bc, 0, n * sizeof(*bc));
	for (size_t i = 0; i < n; i++) {
		bc[i].weight = w[i];
		bc[i].backup = backup != NULL && backup[i];
		snprintf(bc[i].name, sizeof(bc[i].name), "b%zu", i);
	}
	sc->backends = bc;
	sc->nbackends = n;
}

/* A made-up picture of the backends, read through the callbacks. */
struct fake {
	unsigned	active[8];
	unsigned	weight[8];
	unsigned	ramp[8];	/* per mille */
	uint64_t	rt[8];
	int		banned;		/* not usable, -1 none */
	struct balance_input in;
	atomic_ullong	cursor;
	uint64_t	rng;
};

static bool
fake_usable(unsigned be, void *arg)
{
	const struct fake	*f = arg;

	return ((int)be != f->banned);
}

static void
fake_load(unsigned be, void *arg, struct balance_load *out)
{
	const struct fake	*f = arg;

	out->active = f->active[be];
	out->weight = f->weight[be];
	out->ramp = f->ramp[be];
	out->rt_us = f->rt[be];
}

static void
fake_init(struct fake *f, const struct service_config *sc)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < sc->nbackends; i++) {
		f->weight[i] = sc->backends[i].weight;
		f->ramp[i] = 1000;
	}
	f->banned = -1;
	f->rng = 88172645463325252ULL;
	f->in.cursor = &f->cursor;
	f->in.rng = &f->rng;
	f->in.usable = fake_usable;
	f->in.load = fake_load;
	f->in.arg = f;
}

/* One service balanced by method, its balancer and the fake picture. */
struct fixture {
	struct service_config	sc;
	struct backend_config	bc[8];
	struct fake		f;
	struct balance		*b;
};

/* Set x up in place (f points into it); x->b is NULL on failure. */
static void
fixture_init(struct fixture *x, enum balance_method method,
    const unsigned *w, const bool *backup, size_t n)
{
	make_service(&x->sc, x->bc, w, backup, n);
	x->sc.balance = method;
	fake_init(&x->f, &x->sc);
	x->b = balance_new(&x->sc, NULL);
}

static void
test_pick_over_many(void)
{
	struct fixture		x;
	const unsigned		w[] = { 3, 2, 1 };
	unsigned		count[3] = { 0 };

	fixture_init(&x, BALANCE_ROUNDROBIN, w, NULL, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x.b);
	for (int i = 0; i < 6000; i++)
		count[balance_pick(x.b, POOL_PRIMARY, &x.f.in)]++;
	CU_ASSERT_EQUAL(count[0], 3000);
	CU_ASSERT_EQUAL(count[1], 2000);
	CU_ASSERT_EQUAL(count[2], 1000);
	balance_free(x.b);
}

/*
 * Weights read from the shared region may be anything a worker wrote: a
 * weight past LBD_MAX_WEIGHT counts as LBD_MAX_WEIGHT, so the tables stay
 * small (4294967295 once took seconds and gigabytes to build).
 */
static void
test_weights_bounded(void)
{
	struct fixture		x;
	const unsigned		w[] = { 1, 1 }, wild[] = { UINT_MAX, 128 };
	unsigned		count[2] = { 0 };

	for (int m = BALANCE_ROUNDROBIN; m <= BALANCE_SOURCE; m++) {
		fixture_init(&x, m, w, NULL, 2);
		balance_free(x.b);
		x.b = balance_new(&x.sc, wild);
		CU_ASSERT_PTR_NOT_NULL_FATAL(x.b);
		if (m == BALANCE_ROUNDROBIN)
			for (int i = 0; i < 3 * 384; i++)
				count[balance_pick(x.b, POOL_PRIMARY,
				    &x.f.in)]++;
		balance_free(x.b);
	}
	CU_ASSERT_EQUAL(count[0], 3 * LBD_MAX_WEIGHT);
	CU_ASSERT_EQUAL(count[1], 3 * 128);
}

static void
test_pick_skips_and_pools(void)
{
	struct fixture		x;
	const unsigned		w[] = { 1, 1, 1 };
	const bool		bk[] = { false, false, true };

	fixture_init(&x, BALANCE_ROUNDROBIN, w, bk, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x.b);
	x.f.banned = 0;
	for (int i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(balance_pick(x.b, POOL_PRIMARY, &x.f.in), 1);
	x.f.banned = -1;
	CU_ASSERT_EQUAL(balance_pick(x.b, POOL_BACKUP, &x.f.in), 2);
	x.f.banned = 2;
	CU_ASSERT_EQUAL(balance_pick(x.b, POOL_BACKUP, &x.f.in), -1);
	balance_free(x.b);
}

static void
test_leastconn(void)
{
	struct fixture		x;
	const unsigned		w[] = { 1, 1, 1 };
	int			first, second;

	fixture_init(&x, BALANCE_LEASTCONN, w, NULL, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x.b);
	x.f.active[0] = 5, x.f.active[1] = 2, x.f.active[2] = 2;
	first = balance_pick(x.b, POOL_PRIMARY, &x.f.in);
	second = balance_pick(x.b, POOL_PRIMARY, &x.f.in);
	CU_ASSERT(first == 1 || first == 2);
	CU_ASSERT(second == 1 || second == 2);
	CU_ASSERT_NOT_EQUAL(first, second);	/* ties go round robin */
	/* Relative to weight: 4 on weight 4 beats 2 on weight 1. */
	x.f.active[0] = 4, x.f.weight[0] = 4;
	x.f.active[1] = 2, x.f.active[2] = 3;
	CU_ASSERT_EQUAL(balance_pick(x.b, POOL_PRIMARY, &x.f.in), 0);
	x.f.banned = 0;
	CU_ASSERT_EQUAL(balance_pick(x.b, POOL_PRIMARY, &x.f.in), 1);
	balance_free(x.b);
}

static void
test_leasttime(void)
{
	struct fixture		x;
	const unsigned		w[] = { 1, 1, 1 };

	fixture_init(&x, BALANCE_LEASTTIME, w, NULL, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x.b);
	x.f.rt[0] = 100, x.f.rt[1] = 2000, x.f.rt[2] = 500;
	CU_ASSERT_EQUAL(balance_pick(x.b, POOL_PRIMARY, &x.f.in), 0);
	x.f.active[0] = 3;		/* 4 x 100 < 500 */
	CU_ASSERT_EQUAL(balance_pick(x.b, POOL_PRIMARY, &x.f.in), 0);
	x.f.active[0] = 5;		/* 6 x 100 > 500 */
	CU_ASSERT_EQUAL(balance_pick(x.b, POOL_PRIMARY, &x.f.in), 2);
	x.f.weight[1] = 10;		/* 2000 / 10 beats them all */
	CU_ASSERT_EQUAL(balance_pick(x.b, POOL_PRIMARY, &x.f.in), 1);
	balance_free(x.b);
}

static void
test_random_spread(void)
{
	struct fixture		x;
	const unsigned		w[] = { 2, 1, 1 };
	unsigned		count[3] = { 0 };

	fixture_init(&x, BALANCE_RANDOM, w, NULL, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x.b);
	for (int i = 0; i < 40000; i++)
		count[balance_pick(x.b, POOL_PRIMARY, &x.f.in)]++;
	/* Equal loads: the first draw wins, so shares follow the weights. */
	CU_ASSERT(count[0] > 19000 && count[0] < 21000);
	CU_ASSERT(count[1] > 9400 && count[1] < 10600);
	CU_ASSERT(count[2] > 9400 && count[2] < 10600);
	/* Two choices: the busiest of three never beats the other draw. */
	memset(count, 0, sizeof(count));
	x.f.active[0] = 50;
	for (int i = 0; i < 10000; i++)
		count[balance_pick(x.b, POOL_PRIMARY, &x.f.in)]++;
	CU_ASSERT_EQUAL(count[0], 0);
	CU_ASSERT(count[1] > 4000 && count[2] > 4000);
	balance_free(x.b);
}

/* Pick for 10,000 simulated client addresses into out[]. */
static void
source_picks(const struct service_config *sc, int *out)
{
	struct balance	*b = balance_new(sc, NULL);
	struct fake	 f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	fake_init(&f, sc);
	for (uint32_t ip = 0; ip < 10000; ip++) {
		uint32_t addr = 0x0a000000u + ip * 7919u;

		f.in.hash = balance_hash(&addr, sizeof(addr));
		out[ip] = balance_pick(b, POOL_PRIMARY, &f.in);
	}
	balance_free(b);
}

static void
test_source_consistent(void)
{
	struct service_config	sc5, sc4;
	struct backend_config	bc5[5], bc4[4];
	const unsigned		w[] = { 1, 1, 1, 1, 1 };
	static int		before[10000], after[10000], again[10000];
	unsigned		moved = 0, count[5] = { 0 };

	make_service(&sc5, bc5, w, NULL, 5);
	sc5.balance = BALANCE_SOURCE;
	/* The same service without b2: names keep their ring points. */
	make_service(&sc4, bc4, w, NULL, 4);
	sc4.balance = BALANCE_SOURCE;
	for (size_t i = 0; i < 4; i++)
		bc4[i] = bc5[i < 2 ? i : i + 1];
	source_picks(&sc5, before);
	source_picks(&sc5, again);
	source_picks(&sc4, after);
	for (size_t i = 0; i < 10000; i++) {
		const char *was = bc5[before[i]].name, *now = bc4[after[i]].name;

		CU_ASSERT_EQUAL(before[i], again[i]);	/* sticky */
		count[before[i]]++;
		if (strcmp(was, now) == 0)
			continue;
		moved++;
		CU_ASSERT_STRING_EQUAL(was, "b2");	/* only the removed */
	}
	CU_ASSERT(moved == count[2]);
	CU_ASSERT(moved > 1000 && moved < 3000);	/* about 1/5 */
	for (size_t i = 0; i < 5; i++)
		CU_ASSERT(count[i] > 1200 && count[i] < 2800);
}

/* A down backend's clients go to the next point; the others stay. */
static void
test_source_skips_down(void)
{
	struct fixture		x;
	const unsigned		w[] = { 1, 1, 1 };
	int			home, other;

	fixture_init(&x, BALANCE_SOURCE, w, NULL, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x.b);
	x.f.in.hash = balance_hash("203.0.113.9", 11);
	home = balance_pick(x.b, POOL_PRIMARY, &x.f.in);
	CU_ASSERT(home >= 0);
	x.f.banned = home;
	other = balance_pick(x.b, POOL_PRIMARY, &x.f.in);
	CU_ASSERT(other >= 0 && other != home);
	x.f.banned = -1;
	CU_ASSERT_EQUAL(balance_pick(x.b, POOL_PRIMARY, &x.f.in), home);
	balance_free(x.b);
}

/* Slow start under round robin: a ramping backend gets its fraction. */
static void
test_roundrobin_ramp(void)
{
	struct fixture		x;
	const unsigned		w[] = { 1, 1 };
	unsigned		count[2] = { 0 };

	fixture_init(&x, BALANCE_ROUNDROBIN, w, NULL, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x.b);
	x.f.ramp[1] = 100;		/* a tenth of its weight, for now */
	for (int i = 0; i < 20000; i++)
		count[balance_pick(x.b, POOL_PRIMARY, &x.f.in)]++;
	CU_ASSERT(count[1] > 600 && count[1] < 2400);
	x.f.ramp[1] = 1000;
	memset(count, 0, sizeof(count));
	for (int i = 0; i < 20000; i++)
		count[balance_pick(x.b, POOL_PRIMARY, &x.f.in)]++;
	CU_ASSERT_EQUAL(count[1], 10000);
	balance_free(x.b);
}

/* Slow start weighs in leastconn too: a ramping backend counts as busier. */
static void
test_least_ramp(void)
{
	struct fixture		x;
	const unsigned		w[] = { 1, 1 };

	fixture_init(&x, BALANCE_LEASTCONN, w, NULL, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x.b);
	x.f.active[0] = 3, x.f.active[1] = 1, x.f.ramp[1] = 200;
	CU_ASSERT_EQUAL(balance_pick(x.b, POOL_PRIMARY, &x.f.in), 0);
	x.f.ramp[1] = 500;
	CU_ASSERT_EQUAL(balance_pick(x.b, POOL_PRIMARY, &x.f.in), 1);
	balance_free(x.b);
}

int
test_balance_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("balance", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "wrr 5,1,1 spread", test_wrr_spread) == NULL ||
	    CU_add_test(s, "wrr exact weights", test_wrr_exact_weights) ==
	    NULL ||
	    CU_add_test(s, "wrr equal weights alternate",
	    test_wrr_no_bursts) == NULL ||
	    CU_add_test(s, "wrr limits", test_wrr_limits) == NULL ||
	    CU_add_test(s, "pick exact over many", test_pick_over_many) ==
	    NULL ||
	    CU_add_test(s, "weights bounded", test_weights_bounded) == NULL ||
	    CU_add_test(s, "pick skips unusable, pools apart",
	    test_pick_skips_and_pools) == NULL ||
	    CU_add_test(s, "leastconn", test_leastconn) == NULL ||
	    CU_add_test(s, "leasttime", test_leasttime) == NULL ||
	    CU_add_test(s, "random: weighted, two choices",
	    test_random_spread) == NULL ||
	    CU_add_test(s, "source: sticky, 1/N moves",
	    test_source_consistent) == NULL ||
	    CU_add_test(s, "source: skips a down backend",
	    test_source_skips_down) == NULL ||
	    CU_add_test(s, "roundrobin slow start", test_roundrobin_ramp) ==
	    NULL ||
	    CU_add_test(s, "leastconn slow start", test_least_ramp) == NULL)
		return (-1);
	return (0);
}
