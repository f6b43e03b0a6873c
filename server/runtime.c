/*
 * Building and swapping the runtime.  A swap is built whole on the side
 * (new listeners bound, new slots chosen) and committed only when every
 * step succeeded, so a failed reload changes nothing (nginx's
 * ngx_init_cycle).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "balance.h"
#include "clock.h"
#include "config.h"
#include "lbd.h"
#include "net.h"
#include "reload.h"
#include "runtime.h"
#include "shm.h"

#define LISTEN_BACKLOG	4096
#define STATS_BACKLOG	64
#define SLOT_FREE	0
#define SLOT_LIVE	UINT_MAX	/* used by the current generation */

/*
 * What the master set on a backend slot.  The region holds a copy for
 * the workers, but the workers can write it, so the master builds and
 * reports from this one and never reads its own values back.
 */
struct slot_control {
	unsigned		weight;		/* in force: configured or
						   set */
	bool			weight_set;	/* by control: kept by
						   reloads */
	enum backend_admin	admin;		/* by control */
	struct backend_config	file;		/* as the file last had it */
};

/*
 * The master's book of the shared slots.  Who uses each: SLOT_FREE,
 * SLOT_LIVE, or the last generation that used it, for slots a reload
 * left behind; and what the master set on each.
 */
struct runtime_slots {
	unsigned		be[LBD_SHM_BACKENDS];
	unsigned		svc[LBD_SHM_SERVICES];
	struct slot_control	ctl[LBD_SHM_BACKENDS];
	unsigned		weights_gen[LBD_SHM_SERVICES];
};

/*
 * A runtime being built, before it replaces the one in env.  It writes
 * nothing shared: the slots it takes and what goes into them are a plan
 * that build_publish() carries out once the whole build has succeeded.
 */
struct build {
	struct listener		*listeners;
	size_t			 nlisteners;
	bool			*opened;	/* bound by this build */
	struct service		*services;
	size_t			 nservices;
	int			 stats_fd;
	struct runtime_slots	 slots;
	bool			 fresh_be[LBD_SHM_BACKENDS];	/* to zero */
	bool			 fresh_svc[LBD_SHM_SERVICES];
};

static int
listen_on(const struct net_addr *a, int backlog, const char *what,
    char *err, size_t errlen)
{
	char	text[NET_ADDRSTRLEN];
	int	fd;

	if ((fd = net_listen(a, backlog)) == -1)
		snprintf(err, errlen, "cannot listen on %s: %s (%s)",
		    net_addr_format(a, text, sizeof(text)), strerror(errno),
		    what);
	return (fd);
}

/* Bind the new listeners, reusing the sockets reload kept. */
static int
build_listeners(struct build *b, const struct lbd *env,
    const struct config *c, const int *keep, char *err, size_t errlen)
{
	size_t	k = 0;

	for (size_t s = 0; s < c->nservices; s++)
		for (size_t j = 0; j < c->services[s].nlisten; j++, k++) {
			struct listener	*l = &b->listeners[k];

			l->service = (unsigned)s;
			l->addr = c->services[s].listen[j];
			if (keep != NULL && keep[k] != -1) {
				l->fd = env->listeners[keep[k]].fd;
				continue;
			}
			l->fd = listen_on(&l->addr, LISTEN_BACKLOG,
			    c->services[s].name, err, errlen);
			if (l->fd == -1)
				return (-1);
			b->opened[k] = true;
		}
	return (0);
}

/* The stats socket: kept when its address stays, else bound anew. */
static int
build_stats(struct build *b, const struct lbd *env, const struct config *c,
    char *err, size_t errlen)
{
	const struct config	*old = env->conf;

	b->stats_fd = -1;
	if (!c->has_stats)
		return (0);
	if (env->stats_fd != -1 && old != c && old->has_stats &&
	    net_addr_equal(&old->stats_listen, &c->stats_listen)) {
		b->stats_fd = env->stats_fd;
		return (0);
	}
	b->stats_fd = listen_on(&c->stats_listen, STATS_BACKLOG, "stats", err,
	    errlen);
	return (b->stats_fd == -1 ? -1 : 0);
}

/* A slot nobody can still be counting in: free, or left long enough. */
static int
slot_take(unsigned *book, size_t cap, unsigned oldest_live)
{
	for (size_t i = 0; i < cap; i++)
		if (book[i] == SLOT_FREE ||
		    (book[i] != SLOT_LIVE && book[i] < oldest_live)) {
			book[i] = SLOT_LIVE;
			return ((int)i);
		}
	return (-1);
}

/* Did the file change a backend's own keys since the last load? */
static bool
file_changed(const struct backend_config *was,
    const struct backend_config *now)
{
	return (was->weight != now->weight || was->maxconn != now->maxconn ||
	    was->backup != now->backup ||
	    strcmp(was->address, now->address) != 0);
}

/*
 * Give a backend a slot: its old one, or a fresh one to be zeroed.  What
 * control set on it (weight, maint, drain) outlives the reload unless the
 * file changed the backend's own keys: then the file wins.
 */
static int
backend_slot(struct build *b, const struct service *s, size_t j, int old,
    unsigned oldest_live)
{
	const struct backend_config	*bc = &s->conf->backends[j];
	struct slot_control		*ctl;
	int				 slot = old;

	if (slot == -1) {
		slot = slot_take(b->slots.be, LBD_SHM_BACKENDS, oldest_live);
		if (slot == -1)
			return (-1);
		b->fresh_be[slot] = true;
		memset(&b->slots.ctl[slot], 0, sizeof(b->slots.ctl[slot]));
	}
	ctl = &b->slots.ctl[slot];
	if (old != -1 && file_changed(&ctl->file, bc)) {
		ctl->weight_set = false;
		ctl->admin = ADMIN_UP;
	}
	ctl->file = *bc;
	if (!ctl->weight_set)
		ctl->weight = bc->weight;
	b->slots.be[slot] = SLOT_LIVE;
	return (slot);
}

static int
service_slot(struct build *b, int old, unsigned oldest_live)
{
	int	slot = old;

	if (slot == -1) {
		slot = slot_take(b->slots.svc, LBD_SHM_SERVICES, oldest_live);
		if (slot == -1)
			return (-1);
		b->fresh_svc[slot] = true;
		b->slots.weights_gen[slot] = 0;
	}
	b->slots.svc[slot] = SLOT_LIVE;
	return (slot);
}

/* s's balancer over the weights in force, as the master's book has them. */
static int
build_balance(struct build *b, struct service *s)
{
	unsigned	weights[LBD_MAX_BACKENDS];

	for (size_t j = 0; j < s->conf->nbackends; j++)
		weights[j] = b->slots.ctl[s->be_slot[j]].weight;
	if ((s->balance = balance_new(s->conf, weights)) == NULL)
		return (-1);
	s->weights_gen = b->slots.weights_gen[s->slot];
	return (0);
}

/*
 * Services with their slots and balancers.  be_old and svc_old hold the
 * slots reload matched (-1: none), or are NULL at first start.  -1 with
 * errno, ENOSPC when the shared region has no slot left.
 */
/*
 * Does a backend of s get the PROXY header?  Then each client connection
 * keeps its addresses, the one it connected to included (relay.c).
 */
static bool
sends_proxy(const struct service_config *s)
{
	for (size_t i = 0; i < s->nbackends; i++)
		if (s->backends[i].send_proxy != PROXY_NONE)
			return (true);
	return (false);
}

static int
build_services(struct build *b, const struct config *c, const int *be_old,
    const int *svc_old, unsigned oldest_live)
{
	size_t	k = 0;
	int	slot;

	for (size_t i = 0; i < c->nservices; i++) {
		struct service	*s = &b->services[i];

		s->conf = &c->services[i];
		s->sends_proxy = sends_proxy(s->conf);
		if ((slot = service_slot(b, svc_old ? svc_old[i] : -1,
		    oldest_live)) == -1)
			goto full;
		s->slot = (unsigned)slot;
		for (size_t j = 0; j < s->conf->nbackends; j++, k++) {
			slot = backend_slot(b, s, j, be_old ? be_old[k] : -1,
			    oldest_live);
			if (slot == -1)
				goto full;
			s->be_slot[j] = (unsigned)slot;
		}
		if (build_balance(b, s) == -1)
			return (-1);
	}
	return (0);
full:
	errno = ENOSPC;
	return (-1);
}

static void
publish_backend(const struct build *b, struct lbd *env,
    const struct service *s, size_t j)
{
	const struct slot_control	*ctl = &b->slots.ctl[s->be_slot[j]];
	struct shm_backend		*sb = shm_backend(env->shm,
					    s->be_slot[j]);

	/* Zero is BACKEND_DOWN: with checks, wait for the first pass. */
	if (b->fresh_be[s->be_slot[j]]) {
		memset(sb, 0, sizeof(*sb));
		shm_backend_set_changed(sb, clock_ms());
	}
	if (s->conf->health.type == HEALTH_NONE)
		shm_backend_set_state(sb, BACKEND_UP);
	shm_backend_set_weight(sb, ctl->weight);
	shm_backend_set_admin(sb, ctl->admin);
}

/*
 * Carry out the plan of a build that succeeded: zero the fresh slots, and
 * write what the master decides on every slot in use.  Written even when
 * unchanged, so that whatever a worker scribbled there is put right.
 */
static void
build_publish(const struct build *b, struct lbd *env)
{
	for (size_t i = 0; i < b->nservices; i++) {
		const struct service	*s = &b->services[i];

		if (b->fresh_svc[s->slot])
			memset(shm_service(env->shm, s->slot), 0,
			    sizeof(struct shm_service));
		shm_service_set_weights_gen(shm_service(env->shm, s->slot),
		    b->slots.weights_gen[s->slot]);
		for (size_t j = 0; j < s->conf->nbackends; j++)
			publish_backend(b, env, s, j);
	}
}

/*
 * Workers only: the weights come from the region, where any worker could
 * have put anything; balance_new() bounds them.  The master never calls
 * this: it builds from its book.
 */
int
runtime_rebalance(struct lbd *env, struct service *s)
{
	struct shm_service	*ss = shm_service(env->shm, s->slot);
	unsigned		 weights[LBD_MAX_BACKENDS];
	struct balance		*b;
	unsigned		 gen;

	gen = shm_service_weights_gen(ss);
	for (size_t j = 0; j < s->conf->nbackends; j++)
		weights[j] = shm_backend_weight(shm_backend(env->shm,
		    s->be_slot[j]));
	if ((b = balance_new(s->conf, weights)) == NULL)
		return (-1);
	balance_free(s->balance);
	s->balance = b;
	s->weights_gen = gen;
	return (0);
}

static size_t
count_listen(const struct config *c)
{
	size_t	n = 0;

	for (size_t i = 0; i < c->nservices; i++)
		n += c->services[i].nlisten;
	return (n);
}

static void
services_free(struct service *services, size_t n)
{
	if (services == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		balance_free(services[i].balance);
	free(services);
}

/* Undo a build that failed: close what it bound, free what it made. */
static void
build_abort(struct build *b, const struct lbd *env)
{
	for (size_t i = 0; i < b->nlisteners; i++)
		if (b->opened[i])
			close(b->listeners[i].fd);
	if (b->stats_fd != -1 && b->stats_fd != env->stats_fd)
		close(b->stats_fd);
	free(b->listeners);
	free(b->opened);
	services_free(b->services, b->nservices);
}

static int
build_alloc(struct build *b, const struct config *c)
{
	b->stats_fd = -1;
	b->nlisteners = count_listen(c);
	b->nservices = c->nservices;
	b->listeners = calloc(b->nlisteners, sizeof(*b->listeners));
	b->opened = calloc(b->nlisteners, sizeof(*b->opened));
	b->services = calloc(c->nservices, sizeof(*b->services));
	if (b->listeners == NULL || b->opened == NULL || b->services == NULL)
		return (-1);
	return (0);
}

/* What a reload matched in the running runtime; all NULL at first start. */
struct reuse {
	const int	*keep;		/* per new listener: old index, -1 */
	const int	*be_old;	/* per new backend: its slot, -1 */
	const int	*svc_old;	/* per new service: its slot, -1 */
	unsigned	 oldest_live;	/* older generations' slots are free */
};

/* Build c's runtime into b, reusing what r says; undone on failure. */
static int
build_all(struct build *b, struct lbd *env, const struct config *c,
    const struct reuse *r, char *err, size_t errlen)
{
	err[0] = '\0';
	if (build_alloc(b, c) == -1 ||
	    build_listeners(b, env, c, r->keep, err, errlen) == -1 ||
	    build_stats(b, env, c, err, errlen) == -1 ||
	    build_services(b, c, r->be_old, r->svc_old,
	    r->oldest_live) == -1) {
		if (err[0] == '\0')
			snprintf(err, errlen, "cannot build services: %s",
			    errno == ENOSPC ? "no free shared slot, old "
			    "workers hold the rest" : strerror(errno));
		build_abort(b, env);
		return (-1);
	}
	return (0);
}

/* Make the build the runtime of env, releasing what it replaces. */
static void
build_commit(struct build *b, struct lbd *env, const bool *close_old)
{
	build_publish(b, env);
	for (size_t i = 0; i < env->nlisteners; i++)
		if (close_old == NULL || close_old[i])
			close(env->listeners[i].fd);
	if (env->stats_fd != -1 && env->stats_fd != b->stats_fd)
		close(env->stats_fd);
	free(env->listeners);
	services_free(env->services, env->conf->nservices);
	env->listeners = b->listeners;
	env->nlisteners = b->nlisteners;
	env->services = b->services;
	env->stats_fd = b->stats_fd;
	*env->slots = b->slots;
	free(b->opened);
}

int
runtime_open(struct lbd *env, char *err, size_t errlen)
{
	struct build	b = { 0 };
	struct reuse	no_reload = { 0 };

	env->stats_fd = -1;
	if ((env->slots = calloc(1, sizeof(*env->slots))) == NULL ||
	    (env->shm = shm_create()) == NULL) {
		snprintf(err, errlen, "cannot map the shared region: %s",
		    strerror(errno));
		return (-1);
	}
	if (build_all(&b, env, env->conf, &no_reload, err, errlen) == -1)
		return (-1);
	build_commit(&b, env, NULL);
	return (0);
}

/* The slot book as a swap starts it: the current users become the past. */
static void
slots_age(struct runtime_slots *slots, unsigned generation)
{
	for (size_t i = 0; i < LBD_SHM_BACKENDS; i++)
		if (slots->be[i] == SLOT_LIVE)
			slots->be[i] = generation;
	for (size_t i = 0; i < LBD_SHM_SERVICES; i++)
		if (slots->svc[i] == SLOT_LIVE)
			slots->svc[i] = generation;
}

int
runtime_swap(struct lbd *env, struct config *new, unsigned oldest_live,
    char *err, size_t errlen)
{
	struct build	 b = { 0 };
	int		 keep[LBD_MAX_SERVICES * LBD_MAX_LISTEN];
	int		 be_old[LBD_MAX_SERVICES * LBD_MAX_BACKENDS];
	int		 svc_old[LBD_MAX_SERVICES];
	bool		 close_old[LBD_MAX_SERVICES * LBD_MAX_LISTEN];
	struct reuse	 rm = { keep, be_old, svc_old, oldest_live };

	reload_match_listeners(env->listeners, env->nlisteners, new, keep,
	    close_old);
	reload_match_backends(env->conf, env->services, new, be_old, svc_old);
	b.slots = *env->slots;
	slots_age(&b.slots, env->generation);
	if (build_all(&b, env, new, &rm, err, errlen) == -1)
		return (-1);
	build_commit(&b, env, close_old);
	config_free(env->conf);
	env->conf = new;
	env->generation++;
	return (0);
}

void
runtime_close_listeners(struct lbd *env)
{
	for (size_t i = 0; i < env->nlisteners; i++)
		close(env->listeners[i].fd);
	env->nlisteners = 0;
}

void
runtime_close(struct lbd *env)
{
	runtime_close_listeners(env);
	free(env->listeners);
	env->listeners = NULL;
	if (env->conf != NULL)
		services_free(env->services, env->conf->nservices);
	env->services = NULL;
	if (env->stats_fd != -1)
		close(env->stats_fd);
	env->stats_fd = -1;
	shm_destroy(env->shm);
	env->shm = NULL;
	free(env->slots);
	env->slots = NULL;
}

/* The master's control entry for backend j of s. */
static struct slot_control *
control_of(const struct lbd *env, const struct service *s, size_t j)
{
	return (&env->slots->ctl[s->be_slot[j]]);
}

void
runtime_set_weight(struct lbd *env, const struct service *s, size_t j,
    unsigned w)
{
	struct slot_control	*ctl = control_of(env, s, j);

	ctl->weight = w;
	ctl->weight_set = true;
	shm_backend_set_weight(shm_backend(env->shm, s->be_slot[j]), w);
	/* Workers rebuild their balancer when they see the new generation. */
	shm_service_set_weights_gen(shm_service(env->shm, s->slot),
	    ++env->slots->weights_gen[s->slot]);
}

void
runtime_set_admin(struct lbd *env, const struct service *s, size_t j,
    enum backend_admin a)
{
	control_of(env, s, j)->admin = a;
	shm_backend_set_admin(shm_backend(env->shm, s->be_slot[j]), a);
}

unsigned
runtime_weight(const struct lbd *env, const struct service *s, size_t j)
{
	return (control_of(env, s, j)->weight);
}

enum backend_admin
runtime_admin(const struct lbd *env, const struct service *s, size_t j)
{
	return (control_of(env, s, j)->admin);
}

bool
runtime_weight_is_set(const struct lbd *env, const struct service *s,
    size_t j)
{
	return (control_of(env, s, j)->weight_set);
}
