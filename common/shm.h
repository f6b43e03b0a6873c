/*
 * The shared region: backend and service counters, worker ledgers and the
 * accept turn, in one MAP_SHARED|MAP_ANONYMOUS mapping made by the master
 * before the first fork.  Only shm.c knows where things sit; everyone else
 * reaches a slot by index.  Slots hold no pointers and each hot slot owns
 * its cache line.  Only lock-free atomics are address-free, hence valid
 * across processes; shm.c asserts that at compile time.
 */
#ifndef LBD_SHM_H
#define LBD_SHM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "lbd_limits.h"

/* Capacities, with headroom for slots kept alive across reloads. */
#define LBD_SHM_SERVICES	(2 * LBD_MAX_SERVICES)
#define LBD_SHM_BACKENDS	(2 * LBD_MAX_BACKENDS_ALL)
#define LBD_SHM_WORKERS		(4 * LBD_MAX_WORKERS)

enum backend_state {
	BACKEND_DOWN = 0,
	BACKEND_UP
};

/* What the operator set (control socket), apart from health. */
enum backend_admin {
	ADMIN_UP = 0,		/* serving when healthy */
	ADMIN_MAINT,		/* disable: nothing new, not an outage */
	ADMIN_DRAIN,		/* drain: nothing new, open ones finish */
	ADMIN_COUNT
};

/*
 * The last health check's result, as the checker writes it: a code and a
 * detail (an errno for CHECK_CONNECT and CHECK_READ, the HTTP status for
 * CHECK_STATUS).  The master range-checks both before printing.
 */
enum check_result {
	CHECK_NONE = 0,		/* no check has ended yet */
	CHECK_PASSED,
	CHECK_CONNECT,		/* connect failed: detail = errno */
	CHECK_TIMEOUT,
	CHECK_SEND,		/* the request could not be sent */
	CHECK_READ,		/* read failed: detail = errno */
	CHECK_NOT_HTTP,		/* the reply is not an HTTP response */
	CHECK_STATUS,		/* unexpected status: detail = code */
	CHECK_NOFD,		/* the checker ran out of descriptors */
	CHECK_RESULT_COUNT
};

/* HTTP response classes 1xx..5xx, and the request duration histogram. */
#define LBD_SHM_HTTP_CLASSES	5
#define LBD_SHM_HTTP_BUCKETS	12	/* the last one is +Inf */

/*
 * A backend slot is three cache lines.  The first is read by every pick and
 * written seldom (a state change, a control command, a passive pause); the
 * second takes every worker's counters, so counting a connection does not
 * evict the line the other workers are picking from; HTTP mode's counters
take the third, so TCP mode's never share a line with them.  The parts are
 * anonymous so that a field is still named sb->active; use the accessors.
 */
struct shm_backend {
	struct {
		_Alignas(64)
		atomic_int	 state;		/* master (health none), checker;
						   release, acquire */
		atomic_int	 admin;		/* master (control); release,
						   acquire; backend_admin */
		atomic_uint	 weight;	/* master; relaxed; 0..256 */
		atomic_ullong	 up_since_ms;	/* checker; relaxed; 0 = from
						   start */
		atomic_ullong	 down_until_ms;	/* workers, checker; release,
						   acquire; passive pause,
						   0 = none */
		atomic_ullong	 changed_ms;	/* checker, master (health
						   none); relaxed; last up/down
						   change, 0 = none */
		atomic_ullong	 check_ms;	/* checker; relaxed; end of the
						   last check, 0 = none */
		atomic_int	 check_result;	/* checker; relaxed; enum
						   check_result */
		atomic_int	 check_detail;	/* checker; relaxed; errno or
						   HTTP status */
	};
	struct {
		_Alignas(64)
		atomic_uint	 active;	/* workers; relaxed; master
						   reclaims */
		atomic_uint	 fails;		/* workers; relaxed; in the
						   passive window */
		atomic_ullong	 total;		/* workers; relaxed; connects
						   made */
		atomic_ullong	 connect_failures; /* workers; relaxed */
		atomic_ullong	 bytes_in;	/* workers; relaxed;
						   client->backend */
		atomic_ullong	 bytes_out;	/* workers; relaxed;
						   backend->client */
		atomic_ullong	 rt_us;		/* workers (sample), checker
						   (reset on recovery); relaxed;
						   EWMA, 0 = none */
		atomic_ullong	 rt_stamp_ms;	/* workers; relaxed; last
						   sample */
		atomic_ullong	 fail_since_ms;	/* workers; relaxed; passive
						   window start */
	};
	struct {
		_Alignas(64)
		atomic_ullong	 http_responses[LBD_SHM_HTTP_CLASSES];
						/* workers; relaxed; response
						   heads by class 1xx..5xx */
		atomic_ullong	 http_reuses;	/* workers; relaxed; requests
						   on a pooled connection */
		atomic_uint	 http_idle;	/* workers; relaxed; pooled
						   connections now; master
						   reclaims */
	};
};

/*
 * Like a backend: weights_gen is read per pick, the rest written per pick;
 * HTTP mode's counters follow, written per request; then the queue's
 * peak and timeouts, written only when clients wait.
 */
struct shm_service {
	struct {
		_Alignas(64)
		atomic_uint	 weights_gen;	/* master; release, acquire;
						   bumped when a weight
						   changes */
	};
	struct {
		_Alignas(64)
		atomic_ullong	 rr_cursor;	/* workers; relaxed; primaries'
						   WRR */
		atomic_ullong	 rr_backup;	/* workers; relaxed; backups'
						   WRR */
		atomic_uint	 active;	/* workers; relaxed; master
						   reclaims */
		atomic_uint	 queued;	/* workers; relaxed; waiting
						   for a backend slot now;
						   master reclaims */
		atomic_ullong	 total;		/* workers; relaxed; accepted */
		atomic_ullong	 rejected;	/* workers; relaxed; no
						   backend */
		atomic_ullong	 timeouts;	/* workers; relaxed; closed by
						   a client, server or queue
						   timeout */
		atomic_ullong	 resets;	/* workers; relaxed; closed by
						   a reset or an I/O error */
		atomic_ullong	 retries;	/* workers; relaxed; connects
						   after a failed one */
	};
	struct {
		_Alignas(64)
		atomic_ullong	 http_requests;	/* workers; relaxed; heads
						   received, rejected too */
		atomic_ullong	 http_retries;	/* workers; relaxed; requests
						   sent again */
		atomic_ullong	 http_responses[LBD_SHM_HTTP_CLASSES];
						/* workers; relaxed; final
						   responses by class */
		atomic_ullong	 http_duration_us; /* workers; relaxed; sum
						   of the histogram's samples */
		atomic_ullong	 http_buckets[LBD_SHM_HTTP_BUCKETS];
						/* workers; relaxed; samples
						   in each bucket alone, not
						   cumulative: one add each */
	};
	struct {
		_Alignas(64)
		atomic_uint	 queued_peak;	/* workers; relaxed; most
						   queued at once */
		atomic_ullong	 queue_timeouts; /* workers; relaxed; waited
						   timeouts.queue in vain */
	};
};

/* Counters about the process tree, kept by the master. */
struct shm_global {
	_Alignas(64)
	atomic_uint	 conns;		/* workers; relaxed; maxconn gate */
	atomic_int	 accept_owner;	/* workers; acq_rel; wslot+1, 0 none */
	atomic_uint	 workers;	/* master; relaxed; running now */
	atomic_ullong	 restarts;	/* master; relaxed; respawns */
	atomic_ullong	 reloads;	/* master; relaxed; successful */
	atomic_uint	 generation;	/* master; release, acquire; the one
					   that accepts */
};

/*
 * Accessors, one per field and direction, with the ordering the field's
 * comment gives: counters relaxed, flags store-release/load-acquire.
 * Every child can write the whole region, so what the master reads back
 * is only ever printed or clamped (see lbd(8), SHARED MEMORY).
 */
static inline int
shm_backend_state(struct shm_backend *b)
{
	return (atomic_load_explicit(&b->state, memory_order_acquire));
}

static inline void
shm_backend_set_state(struct shm_backend *b, int state)
{
	atomic_store_explicit(&b->state, state, memory_order_release);
}

/* Admin state as stored: a worker may have written anything there. */
static inline int
shm_backend_admin(struct shm_backend *b)
{
	return (atomic_load_explicit(&b->admin, memory_order_acquire));
}

/* Not to be given anything new: in maint or drain (or garbage). */
static inline bool
shm_backend_is_disabled(struct shm_backend *b)
{
	return (shm_backend_admin(b) != ADMIN_UP);
}

static inline void
shm_backend_set_admin(struct shm_backend *b, enum backend_admin a)
{
	atomic_store_explicit(&b->admin, (int)a, memory_order_release);
}

static inline uint64_t
shm_backend_changed(struct shm_backend *b)
{
	return (atomic_load_explicit(&b->changed_ms, memory_order_relaxed));
}

static inline void
shm_backend_set_changed(struct shm_backend *b, uint64_t ms)
{
	atomic_store_explicit(&b->changed_ms, ms, memory_order_relaxed);
}

/* Checker: the result of the check that ended at now_ms. */
static inline void
shm_backend_set_check(struct shm_backend *b, enum check_result r,
    int detail, uint64_t now_ms)
{
	atomic_store_explicit(&b->check_result, (int)r, memory_order_relaxed);
	atomic_store_explicit(&b->check_detail, detail, memory_order_relaxed);
	atomic_store_explicit(&b->check_ms, now_ms, memory_order_relaxed);
}

/* The last check as stored, unchecked: the reader bounds it. */
static inline void
shm_backend_check(struct shm_backend *b, int *r, int *detail,
    uint64_t *ms)
{
	*r = atomic_load_explicit(&b->check_result, memory_order_relaxed);
	*detail = atomic_load_explicit(&b->check_detail,
	    memory_order_relaxed);
	*ms = atomic_load_explicit(&b->check_ms, memory_order_relaxed);
}

static inline unsigned
shm_backend_weight(struct shm_backend *b)
{
	return (atomic_load_explicit(&b->weight, memory_order_relaxed));
}

static inline void
shm_backend_set_weight(struct shm_backend *b, unsigned w)
{
	atomic_store_explicit(&b->weight, w, memory_order_relaxed);
}

static inline uint64_t
shm_backend_up_since(struct shm_backend *b)
{
	return (atomic_load_explicit(&b->up_since_ms, memory_order_relaxed));
}

static inline void
shm_backend_set_up_since(struct shm_backend *b, uint64_t ms)
{
	atomic_store_explicit(&b->up_since_ms, ms, memory_order_relaxed);
}

/* End of the passive pause (down_until_ms); 0 or past: not paused. */
static inline uint64_t
shm_backend_paused_until(struct shm_backend *b)
{
	return (atomic_load_explicit(&b->down_until_ms,
	    memory_order_acquire));
}

static inline void
shm_backend_set_paused_until(struct shm_backend *b, uint64_t ms)
{
	atomic_store_explicit(&b->down_until_ms, ms, memory_order_release);
}

static inline unsigned
shm_backend_active(struct shm_backend *b)
{
	return (atomic_load_explicit(&b->active, memory_order_relaxed));
}

static inline void
shm_backend_count_connect(struct shm_backend *b)
{
	atomic_fetch_add_explicit(&b->total, 1, memory_order_relaxed);
}

static inline uint64_t
shm_backend_total(struct shm_backend *b)
{
	return (atomic_load_explicit(&b->total, memory_order_relaxed));
}

static inline void
shm_backend_count_connect_failure(struct shm_backend *b)
{
	atomic_fetch_add_explicit(&b->connect_failures, 1,
	    memory_order_relaxed);
}

static inline uint64_t
shm_backend_connect_failures(struct shm_backend *b)
{
	return (atomic_load_explicit(&b->connect_failures,
	    memory_order_relaxed));
}

static inline void
shm_backend_add_bytes(struct shm_backend *b, uint64_t in, uint64_t out)
{
	atomic_fetch_add_explicit(&b->bytes_in, in, memory_order_relaxed);
	atomic_fetch_add_explicit(&b->bytes_out, out, memory_order_relaxed);
}

static inline uint64_t
shm_backend_bytes_in(struct shm_backend *b)
{
	return (atomic_load_explicit(&b->bytes_in, memory_order_relaxed));
}

static inline uint64_t
shm_backend_bytes_out(struct shm_backend *b)
{
	return (atomic_load_explicit(&b->bytes_out, memory_order_relaxed));
}

/* Response-time average (us), 0 = not measured; see sample_rt below. */
static inline uint64_t
shm_backend_rt(struct shm_backend *b)
{
	return (atomic_load_explicit(&b->rt_us, memory_order_relaxed));
}

static inline uint64_t
shm_backend_rt_stamp(struct shm_backend *b)
{
	return (atomic_load_explicit(&b->rt_stamp_ms, memory_order_relaxed));
}

/* Checker, on recovery: forget the old average. */
static inline void
shm_backend_rt_reset(struct shm_backend *b)
{
	atomic_store_explicit(&b->rt_us, 0, memory_order_relaxed);
}

static inline unsigned
shm_service_weights_gen(struct shm_service *s)
{
	return (atomic_load_explicit(&s->weights_gen, memory_order_acquire));
}

static inline void
shm_service_set_weights_gen(struct shm_service *s, unsigned gen)
{
	atomic_store_explicit(&s->weights_gen, gen, memory_order_release);
}

/* The round-robin cursor of the primaries or the backups. */
static inline atomic_ullong *
shm_service_cursor(struct shm_service *s, bool backup)
{
	return (backup ? &s->rr_backup : &s->rr_cursor);
}

static inline void
shm_service_count_rejected(struct shm_service *s)
{
	atomic_fetch_add_explicit(&s->rejected, 1, memory_order_relaxed);
}

static inline void
shm_service_count_timeout(struct shm_service *s)
{
	atomic_fetch_add_explicit(&s->timeouts, 1, memory_order_relaxed);
}

static inline void
shm_service_count_reset(struct shm_service *s)
{
	atomic_fetch_add_explicit(&s->resets, 1, memory_order_relaxed);
}

static inline uint64_t
shm_service_timeouts(struct shm_service *s)
{
	return (atomic_load_explicit(&s->timeouts, memory_order_relaxed));
}

static inline uint64_t
shm_service_resets(struct shm_service *s)
{
	return (atomic_load_explicit(&s->resets, memory_order_relaxed));
}

static inline void
shm_service_count_retry(struct shm_service *s)
{
	atomic_fetch_add_explicit(&s->retries, 1, memory_order_relaxed);
}

static inline uint64_t
shm_service_retries(struct shm_service *s)
{
	return (atomic_load_explicit(&s->retries, memory_order_relaxed));
}

static inline void
shm_service_count_queue_timeout(struct shm_service *s)
{
	atomic_fetch_add_explicit(&s->queue_timeouts, 1, memory_order_relaxed);
}

static inline uint64_t
shm_service_queue_timeouts(struct shm_service *s)
{
	return (atomic_load_explicit(&s->queue_timeouts,
	    memory_order_relaxed));
}

/* Clients queued now, all workers (see shm_service_queue_up below). */
static inline unsigned
shm_service_queued(struct shm_service *s)
{
	return (atomic_load_explicit(&s->queued, memory_order_relaxed));
}

static inline unsigned
shm_service_queued_peak(struct shm_service *s)
{
	return (atomic_load_explicit(&s->queued_peak, memory_order_relaxed));
}

static inline unsigned
shm_service_active(struct shm_service *s)
{
	return (atomic_load_explicit(&s->active, memory_order_relaxed));
}

static inline uint64_t
shm_service_total(struct shm_service *s)
{
	return (atomic_load_explicit(&s->total, memory_order_relaxed));
}

static inline uint64_t
shm_service_rejected(struct shm_service *s)
{
	return (atomic_load_explicit(&s->rejected, memory_order_relaxed));
}

/*
 * HTTP mode's counters.  cls is a response class less one (0 = 1xx) below
 * LBD_SHM_HTTP_CLASSES, bucket an index below LBD_SHM_HTTP_BUCKETS: the
 * callers' own constants, never a value read from the region.
 */
static inline void
shm_service_count_http_request(struct shm_service *s)
{
	atomic_fetch_add_explicit(&s->http_requests, 1, memory_order_relaxed);
}

static inline uint64_t
shm_service_http_requests(struct shm_service *s)
{
	return (atomic_load_explicit(&s->http_requests, memory_order_relaxed));
}

static inline void
shm_service_count_http_retry(struct shm_service *s)
{
	atomic_fetch_add_explicit(&s->http_retries, 1, memory_order_relaxed);
}

static inline uint64_t
shm_service_http_retries(struct shm_service *s)
{
	return (atomic_load_explicit(&s->http_retries, memory_order_relaxed));
}

static inline void
shm_service_count_http_response(struct shm_service *s, unsigned cls)
{
	atomic_fetch_add_explicit(&s->http_responses[cls], 1,
	    memory_order_relaxed);
}

static inline uint64_t
shm_service_http_responses(struct shm_service *s, unsigned cls)
{
	return (atomic_load_explicit(&s->http_responses[cls],
	    memory_order_relaxed));
}

/* One duration sample of us microseconds, which falls in bucket. */
static inline void
shm_service_count_http_duration(struct shm_service *s, unsigned bucket,
    uint64_t us)
{
	atomic_fetch_add_explicit(&s->http_buckets[bucket], 1,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&s->http_duration_us, us,
	    memory_order_relaxed);
}

/* Samples in bucket alone (not cumulative). */
static inline uint64_t
shm_service_http_bucket(struct shm_service *s, unsigned bucket)
{
	return (atomic_load_explicit(&s->http_buckets[bucket],
	    memory_order_relaxed));
}

static inline uint64_t
shm_service_http_duration_us(struct shm_service *s)
{
	return (atomic_load_explicit(&s->http_duration_us,
	    memory_order_relaxed));
}

static inline void
shm_backend_count_http_response(struct shm_backend *b, unsigned cls)
{
	atomic_fetch_add_explicit(&b->http_responses[cls], 1,
	    memory_order_relaxed);
}

static inline uint64_t
shm_backend_http_responses(struct shm_backend *b, unsigned cls)
{
	return (atomic_load_explicit(&b->http_responses[cls],
	    memory_order_relaxed));
}

static inline void
shm_backend_count_http_reuse(struct shm_backend *b)
{
	atomic_fetch_add_explicit(&b->http_reuses, 1, memory_order_relaxed);
}

static inline uint64_t
shm_backend_http_reuses(struct shm_backend *b)
{
	return (atomic_load_explicit(&b->http_reuses, memory_order_relaxed));
}

/* Idle pooled connections to the backend, all workers (see below). */
static inline unsigned
shm_backend_http_idle(struct shm_backend *b)
{
	return (atomic_load_explicit(&b->http_idle, memory_order_relaxed));
}

static inline unsigned
shm_global_generation(struct shm_global *g)
{
	return (atomic_load_explicit(&g->generation, memory_order_acquire));
}

static inline void
shm_global_set_generation(struct shm_global *g, unsigned gen)
{
	atomic_store_explicit(&g->generation, gen, memory_order_release);
}

static inline unsigned
shm_global_conns(struct shm_global *g)
{
	return (atomic_load_explicit(&g->conns, memory_order_relaxed));
}

static inline unsigned
shm_global_workers(struct shm_global *g)
{
	return (atomic_load_explicit(&g->workers, memory_order_relaxed));
}

static inline void
shm_global_set_workers(struct shm_global *g, unsigned n)
{
	atomic_store_explicit(&g->workers, n, memory_order_relaxed);
}

static inline void
shm_global_count_restart(struct shm_global *g)
{
	atomic_fetch_add_explicit(&g->restarts, 1, memory_order_relaxed);
}

static inline uint64_t
shm_global_restarts(struct shm_global *g)
{
	return (atomic_load_explicit(&g->restarts, memory_order_relaxed));
}

static inline void
shm_global_count_reload(struct shm_global *g)
{
	atomic_fetch_add_explicit(&g->reloads, 1, memory_order_relaxed);
}

static inline uint64_t
shm_global_reloads(struct shm_global *g)
{
	return (atomic_load_explicit(&g->reloads, memory_order_relaxed));
}

/*
 * The handle: the mapping, plus what the master keeps of it in its own
 * memory (the mapping's length, which worker slots are taken and by
 * whom), out of the children's reach.
 */
struct shm;

/* Map a zeroed region.  NULL with errno on failure; shm_destroy frees. */
struct shm		*shm_create(void);
void			 shm_destroy(struct shm *shm);

/* Slot accessors; slot must be below the matching LBD_SHM_* capacity. */
struct shm_global	*shm_global(struct shm *shm);
struct shm_service	*shm_service(struct shm *shm, unsigned slot);
struct shm_backend	*shm_backend(struct shm *shm, unsigned slot);

/*
 * Master: claim a free worker slot for a child about to be forked and
 * mark it used; returns the slot, or -1 when all are taken.
 */
int			 shm_worker_alloc(struct shm *shm);

/*
 * Master, after reaping the worker of wslot: take its ledger (connections,
 * queued clients and idle pooled connections it still held) off every
 * shared count, give back the accept turn if it held it, and free the
 * slot.  Its loops are fixed by the capacities, whatever the ledger says.
 */
void			 shm_reclaim_worker(struct shm *shm, unsigned wslot);

/*
 * Worker accounting.  Each call moves the shared count and the worker's
 * own ledger together, so a dead worker's share can be taken back.
 */
bool			 shm_conn_reserve(struct shm *shm, unsigned wslot,
			    unsigned maxconn);
void			 shm_conn_release(struct shm *shm, unsigned wslot);
void			 shm_service_open(struct shm *shm, unsigned wslot,
			    unsigned svc);
void			 shm_service_close(struct shm *shm, unsigned wslot,
			    unsigned svc);
/*
 * A client of the worker of wslot starts or stops waiting in service
 * svc's queue: the shared gauge and the ledger move together, and up
 * raises the service's peak.
 */
void			 shm_service_queue_up(struct shm *shm, unsigned wslot,
			    unsigned svc);
void			 shm_service_queue_down(struct shm *shm,
			    unsigned wslot, unsigned svc);
/* Take a connection slot on a backend; false when it is at maxconn. */
bool			 shm_backend_acquire(struct shm *shm, unsigned wslot,
			    unsigned be, unsigned maxconn);
void			 shm_backend_release(struct shm *shm, unsigned wslot,
			    unsigned be);
/*
 * The worker of wslot keeps one idle pooled connection more, or one
 * fewer, to backend slot be: the shared gauge and its ledger move
 * together, like a connection's.
 */
void			 shm_backend_idle_up(struct shm *shm, unsigned wslot,
			    unsigned be);
void			 shm_backend_idle_down(struct shm *shm, unsigned wslot,
			    unsigned be);

/*
 * A worker whose last heartbeat is older than this has stopped or hung:
 * the others no longer leave it a share, and take its accept turn.
 */
#define LBD_SHM_STALE_MS	500

/* Worker: stamp its slot's heartbeat with now_ms (clock_ms()). */
void			 shm_worker_beat(struct shm *shm, unsigned wslot,
			    uint64_t now_ms);

/*
 * How many workers of generation have not beaten within LBD_SHM_STALE_MS
 * of now_ms: stopped or hung, they take no turn at accepting.  A worker
 * counts as fresh from its shm_worker_label() on.
 */
unsigned		 shm_workers_stale(struct shm *shm, unsigned generation,
			    uint64_t now_ms);

/*
 * The accept turn: only its holder polls the listening sockets, so a new
 * connection wakes one worker, not all.  try returns true when wslot holds
 * the turn (already, free, or taken from a holder whose heartbeat is
 * stale at now_ms); release gives it up if held.
 */
bool			 shm_accept_try(struct shm *shm, unsigned wslot,
			    uint64_t now_ms);
void			 shm_accept_release(struct shm *shm, unsigned wslot);

/*
 * Fold one response-time sample (microseconds) into a backend's moving
 * average, lock-free: each sample moves it 1/8 of the way.
 */
void			 shm_backend_sample_rt(struct shm_backend *b,
			    uint64_t us, uint64_t now_ms);

/*
 * Count a connect failure in b's passive window of window_ms (a stale
 * window restarts at now_ms); returns the failures in the window so far.
 */
unsigned		 shm_backend_count_fail(struct shm_backend *b,
			    uint64_t now_ms, uint64_t window_ms);

/* What the stats show of one worker slot. */
struct shm_worker_view {
	unsigned		id;		/* worker number, 1..workers */
	unsigned		generation;
	unsigned long long	accepted;	/* since it started */
	unsigned		conns;		/* open now */
};

/*
 * Master, before forking into wslot: which worker it will hold.  Its
 * heartbeat starts now, so that it has LBD_SHM_STALE_MS to start beating.
 */
void			 shm_worker_label(struct shm *shm, unsigned wslot,
			    unsigned id, unsigned generation);

/* Worker: one more connection accepted. */
void			 shm_worker_count_accept(struct shm *shm,
			    unsigned wslot);

/*
 * Master: whether the worker forked into wslot since its label has beaten
 * once, i.e. reached its loop.  Read from the region, so a worker could
 * lie; the master only uses it to wait before publishing a generation.
 */
bool			 shm_worker_has_beaten(struct shm *shm,
			    unsigned wslot);

/*
 * Read worker slot wslot (< LBD_SHM_WORKERS); false when it is free.  The
 * slot's owner and label are the master's; the counts are the worker's.
 */
bool			 shm_worker_read(struct shm *shm, unsigned wslot,
			    struct shm_worker_view *v);

/* Connections the worker of wslot holds now (its ledger). */
unsigned		 shm_worker_conns(struct shm *shm, unsigned wslot);

#endif /* LBD_SHM_H */
