/*
 * A backend as the workers see it through the shared region: whether it
 * may be chosen, its weight during slow start, its response-time estimate,
 * and the passive check that pauses it after repeated connect failures.
 */
#ifndef LBD_BACKEND_H
#define LBD_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

struct lbd;
struct service;
struct shm_backend;

/* Backend be of service s in the shared region. */
struct shm_backend *
		backend_shm(struct lbd *env, const struct service *s,
		    unsigned be);

/* Up by the checks and not paused by passive failures. */
bool		backend_is_up(struct lbd *env, const struct service *s,
		    unsigned be, uint64_t now_ms);

/* Weight in force (configured, or set over the control socket), >= 1. */
unsigned	backend_weight(struct lbd *env, const struct service *s,
		    unsigned be);

/*
 * Slow start: the share of its weight a backend back from down gets now,
 * in per mille, from 100 right after it came up to 1000 at the end of
 * health.slowstart.  1000 when not ramping.
 */
unsigned	backend_ramp(struct lbd *env, const struct service *s,
		    unsigned be, uint64_t now_ms);

/*
 * Mean response time (us) of the service's measured backends; 0 when
 * none has been measured yet.
 */
uint64_t	backend_rt_average(struct lbd *env, const struct service *s);

/*
 * Response-time estimate (us) of be: its moving average, pulled back
 * toward avg the longer it goes unmeasured (half the gap every
 * RT_HALFLIFE_MS), or avg itself when it has none.
 */
uint64_t	backend_rt(struct lbd *env, const struct service *s,
		    unsigned be, uint64_t avg, uint64_t now_ms);

/*
 * Count a failed connect for the passive check; the failure that reaches
 * max_fails within fail_timeout pauses the backend for fail_timeout, and
 * is logged.
 */
void		backend_connect_failed(struct lbd *env,
		    const struct service *s, unsigned be, const char *reason,
		    uint64_t now_ms);

#endif /* LBD_BACKEND_H */
