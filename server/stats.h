/*
 * The stats listener: GET /metrics (Prometheus text), GET / (a page to
 * read at a glance) and GET /status.json, served from the master's loop.
 */
#ifndef LBD_STATS_H
#define LBD_STATS_H

#include <stdint.h>

struct evloop;
struct lbd;

struct stats;

/*
 * Serve env->stats_fd from loop.  NULL with errno on failure; free with
 * stats_free, which closes every open stats connection.
 */
struct stats	*stats_new(struct lbd *env, struct evloop *loop);
void		 stats_free(struct stats *st);

/*
 * Close the connections quiet for env->admin_timeout_ms at now_ms, or
 * whose request head is not whole that long after its first byte.  NULL
 * is allowed.
 */
void		 stats_sweep(struct stats *st, uint64_t now_ms);

#endif /* LBD_STATS_H */
