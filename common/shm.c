/*
 * The shared region's layout and the ledger arithmetic.
 *
 * Shared counts move in a fixed order so that a worker killed between two
 * steps can only leave a count one too high, never wrap it below zero:
 * up is shared-then-ledger, down is ledger-then-shared.  The master
 * subtracts only what the ledger says.
 *
 * The workers run unprivileged but can write the whole mapping, so the
 * master never takes its own bookkeeping back from it: the mapping's
 * length and the worker slots' owners live in struct shm, in the
 * master's memory.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "shm.h"

#define SHM_MAGIC	0x6c626431u	/* "lbd1" */
#define SHM_VERSION	4

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "atomic int must be lock-free");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "atomic llong must be lock-free");
_Static_assert(sizeof(struct shm_backend) % 64 == 0, "one line per backend");
_Static_assert(offsetof(struct shm_backend, active) == 64,
    "a backend's counters on a line of their own");
_Static_assert(offsetof(struct shm_backend, http_responses) == 128,
    "HTTP counters on a third line");
_Static_assert(sizeof(struct shm_backend) == 192, "three lines per backend");
_Static_assert(sizeof(struct shm_service) % 64 == 0, "one line per service");
_Static_assert(offsetof(struct shm_service, rr_cursor) == 64,
    "a service's counters on a line of their own");
_Static_assert(offsetof(struct shm_service, http_requests) == 128,
    "a service's HTTP counters apart from its connection counters");
_Static_assert(offsetof(struct shm_service, queued_peak) % 64 == 0,
    "the queue's rare counters apart from the HTTP ones");
_Static_assert(LBD_SHM_HTTP_CLASSES == 5, "classes 1xx..5xx");

/* A worker's own counts: it is their only writer. */
struct shm_worker {
	_Alignas(64)
	atomic_ullong	accepted;			/* its worker */
	atomic_uint	conns;				/* its worker */
	atomic_ullong	beat_ms;	/* its worker, each loop round;
					   master at label, 0 at reclaim;
					   relaxed */
	atomic_uint	id;		/* master at label, 0 at reclaim;
					   relaxed; a copy for the workers'
					   stale count, never read back */
	atomic_uint	generation;	/* likewise */
	atomic_uint	svc_active[LBD_SHM_SERVICES];	/* its worker */
	atomic_uint	svc_queued[LBD_SHM_SERVICES];	/* its worker */
	atomic_uint	be_active[LBD_SHM_BACKENDS];	/* its worker */
	atomic_uint	be_idle[LBD_SHM_BACKENDS];	/* its worker; pooled
							   HTTP connections */
};

/* The mapping.  Every child can write all of it. */
struct shm_region {
	uint32_t		magic;		/* master, before fork */
	uint32_t		version;	/* master, before fork */
	uint64_t		size;		/* master, before fork */
	struct shm_global	global;
	struct shm_service	services[LBD_SHM_SERVICES];
	struct shm_backend	backends[LBD_SHM_BACKENDS];
	struct shm_worker	workers[LBD_SHM_WORKERS];
};

/* Who holds a worker slot: the master's, never read from the region. */
struct worker_owner {
	bool		used;
	unsigned	id;		/* worker number, 0 = checker */
	unsigned	generation;
	uint64_t	labelled_ms;	/* clock_ms() at the label */
};

/* Private to each process; a child's copy is its own. */
struct shm {
	struct shm_region	*r;
	size_t			 len;		/* as mapped */
	struct worker_owner	 owner[LBD_SHM_WORKERS];
};

struct shm *
shm_create(void)
{
	struct shm	*shm;

	if ((shm = calloc(1, sizeof(*shm))) == NULL)
		return (NULL);
	shm->len = sizeof(*shm->r);
	shm->r = mmap(NULL, shm->len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm->r == MAP_FAILED) {
		free(shm);
		return (NULL);
	}
	/* Anonymous mappings come zeroed: every counter starts at 0. */
	shm->r->magic = SHM_MAGIC;
	shm->r->version = SHM_VERSION;
	shm->r->size = shm->len;
	return (shm);
}

void
shm_destroy(struct shm *shm)
{
	if (shm == NULL)
		return;
	munmap(shm->r, shm->len);
	free(shm);
}

struct shm_global *
shm_global(struct shm *shm)
{
	return (&shm->r->global);
}

struct shm_service *
shm_service(struct shm *shm, unsigned slot)
{
	return (&shm->r->services[slot]);
}

struct shm_backend *
shm_backend(struct shm *shm, unsigned slot)
{
	return (&shm->r->backends[slot]);
}

int
shm_worker_alloc(struct shm *shm)
{
	for (int i = 0; i < LBD_SHM_WORKERS; i++)
		if (!shm->owner[i].used) {
			shm->owner[i].used = true;
			return (i);
		}
	errno = ENOSPC;
	return (-1);
}

/*
 * Subtract what a ledger entry says from its shared count, and zero it.
 * The entry is the dead worker's word, but it is only subtracted: a lie
 * makes one count wrong, which the liar could have written anyway.
 */
static void
take_back(atomic_uint *ledger, atomic_uint *shared)
{
	unsigned	n = atomic_exchange(ledger, 0);

	if (n != 0)
		atomic_fetch_sub_explicit(shared, n, memory_order_relaxed);
}

void
shm_reclaim_worker(struct shm *shm, unsigned wslot)
{
	struct shm_region	*r = shm->r;
	struct shm_worker	*w = &r->workers[wslot];
	int			 owner = (int)wslot + 1;

	take_back(&w->conns, &r->global.conns);
	for (size_t i = 0; i < LBD_SHM_SERVICES; i++)
		take_back(&w->svc_active[i], &r->services[i].active);
	for (size_t i = 0; i < LBD_SHM_SERVICES; i++)
		take_back(&w->svc_queued[i], &r->services[i].queued);
	for (size_t i = 0; i < LBD_SHM_BACKENDS; i++)
		take_back(&w->be_active[i], &r->backends[i].active);
	for (size_t i = 0; i < LBD_SHM_BACKENDS; i++)
		take_back(&w->be_idle[i], &r->backends[i].http_idle);
	atomic_compare_exchange_strong(&r->global.accept_owner, &owner, 0);
	atomic_store(&w->beat_ms, 0);
	atomic_store(&w->id, 0);
	atomic_store(&w->generation, 0);
	atomic_store(&w->accepted, 0);
	memset(&shm->owner[wslot], 0, sizeof(shm->owner[wslot]));
}

static void
count_up(atomic_uint *shared, atomic_uint *ledger)
{
	atomic_fetch_add_explicit(shared, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(ledger, 1, memory_order_relaxed);
}

static void
count_down(atomic_uint *shared, atomic_uint *ledger)
{
	atomic_fetch_sub_explicit(ledger, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(shared, 1, memory_order_relaxed);
}

/* Raise shared by one unless that would pass limit (0 = no limit). */
static bool
count_up_to(atomic_uint *shared, atomic_uint *ledger, unsigned limit)
{
	unsigned	cur;

	cur = atomic_load_explicit(shared, memory_order_relaxed);
	do {
		if (limit != 0 && cur >= limit)
			return (false);
	} while (!atomic_compare_exchange_weak_explicit(shared, &cur, cur + 1,
	    memory_order_relaxed, memory_order_relaxed));
	atomic_fetch_add_explicit(ledger, 1, memory_order_relaxed);
	return (true);
}

bool
shm_conn_reserve(struct shm *shm, unsigned wslot, unsigned maxconn)
{
	return (count_up_to(&shm->r->global.conns, &shm->r->workers[wslot].conns,
	    maxconn));
}

void
shm_conn_release(struct shm *shm, unsigned wslot)
{
	count_down(&shm->r->global.conns, &shm->r->workers[wslot].conns);
}

void
shm_service_open(struct shm *shm, unsigned wslot, unsigned svc)
{
	count_up(&shm->r->services[svc].active,
	    &shm->r->workers[wslot].svc_active[svc]);
	atomic_fetch_add_explicit(&shm->r->services[svc].total, 1,
	    memory_order_relaxed);
}

void
shm_service_close(struct shm *shm, unsigned wslot, unsigned svc)
{
	count_down(&shm->r->services[svc].active,
	    &shm->r->workers[wslot].svc_active[svc]);
}

/* Raise peak to at least n. */
static void
raise_peak(atomic_uint *peak, unsigned n)
{
	unsigned	cur = atomic_load_explicit(peak, memory_order_relaxed);

	while (cur < n && !atomic_compare_exchange_weak_explicit(peak, &cur,
	    n, memory_order_relaxed, memory_order_relaxed))
		;
}

void
shm_service_queue_up(struct shm *shm, unsigned wslot, unsigned svc)
{
	struct shm_service	*s = &shm->r->services[svc];

	count_up(&s->queued, &shm->r->workers[wslot].svc_queued[svc]);
	raise_peak(&s->queued_peak, shm_service_queued(s));
}

void
shm_service_queue_down(struct shm *shm, unsigned wslot, unsigned svc)
{
	count_down(&shm->r->services[svc].queued,
	    &shm->r->workers[wslot].svc_queued[svc]);
}

bool
shm_backend_acquire(struct shm *shm, unsigned wslot, unsigned be,
    unsigned maxconn)
{
	return (count_up_to(&shm->r->backends[be].active,
	    &shm->r->workers[wslot].be_active[be], maxconn));
}

void
shm_backend_release(struct shm *shm, unsigned wslot, unsigned be)
{
	count_down(&shm->r->backends[be].active,
	    &shm->r->workers[wslot].be_active[be]);
}

void
shm_backend_idle_up(struct shm *shm, unsigned wslot, unsigned be)
{
	count_up(&shm->r->backends[be].http_idle,
	    &shm->r->workers[wslot].be_idle[be]);
}

void
shm_backend_idle_down(struct shm *shm, unsigned wslot, unsigned be)
{
	count_down(&shm->r->backends[be].http_idle,
	    &shm->r->workers[wslot].be_idle[be]);
}

void
shm_worker_beat(struct shm *shm, unsigned wslot, uint64_t now_ms)
{
	atomic_store_explicit(&shm->r->workers[wslot].beat_ms, now_ms,
	    memory_order_relaxed);
}

/* Has the worker of wslot not beaten for LBD_SHM_STALE_MS at now_ms? */
static bool
worker_is_stale(struct shm *shm, unsigned wslot, uint64_t now_ms)
{
	uint64_t	beat;

	beat = atomic_load_explicit(&shm->r->workers[wslot].beat_ms,
	    memory_order_relaxed);
	/* A beat stamped after our clock read is fresh, not in the future. */
	return (beat + LBD_SHM_STALE_MS < now_ms);
}

unsigned
shm_workers_stale(struct shm *shm, unsigned generation, uint64_t now_ms)
{
	unsigned	n = 0;

	/*
	 * Workers read the master's published copy of who holds each slot:
	 * their own fork-time struct shm does not see later spawns.
	 * id 0: free, or a process that is no worker (the checker).
	 */
	for (unsigned i = 0; i < LBD_SHM_WORKERS; i++) {
		struct shm_worker *w = &shm->r->workers[i];

		if (atomic_load_explicit(&w->id, memory_order_relaxed) != 0 &&
		    atomic_load_explicit(&w->generation,
		    memory_order_relaxed) == generation &&
		    worker_is_stale(shm, i, now_ms))
			n++;
	}
	return (n);
}

/*
 * The turn is free, or its holder stopped taking it: a stopped or hung
 * worker must not keep every other one from accepting.  The holder
 * vanished from range counts as stale too.
 */
bool
shm_accept_try(struct shm *shm, unsigned wslot, uint64_t now_ms)
{
	int	owner, me = (int)wslot + 1;

	owner = atomic_load_explicit(&shm->r->global.accept_owner,
	    memory_order_acquire);
	if (owner == me)
		return (true);
	if (owner > 0 && owner <= LBD_SHM_WORKERS &&
	    !worker_is_stale(shm, (unsigned)owner - 1, now_ms))
		return (false);
	return (atomic_compare_exchange_strong_explicit(
	    &shm->r->global.accept_owner, &owner, me, memory_order_acq_rel,
	    memory_order_relaxed));
}

void
shm_accept_release(struct shm *shm, unsigned wslot)
{
	int	me = (int)wslot + 1;

	atomic_compare_exchange_strong_explicit(&shm->r->global.accept_owner,
	    &me, 0, memory_order_acq_rel, memory_order_relaxed);
}

unsigned
shm_worker_conns(struct shm *shm, unsigned wslot)
{
	return (atomic_load_explicit(&shm->r->workers[wslot].conns,
	    memory_order_relaxed));
}

void
shm_backend_sample_rt(struct shm_backend *b, uint64_t us, uint64_t now_ms)
{
	unsigned long long	old, new;

	old = atomic_load_explicit(&b->rt_us, memory_order_relaxed);
	do {
		/* The first sample is taken as is: no ramp up from zero. */
		new = old == 0 ? us : old - old / 8 + us / 8;
		if (new == 0)
			new = 1;
	} while (!atomic_compare_exchange_weak_explicit(&b->rt_us, &old, new,
	    memory_order_relaxed, memory_order_relaxed));
	atomic_store_explicit(&b->rt_stamp_ms, now_ms, memory_order_relaxed);
}

unsigned
shm_backend_count_fail(struct shm_backend *b, uint64_t now_ms,
    uint64_t window_ms)
{
	unsigned long long	since;

	since = atomic_load_explicit(&b->fail_since_ms, memory_order_relaxed);
	/* A stale window restarts; the worker that restarts it resets it. */
	if (now_ms - since > window_ms &&
	    atomic_compare_exchange_strong(&b->fail_since_ms, &since, now_ms))
		atomic_store_explicit(&b->fails, 0, memory_order_relaxed);
	return (atomic_fetch_add_explicit(&b->fails, 1,
	    memory_order_relaxed) + 1);
}

void
shm_worker_label(struct shm *shm, unsigned wslot, unsigned id,
    unsigned generation)
{
	struct shm_worker	*w = &shm->r->workers[wslot];
	uint64_t		 now = clock_ms();

	shm->owner[wslot].id = id;
	shm->owner[wslot].generation = generation;
	shm->owner[wslot].labelled_ms = now;
	/*
	 * Fresh, yet older than any beat of the worker forked after this
	 * (the monotonic clock is the same in every process), so that
	 * shm_worker_has_beaten() can tell the two apart.
	 */
	atomic_store(&w->beat_ms, now - 1);
	atomic_store(&w->id, id);
	atomic_store(&w->generation, generation);
}

void
shm_worker_count_accept(struct shm *shm, unsigned wslot)
{
	atomic_fetch_add_explicit(&shm->r->workers[wslot].accepted, 1,
	    memory_order_relaxed);
}

bool
shm_worker_has_beaten(struct shm *shm, unsigned wslot)
{
	return (atomic_load_explicit(&shm->r->workers[wslot].beat_ms,
	    memory_order_relaxed) >= shm->owner[wslot].labelled_ms);
}

bool
shm_worker_read(struct shm *shm, unsigned wslot, struct shm_worker_view *v)
{
	const struct worker_owner	*o = &shm->owner[wslot];
	struct shm_worker		*w = &shm->r->workers[wslot];

	if (!o->used || o->id == 0)
		return (false);
	v->id = o->id;
	v->generation = o->generation;
	/* Only printed: any value the worker left is harmless. */
	v->accepted = atomic_load_explicit(&w->accepted, memory_order_relaxed);
	v->conns = atomic_load_explicit(&w->conns, memory_order_relaxed);
	return (true);
}
