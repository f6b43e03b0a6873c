/*
 * Shared region: ledgers, reclaim of a dead worker, limits, accept turn,
 * and that counts really are shared with a forked child.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "shm.h"
#include "unit.h"

#define T0	100000		/* a clock_ms() value, in ms */

static void
test_reclaim_dead_worker(void)
{
	struct shm	*shm = shm_create();
	int		 w1, w2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(shm);
	w1 = shm_worker_alloc(shm);
	w2 = shm_worker_alloc(shm);
	CU_ASSERT_TRUE_FATAL(w1 >= 0 && w2 >= 0 && w1 != w2);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_TRUE(shm_conn_reserve(shm, w1, 0));
		shm_service_open(shm, w1, 4);
		CU_ASSERT_TRUE(shm_backend_acquire(shm, w1, 9, 0));
	}
	CU_ASSERT_TRUE(shm_conn_reserve(shm, w2, 0));
	shm_service_open(shm, w2, 4);
	CU_ASSERT_TRUE(shm_backend_acquire(shm, w2, 9, 0));
	CU_ASSERT_EQUAL(atomic_load(&shm_backend(shm, 9)->active), 4);
	CU_ASSERT_TRUE(shm_accept_try(shm, w1, T0));
	shm_worker_beat(shm, w1, T0);
	shm_reclaim_worker(shm, w1);
	CU_ASSERT_EQUAL(atomic_load(&shm_backend(shm, 9)->active), 1);
	CU_ASSERT_EQUAL(atomic_load(&shm_service(shm, 4)->active), 1);
	CU_ASSERT_EQUAL(atomic_load(&shm_service(shm, 4)->total), 4);
	CU_ASSERT_EQUAL(atomic_load(&shm_global(shm)->conns), 1);
	CU_ASSERT_TRUE(shm_accept_try(shm, w2, T0));	/* turn given back */
	CU_ASSERT_EQUAL(shm_worker_alloc(shm), w1);	/* slot reusable */
	shm_destroy(shm);
}

/*
 * Queued clients: the gauge sums every worker's, the peak keeps the
 * most at once, and a dead worker's queued clients are taken back at
 * reclaim while the living one's stay.
 */
static void
test_reclaim_queued(void)
{
	struct shm		*shm = shm_create();
	struct shm_service	*s;
	int			 w1, w2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(shm);
	s = shm_service(shm, 4);
	w1 = shm_worker_alloc(shm);
	w2 = shm_worker_alloc(shm);
	CU_ASSERT_TRUE_FATAL(w1 >= 0 && w2 >= 0 && w1 != w2);
	for (int i = 0; i < 3; i++)
		shm_service_queue_up(shm, w1, 4);
	shm_service_queue_up(shm, w2, 4);
	shm_service_queue_up(shm, w2, 4);
	CU_ASSERT_EQUAL(shm_service_queued(s), 5);
	shm_service_queue_down(shm, w2, 4);
	CU_ASSERT_EQUAL(shm_service_queued(s), 4);
	CU_ASSERT_EQUAL(shm_service_queued(shm_service(shm, 3)), 0);
	shm_reclaim_worker(shm, w1);
	CU_ASSERT_EQUAL(shm_service_queued(s), 1);
	CU_ASSERT_EQUAL(shm_service_queued_peak(s), 5);
	shm_service_queue_down(shm, w2, 4);
	CU_ASSERT_EQUAL(shm_service_queued(s), 0);
	/* The reclaimed slot's ledger starts again from nothing. */
	CU_ASSERT_EQUAL(shm_worker_alloc(shm), w1);
	shm_service_queue_up(shm, w1, 4);
	shm_reclaim_worker(shm, w1);
	CU_ASSERT_EQUAL(shm_service_queued(s), 0);
	shm_destroy(shm);
}

/* The mapping that holds addr, from /proc/self/maps; its length or 0. */
static size_t
mapping_of(const void *addr, char **start)
{
	FILE		*f;
	char		 line[512];
	unsigned long	 lo, hi, a = (unsigned long)addr;
	size_t		 len = 0;

	if ((f = fopen("/proc/self/maps", "r")) == NULL)
		return (0);
	while (len == 0 && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= a &&
		    a < hi) {
			*start = (char *)lo;
			len = hi - lo;
		}
	fclose(f);
	return (len);
}

/*
 * A worker can write every byte of the mapping.  The master's own records
 * (which worker slots are taken, by whom, the mapping's length) must not
 * be among them: after the whole mapping is 0xff, slots are still handed
 * out and labelled as the master said, and destroy unmaps the mapping.
 */
static void
test_master_records_private(void)
{
	struct shm		*shm = shm_create();
	struct shm_worker_view	 v;
	char			*start;
	size_t			 len;
	int			 w;

	CU_ASSERT_PTR_NOT_NULL_FATAL(shm);
	w = shm_worker_alloc(shm);
	CU_ASSERT_TRUE_FATAL(w >= 0);
	shm_worker_label(shm, w, 3, 7);
	len = mapping_of(shm_global(shm), &start);
	CU_ASSERT_FATAL(len >= sizeof(struct shm_backend) * LBD_SHM_BACKENDS);
	memset(start, 0xff, len);
	CU_ASSERT_TRUE(shm_worker_read(shm, w, &v));
	CU_ASSERT_EQUAL(v.id, 3);
	CU_ASSERT_EQUAL(v.generation, 7);
	CU_ASSERT(shm_worker_alloc(shm) >= 0);
	shm_reclaim_worker(shm, w);
	CU_ASSERT_FALSE(shm_worker_read(shm, w, &v));
	CU_ASSERT_EQUAL(shm_worker_alloc(shm), w);
	shm_destroy(shm);
	CU_ASSERT_EQUAL(mapping_of(start, &start), 0);
}

static void
test_limits(void)
{
	struct shm	*shm = shm_create();
	int		 w = shm_worker_alloc(shm);

	CU_ASSERT_TRUE(shm_conn_reserve(shm, w, 2));
	CU_ASSERT_TRUE(shm_conn_reserve(shm, w, 2));
	CU_ASSERT_FALSE(shm_conn_reserve(shm, w, 2));
	shm_conn_release(shm, w);
	CU_ASSERT_TRUE(shm_conn_reserve(shm, w, 2));
	CU_ASSERT_TRUE(shm_backend_acquire(shm, w, 0, 1));
	CU_ASSERT_FALSE(shm_backend_acquire(shm, w, 0, 1));
	CU_ASSERT_EQUAL(shm_worker_conns(shm, w), 2);
	shm_destroy(shm);
}

static void
test_accept_turn(void)
{
	struct shm	*shm = shm_create();
	int		 a = shm_worker_alloc(shm), b = shm_worker_alloc(shm);

	shm_worker_beat(shm, a, T0);
	shm_worker_beat(shm, b, T0);
	CU_ASSERT_TRUE(shm_accept_try(shm, a, T0));
	CU_ASSERT_TRUE(shm_accept_try(shm, a, T0));
	CU_ASSERT_FALSE(shm_accept_try(shm, b, T0));
	shm_accept_release(shm, b);		/* not the holder: no effect */
	CU_ASSERT_FALSE(shm_accept_try(shm, b, T0 + LBD_SHM_STALE_MS));
	shm_accept_release(shm, a);
	CU_ASSERT_TRUE(shm_accept_try(shm, b, T0));
	shm_destroy(shm);
}

/* A holder that stops beating loses the turn; the others count it out. */
static void
test_stale_worker(void)
{
	struct shm	*shm = shm_create();
	int		 a = shm_worker_alloc(shm), b = shm_worker_alloc(shm);
	int		 c = shm_worker_alloc(shm);
	uint64_t	 now = clock_ms(), late = now + LBD_SHM_STALE_MS + 1;

	/* Labelled workers are fresh until they had time to beat. */
	shm_worker_label(shm, a, 1, 7);
	shm_worker_label(shm, b, 2, 7);
	CU_ASSERT_EQUAL(shm_workers_stale(shm, 7, now), 0);
	CU_ASSERT_EQUAL(shm_workers_stale(shm, 7, late), 2);
	CU_ASSERT_EQUAL(shm_workers_stale(shm, 6, late), 0);
	CU_ASSERT(c >= 0);		/* no label: no worker, never counted */
	shm_worker_beat(shm, a, now);
	CU_ASSERT_TRUE(shm_accept_try(shm, a, now));
	CU_ASSERT_FALSE(shm_accept_try(shm, b, now));
	shm_worker_beat(shm, b, late);
	CU_ASSERT_EQUAL(shm_workers_stale(shm, 7, late), 1);
	CU_ASSERT_TRUE(shm_accept_try(shm, b, late));
	CU_ASSERT_FALSE(shm_accept_try(shm, a, late));
	/* A beat stamped just after the reader's clock is fresh. */
	shm_worker_beat(shm, a, late + 5);
	CU_ASSERT_EQUAL(shm_workers_stale(shm, 7, late), 0);
	shm_destroy(shm);
}

static void
test_shared_across_fork(void)
{
	struct shm	*shm = shm_create();
	int		 w = shm_worker_alloc(shm), status;
	pid_t		 pid;

	if ((pid = fork()) == 0) {
		for (int i = 0; i < 1000; i++)
			shm_backend_sample_rt(shm_backend(shm, 1), 800, 5);
		shm_service_open(shm, w, 2);
		_exit(0);
	}
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_EQUAL(atomic_load(&shm_service(shm, 2)->total), 1);
	CU_ASSERT_EQUAL(atomic_load(&shm_backend(shm, 1)->rt_us), 800);
	shm_destroy(shm);
}

static void
test_rt_average(void)
{
	struct shm		*shm = shm_create();
	struct shm_backend	*b = shm_backend(shm, 0);

	shm_backend_sample_rt(b, 1000, 7);
	CU_ASSERT_EQUAL(atomic_load(&b->rt_us), 1000);	/* first as is */
	shm_backend_sample_rt(b, 9000, 9);
	CU_ASSERT_EQUAL(atomic_load(&b->rt_us), 1000 - 125 + 1125);
	CU_ASSERT_EQUAL(atomic_load(&b->rt_stamp_ms), 9);
	shm_destroy(shm);
}

int
test_shm_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("shm", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "reclaim a dead worker's ledger",
	    test_reclaim_dead_worker) == NULL ||
	    CU_add_test(s, "reclaim a dead worker's queued clients",
	    test_reclaim_queued) == NULL ||
	    CU_add_test(s, "master records out of the region",
	    test_master_records_private) == NULL ||
	    CU_add_test(s, "maxconn limits", test_limits) == NULL ||
	    CU_add_test(s, "accept turn", test_accept_turn) == NULL ||
	    CU_add_test(s, "a stale worker loses the turn and its share",
	    test_stale_worker) == NULL ||
	    CU_add_test(s, "shared across fork", test_shared_across_fork) ==
	    NULL ||
	    CU_add_test(s, "response-time average", test_rt_average) == NULL)
		return (-1);
	return (0);
}
