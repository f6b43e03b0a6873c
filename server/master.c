/*
 * Master loop, nginx's shape: signal handlers set flags; the loop blocks
 * signals, acts on each flag with one function, then waits in ppoll(2)
 * (through evloop_wait) with them unblocked, serving the stats socket
 * meanwhile.  Workers that die are respawned; one that dies soon after
 * starting waits twice as long each time, up to RESPAWN_MAX_MS.
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "balance.h"
#include "clock.h"
#include "config.h"
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
#define FAST_STOP_MS		2000	/* INT: then SIGKILL */
#define TICK_MS			1000
#define FD_MARGIN		256	/* listeners, logs, checks, stats */
#define MAX_OLD_GENERATIONS	3	/* draining at once after a burst */
#define MAX_PROCS		\
    ((LBD_MAX_WORKERS + 1) * (MAX_OLD_GENERATIONS + 2))

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
	struct proc	 procs[MAX_PROCS];	/* slots with used set */
	bool		 stopping;
	uint64_t	 stop_deadline;
};

static int	start_children(struct master *);

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
 * Descriptors: a worker may hold every connection of maxconn, two each.
 * Privileges: only root can become another user.
 */
static void
check_limits(struct lbd *env)
{
	const struct config	*c = env->conf;
	unsigned long		 want = 2UL * c->maxconn + FD_MARGIN, got;

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

static unsigned
running_workers(const struct master *m)
{
	unsigned	n = 0;

	for (unsigned i = 0; i < MAX_PROCS; i++)
		if (m->procs[i].used && m->procs[i].pid != 0 &&
		    m->procs[i].kind == PROC_WORKER &&
		    m->procs[i].generation == m->env->generation)
			n++;
	return (n);
}

static unsigned
running_children(const struct master *m)
{
	unsigned	n = 0;

	for (unsigned i = 0; i < MAX_PROCS; i++)
		if (m->procs[i].used && m->procs[i].pid != 0)
			n++;
	return (n);
}

static void
publish_workers(struct master *m)
{
	atomic_store_explicit(&shm_global(m->env->shm)->workers,
	    running_workers(m), memory_order_relaxed);
}

static const char *
proc_name(const struct proc *p)
{
	return (p->kind == PROC_CHECKER ? "checker" : "worker");
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

static struct proc *
find_proc(struct master *m, pid_t pid)
{
	for (unsigned i = 0; i < MAX_PROCS; i++)
		if (m->procs[i].used && m->procs[i].pid == pid)
			return (&m->procs[i]);
	return (NULL);
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
	atomic_fetch_add_explicit(&shm_global(m->env->shm)->restarts, 1,
	    memory_order_relaxed);
}

static void
master_reap(struct master *m)
{
	struct proc	*p;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((p = find_proc(m, pid)) == NULL)
			continue;
		log_exit(p, status);
		/* Its connections are gone: take them off the shared counts. */
		shm_reclaim_worker(m->env->shm, (unsigned)p->wslot);
		p->pid = 0;
		if (!m->stopping && !p->exiting &&
		    p->generation == m->env->generation)
			schedule_respawn(m, p, clock_ms());
		else
			p->used = false;
	}
	publish_workers(m);
}

static void
respawn_due(struct master *m, uint64_t now)
{
	for (unsigned i = 0; i < MAX_PROCS; i++) {
		struct proc	*p = &m->procs[i];

		if (!p->used || p->pid != 0 || p->respawn_at_ms == 0 ||
		    now < p->respawn_at_ms)
			continue;
		p->respawn_at_ms = 0;
		if (spawn(m, p) == -1)
			p->respawn_at_ms = now + RESPAWN_MAX_MS;
		else
			log_notice("%s respawned %s=%u pid=%d", proc_name(p),
			    proc_name(p), p->id, (int)p->pid);
	}
}

static void
forward_signal(struct master *m, int sig)
{
	for (unsigned i = 0; i < MAX_PROCS; i++)
		if (m->procs[i].used && m->procs[i].pid != 0)
			kill(m->procs[i].pid, sig);
}

/* Tell every worker to stop; none of them is to be respawned. */
static void
stop_workers(struct master *m, int sig)
{
	for (unsigned i = 0; i < MAX_PROCS; i++) {
		m->procs[i].exiting = true;
		m->procs[i].respawn_at_ms = 0;
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
	    FAST_STOP_MS;
	if (m->stopping && graceful)
		return;
	log_notice("stopping mode=%s workers=%u", graceful ? "graceful" :
	    "fast", running_workers(m));
	m->stopping = true;
	m->stop_deadline = clock_ms() + grace;
	daemon_notify("STOPPING=1");
	stop_workers(m, graceful ? SIGTERM : SIGINT);
	/* With the workers' copies gone too, the ports stop queueing. */
	runtime_close_listeners(m->env);
}

/* The oldest generation a live child still runs (the current one if none). */
static unsigned
oldest_live_generation(const struct master *m)
{
	unsigned	g = m->env->generation;

	for (unsigned i = 0; i < MAX_PROCS; i++)
		if (m->procs[i].used && m->procs[i].pid != 0 &&
		    m->procs[i].generation < g)
			g = m->procs[i].generation;
	return (g);
}

/* Children of gen finish their connections and go; none comes back. */
static void
retire_generation(struct master *m, unsigned gen)
{
	for (unsigned i = 0; i < MAX_PROCS; i++) {
		struct proc	*p = &m->procs[i];

		if (!p->used || p->generation != gen)
			continue;
		p->exiting = true;
		p->respawn_at_ms = 0;
		if (p->pid != 0)
			kill(p->pid, SIGTERM);
		else
			p->used = false;
	}
}

/*
 * A burst of reloads must not pile up old workers.  Past
 * MAX_OLD_GENERATIONS draining at once, the oldest is told again to stop,
 * which makes its workers close their idle connections now; connections
 * still moving bytes are left to finish.
 */
static unsigned
count_old_generations(const struct master *m)
{
	unsigned	gens[MAX_PROCS], n = 0, k;

	for (unsigned i = 0; i < MAX_PROCS; i++) {
		const struct proc *p = &m->procs[i];

		if (!p->used || p->pid == 0 ||
		    p->generation == m->env->generation)
			continue;
		for (k = 0; k < n && gens[k] != p->generation; k++)
			;
		if (k == n)
			gens[n++] = p->generation;
	}
	return (n);
}

static void
limit_old_generations(struct master *m)
{
	unsigned	n = count_old_generations(m);
	unsigned	oldest = oldest_live_generation(m);

	if (n <= MAX_OLD_GENERATIONS)
		return;
	log_notice("old generations=%u: generation %u closes idle "
	    "connections now", n, oldest);
	for (unsigned i = 0; i < MAX_PROCS; i++)
		if (m->procs[i].used && m->procs[i].pid != 0 &&
		    m->procs[i].generation == oldest)
			kill(m->procs[i].pid, SIGTERM);
}

/* Open the control socket the configuration names, if any. */
static void
open_control(struct master *m)
{
	char	err[LBD_ERRLEN];

	if (m->env->conf->control[0] == '\0')
		return;
	if ((m->control = control_new(m->env, m->loop, err,
	    sizeof(err))) == NULL)
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

/* Each error on its own line, so every FILE:LINE stays whole in the log. */
static void
reload_failed(struct master *m, char *err)
{
	char	*line, *next;

	for (line = err; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		log_warnx("reload error: %s", line);
	}
	log_warnx("reload failed, keeping generation=%u", m->env->generation);
	daemon_notify("READY=1");
}

/*
 * HUP: build the new runtime beside the old; on success start the new
 * generation and let the old one drain.  Listening sockets that stay are
 * never closed, so no connection is refused meanwhile.
 */
static void
master_reload(struct master *m)
{
	struct lbd	*env = m->env;
	struct config	*new;
	char		 err[LBD_ERRLEN] = "";
	char		 control[LBD_PATHLEN], file[LOG_VALUELEN];
	unsigned	 old = env->generation;
	int		 stats_fd = env->stats_fd;

	if (m->stopping)
		return;
	log_notice("reloading generation=%u file=%s", old,
	    log_quote(file, sizeof(file), env->conf_path));
	daemon_notify("RELOADING=1");
	if ((new = config_load(env->conf_path, err, sizeof(err))) == NULL) {
		reload_failed(m, err);
		return;
	}
	snprintf(control, sizeof(control), "%s", env->conf->control);
	if (runtime_swap(env, new, oldest_live_generation(m), err,
	    sizeof(err)) == -1) {
		config_free(new);
		reload_failed(m, err);
		return;
	}
	/* From now on only the new generation's workers accept. */
	atomic_store_explicit(&shm_global(env->shm)->generation,
	    env->generation, memory_order_release);
	if (env->stats_fd != stats_fd)
		restart_stats(m);
	if (strcmp(control, env->conf->control) != 0) {
		control_free(m->control);
		m->control = NULL;
		open_control(m);
	}
	retire_generation(m, old);
	if (start_children(m) == -1)
		log_warnx("reload: some children could not start, retrying");
	publish_workers(m);
	atomic_fetch_add(&shm_global(env->shm)->reloads, 1);
	limit_old_generations(m);
	log_notice("reload done generation=%u workers=%u services=%zu",
	    env->generation, env->conf->workers, env->conf->nservices);
	daemon_notify("READY=1");
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
next_timeout(const struct master *m, uint64_t now)
{
	uint64_t	next = now + TICK_MS;

	if (m->stopping && m->stop_deadline < next)
		next = m->stop_deadline;
	for (unsigned i = 0; i < MAX_PROCS; i++)
		if (m->procs[i].used && m->procs[i].respawn_at_ms != 0 &&
		    m->procs[i].respawn_at_ms < next)
			next = m->procs[i].respawn_at_ms;
	return (next > now ? (int)(next - now) : 0);
}

/* Stopping: done when every worker is reaped; kill them at the deadline. */
static bool
stop_done(struct master *m, uint64_t now)
{
	if (running_children(m) == 0)
		return (true);
	if (now >= m->stop_deadline) {
		log_warnx("stop deadline passed, killing children=%u",
		    running_children(m));
		forward_signal(m, SIGKILL);
		m->stop_deadline = now + TICK_MS;
	}
	return (false);
}

static struct proc *
proc_alloc(struct master *m, enum proc_kind kind, unsigned id)
{
	for (unsigned i = 0; i < MAX_PROCS; i++) {
		struct proc	*p = &m->procs[i];

		if (p->used)
			continue;
		memset(p, 0, sizeof(*p));
		p->used = true;
		p->kind = kind;
		p->id = id;
		return (p);
	}
	return (NULL);
}

/*
 * The current generation's workers, then the checker when some service
 * has active checks.  A child that cannot start now is retried later.
 */
static int
start_children(struct master *m)
{
	struct proc	*p;
	unsigned	 n = m->env->conf->workers;
	int		 rc = 0;

	for (unsigned i = 0; i <= n; i++) {
		if (i == n && !health_is_needed(m->env))
			break;
		p = proc_alloc(m, i == n ? PROC_CHECKER : PROC_WORKER,
		    i == n ? 1 : i + 1);
		if (p == NULL)
			return (-1);
		p->generation = m->env->generation;
		if (spawn(m, p) == -1) {
			p->respawn_at_ms = clock_ms() + RESPAWN_MAX_MS;
			rc = -1;
		}
	}
	return (rc);
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
		if (!m->stopping)
			respawn_due(m, now);
		stats_sweep(m->stats, now);
		control_sweep(m->control, now);
		if (evloop_wait(m->loop, next_timeout(m, now),
		    &m->env->unblocked) == -1)
			fatal("%s: ppoll", __func__);
	}
}

int
master_run(struct lbd *env)
{
	struct master	m = { .env = env };

	/* After daemon_detach(): this is the process workers must watch. */
	env->master_pid = getpid();
	proc_title_set("lbd: master");
	if ((m.loop = evloop_new(1024, EVLOOP_POLL)) == NULL)
		fatal("%s: evloop_new", __func__);
	env->master_loop = m.loop;
	if (env->stats_fd != -1 &&
	    (m.stats = stats_new(env, m.loop)) == NULL)
		fatal("%s: stats_new", __func__);
	open_control(&m);
	atomic_store_explicit(&shm_global(env->shm)->generation,
	    env->generation, memory_order_release);
	if (start_children(&m) == -1) {
		stop_workers(&m, SIGKILL);
		daemon_ready(env->ready_fd, 3, "cannot start workers");
		return (3);
	}
	daemon_ready(env->ready_fd, 0, "");
	env->ready_fd = -1;
	notify_ready(getpid());
	log_notice("ready pid=%d workers=%u generation=%u", (int)getpid(),
	    env->conf->workers, env->generation);
	master_loop(&m);
	log_notice("stopped pid=%d", (int)getpid());
	control_free(m.control);
	stats_free(m.stats);
	env->master_loop = NULL;
	evloop_free(m.loop);
	return (0);
}

void
master_teardown(struct lbd *env)
{
	runtime_close(env);
}
