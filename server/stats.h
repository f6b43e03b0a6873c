/*
 * The stats listener: a small HTTP/1.x server in the master's event loop.
 * GET /metrics answers the Prometheus text format from the shared region.
 */
#ifndef LBD_STATS_H
#define LBD_STATS_H

#include <stddef.h>

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
 * Render every metric as Prometheus text into a new buffer (caller frees)
 * and store its length in *len.  NULL with errno on failure.
 */
char		*stats_render_metrics(struct lbd *env, size_t *len);

#endif /* LBD_STATS_H */
