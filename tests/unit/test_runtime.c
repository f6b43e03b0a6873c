/*
 * The runtime build against a real shared region: a reload that fails
 * writes nothing shared, and the master builds from its own book, not
 * from what a worker may have written into the region.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "balance.h"
#include "config.h"
#include "lbd.h"
#include "runtime.h"
#include "shm.h"
#include "status.h"
#include "unit.h"

#define FILL		4	/* services that fill the backend slots */
#define KEEP_CHECKED	HEALTH_HTTP

/* 127.0.0.1 on a port the kernel picks: tests never collide. */
static void
any_port(struct net_addr *a)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&a->ss;

	memset(a, 0, sizeof(*a));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->len = sizeof(*sin);
}

/* Service i of c: name, n backends "prefix<j>" of weight w, check ht. */
static int
add_service(struct config *c, const char *name, size_t n, const char *prefix,
    unsigned w, enum health_type ht)
{
	struct service_config	*sc = &c->services[c->nservices++];

	snprintf(sc->name, sizeof(sc->name), "%s", name);
	any_port(&sc->listen[0]);
	sc->nlisten = 1;
	sc->health.type = ht;
	if ((sc->backends = calloc(n, sizeof(*sc->backends))) == NULL)
		return (-1);
	for (size_t j = 0; j < n; j++) {
		snprintf(sc->backends[j].name, LBD_NAMELEN, "%s%zu", prefix,
		    j);
		sc->backends[j].weight = w;
	}
	sc->nbackends = n;
	return (0);
}

/*
 * Service "keep" (backend "k0" of weight w, check ht), then up to FILL
 * services of up to LBD_MAX_BACKENDS backends "<prefix><j>", fill in all.
 */
static struct config *
make_config(unsigned w, enum health_type ht, const char *prefix,
    size_t fill)
{
	struct config	*c;
	char		 name[16];
	size_t		 n;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->services = calloc(1 + FILL, sizeof(*c->services))) == NULL) {
		free(c);
		return (NULL);
	}
	c->workers = 1;
	if (add_service(c, "keep", 1, "k", w, ht) == -1)
		goto fail;
	for (size_t i = 0; i < FILL && fill > 0; i++, fill -= n) {
		n = fill < LBD_MAX_BACKENDS ? fill : LBD_MAX_BACKENDS;
		snprintf(name, sizeof(name), "fill%zu", i);
		if (add_service(c, name, n, prefix, 1, HEALTH_NONE) == -1)
			goto fail;
	}
	return (c);
fail:
	config_free(c);
	return (NULL);
}

static struct shm_backend *
keep_slot(struct lbd *env)
{
	return (shm_backend(env->shm, env->services[0].be_slot[0]));
}

/* Start env on c, as the master does before its first fork. */
static int
env_open(struct lbd *env, struct config *c)
{
	char	err[LBD_ERRLEN];

	memset(env, 0, sizeof(*env));
	env->conf = c;
	env->generation = 1;
	env->ready_fd = env->pidfile_fd = -1;
	if (runtime_open(env, err, sizeof(err)) == -1) {
		fprintf(stderr, "runtime_open: %s\n", err);
		return (-1);
	}
	return (0);
}

static void
env_close(struct lbd *env)
{
	runtime_close(env);
	config_free(env->conf);
}

/*
 * The build fails after the kept backend's slot step (the fill services
 * find no free slot): its weight, state and counts must be as before, and
 * env still the old runtime.
 */
static void
test_failed_reload_writes_nothing(void)
{
	struct lbd		 env;
	struct config		*gen2, *gen3;
	struct shm_backend	*sb;
	char			 err[LBD_ERRLEN];

	CU_ASSERT_FATAL((gen2 = make_config(1, KEEP_CHECKED, "b", 1023)) !=
	    NULL);
	CU_ASSERT_FATAL((gen3 = make_config(7, HEALTH_NONE, "c", 1023)) !=
	    NULL);
	CU_ASSERT_FATAL(env_open(&env, make_config(1, KEEP_CHECKED, "a",
	    1023)) == 0);
	/* Generation 1 stays alive: its 1024 slots are not free again. */
	CU_ASSERT_FATAL(runtime_swap(&env, gen2, 1, err, sizeof(err)) == 0);
	sb = keep_slot(&env);
	CU_ASSERT_EQUAL(shm_backend_state(sb), BACKEND_DOWN);	/* checked */
	for (int i = 0; i < 5; i++)
		shm_backend_count_connect(sb);

	/* 2047 slots taken, 1 free: gen3's 1023 new backends do not fit. */
	CU_ASSERT_EQUAL(runtime_swap(&env, gen3, 1, err, sizeof(err)), -1);
	CU_ASSERT(strstr(err, "no free shared slot") != NULL);
	CU_ASSERT_EQUAL(shm_backend_weight(sb), 1);
	CU_ASSERT_EQUAL(shm_backend_state(sb), BACKEND_DOWN);
	CU_ASSERT_EQUAL(shm_backend_total(sb), 5);
	CU_ASSERT_EQUAL(runtime_weight(&env, &env.services[0], 0), 1);
	CU_ASSERT_EQUAL(env.generation, 2);
	CU_ASSERT_PTR_EQUAL(env.conf, gen2);
	config_free(gen3);
	env_close(&env);
}

/*
 * A weight and maint set over control outlive a reload that leaves the
 * backend's keys in the file as they were; a new backend's do not; and a
 * reload that changes the backend's weight in the file drops both.
 */
static void
test_control_weight_kept(void)
{
	struct lbd	 env;
	struct config	*same, *changed;
	char		 err[LBD_ERRLEN];

	CU_ASSERT_FATAL((same = make_config(1, HEALTH_NONE, "a", 2)) != NULL);
	CU_ASSERT_FATAL((changed = make_config(3, HEALTH_NONE, "a",
	    2)) != NULL);
	CU_ASSERT_FATAL(env_open(&env, make_config(1, HEALTH_NONE, "a",
	    2)) == 0);
	runtime_set_weight(&env, &env.services[0], 0, 9);
	runtime_set_admin(&env, &env.services[0], 0, ADMIN_MAINT);
	CU_ASSERT_EQUAL(shm_backend_weight(keep_slot(&env)), 9);
	CU_ASSERT_EQUAL(shm_service_weights_gen(shm_service(env.shm,
	    env.services[0].slot)), 1);
	CU_ASSERT_FATAL(runtime_swap(&env, same, 1, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(shm_backend_weight(keep_slot(&env)), 9);
	CU_ASSERT_TRUE(shm_backend_is_disabled(keep_slot(&env)));
	CU_ASSERT_EQUAL(runtime_weight(&env, &env.services[0], 0), 9);
	CU_ASSERT_TRUE(runtime_weight_is_set(&env, &env.services[0], 0));
	CU_ASSERT_EQUAL(runtime_admin(&env, &env.services[0], 0), ADMIN_MAINT);
	CU_ASSERT_EQUAL(shm_backend_state(keep_slot(&env)), BACKEND_UP);
	CU_ASSERT_EQUAL(runtime_weight(&env, &env.services[1], 1), 1);
	CU_ASSERT_FATAL(runtime_swap(&env, changed, 2, err, sizeof(err)) ==
	    0);
	CU_ASSERT_EQUAL(shm_backend_weight(keep_slot(&env)), 3);
	CU_ASSERT_FALSE(shm_backend_is_disabled(keep_slot(&env)));
	CU_ASSERT_FALSE(runtime_weight_is_set(&env, &env.services[0], 0));
	CU_ASSERT_EQUAL(runtime_admin(&env, &env.services[0], 0), ADMIN_UP);
	env_close(&env);
}

static bool
all_usable(unsigned be, void *arg)
{
	(void)be;
	(void)arg;
	return (true);
}

static void
full_load(unsigned be, void *arg, struct balance_load *out)
{
	(void)be;
	(void)arg;
	memset(out, 0, sizeof(*out));
	out->weight = 1;
	out->ramp = BALANCE_RAMP_FULL;
}

/* Picks of service 1 (weights 2 and 1) in one period: 2 then 1. */
static bool
picks_follow_config(const struct service *s)
{
	atomic_ullong		cursor = 0;
	uint64_t		rng = 1;
	struct balance_input	in = { &cursor, &rng, 0, all_usable,
				    full_load, NULL };
	int			n[2] = { 0, 0 }, be;

	for (int i = 0; i < 3; i++) {
		if ((be = balance_pick(s->balance, POOL_PRIMARY, &in)) < 0 ||
		    be > 1)
			return (false);
		n[be]++;
	}
	return (n[0] == 2 && n[1] == 1);
}

/* What the master reports carries its own weight, not the region's. */
static bool
status_shows_weight(struct lbd *env, const char *want)
{
	struct status	*st;
	char		*text = NULL;
	size_t		 len = 0;
	FILE		*f;
	bool		 ok;

	if ((st = status_take(env)) == NULL ||
	    (f = open_memstream(&text, &len)) == NULL) {
		status_free(st);
		return (false);
	}
	ok = status_json(st, f) == 0 && status_metrics(st, f) == 0;
	fclose(f);
	ok = ok && strstr(text, want) != NULL;
	free(text);
	status_free(st);
	return (ok);
}

/*
 * The child half of the test below: reload over a region full of 0xff,
 * then check what was built.  Exits 0 when all is well.
 */
static void
reload_over_garbage(struct lbd *env, struct config *next)
{
	char			 err[LBD_ERRLEN];
	const struct service	*s;

	alarm(20);		/* the old code took many seconds, or GBs */
	if (runtime_swap(env, next, env->generation, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "runtime_swap: %s\n", err);
		_exit(1);
	}
	s = &env->services[1];
	if (!picks_follow_config(s) ||
	    shm_backend_weight(shm_backend(env->shm, s->be_slot[0])) != 2 ||
	    runtime_weight(env, s, 0) != 2 ||
	    !status_shows_weight(env, "\"name\":\"a0\",\"address\":\"\","
	    "\"state\":\"up\",\"up\":true,\"backup\":false,\"weight\":2,"))
		_exit(2);
	_exit(0);
}

/*
 * A worker can write anything anywhere in the region.  Here every
 * backend, service and global slot is 0xff bytes (weight 4294967295,
 * flags set), then the master reloads.  The reload must be quick and
 * build, publish and report the configured weights.
 */
static void
test_reload_over_garbage(void)
{
	struct lbd	 env;
	struct config	*c, *next;
	pid_t		 pid;
	int		 status;

	CU_ASSERT_FATAL((c = make_config(1, HEALTH_NONE, "a", 2)) != NULL);
	CU_ASSERT_FATAL((next = make_config(1, HEALTH_NONE, "a", 2)) !=
	    NULL);
	c->services[1].backends[0].weight = 2;
	next->services[1].backends[0].weight = 2;
	CU_ASSERT_FATAL(env_open(&env, c) == 0);
	for (unsigned i = 0; i < LBD_SHM_BACKENDS; i++)
		memset(shm_backend(env.shm, i), 0xff,
		    sizeof(struct shm_backend));
	for (unsigned i = 0; i < LBD_SHM_SERVICES; i++)
		memset(shm_service(env.shm, i), 0xff,
		    sizeof(struct shm_service));
	memset(shm_global(env.shm), 0xff, sizeof(struct shm_global));
	/* Backend a0 is "up" only if the master rewrote state and disabled. */
	for (unsigned i = 0; i < LBD_SHM_BACKENDS; i++)
		shm_backend_set_paused_until(shm_backend(env.shm, i), 0);
	if ((pid = fork()) == 0)
		reload_over_garbage(&env, next);
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	config_free(next);
	env_close(&env);
}

int
test_runtime_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("runtime", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "failed reload writes nothing shared",
	    test_failed_reload_writes_nothing) == NULL ||
	    CU_add_test(s, "control weight kept across reload",
	    test_control_weight_kept) == NULL ||
	    CU_add_test(s, "reload over a scribbled region",
	    test_reload_over_garbage) == NULL)
		return (-1);
	return (0);
}
