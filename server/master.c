/*
 * Master loop, nginx's shape: signal handlers set flags; the loop blocks
 * signals, acts on each flag with one function, then waits in ppoll(2)
 * (through evloop_wait) with them unblocked, serving the stats socket
 * meanwhile.  Workers that die are respawned; one that dies soon after
 * starting waits twice as long each time, up to RESPAWN_MAX_MS.
 *
 * A reload goes in three steps, none of which stops the loop: a child
 * parses the file (confload.c); the new runtime is swapped in and its
 * children forked; once all of them run, the new generation is
 * published in the shared region, which is when the old workers stop
 * accepting.  So a reload never leaves fewer accepting workers than
 * there were, even when old generations still finishing connections
 * hold the shared worker slots: then the oldest of them is closed.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "balance.h"
#include "clock.h"
#include "config.h"
#include "config_pack.h"
#include "confload.h"
#include "control.h"
#include "daemon.h"
#include "evloop.h"
#include "health.h"
#include "lbd.h"
#include "log.h"
#include "master.h"
#include "net.h"
#include "proc.h"
#include "runtime.h"
#include "shm.h"
#include "stats.h"

#define FAST_DEATH_MS		2000	/* died this soon: back off */
#define RESPAWN_FIRST_MS	100
#define RESPAWN_MAX_MS		10000
#define TICK_MS			1000
#define FD_MARGIN		256	/* logs, checks, stats, control */
#define RESPAWN_RETRY_MS	1000	/* after a fork(2) that failed */
#define MAX_OLD_GENERATIONS	3	/* draining at once after a burst */
#define LOOP_MAXFDS_CAP		(1 << 20)
#define START_POLL_MS		10	/* new workers: running yet? */

static volatile sig_atomic_t	got_chld;
static volatile sig_atomic_t	got_term;
static volatile sig_atomic_t	got_int;
static volatile sig_atomic_t	got_hup;
static volatile sig_atomic_t	got_usr1;

struct master {
	struct lbd	*env;
	struct evloop	*loop;
	struct stats	*stats;
	struct control	*control;
	struct proc_table procs;
	unsigned	 published;	/* the generation that accepts */
	struct confload	*parse;		/* a reload being parsed, or NULL */
	uint64_t	 parse_deadline;
	unsigned	 attempt;	/* env->reload.started at the parse */
	unsigned	 start_attempt;	/* the reload now starting */
	uint64_t	 start_deadline; /* they all run by then, or it fails */
	unsigned	 abandoned;	/* a generation that did not start */
	void		*good;		/* the published one's config, packed */
	size_t		 good_len;
	unsigned	 revert;	/* a generation going back to it */
	bool		 reload_again;	/* a HUP came during the parse */
	bool		 stopping;
	bool		 stop_forced;	/* the deadline passed: SIGKILL */
	uint64_t	 stop_deadline;
};

static int	reload_apply(struct master *, struct config *, char *, size_t);

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGCHLD:
		got_chld = 1;
		break;
	case SIGTERM:
		got_term = 1;
		break;
	case SIGINT:
	case SIGQUIT:
		got_int = 1;
		break;
	case SIGHUP:
		got_hup = 1;
		break;
	case SIGUSR1:
		got_usr1 = 1;
		break;
	}
}

/*
 * Block the handled signals for good and note the mask ppoll(2) should
 * use.  Workers inherit both the handlers' blocking and the mask.
 */
static void
signals_setup(struct lbd *env)
{
	struct sigaction	sa = { .sa_handler = on_signal };
	sigset_t		block;
	const int		sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGQUIT,
				    SIGHUP, SIGUSR1 };

	sigemptyset(&block);
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaddset(&block, sigs[i]);
		sigaction(sigs[i], &sa, NULL);
	}
	sigprocmask(SIG_BLOCK, &block, &env->unblocked);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigdelset(&env->unblocked, sigs[i]);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * Descriptors: a worker may hold every connection of maxconn, two each,
 * besides every listener.  Privileges: only root can become another user.
 */
static void
check_limits(struct lbd *env)
{
	const struct config	*c = env->conf;
	unsigned long		 want = 2UL * c->maxconn + FD_MARGIN, got;

	for (size_t i = 0; i < c->nservices; i++)
		want += c->services[i].nlisten;

	if ((got = daemon_raise_nofile(want)) < want)
		log_warnx("descriptor limit is %lu, below the %lu maxconn=%u "
		    "needs: raise it (ulimit -n, LimitNOFILE=)", got, want,
		    c->maxconn);
	if (c->user[0] != '\0' && geteuid() != 0)
		log_warnx("not started as root: user=%s is ignored", c->user);
}

int
master_setup(struct lbd *env)
{
	char	err[LBD_ERRLEN] = "";

	env->generation = 1;
	check_limits(env);
	if (runtime_open(env, err, sizeof(err)) == -1) {
		log_err("%s", err);
		return (-1);
	}
	signals_setup(env);
	return (0);
}

static void
publish_workers(struct master *m)
{
	shm_global_set_workers(shm_global(m->env->shm),
	    proc_count(&m->procs, PROC_WORKER, m->published));
}

static int
spawn(struct master *m, struct proc *p)
{
	if (proc_spawn(m->env, p) == -1) {
		log_warn("cannot start %s=%u", proc_name(p), p->id);
		return (-1);
	}
	log_debug("%s started %s=%u pid=%d", proc_name(p), proc_name(p),
	    p->id, (int)p->pid);
	publish_workers(m);
	return (0);
}

static void
log_exit(const struct proc *p, int status)
{
	const char	*name = proc_name(p);

	if (WIFSIGNALED(status))
		log_warnx("%s exited %s=%u pid=%d signal=%d", name, name, p->id,
		    (int)p->pid, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0 || !p->exiting)
		log_warnx("%s exited %s=%u pid=%d status=%d", name, name, p->id,
		    (int)p->pid, WEXITSTATUS(status));
	else
		log_info("%s exited %s=%u pid=%d status=0", name, name, p->id,
		    (int)p->pid);
}

/* Decide when a dead worker comes back: at once, or after a back-off. */
static void
schedule_respawn(struct master *m, struct proc *p, uint64_t now)
{
	if (now - p->started_ms < FAST_DEATH_MS) {
		p->delay_ms = p->delay_ms == 0 ? RESPAWN_FIRST_MS :
		    p->delay_ms * 2;
		if (p->delay_ms > RESPAWN_MAX_MS)
			p->delay_ms = RESPAWN_MAX_MS;
		log_warnx("%s died right after start %s=%u "
		    "respawn_in_ms=%llu", proc_name(p), proc_name(p), p->id,
		    (unsigned long long)p->delay_ms);
	} else
		p->delay_ms = 0;
	p->respawn_at_ms = now + p->delay_ms;
	shm_global_count_restart(shm_global(m->env->shm));
}

/*
 * Does a dead p come back?  Only a child of the newest generation, not at
 * a stop, not when told to go: a fork now runs the newest configuration,
 * so an older generation's child cannot be brought back as it was.
 */
static bool
wants_respawn(const struct master *m, const struct proc *p)
{
	return (!m->stopping && !p->exiting &&
	    p->generation == m->env->generation);
}

/* A child we do not keep in the table: the reload's parser, perhaps. */
static void
reap_other(struct master *m, pid_t pid)
{
	if (m->parse != NULL && confload_pid(m->parse) == pid)
		confload_reaped(m->parse);
}

static void
master_reap(struct master *m)
{
	struct proc	*p;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((p = proc_find(&m->procs, pid)) == NULL) {
			reap_other(m, pid);
			continue;
		}
		log_exit(p, status);
		/* Its connections are gone: take them off the shared counts. */
		shm_reclaim_worker(m->env->shm, (unsigned)p->wslot);
		p->pid = 0;
		if (wants_respawn(m, p))
			schedule_respawn(m, p, clock_ms());
		else
			proc_release(p);
	}
	publish_workers(m);
}

static void
respawn_due(struct master *m, uint64_t now)
{
	struct proc	*p;

	for (p = proc_next(&m->procs, NULL); p != NULL;
	    p = proc_next(&m->procs, p)) {
		if (p->pid != 0 || p->respawn_at_ms == 0 ||
		    now < p->respawn_at_ms)
			continue;
		p->respawn_at_ms = 0;
		if (spawn(m, p) == -1)
			p->respawn_at_ms = now + RESPAWN_RETRY_MS;
		else
			log_notice("%s respawned %s=%u pid=%d", proc_name(p),
			    proc_name(p), p->id, (int)p->pid);
	}
}

static void
forward_signal(struct master *m, int sig)
{
	struct proc	*p;

	for (p = proc_next(&m->procs, NULL); p != NULL;
	    p = proc_next(&m->procs, p))
		(void)proc_signal(p, sig);
}

/* Tell every worker to stop; none of them is to be respawned. */
static void
stop_workers(struct master *m, int sig)
{
	struct proc	*p;

	for (p = proc_next(&m->procs, NULL); p != NULL;
	    p = proc_next(&m->procs, p)) {
		p->exiting = true;
		p->respawn_at_ms = 0;
	}
	forward_signal(m, sig);
}

/*
 * TERM (graceful): workers stop accepting and finish their connections
 * within shutdown_timeout.  INT/QUIT (fast): they close everything now.
 * Either way a worker still there at the deadline is killed.
 */
static void
master_stop(struct master *m, bool graceful)
{
	uint64_t	grace;

	grace = graceful ? m->env->conf->shutdown_timeout_ms + 1000 :
	    MASTER_FAST_STOP_MS;
	if (m->stopping && graceful)
		return;
	log_notice("stopping mode=%s workers=%u", graceful ? "graceful" :
	    "fast", proc_count(&m->procs, PROC_WORKER, m->published));
	m->stopping = true;
	m->stop_deadline = clock_ms() + grace;
	daemon_notify("STOPPING=1");
	confload_free(m->parse);
	m->parse = NULL;
	stop_workers(m, graceful ? SIGTERM : SIGINT);
	/* With the workers' copies gone too, the ports stop queueing. */
	runtime_close_listeners(m->env);
}

/* The oldest generation a live child still runs (the newest if none). */
static unsigned
oldest_live_generation(struct master *m)
{
	struct proc	*p;
	unsigned	 g = m->env->generation;

	for (p = proc_next(&m->procs, NULL); p != NULL;
	    p = proc_next(&m->procs, p))
		if (p->pid != 0 && p->generation < g)
			g = p->generation;
	return (g);
}

/* Children of gen finish their connections and go; none comes back. */
static void
retire_generation(struct master *m, unsigned gen)
{
	struct proc	*p;

	for (p = proc_next(&m->procs, NULL); p != NULL;
	    p = proc_next(&m->procs, p)) {
		if (p->generation != gen)
			continue;
		p->exiting = true;
		p->respawn_at_ms = 0;
		if (p->pid != 0)
			(void)proc_signal(p, SIGTERM);
		else
			proc_release(p);
	}
}

/* Old generations still running: neither the accepting one nor newer. */
static unsigned
count_old_generations(struct master *m)
{
	struct proc	*p;
	unsigned	 gens[PROC_MAX], n = 0, k;

	for (p = proc_next(&m->procs, NULL); p != NULL;
	    p = proc_next(&m->procs, p)) {
		if (p->pid == 0 || p->generation >= m->published)
			continue;
		for (k = 0; k < n && gens[k] != p->generation; k++)
			;
		if (k == n)
			gens[n++] = p->generation;
	}
	return (n);
}

/*
 * A burst of reloads must not pile up old workers.  Past
 * MAX_OLD_GENERATIONS draining at once, the oldest is told again to stop,
 * which makes its workers close their idle connections now; connections
 * still moving bytes are left to finish (make_room() ends them only when
 * worker slots run out).
 */
static void
limit_old_generations(struct master *m)
{
	struct proc	*p;
	unsigned	 n = count_old_generations(m);
	unsigned	 oldest = oldest_live_generation(m);

	if (n <= MAX_OLD_GENERATIONS)
		return;
	log_notice("old generations=%u: generation %u closes idle "
	    "connections now", n, oldest);
	for (p = proc_next(&m->procs, NULL); p != NULL;
	    p = proc_next(&m->procs, p))
		if (p->generation == oldest)
			(void)proc_signal(p, SIGTERM);
}

/*
 * Open the control socket the configuration names, if any.  control_new()
 * fills err for the failures it knows; the event loop's own (a descriptor
 * past its size) only set errno.
 */
static void
open_control(struct master *m)
{
	char	err[LBD_ERRLEN] = "";

	if (m->env->conf->control[0] == '\0')
		return;
	errno = 0;
	if ((m->control = control_new(m->env, m->loop, err,
	    sizeof(err))) != NULL)
		return;
	if (err[0] == '\0')
		snprintf(err, sizeof(err), "cannot serve control socket %s: "
		    "%s", m->env->conf->control, strerror(errno));
	log_warnx("%s", err);
}

/* The stats socket changed address: serve the new one. */
static void
restart_stats(struct master *m)
{
	stats_free(m->stats);
	m->stats = NULL;
	if (m->env->stats_fd != -1 &&
	    (m->stats = stats_new(m->env, m->loop)) == NULL)
		log_warn("cannot serve stats");
}

/* The state file "lbd -s reload" waits on, with the outcome in env. */
static void
state_save(struct master *m)
{
	struct lbd	*env = m->env;

	env->reload.shutdown_ms = env->conf->shutdown_timeout_ms;
	if (env->state_path[0] != '\0' &&
	    daemon_state_write(env->state_path, &env->reload) == -1)
		log_warn("cannot write state file %s", env->state_path);
}

/* err's lines joined by "; " into dst, control characters as spaces. */
static void
error_line(char *dst, size_t len, const char *err)
{
	size_t	n = 0;

	for (; *err != '\0' && n + 3 < len; err++) {
		if (*err == '\n' && err[1] != '\0') {
			dst[n++] = ';';
			dst[n++] = ' ';
		} else if (*err != '\n')
			dst[n++] = (unsigned char)*err < 0x20 ? ' ' : *err;
	}
	dst[n] = '\0';
}

/*
 * Reload number attempt ended: it took effect (err NULL) or failed.  It
 * is the newest finished one, for the stats and for "lbd -s reload".
 */
static void
reload_record(struct master *m, unsigned attempt, const char *err)
{
	struct reload_state	*rs = &m->env->reload;

	if (attempt > rs->done)
		rs->done = attempt;
	rs->generation = m->published;
	rs->time = (long long)time(NULL);
	rs->failed = err != NULL;
	rs->error[0] = '\0';
	if (err != NULL) {
		rs->failures++;
		error_line(rs->error, sizeof(rs->error), err);
	}
	state_save(m);
}

/*
 * Reload number attempt failed.  Each error on its own line, so every
 * FILE:LINE stays whole in the log.
 */
static void
reload_failed(struct master *m, unsigned attempt, char *err)
{
	char	*line, *next;

	reload_record(m, attempt, err);
	for (line = err; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		log_warnx("reload error: %s", line);
	}
	log_warnx("reload failed, keeping generation=%u", m->published);
	daemon_notify("READY=1");
}

/* Children a generation of conf runs: its workers, and maybe a checker. */
static unsigned
children_wanted(const struct master *m)
{
	return (m->env->conf->workers + (health_is_needed(m->env) ? 1 : 0));
}

/*
 * Table entries for the newest generation's children, not yet running:
 * the workers, then the checker when some service has active checks.
 * generation_start() forks them.
 */
static int
plan_children(struct master *m)
{
	unsigned	n = m->env->conf->workers, gen = m->env->generation;

	if (proc_free_entries(&m->procs) < children_wanted(m))
		return (-1);
	for (unsigned i = 0; i < n; i++)
		(void)proc_alloc(&m->procs, PROC_WORKER, i + 1, gen);
	if (health_is_needed(m->env))
		(void)proc_alloc(&m->procs, PROC_CHECKER, 1, gen);
	return (0);
}

/* The oldest generation still running that neither accepts nor is new. */
static unsigned
oldest_retired_generation(struct master *m)
{
	struct proc	*p;
	unsigned	 g = 0;

	for (p = proc_next(&m->procs, NULL); p != NULL;
	    p = proc_next(&m->procs, p))
		if (p->pid != 0 && !p->killed &&
		    p->generation != m->published &&
		    p->generation != m->env->generation &&
		    (g == 0 || p->generation < g))
			g = p->generation;
	return (g);
}

/*
 * Kill generation gen now, connections and all, to free its slots.  Said
 * once: when no kill could be made (proc_signal() logged why), the next
 * try is silent.
 */
static void
kill_generation(struct master *m, unsigned gen)
{
	struct proc	*p;
	unsigned	 n = 0, conns = 0;

	for (p = proc_next(&m->procs, NULL); p != NULL;
	    p = proc_next(&m->procs, p)) {
		if (p->pid == 0 || p->generation != gen)
			continue;
		conns += shm_worker_conns(m->env->shm, (unsigned)p->wslot);
		p->exiting = true;
		if (proc_signal(p, SIGKILL) == 0) {
			p->killed = true;
			n++;
		}
	}
	if (n > 0)
		log_warnx("worker slots short: closed old generation=%u "
		    "children=%u connections=%u", gen, n, conns);
}

/*
 * Is there a shared worker slot for one more child?  When all are taken
 * by old generations still finishing connections, the oldest of them is
 * killed: its slots come back when it is reaped, so the answer is no for
 * now.  Two generations always fit (LBD_SHM_WORKERS holds more than
 * twice LBD_MAX_WORKERS + 1), so the accepting one is never touched.
 */
static bool
make_room(struct master *m)
{
	struct proc	*p;
	unsigned	 gen;

	if (proc_count(&m->procs, PROC_ANY, 0) < LBD_SHM_WORKERS)
		return (true);
	for (p = proc_next(&m->procs, NULL); p != NULL;
	    p = proc_next(&m->procs, p))
		if (p->pid != 0 && p->killed)
			return (false);		/* being reaped */
	if ((gen = oldest_retired_generation(m)) != 0)
		kill_generation(m, gen);
	return (false);
}

/* ps(1) tells instances by their file, generations by number. */
static void
master_title(struct lbd *env, unsigned gen)
{
	proc_title_set(DAEMON_MASTER_TITLE " [gen %u] %s", gen,
	    env->conf_path);
}

/*
 * The configuration the published generation runs, packed (config_pack.h
 * copies it whole): what revert() starts again when a reload's workers
 * cannot start.
 */
static void
keep_good_config(struct master *m)
{
	free(m->good);
	if ((m->good = config_pack(m->env->conf, &m->good_len)) == NULL)
		log_warn("%s: cannot keep a copy of the configuration; a "
		    "reload that cannot start will not be undone", __func__);
}

/*
 * From now on only generation gen's workers accept: the one before
 * drains.  Called once every child of gen runs, so a reload never leaves
 * fewer accepting workers than there were.
 */
static void
publish_generation(struct master *m, unsigned gen)
{
	struct lbd	*env = m->env;
	unsigned	 old = m->published;

	shm_global_set_generation(shm_global(env->shm), gen);
	m->published = gen;
	master_title(env, gen);
	publish_workers(m);
	keep_good_config(m);
	if (old == 0)
		return;		/* the first start */
	retire_generation(m, old);
	limit_old_generations(m);
	if (gen == m->revert) {
		/* Not a reload of its own: the failed one stays on record. */
		m->revert = 0;
		log_notice("reverted generation=%u workers=%u services=%zu",
		    gen, env->conf->workers, env->conf->nservices);
		return;
	}
	shm_global_count_reload(shm_global(env->shm));
	log_notice("reload done generation=%u workers=%u services=%zu",
	    gen, env->conf->workers, env->conf->nservices);
	reload_record(m, m->start_attempt, NULL);
	daemon_notify("READY=1");
}

/*
 * Does p run?  At a reload a worker must have reached its loop (beaten
 * once), not just been forked: one that dies at start must not take over
 * from the generation before.  At the first start there is none to keep.
 */
static bool
child_runs(const struct master *m, const struct proc *p)
{
	if (p->pid == 0)
		return (false);
	if (m->published == 0 || p->kind != PROC_WORKER)
		return (true);
	return (shm_worker_has_beaten(m->env->shm, (unsigned)p->wslot));
}

/*
 * Fork the newest generation's children not started yet, making room
 * when slots are short; publish it once all of them run.  A fork that
 * fails is retried by respawn_due().
 */
static void
generation_start(struct master *m, uint64_t now)
{
	struct proc	*p;
	unsigned	 gen = m->env->generation, missing = 0;

	for (p = proc_next(&m->procs, NULL); p != NULL;
	    p = proc_next(&m->procs, p)) {
		if (p->generation != gen || p->pid != 0) {
			missing += p->generation == gen && !child_runs(m, p);
			continue;
		}
		missing++;
		if (p->respawn_at_ms != 0 || !make_room(m))
			continue;
		if (spawn(m, p) == -1)
			p->respawn_at_ms = now + RESPAWN_RETRY_MS;
		else if (child_runs(m, p))
			missing--;
	}
	if (missing == 0 && m->published != gen && m->abandoned != gen)
		publish_generation(m, gen);
}

/*
 * After a reload whose workers could not start, the master holds that
 * reload's configuration, which any worker it forks would run: a worker
 * of the generation still serving that died could not come back.  So
 * the published generation's configuration is started again, as a
 * generation of its own, which takes over once its workers run.
 */
static void
revert(struct master *m)
{
	struct config	*conf;
	char		 err[LBD_ERRLEN] = "";

	if (m->good == NULL || m->stopping)
		return;
	if ((conf = config_unpack(m->good, m->good_len, err,
	    sizeof(err))) == NULL) {
		log_warnx("revert failed: %s", err);
		return;
	}
	log_notice("reverting to generation=%u's configuration",
	    m->published);
	m->revert = m->env->generation + 1;
	if (reload_apply(m, conf, err, sizeof(err)) == -1) {
		m->revert = 0;
		log_warnx("revert failed: %s", err);
	}
}

/*
 * A reload's children that do not all run by the deadline (they keep
 * dying at start, say) fail it: they are stopped, and the generation
 * before goes on accepting, soon under a generation of its own
 * configuration (revert()).  So a reload always ends, ok or failed.
 */
static void
start_overdue(struct master *m, uint64_t now)
{
	unsigned	gen = m->env->generation;
	char		err[LBD_ERRLEN];

	if (m->published == gen || m->abandoned == gen ||
	    now < m->start_deadline)
		return;
	m->abandoned = gen;
	retire_generation(m, gen);
	if (gen == m->revert) {
		m->revert = 0;
		log_warnx("revert failed: generation=%u goes on serving, and "
		    "its workers that die are not replaced until a reload "
		    "starts", m->published);
		return;
	}
	snprintf(err, sizeof(err), "generation %u: workers not all running "
	    "after %d s (see the log for how they exited)", gen,
	    MASTER_START_TIMEOUT_MS / 1000);
	reload_failed(m, m->start_attempt, err);
	revert(m);
}

/*
 * Swap in a parsed configuration: build the new runtime beside the old
 * and plan its children; generation_start() starts and publishes them.
 * Listening sockets that stay are never closed, so no connection is
 * refused meanwhile.
 */
static int
reload_apply(struct master *m, struct config *new, char *err, size_t errlen)
{
	struct lbd	*env = m->env;
	char		 control[LBD_PATHLEN];
	unsigned	 pending = env->generation;
	int		 stats_fd = env->stats_fd;

	if (proc_free_entries(&m->procs) < new->workers + 1) {
		config_free(new);
		snprintf(err, errlen, "process table full");
		return (-1);
	}
	snprintf(control, sizeof(control), "%s", env->conf->control);
	if (runtime_swap(env, new, oldest_live_generation(m), err,
	    errlen) == -1) {
		config_free(new);
		return (-1);
	}
	/* The new level is the reload's first line's, and its children's. */
	log_set_level(env->conf->log.level, env->conf->log.facility);
	/* A generation swapped in but never published never accepted. */
	if (pending != m->published)
		retire_generation(m, pending);
	if (env->stats_fd != stats_fd)
		restart_stats(m);
	if (strcmp(control, env->conf->control) != 0) {
		control_free(m->control);
		m->control = NULL;
		open_control(m);
	}
	(void)plan_children(m);
	m->start_attempt = m->attempt;
	m->start_deadline = clock_ms() + MASTER_START_TIMEOUT_MS;
	generation_start(m, clock_ms());
	return (0);
}

/*
 * HUP: parse the file in a child (confload.c) while this loop goes on;
 * reload_parsed() takes it from there.  A HUP that comes while a parse
 * runs is kept as one more reload after it: the file may have changed
 * after the child read it, and any number of such HUPs make one.
 */
static void
master_reload(struct master *m)
{
	struct lbd	*env = m->env;
	char		 err[LBD_ERRLEN], file[LOG_VALUELEN];

	if (m->stopping)
		return;
	if (m->parse != NULL) {
		m->reload_again = true;
		log_info("reload already in progress: one more follows");
		return;
	}
	m->attempt = ++env->reload.started;
	state_save(m);
	log_notice("reloading generation=%u file=%s", m->published,
	    log_quote(file, sizeof(file), env->conf_path));
	daemon_notify("RELOADING=1");
	if ((m->parse = confload_start(m->loop, env->conf_path)) == NULL) {
		snprintf(err, sizeof(err), "cannot start the parser: %s",
		    strerror(errno));
		reload_failed(m, m->attempt, err);
		return;
	}
	m->parse_deadline = clock_ms() + MASTER_PARSE_TIMEOUT_MS;
}

/* The parser answered, or ran out of time: apply or report. */
static void
reload_parsed(struct master *m, uint64_t now)
{
	struct config	*new = NULL;
	char		 err[LBD_ERRLEN] = "";

	if (!confload_is_done(m->parse) && now < m->parse_deadline)
		return;
	if (confload_is_done(m->parse))
		new = confload_result(m->parse, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "parsing took longer than %d s: "
		    "parser killed", MASTER_PARSE_TIMEOUT_MS / 1000);
	confload_free(m->parse);
	m->parse = NULL;
	if (new == NULL)
		reload_failed(m, m->attempt, err);
	else {
		m->revert = 0;	/* a revert still starting is retired */
		if (reload_apply(m, new, err, sizeof(err)) == -1)
			reload_failed(m, m->attempt, err);
	}
	if (m->reload_again) {
		m->reload_again = false;
		master_reload(m);
	}
}

static void
master_handle_signals(struct master *m)
{
	/* Stops first: children killed by the same Ctrl-C are then expected. */
	if (got_term) {
		got_term = 0;
		master_stop(m, true);
	}
	if (got_int) {
		got_int = 0;
		master_stop(m, false);
	}
	if (got_chld) {
		got_chld = 0;
		master_reap(m);
	}
	if (got_hup) {
		got_hup = 0;
		master_reload(m);
	}
	if (got_usr1) {
		got_usr1 = 0;
		log_reopen();
		forward_signal(m, SIGUSR1);
	}
}

/* Milliseconds until the next thing the master must do by itself. */
static int
next_timeout(struct master *m, uint64_t now)
{
	struct proc	*p;
	uint64_t	 next = now + TICK_MS;

	if (m->stopping && m->stop_deadline < next)
		next = m->stop_deadline;
	if (m->parse != NULL && m->parse_deadline < next)
		next = m->parse_deadline;
	/* Starting: look for the new workers' first beats often. */
	if (m->published != m->env->generation &&
	    m->abandoned != m->env->generation && now + START_POLL_MS < next)
		next = now + START_POLL_MS;
	for (p = proc_next(&m->procs, NULL); p != NULL;
	    p = proc_next(&m->procs, p))
		if (p->respawn_at_ms != 0 && p->respawn_at_ms < next)
			next = p->respawn_at_ms;
	return (next > now ? (int)(next - now) : 0);
}

/* Stopping: done when every worker is reaped; kill them at the deadline. */
static bool
stop_done(struct master *m, uint64_t now)
{
	unsigned	n = proc_count(&m->procs, PROC_ANY, 0);

	if (n == 0)
		return (true);
	if (now >= m->stop_deadline) {
		/* Said once; a kill that fails is logged by proc_signal(). */
		if (!m->stop_forced)
			log_warnx("stop deadline passed, killing children=%u",
			    n);
		m->stop_forced = true;
		forward_signal(m, SIGKILL);
		m->stop_deadline = now + TICK_MS;
	}
	return (false);
}

/* systemd (Type=notify) learns we are ready, and which pid is the master. */
static void
notify_ready(pid_t pid)
{
	char	state[64];

	snprintf(state, sizeof(state), "READY=1\nMAINPID=%d", (int)pid);
	daemon_notify(state);
}

static void
master_loop(struct master *m)
{
	uint64_t	now;

	for (;;) {
		master_handle_signals(m);
		now = clock_ms();
		if (m->stopping && stop_done(m, now))
			return;
		if (!m->stopping) {
			respawn_due(m, now);
			generation_start(m, now);
			start_overdue(m, now);
		}
		if (m->parse != NULL)
			reload_parsed(m, now);
		stats_sweep(m->stats, now);
		control_sweep(m->control, now);
		if (evloop_wait(m->loop, next_timeout(m, now),
		    &m->env->unblocked) == -1)
			fatal("%s: ppoll", __func__);
	}
}

/*
 * The master's loop watches every descriptor it may hold (listeners
 * are not among them, but they take numbers below the stats and control
 * sockets and their clients): size it from the descriptor limit.
 */
static int
loop_size(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INT_MAX)
		return (LOOP_MAXFDS_CAP);
	return (rl.rlim_cur > LOOP_MAXFDS_CAP ? LOOP_MAXFDS_CAP :
	    (int)rl.rlim_cur);
}

/* The first generation: its children, then readiness.  0 or -1. */
static int
first_start(struct master *m)
{
	struct lbd	*env = m->env;

	if (plan_children(m) == -1)
		return (-1);
	generation_start(m, clock_ms());
	return (m->published == env->generation ? 0 : -1);
}

int
master_run(struct lbd *env)
{
	struct master	*m;
	int		 rc = 0;

	/* The process table is large: keep it off the stack. */
	if ((m = calloc(1, sizeof(*m))) == NULL)
		fatal("%s: calloc", __func__);
	m->env = env;
	/* After daemon_detach(): this is the process workers must watch. */
	env->master_pid = getpid();
	env->started_ms = clock_ms();
	master_title(env, env->generation);
	if ((m->loop = evloop_new(loop_size(), EVLOOP_POLL)) == NULL)
		fatal("%s: evloop_new", __func__);
	env->master_loop = m->loop;
	if (env->stats_fd != -1 &&
	    (m->stats = stats_new(env, m->loop)) == NULL)
		fatal("%s: stats_new", __func__);
	open_control(m);
	if (first_start(m) == -1) {
		stop_workers(m, SIGKILL);
		daemon_ready(env->ready_fd, 3, "cannot start workers");
		rc = 3;
		goto done;
	}
	env->reload = (struct reload_state){ .pid = getpid(),
	    .generation = env->generation, .time = (long long)time(NULL) };
	state_save(m);
	daemon_ready(env->ready_fd, 0, "");
	env->ready_fd = -1;
	notify_ready(getpid());
	log_notice("ready pid=%d workers=%u generation=%u", (int)getpid(),
	    env->conf->workers, env->generation);
	master_loop(m);
	log_notice("stopped pid=%d", (int)getpid());
done:
	confload_free(m->parse);
	control_free(m->control);
	stats_free(m->stats);
	env->master_loop = NULL;
	evloop_free(m->loop);
	free(m->good);
	free(m);
	return (rc);
}

void
master_teardown(struct lbd *env)
{
	runtime_close(env);
}
