/*
 * Smooth weighted round robin and the shared-cursor pick.
 */
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

/* A service of n backends with the given weights and backup flags. */
static void
make_service(struct service_config *sc, struct backend_config *bc,
    const unsigned *w, const bool *backup, size_t n)
{
	memset(sc, 0, sizeof(*sc));
	memset(bc, 0, n * sizeof(*bc));
	for (size_t i = 0; i < n; i++) {
		bc[i].weight = w[i];
		bc[i].backup = backup[i];
	}
	sc->backends = bc;
	sc->nbackends = n;
}

static bool
always(unsigned be, void *arg)
{
	(void)be;
	(void)arg;
	return (true);
}

static bool
not_banned(unsigned be, void *arg)
{
	return (be != *(unsigned *)arg);
}

static void
test_pick_over_many(void)
{
	struct service_config	sc;
	struct backend_config	bc[3];
	const unsigned		w[] = { 3, 2, 1 };
	const bool		bk[] = { false, false, false };
	struct balance		*b;
	atomic_ullong		cursor = 0;
	unsigned		count[3] = { 0 };

	make_service(&sc, bc, w, bk, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b = balance_new(&sc));
	for (int i = 0; i < 6000; i++)
		count[balance_pick(b, POOL_PRIMARY, &cursor, always, NULL)]++;
	CU_ASSERT_EQUAL(count[0], 3000);
	CU_ASSERT_EQUAL(count[1], 2000);
	CU_ASSERT_EQUAL(count[2], 1000);
	balance_free(b);
}

static void
test_pick_skips_and_pools(void)
{
	struct service_config	sc;
	struct backend_config	bc[3];
	const unsigned		w[] = { 1, 1, 1 };
	const bool		bk[] = { false, false, true };
	struct balance		*b;
	atomic_ullong		cursor = 0, bcursor = 0;
	unsigned		banned = 0;

	make_service(&sc, bc, w, bk, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b = balance_new(&sc));
	for (int i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(balance_pick(b, POOL_PRIMARY, &cursor,
		    not_banned, &banned), 1);
	CU_ASSERT_EQUAL(balance_pick(b, POOL_BACKUP, &bcursor, always, NULL),
	    2);
	banned = 2;
	CU_ASSERT_EQUAL(balance_pick(b, POOL_BACKUP, &bcursor, not_banned,
	    &banned), -1);
	balance_free(b);
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
	    CU_add_test(s, "pick skips unusable, pools apart",
	    test_pick_skips_and_pools) == NULL)
		return (-1);
	return (0);
}
