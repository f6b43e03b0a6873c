/*
 * The idle backend connection pool: see pool.h.
 *
 * XXX A stand-in that keeps nothing (every put closes, every take finds
 * nothing), so that HTTP mode can be built against the interface while
 * the pool itself is written (issue 11).
 */
#include <stdlib.h>
#include <unistd.h>

#include "pool.h"

struct pool {
	unsigned	count;
};

struct pool *
pool_new(struct lbd *env, struct evloop *loop, unsigned wslot)
{
	(void)env;
	(void)loop;
	(void)wslot;
	return (calloc(1, sizeof(struct pool)));
}

void
pool_free(struct pool *p)
{
	free(p);
}

int
pool_take(struct pool *p, struct service *svc, unsigned be)
{
	(void)p;
	(void)svc;
	(void)be;
	return (-1);
}

void
pool_put(struct pool *p, struct service *svc, unsigned be, int fd,
    uint64_t ttl_ms, long uses_left)
{
	(void)p;
	(void)svc;
	(void)be;
	(void)ttl_ms;
	(void)uses_left;
	close(fd);
}

void
pool_prune(struct pool *p, uint64_t now_ms)
{
	(void)p;
	(void)now_ms;
}

unsigned
pool_count(const struct pool *p)
{
	return (p->count);
}
