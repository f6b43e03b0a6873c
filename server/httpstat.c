/*
 * HTTP counters: see httpstat.h.
 *
 * XXX A stand-in that counts nothing, so that HTTP mode and the pool can
 * call the interface while the counters and their rendering are written
 * (issue 11).
 */
#include "httpstat.h"

void
httpstat_request(struct lbd *env, const struct service *s)
{
	(void)env;
	(void)s;
}

void
httpstat_response(struct lbd *env, const struct service *s, unsigned code,
    uint64_t duration_us)
{
	(void)env;
	(void)s;
	(void)code;
	(void)duration_us;
}

void
httpstat_backend_response(struct lbd *env, const struct service *s,
    unsigned be, unsigned code)
{
	(void)env;
	(void)s;
	(void)be;
	(void)code;
}

void
httpstat_reuse(struct lbd *env, const struct service *s, unsigned be)
{
	(void)env;
	(void)s;
	(void)be;
}

void
httpstat_idle(struct lbd *env, unsigned wslot, const struct service *s,
    unsigned be, int delta)
{
	(void)env;
	(void)wslot;
	(void)s;
	(void)be;
	(void)delta;
}

void
httpstat_retry(struct lbd *env, const struct service *s)
{
	(void)env;
	(void)s;
}
