/*
 * HTTP mode's counters in the shared region (SPEC "HTTP mode", Metrics):
 * workers count, the master renders them in /metrics, /status.json, the
 * status page and "show backends".  Every call is a few relaxed atomic
 * adds, cheap enough for each request.  Services and backends are given
 * as the runtime's struct service and the backend's index in it.
 */
#ifndef LBD_HTTPSTAT_H
#define LBD_HTTPSTAT_H

#include <stdint.h>

struct lbd;
struct service;

/* A request head arrived (rejected ones too): lbd_http_requests_total. */
void	httpstat_request(struct lbd *env, const struct service *s);

/*
 * A final response was sent to the client, lbd's own answers included:
 * lbd_http_responses_total by class, and duration_us (first byte of the
 * request to the last byte of the response) into the service's
 * lbd_http_request_duration_seconds histogram.
 */
void	httpstat_response(struct lbd *env, const struct service *s,
	    unsigned code, uint64_t duration_us);

/* Backend be answered with a response head of code (1xx included). */
void	httpstat_backend_response(struct lbd *env, const struct service *s,
	    unsigned be, unsigned code);

/* A request went out on a reused pooled connection to backend be. */
void	httpstat_reuse(struct lbd *env, const struct service *s, unsigned be);

/*
 * The worker of shared-region slot wslot holds delta more (or fewer) idle
 * pooled connections to backend be: lbd_backend_idle_connections.  Kept
 * in the worker's ledger, so a dead worker's idle ones are taken back.
 */
void	httpstat_idle(struct lbd *env, unsigned wslot, const struct service *s,
	    unsigned be, int delta);

/* A request was sent again (keep-alive race): lbd_http_retries_total. */
void	httpstat_retry(struct lbd *env, const struct service *s);

/*
 * The duration histogram's bucket for a sample of us microseconds: the
 * first whose upper bound (inclusive, like Prometheus' le) holds it, the
 * last (+Inf) for anything longer.
 */
unsigned	 httpstat_bucket(uint64_t us);

/* Bucket i's upper bound as a Prometheus le label: "0.005" .. "+Inf". */
const char	*httpstat_bucket_le(unsigned i);

/* Response class index (0 = 1xx .. 4 = 5xx) of code; -1 outside 100..599. */
int		 httpstat_class(unsigned code);

#endif /* LBD_HTTPSTAT_H */
