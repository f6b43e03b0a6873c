/*
 * HTTP counters: see httpstat.h.  Each call is one or two relaxed adds on
 * the service's or backend's HTTP cache line; the master sums nothing at
 * request time, and reads the counts only to print them.
 */
#include <stddef.h>

#include "backend.h"
#include "config.h"
#include "httpstat.h"
#include "lbd.h"
#include "shm.h"

/*
 * Upper bounds of the duration buckets, in microseconds, and the same as
 * Prometheus le labels; the last bucket (+Inf) has no bound.  From 5 ms
 * (a cached answer on a LAN) to 10 s (the default http_request timeout).
 */
static const struct {
	uint64_t	 us;
	const char	*le;
} buckets[LBD_SHM_HTTP_BUCKETS] = {
	{ 5000, "0.005" }, { 10000, "0.01" }, { 25000, "0.025" },
	{ 50000, "0.05" }, { 100000, "0.1" }, { 250000, "0.25" },
	{ 500000, "0.5" }, { 1000000, "1" }, { 2500000, "2.5" },
	{ 5000000, "5" }, { 10000000, "10" }, { UINT64_MAX, "+Inf" },
};

unsigned
httpstat_bucket(uint64_t us)
{
	unsigned	i;

	for (i = 0; i < LBD_SHM_HTTP_BUCKETS - 1; i++)
		if (us <= buckets[i].us)
			break;
	return (i);
}

const char *
httpstat_bucket_le(unsigned i)
{
	return (i < LBD_SHM_HTTP_BUCKETS ? buckets[i].le : "+Inf");
}

int
httpstat_class(unsigned code)
{
	if (code < 100 || code > 599)
		return (-1);
	return ((int)(code / 100) - 1);
}

/* Backend be of s, or NULL when be is not one of its backends. */
static struct shm_backend *
backend_of(struct lbd *env, const struct service *s, unsigned be)
{
	if (be >= s->conf->nbackends)
		return (NULL);
	return (backend_shm(env, s, be));
}

void
httpstat_request(struct lbd *env, const struct service *s)
{
	shm_service_count_http_request(shm_service(env->shm, s->slot));
}

void
httpstat_response(struct lbd *env, const struct service *s, unsigned code,
    uint64_t duration_us)
{
	struct shm_service	*sh = shm_service(env->shm, s->slot);
	int			 cls;

	if ((cls = httpstat_class(code)) != -1)
		shm_service_count_http_response(sh, cls);
	shm_service_count_http_duration(sh, httpstat_bucket(duration_us),
	    duration_us);
}

void
httpstat_backend_response(struct lbd *env, const struct service *s,
    unsigned be, unsigned code)
{
	struct shm_backend	*sb;
	int			 cls;

	if ((sb = backend_of(env, s, be)) != NULL &&
	    (cls = httpstat_class(code)) != -1)
		shm_backend_count_http_response(sb, cls);
}

void
httpstat_reuse(struct lbd *env, const struct service *s, unsigned be)
{
	struct shm_backend	*sb;

	if ((sb = backend_of(env, s, be)) != NULL)
		shm_backend_count_http_reuse(sb);
}

/* A delta of more than one moves the gauge one step at a time. */
void
httpstat_idle(struct lbd *env, unsigned wslot, const struct service *s,
    unsigned be, int delta)
{
	if (be >= s->conf->nbackends || wslot >= LBD_SHM_WORKERS)
		return;
	for (; delta > 0; delta--)
		shm_backend_idle_up(env->shm, wslot, s->be_slot[be]);
	for (; delta < 0; delta++)
		shm_backend_idle_down(env->shm, wslot, s->be_slot[be]);
}

void
httpstat_retry(struct lbd *env, const struct service *s)
{
	shm_service_count_http_retry(shm_service(env->shm, s->slot));
}
