/*
 * Backend state read and written by the workers.  The active checker owns
 * the up/down state; workers own the passive pause and the response-time
 * average.  All of it lives in the shared region, so every worker sees the
 * failures and timings of all of them.
 */
#include <stdatomic.h>

#include "backend.h"
#include "balance.h"
#include "config.h"
#include "lbd.h"
#include "log.h"
#include "shm.h"

#define RT_HALFLIFE_MS	5000	/* an unmeasured estimate halves its gap */
#define RAMP_START	100	/* per mille of the weight, at slow start */

struct shm_backend *
backend_shm(struct lbd *env, const struct service *s, unsigned be)
{
	return (shm_backend(env->shm, s->be_slot[be]));
}

bool
backend_is_up(struct lbd *env, const struct service *s, unsigned be,
    uint64_t now_ms)
{
	struct shm_backend	*sb = backend_shm(env, s, be);

	if (atomic_load_explicit(&sb->state, memory_order_acquire) !=
	    BACKEND_UP || atomic_load_explicit(&sb->disabled,
	    memory_order_acquire))
		return (false);
	return (now_ms >= atomic_load_explicit(&sb->down_until_ms,
	    memory_order_acquire));
}

unsigned
backend_weight(struct lbd *env, const struct service *s, unsigned be)
{
	unsigned	w;

	w = atomic_load_explicit(&backend_shm(env, s, be)->weight,
	    memory_order_relaxed);
	return (w > 0 ? w : 1);
}

unsigned
backend_ramp(struct lbd *env, const struct service *s, unsigned be,
    uint64_t now_ms)
{
	struct shm_backend	*sb = backend_shm(env, s, be);
	uint64_t		 ramp = s->conf->health.slowstart_ms;
	uint64_t		 since, paused;

	since = atomic_load_explicit(&sb->up_since_ms, memory_order_relaxed);
	paused = atomic_load_explicit(&sb->down_until_ms,
	    memory_order_relaxed);
	if (paused > since)
		since = paused;		/* back from a passive pause */
	if (ramp == 0 || since == 0 || now_ms >= since + ramp)
		return (BALANCE_RAMP_FULL);
	return (RAMP_START + (unsigned)((BALANCE_RAMP_FULL - RAMP_START) *
	    (now_ms - since) / ramp));
}

uint64_t
backend_rt_average(struct lbd *env, const struct service *s)
{
	uint64_t	sum = 0, rt;
	unsigned	n = 0;

	for (size_t i = 0; i < s->conf->nbackends; i++) {
		rt = atomic_load_explicit(&backend_shm(env, s, i)->rt_us,
		    memory_order_relaxed);
		if (rt != 0) {
			sum += rt;
			n++;
		}
	}
	return (n == 0 ? 0 : sum / n);
}

uint64_t
backend_rt(struct lbd *env, const struct service *s, unsigned be,
    uint64_t avg, uint64_t now_ms)
{
	struct shm_backend	*sb = backend_shm(env, s, be);
	uint64_t		 rt, stamp, halvings;

	rt = atomic_load_explicit(&sb->rt_us, memory_order_relaxed);
	stamp = atomic_load_explicit(&sb->rt_stamp_ms, memory_order_relaxed);
	if (rt == 0 || avg == 0)
		return (rt == 0 ? avg : rt);
	halvings = now_ms > stamp ? (now_ms - stamp) / RT_HALFLIFE_MS : 0;
	if (halvings >= 63)
		return (avg);
	if (rt > avg)
		return (avg + ((rt - avg) >> halvings));
	return (avg - ((avg - rt) >> halvings));
}

void
backend_connect_failed(struct lbd *env, const struct service *s,
    unsigned be, const char *reason, uint64_t now_ms)
{
	const struct health_config	*hc = &s->conf->health;
	struct shm_backend		*sb = backend_shm(env, s, be);
	unsigned long long		 since;
	unsigned			 n;
	char				 why[LOG_VALUELEN];

	atomic_fetch_add_explicit(&sb->connect_failures, 1,
	    memory_order_relaxed);
	if (hc->max_fails == 0)
		return;
	since = atomic_load_explicit(&sb->fail_since_ms, memory_order_relaxed);
	/* A stale window restarts; the worker that restarts it resets it. */
	if (now_ms - since > hc->fail_timeout_ms &&
	    atomic_compare_exchange_strong(&sb->fail_since_ms, &since, now_ms))
		atomic_store_explicit(&sb->fails, 0, memory_order_relaxed);
	n = atomic_fetch_add_explicit(&sb->fails, 1, memory_order_relaxed) + 1;
	if (n != hc->max_fails)
		return;
	atomic_store_explicit(&sb->down_until_ms, now_ms + hc->fail_timeout_ms,
	    memory_order_release);
	log_warnx("backend down service=%s backend=%s reason=%s "
	    "failures=%u pause_ms=%llu", s->conf->name,
	    s->conf->backends[be].name, log_quote(why, sizeof(why), reason),
	    n, (unsigned long long)hc->fail_timeout_ms);
}
