/*
 * Worker loop.  Signals stay blocked except inside ppoll(2); handlers only
 * set flags, which the loop reads once per round.
 *
 * A worker listens only while it carries no more than its share of the
 * connections (the mean plus an eighth), which spreads held connections over
 * the workers, and only while its generation is the current one.  With
 * epoll, every such worker waits on the listening sockets and
 * EPOLLEXCLUSIVE wakes one of them per connection.  With poll(2) they take
 * turns: the holder of the shared accept turn is the only one polling the
 * listening sockets, and the others look for the turn every
 * ACCEPT_RETRY_MS.  Either way a new connection wakes one process.
 *
 * A stopped or hung worker must not hold the others back.  Each worker
 * stamps a heartbeat in its shared slot every round (a round is at most
 * BEAT_MS apart, idle or not); the shares count only the workers whose
 * heartbeat is fresh, and a turn whose holder's heartbeat went stale is
 * taken over (LBD_SHM_STALE_MS).
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "evloop.h"
#include "lbd.h"
#include "log.h"
#include "net.h"
#include "proc.h"
#include "relay.h"
#include "runtime.h"
#include "shm.h"
#include "worker.h"

#define ACCEPT_RETRY_MS		10	/* how often a waiting worker looks */
#define ACCEPT_BATCH		64	/* accepts per wake-up */
#define EMFILE_PAUSE_MS		1000	/* pause after running out of fds */
#define IDLE_MS			1000	/* quiet this long: idle, at a stop */
#define BEAT_MS			100	/* heartbeat and live count this often */

static volatile sig_atomic_t	got_term;
static volatile sig_atomic_t	got_int;
static volatile sig_atomic_t	got_usr1;

struct worker;

/* What an accept callback needs: its worker and which listener fired. */
struct acceptor {
	struct worker		*w;
	const struct listener	*l;
};

struct worker {
	struct lbd	*env;
	struct acceptor	*acceptors;	/* one per env->listeners[] */
	unsigned	 id;
	unsigned	 wslot;
	struct evloop	*loop;
	struct relay	*relay;
	bool		 listening;	/* listeners are in the loop */
	bool		 draining;	/* TERM: no more accepts */
	bool		 drained;	/* shutdown_timeout has passed */
	bool		 orphaned;	/* the master is gone */
	struct evtimer	 drain_timer;
	uint64_t	 paused_until;	/* EMFILE back-off */
	bool		 emfile_logged;
	unsigned	 stale;		/* workers stopped or hung */
	uint64_t	 stale_at;	/* when to count them again */
};

static void
on_signal(int sig)
{
	if (sig == SIGTERM)
		got_term = 1;
	else if (sig == SIGINT || sig == SIGQUIT)
		got_int = 1;
	else if (sig == SIGUSR1)
		got_usr1 = 1;
}

/* Handlers for the signals the master blocked before forking us. */
static void
install_signals(void)
{
	struct sigaction	sa = { .sa_handler = on_signal };
	const int		sigs[] = { SIGTERM, SIGINT, SIGQUIT, SIGUSR1 };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	/* A reload is the master's business. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
}

/* Accept errors that mean "try again later", not "something is wrong". */
static bool
accept_transient(int err)
{
	return (err == EAGAIN || err == ECONNABORTED || err == EINTR ||
	    err == EPROTO || err == ENETDOWN || err == ENOPROTOOPT ||
	    err == EHOSTDOWN || err == ENONET || err == EHOSTUNREACH ||
	    err == EOPNOTSUPP || err == ENETUNREACH);
}

/* Out of descriptors or memory: stop taking clients for a while. */
static void
pause_accepting(struct worker *w, int err)
{
	char	reason[LOG_VALUELEN];

	w->paused_until = clock_ms() + EMFILE_PAUSE_MS;
	if (!w->emfile_logged)
		log_warnx("accept paused worker=%u reason=%s pause_ms=%d",
		    w->id, log_quote(reason, sizeof(reason), strerror(err)),
		    EMFILE_PAUSE_MS);
	w->emfile_logged = true;
}

/* Did the relay run short on its side?  Then pause too. */
static bool
relay_ran_short(struct worker *w)
{
	int	err;

	if ((err = relay_shortage(w->relay)) == 0)
		return (false);
	pause_accepting(w, err);
	return (true);
}

static void
accept_failed(struct worker *w, int err)
{
	char	reason[LOG_VALUELEN];

	if (net_local_shortage(err))
		pause_accepting(w, err);
	else if (!accept_transient(err))
		log_warnx("accept4() failed worker=%u reason=%s", w->id,
		    log_quote(reason, sizeof(reason), strerror(err)));
}

static bool	may_accept(struct worker *, uint64_t);
static bool	over_share(struct worker *);
static bool	may_take_woken(struct worker *, uint64_t);

/*
 * Listener readable: take clients until the backlog is empty (EAGAIN), a
 * batch is done, or this worker holds more than its share.  The first is
 * always taken: under epoll the kernel woke this worker for it and no
 * other.  Every later arrival found this worker awake, out of the
 * listener's wait queue (a woken epoll waiter leaves it at once since
 * Linux 5.6), so EPOLLEXCLUSIVE has already announced it to another
 * worker, which takes the rest of a burst.  A worker that was not
 * listening then looks again within ACCEPT_RETRY_MS.
 */
static void
on_accept(struct evloop *loop, int fd, int events, void *arg)
{
	struct acceptor		*a = arg;
	struct worker		*w = a->w;
	struct net_addr		 peer;
	int			 cfd;

	(void)loop;
	(void)events;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		if (i == 0 ? !may_take_woken(w, clock_ms()) :
		    !may_accept(w, clock_ms()) || over_share(w))
			return;
		if (!shm_conn_reserve(w->env->shm, w->wslot,
		    w->env->conf->maxconn))
			return;
		peer.len = sizeof(peer.ss);
		cfd = accept4(fd, (struct sockaddr *)&peer.ss, &peer.len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			shm_conn_release(w->env->shm, w->wslot);
			accept_failed(w, errno);
			return;
		}
		w->emfile_logged = false;
		shm_worker_count_accept(w->env->shm, w->wslot);
		relay_start(w->relay, cfd, a->l->service, &peer);
		if (relay_ran_short(w))
			return;
	}
}

static void
listen_start(struct worker *w)
{
	for (size_t i = 0; i < w->env->nlisteners; i++)
		if (evloop_add(w->loop, w->env->listeners[i].fd,
		    EV_READ | EV_EXCLUSIVE, on_accept, &w->acceptors[i]) == -1)
			fatal("%s: evloop_add", __func__);
	w->listening = true;
}

static void
listen_stop(struct worker *w)
{
	for (size_t i = 0; i < w->env->nlisteners; i++)
		evloop_del(w->loop, w->env->listeners[i].fd, EV_READ);
	w->listening = false;
}

/* May this worker take a new client at all now? */
static bool
may_accept(struct worker *w, uint64_t now)
{
	if (w->draining)
		return (false);
	/* A reload made us old: the master's TERM may not be here yet. */
	if (shm_global_generation(shm_global(w->env->shm)) !=
	    w->env->generation)
		return (false);
	return (may_take_woken(w, now));
}

/*
 * Woken for a connection, may it take that one?  Only running short (of
 * descriptors, or at maxconn) says no.  With EPOLLEXCLUSIVE the kernel
 * woke this worker instead of another, and nothing wakes another one for
 * a connection already queued: a worker that a reload made old, or that
 * drains, still takes the one it was woken for (and serves it to the end
 * like the others it holds), then stops listening in take_turn().
 */
static bool
may_take_woken(struct worker *w, uint64_t now)
{
	if (now < w->paused_until)
		return (false);
	return (shm_global_conns(shm_global(w->env->shm)) <
	    w->env->conf->maxconn);
}

/*
 * Does it hold more than its share?  See the top.  The share is the mean
 * plus an eighth of it (at least one): close enough to spread held
 * connections, and loose enough that with thousands held the workers do
 * not hand the listener to each other on every accept, each hand-over
 * waiting for the other's next look (6,000 connections opened one after
 * another took 5 s with the mean plus one).  The mean is over the live
 * workers only: one that stopped takes nothing, so counting it would cap
 * the others below what they must carry.
 */
static bool
over_share(struct worker *w)
{
	struct shm_global	*g = shm_global(w->env->shm);
	unsigned long		 mine, total, n, slack;

	total = shm_global_conns(g);
	mine = shm_worker_conns(w->env->shm, w->wslot);
	n = shm_global_workers(g);
	n = n > w->stale ? n - w->stale : 1;
	slack = total / (8 * n) > 1 ? total / (8 * n) : 1;
	return (n > 1 && mine * n > total + n * slack);
}

/* Tell the others we are alive; count those that are not, every BEAT_MS. */
static void
beat(struct worker *w, uint64_t now)
{
	shm_worker_beat(w->env->shm, w->wslot, now);
	if (now < w->stale_at)
		return;
	w->stale = shm_workers_stale(w->env->shm, w->env->generation, now);
	w->stale_at = now + BEAT_MS;
}

/* A wait no longer than BEAT_MS, so that an idle worker's beat stays fresh. */
static int
beat_timeout(int ms)
{
	return (ms < 0 || ms > BEAT_MS ? BEAT_MS : ms);
}

/*
 * Listen or not, as may_accept() says.  With epoll every worker that may
 * accept waits on the listeners and EPOLLEXCLUSIVE wakes one of them per
 * connection.  poll(2) has no such thing, so there the workers take
 * turns through the shared region.
 */
static void
take_turn(struct worker *w, uint64_t now)
{
	bool	want;

	beat(w, now);
	want = may_accept(w, now) && !over_share(w);

	if (w->env->events == EVLOOP_EPOLL) {
		if (want && !w->listening)
			listen_start(w);
		else if (!want && w->listening)
			listen_stop(w);
		return;
	}
	if (want && shm_accept_try(w->env->shm, w->wslot, now)) {
		if (!w->listening)
			listen_start(w);
		return;
	}
	if (w->listening)
		listen_stop(w);
	shm_accept_release(w->env->shm, w->wslot);
}

static void
on_drain_timeout(struct evloop *loop, struct evtimer *t, void *arg)
{
	struct worker	*w = arg;

	(void)loop;
	(void)t;
	w->drained = true;
}

/* TERM: stop accepting and let connections finish, within the timeout. */
static void
drain_start(struct worker *w)
{
	w->draining = true;
	if (evloop_timer_add(w->loop, &w->drain_timer, clock_ms() +
	    w->env->conf->shutdown_timeout_ms) == -1)
		w->drained = true;	/* cannot wait: do not wait */
	take_turn(w, clock_ms());
	/* Our copies of the listeners must not keep the ports open. */
	runtime_close_listeners(w->env);
	relay_drain(w->relay);	/* idle HTTP keep-alive clients go now */
	log_info("worker draining worker=%u pid=%d connections=%u", w->id,
	    (int)getpid(), relay_count(w->relay));
}

static bool
should_exit(struct worker *w)
{
	if (got_int || w->orphaned)
		return (true);
	return (w->draining && (relay_count(w->relay) == 0 || w->drained));
}

/* Timers (timeouts, the queue, the drain) bound the wait by themselves. */
static int
poll_timeout(const struct worker *w)
{
	if (!w->listening && !w->draining)
		return (ACCEPT_RETRY_MS);	/* look for the turn again */
	return (-1);
}

/*
 * A TERM: drain, or when told again close the idle ones.  PDEATHSIG sends
 * TERM too, once the master is gone: then exit now.
 */
static void
on_term(struct worker *w, uint64_t now)
{
	if (!w->draining)
		drain_start(w);
	else	/* told again: idle ones need not wait */
		relay_close_idle(w->relay, now, IDLE_MS);
	if (getppid() != w->env->master_pid)
		w->orphaned = true;
}

static void
worker_loop(struct worker *w)
{
	uint64_t	now;

	for (;;) {
		now = clock_ms();
		if (got_term) {
			got_term = 0;
			on_term(w, now);
		}
		if (got_usr1) {
			got_usr1 = 0;
			log_reopen();
		}
		if (should_exit(w))
			return;
		(void)relay_ran_short(w);
		take_turn(w, now);
		if (evloop_wait(w->loop, beat_timeout(poll_timeout(w)),
		    &w->env->unblocked) == -1)
			fatal("%s: ppoll", __func__);
	}
}

static void
worker_init(struct worker *w, struct lbd *env, unsigned id, unsigned wslot)
{
	struct rlimit	rl;

	w->env = env;
	w->id = id;
	w->wslot = wslot;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit");
	if ((w->loop = evloop_new((int)rl.rlim_cur, env->events)) == NULL ||
	    (w->relay = relay_new(env, w->loop, wslot)) == NULL ||
	    (w->acceptors = calloc(env->nlisteners + 1,
	    sizeof(*w->acceptors))) == NULL)
		fatal("%s", __func__);
	evtimer_init(&w->drain_timer, on_drain_timeout, w);
	proc_log_watch(w->loop);
	for (size_t i = 0; i < env->nlisteners; i++) {
		w->acceptors[i].w = w;
		w->acceptors[i].l = &env->listeners[i];
	}
}

void
worker_main(struct lbd *env, unsigned id, unsigned wslot)
{
	struct worker	w = { 0 };

	install_signals();
	worker_init(&w, env, id, wslot);
	worker_loop(&w);
	if (w.listening)
		listen_stop(&w);
	shm_accept_release(env->shm, wslot);
	if (relay_count(w.relay) > 0)
		log_info("worker closing worker=%u connections=%u", id,
		    relay_count(w.relay));
	relay_free(w.relay);
	evloop_free(w.loop);
	exit(0);
}
