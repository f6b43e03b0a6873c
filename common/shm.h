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

struct shm_backend {
	_Alignas(64)
	atomic_int	 state;		/* master/checker; release, acquire */
	atomic_uint	 active;	/* workers; relaxed; master reclaims */
	atomic_ullong	 total;		/* workers; relaxed; connects made */
	atomic_ullong	 connect_failures; /* workers; relaxed */
	atomic_ullong	 bytes_in;	/* workers; relaxed; client->backend */
	atomic_ullong	 bytes_out;	/* workers; relaxed; backend->client */
	atomic_ullong	 rt_us;		/* workers; relaxed; EWMA, 0 = none */
	atomic_ullong	 rt_stamp_ms;	/* workers; relaxed; last sample */
	atomic_ullong	 up_since_ms;	/* checker; relaxed; 0 = from start */
	atomic_ullong	 down_until_ms;	/* workers, checker; release, acquire;
					   passive pause, 0 = none */
	atomic_ullong	 fail_since_ms;	/* workers; relaxed; passive window */
	atomic_uint	 fails;		/* workers; relaxed; in that window */
	atomic_uint	 weight;	/* master; relaxed; balanced with */
	atomic_int	 weight_set;	/* master; relaxed; by control: kept */
	atomic_int	 disabled;	/* master; release, acquire; control */
};

struct shm_service {
	_Alignas(64)
	atomic_ullong	 rr_cursor;	/* workers; relaxed; primaries' WRR */
	atomic_ullong	 rr_backup;	/* workers; relaxed; backups' WRR */
	atomic_uint	 active;	/* workers; relaxed; master reclaims */
	atomic_ullong	 total;		/* workers; relaxed; accepted */
	atomic_ullong	 rejected;	/* workers; relaxed; no backend */
	atomic_uint	 weights_gen;	/* master; release, acquire; bumped
					   when a weight changes */
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

struct shm;

/* Map a zeroed region.  NULL with errno on failure. */
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
 * Master, after reaping the worker of wslot: take its ledger (connections
 * it still held) off every shared count, give back the accept turn if it
 * held it, and free the slot.
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
/* Take a connection slot on a backend; false when it is at maxconn. */
bool			 shm_backend_acquire(struct shm *shm, unsigned wslot,
			    unsigned be, unsigned maxconn);
void			 shm_backend_release(struct shm *shm, unsigned wslot,
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

/* Read worker slot wslot (< LBD_SHM_WORKERS); false when it is free. */
bool			 shm_worker_read(struct shm *shm, unsigned wslot,
			    struct shm_worker_view *v);

/* Connections the worker of wslot holds now (its ledger). */
unsigned		 shm_worker_conns(struct shm *shm, unsigned wslot);

#endif /* LBD_SHM_H */
