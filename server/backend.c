/*
 * Backend state read and written by the workers.  The active checker owns
 * the up/down state; workers own the passive pause and the response-time
 * average.  All of it lives in the shared region, so every worker sees the
 * failures and timings of all of them.
 */
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

	if (shm_backend_state(sb) != BACKEND_UP ||
	    shm_backend_is_disabled(sb))
		return (false);
	return (now_ms >= shm_backend_paused_until(sb));
}

unsigned
backend_weight(struct lbd *env, const struct service *s, unsigned be)
{
	unsigned	w;

	w = shm_backend_weight(backend_shm(env, s, be));
	return (w > 0 ? w : 1);
}

unsigned
backend_ramp(struct lbd *env, const struct service *s, unsigned be,
    uint64_t now_ms)
{
	struct shm_backend	*sb = backend_shm(env, s, be);
	uint64_t		 ramp = s->conf->health.slowstart_ms;
	uint64_t		 since, paused;

	since = shm_backend_up_since(sb);
	paused = shm_backend_paused_until(sb);
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
		rt = shm_backend_rt(backend_shm(env, s, i));
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

	rt = shm_backend_rt(sb);
	stamp = shm_backend_rt_stamp(sb);
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
	unsigned			 n;
	char				 why[LOG_VALUELEN];

	shm_backend_count_connect_failure(sb);
	if (hc->max_fails == 0)
		return;
	n = shm_backend_count_fail(sb, now_ms, hc->fail_timeout_ms);
	if (n != hc->max_fails)
		return;
	shm_backend_set_paused_until(sb, now_ms + hc->fail_timeout_ms);
	log_warnx("backend down service=%s backend=%s reason=%s "
	    "failures=%u pause_ms=%llu", s->conf->name,
	    s->conf->backends[be].name, log_quote(why, sizeof(why), reason),
	    n, (unsigned long long)hc->fail_timeout_ms);
}
