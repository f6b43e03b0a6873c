/*
 * The idle backend connection pool: see pool.h.
 *
 * One list per shared-region backend slot, newest first: a take reuses
 * the connection most recently proven alive, and the oldest ones, left
 * at the tail, expire or make room.  Lists are keyed by slot rather than
 * by struct service because slots are what stays a backend's identity
 * across reloads; each list remembers which (service index, backend
 * index) last put into it, and prune resolves that pair again to tell
 * whether the slot is still in env's configuration.
 *
 * Each idle connection carries its own expiry timer on the loop's heap
 * (O(log n) to arm and to disarm), so connections of one backend may
 * live different times (Keep-Alive timeout differs per response).  A
 * prune timer runs only while something is kept: an idle worker sleeps.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "backend.h"
#include "config.h"
#include "evloop.h"
#include "httpstat.h"
#include "lbd.h"
#include "log.h"
#include "pool.h"
#include "shm.h"

#define PRUNE_MS	500	/* a down backend's idle ones close within */

struct idle {
	TAILQ_ENTRY(idle)	 entry;		/* in its slot's list */
	struct pool		*p;
	struct evtimer		 expiry;
	int			 fd;
	unsigned		 slot;		/* shm backend slot */
};

struct idle_list {
	TAILQ_HEAD(idle_head, idle) head;	/* newest first */
	unsigned		 n;
	unsigned		 svc;		/* env->services index, and */
	unsigned		 be;		/* backend, of the last put */
};

struct pool {
	struct lbd		*env;
	struct evloop		*loop;
	unsigned		 wslot;
	unsigned		 count;		/* idle, all lists */
	struct evtimer		 prune;
	struct idle_list	 lists[LBD_SHM_BACKENDS];
};

static void	on_prune(struct evloop *, struct evtimer *, void *);

struct pool *
pool_new(struct lbd *env, struct evloop *loop, unsigned wslot)
{
	struct pool	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	p->env = env;
	p->loop = loop;
	p->wslot = wslot;
	evtimer_init(&p->prune, on_prune, p);
	for (size_t i = 0; i < LBD_SHM_BACKENDS; i++)
		TAILQ_INIT(&p->lists[i].head);
	return (p);
}

unsigned
pool_count(const struct pool *p)
{
	return (p->count);
}

/*
 * The service that list l's slot belongs to in env's configuration now,
 * or NULL when the slot left it (a reload rebuilt the services).
 */
static struct service *
list_service(struct pool *p, const struct idle_list *l, unsigned slot)
{
	struct lbd	*env = p->env;
	struct service	*s;

	if (env->services == NULL || l->svc >= env->conf->nservices)
		return (NULL);
	s = &env->services[l->svc];
	if (l->be >= s->conf->nbackends || s->be_slot[l->be] != slot)
		return (NULL);
	return (s);
}

/* Close a descriptor no one else shares: close(2) leaves epoll alone. */
static void
discard(struct pool *p, int fd)
{
	evloop_forget(p->loop, fd);
	close(fd);
}

/* Take i off its list and the books; its fd stays open. */
static int
unlink_idle(struct idle *i)
{
	struct pool		*p = i->p;
	struct idle_list	*l = &p->lists[i->slot];
	struct service		*s = list_service(p, l, i->slot);
	int			 fd = i->fd;

	TAILQ_REMOVE(&l->head, i, entry);
	l->n--;
	p->count--;
	evloop_timer_del(p->loop, &i->expiry);
	/* A slot that left the configuration has no gauge left to lower. */
	if (s != NULL)
		httpstat_idle(p->env, p->wslot, s, l->be, -1);
	if (p->count == 0)
		evloop_timer_del(p->loop, &p->prune);
	free(i);
	return (fd);
}

static void
drop(struct idle *i)
{
	struct pool	*p = i->p;

	discard(p, unlink_idle(i));
}

/*
 * An idle connection is readable: the backend closed or reset it, or sent
 * bytes no request asked for.  Either way it cannot carry a request.  A
 * peek tells those from an event that was pending for the descriptor's
 * previous owner in this round and is stale by now (nothing to read).
 */
static void
on_idle_event(struct evloop *loop, int fd, int events, void *arg)
{
	char	c;

	(void)loop;
	if (events == EV_READ && recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) ==
	    -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	drop(arg);
}

static void
on_expiry(struct evloop *loop, struct evtimer *t, void *arg)
{
	(void)loop;
	(void)t;
	drop(arg);
}

/* A taken descriptor's events reached the pool: its taker broke pool.h. */
static void
on_taken_event(struct evloop *loop, int fd, int events, void *arg)
{
	(void)loop;
	(void)events;
	(void)arg;
	errno = EINVAL;
	fatal("%s: fd %d left the pool but was not taken over", __func__,
	    fd);
}

int
pool_take(struct pool *p, struct service *svc, unsigned be)
{
	struct idle	*i;
	int		 fd;

	if ((i = TAILQ_FIRST(&p->lists[svc->be_slot[be]].head)) == NULL)
		return (-1);
	fd = unlink_idle(i);
	/* Same mask: no system call, and the taker's evloop_set() neither. */
	if (evloop_set(p->loop, fd, EV_READ, on_taken_event, p) == -1)
		fatal("%s: evloop_set", __func__);
	httpstat_reuse(p->env, svc, be);
	return (fd);
}

/* May a connection to be of svc be kept for ttl_ms and uses_left? */
static bool
may_keep(struct pool *p, struct service *svc, unsigned be, uint64_t ttl_ms,
    long uses_left)
{
	struct lbd	*env = p->env;

	if (ttl_ms == 0 || uses_left == 0 || svc->conf->http.pool == 0)
		return (false);
	/* A reload made this worker old: it starts no new requests. */
	if (shm_global_generation(shm_global(env->shm)) != env->generation)
		return (false);
	return (backend_is_up(env, svc, be, evloop_now(p->loop)));
}

/* Make room in l for one more under svc's http.pool: the oldest go. */
static void
make_room(struct idle_list *l, const struct service *svc)
{
	while (l->n > 0 && l->n >= svc->conf->http.pool)
		drop(TAILQ_LAST(&l->head, idle_head));
}

/* Put i at the head of its list, on the books, with its timers. */
static int
link_idle(struct pool *p, struct idle *i, struct service *svc, unsigned be,
    uint64_t ttl_ms)
{
	struct idle_list	*l = &p->lists[i->slot];
	uint64_t		 now = evloop_now(p->loop);

	if (evloop_set(p->loop, i->fd, EV_READ, on_idle_event, i) == -1 ||
	    evloop_timer_add(p->loop, &i->expiry, now + ttl_ms) == -1)
		return (-1);
	if (!evtimer_is_armed(&p->prune) &&
	    evloop_timer_add(p->loop, &p->prune, now + PRUNE_MS) == -1)
		log_warn("%s: evloop_timer_add", __func__);
	TAILQ_INSERT_HEAD(&l->head, i, entry);
	l->n++;
	l->svc = (unsigned)(svc - p->env->services);
	l->be = be;
	p->count++;
	httpstat_idle(p->env, p->wslot, svc, be, 1);
	return (0);
}

void
pool_put(struct pool *p, struct service *svc, unsigned be, int fd,
    uint64_t ttl_ms, long uses_left)
{
	struct idle	*i;

	if (!may_keep(p, svc, be, ttl_ms, uses_left)) {
		discard(p, fd);
		return;
	}
	make_room(&p->lists[svc->be_slot[be]], svc);
	if ((i = calloc(1, sizeof(*i))) == NULL) {
		discard(p, fd);
		return;
	}
	i->p = p;
	i->fd = fd;
	i->slot = svc->be_slot[be];
	evtimer_init(&i->expiry, on_expiry, i);
	if (link_idle(p, i, svc, be, ttl_ms) == -1) {
		evloop_timer_del(p->loop, &i->expiry);
		free(i);
		discard(p, fd);
	}
}

/* Close all of l's connections. */
static void
drop_all(struct idle_list *l)
{
	struct idle	*i;

	while ((i = TAILQ_FIRST(&l->head)) != NULL)
		drop(i);
}

void
pool_prune(struct pool *p, uint64_t now_ms)
{
	struct lbd		*env = p->env;
	struct idle_list	*l;
	struct service		*s;
	bool			 old;

	if (p->count == 0)
		return;
	old = shm_global_generation(shm_global(env->shm)) != env->generation;
	for (unsigned slot = 0; slot < LBD_SHM_BACKENDS; slot++) {
		l = &p->lists[slot];
		if (l->n == 0)
			continue;
		s = list_service(p, l, slot);
		if (old || s == NULL || !backend_is_up(env, s, l->be, now_ms))
			drop_all(l);
	}
}

static void
on_prune(struct evloop *loop, struct evtimer *t, void *arg)
{
	struct pool	*p = arg;

	pool_prune(p, evloop_now(loop));
	if (p->count > 0 && evloop_timer_add(loop, t, evloop_now(loop) +
	    PRUNE_MS) == -1)
		log_warn("%s: evloop_timer_add", __func__);
}

void
pool_free(struct pool *p)
{
	if (p == NULL)
		return;
	for (unsigned slot = 0; slot < LBD_SHM_BACKENDS; slot++)
		drop_all(&p->lists[slot]);
	evloop_timer_del(p->loop, &p->prune);
	free(p);
}
