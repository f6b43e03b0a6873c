/*
 * lbd: command line, then the master.  Exit status: 0 success,
 * 1 configuration error, 2 usage error, 3 runtime failure.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "control.h"
#include "daemon.h"
#include "lbd.h"
#include "log.h"
#include "master.h"
#include "proc.h"

#define DEFAULT_CONF	"/etc/lbd.conf"
#define ADMIN_TIMEOUT_MS 10000	/* SPEC: control idle, stats head */
#define STOP_MARGIN_MS	5000	/* -s stop, quit: past its bound */
#define POLL_MS		20	/* -s: looks for an answer */

struct options {
	const char	*conf_path;
	const char	*command;	/* -x */
	const char	*pidfile;	/* -p, overrides the file */
	const char	*signal;	/* -s */
	bool		 foreground;
	bool		 test;
};

static _Noreturn void
usage(int status)
{
	FILE	*f = status == 0 ? stdout : stderr;

	fprintf(f, "usage: lbd [-c FILE] [-f] [-t] [-p PIDFILE] "
	    "[-s reload|stop|quit|reopen] [-x COMMAND] [-V] [-h]\n");
	fprintf(f, "  -s reload  re-read the file; wait for the outcome\n"
	    "  -s stop    graceful stop; wait until lbd has exited\n"
	    "  -s quit    fast stop; wait until lbd has exited\n"
	    "  -s reopen  reopen the log files\n");
	exit(status);
}

static int
signal_number(const char *name)
{
	static const struct {
		const char	*name;
		int		 sig;
	} sigs[] = { { "reload", SIGHUP }, { "stop", SIGTERM },
	    { "quit", SIGINT }, { "reopen", SIGUSR1 } };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (strcmp(sigs[i].name, name) == 0)
			return (sigs[i].sig);
	return (-1);
}

/* --help, which getopt(3) would take for an unknown option. */
static void
long_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0)
			usage(0);
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	int	ch;

	o->conf_path = DEFAULT_CONF;
	long_help(argc, argv);
	while ((ch = getopt(argc, argv, "c:fhp:s:tVx:")) != -1) {
		switch (ch) {
		case 'c':
			o->conf_path = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'h':
			usage(0);
		case 'p':
			o->pidfile = optarg;
			break;
		case 's':
			if (signal_number(optarg) == -1) {
				fprintf(stderr, "lbd: unknown -s \"%s\": use "
				    "reload, stop, quit or reopen\n", optarg);
				usage(2);
			}
			o->signal = optarg;
			break;
		case 't':
			o->test = true;
			break;
		case 'V':
			printf("lbd %s\n", LBD_VERSION);
			exit(0);
		case 'x':
			o->command = optarg;
			break;
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);
}

/*
 * The configuration, or exit 1 printing its errors.  -x and -s other than
 * reload need only the pidfile or the control socket: they read just
 * those, so that a backend whose host no longer resolves cannot keep them
 * from reaching the running lbd.  -s reload checks the whole file first,
 * as the master will: a file it would refuse is answered here, with its
 * FILE:LINE errors, and the running lbd is left alone.
 */
static struct config *
load_or_exit(const struct options *o)
{
	struct config	*conf;
	char		 err[LBD_ERRLEN];
	bool		 paths_only;

	paths_only = o->command != NULL ||
	    (o->signal != NULL && strcmp(o->signal, "reload") != 0);
	if (paths_only)
		conf = config_load_paths(o->conf_path, err, sizeof(err));
	else
		conf = config_load(o->conf_path, err, sizeof(err));
	/* Errors, or on success the warnings (-t's, and at start). */
	fputs(err, stderr);
	if (conf == NULL)
		exit(1);
	if (o->pidfile != NULL)
		snprintf(conf->pidfile, sizeof(conf->pidfile), "%s",
		    o->pidfile);
	return (conf);
}

/* The master's state file, beside the pidfile; 0, or -1 if too long. */
static int
state_path(char *dst, size_t len, const char *pidfile)
{
	int	n;

	n = snprintf(dst, len, "%s%s", pidfile, DAEMON_STATE_SUFFIX);
	if (n < 0 || (size_t)n >= len) {
		dst[0] = '\0';
		return (-1);
	}
	return (0);
}

static void
pause_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* The state of master pid, as its state file has it; 0 or -1 with err. */
static int
state_of(const char *pidfile, pid_t pid, struct reload_state *rs,
    char *err, size_t errlen)
{
	char	path[LBD_PATHLEN + sizeof(DAEMON_STATE_SUFFIX)];

	if (state_path(path, sizeof(path), pidfile) == -1) {
		snprintf(err, errlen, "pidfile path too long");
		return (-1);
	}
	if (daemon_state_read(path, pidfile, rs, err, errlen) == -1)
		return (-1);
	if (rs->pid != pid) {
		snprintf(err, errlen, "state file %s is pid %d's, not pid %d's",
		    path, (int)rs->pid, (int)pid);
		return (-1);
	}
	return (0);
}

/*
 * -s reload, after the HUP: wait for a reload begun after before was
 * read to end (its parse then read the file as it is now), and say how.
 */
static int
wait_reload(const char *pidfile, pid_t pid, const struct reload_state *before)
{
	struct reload_state	rs;
	char			err[LBD_ERRLEN];
	uint64_t		end = clock_ms() + MASTER_RELOAD_WAIT_MS;

	while (clock_ms() < end) {
		if (state_of(pidfile, pid, &rs, err, sizeof(err)) == 0 &&
		    rs.done > before->started) {
			if (rs.failed) {
				fprintf(stderr, "lbd: reload failed, keeping "
				    "generation=%u: %s\n", rs.generation,
				    rs.error);
				return (1);
			}
			printf("reloaded generation=%u\n", rs.generation);
			return (0);
		}
		if (daemon_pid_is_gone(pid)) {
			fprintf(stderr, "lbd: pid %d exited during the "
			    "reload\n", (int)pid);
			return (3);
		}
		pause_ms(POLL_MS);
	}
	fprintf(stderr, "lbd: no outcome of the reload after %d s\n",
	    MASTER_RELOAD_WAIT_MS / 1000);
	return (3);
}

/* -s stop|quit, after the signal: wait until the master has exited. */
static int
wait_exit(pid_t pid, uint64_t ms)
{
	uint64_t	end = clock_ms() + ms;

	while (!daemon_pid_is_gone(pid)) {
		if (clock_ms() >= end) {
			fprintf(stderr, "lbd: pid %d still running after %llu "
			    "ms\n", (int)pid, (unsigned long long)ms);
			return (3);
		}
		pause_ms(POLL_MS);
	}
	return (0);
}

/*
 * How long a stop may take: the running master's shutdown_timeout (from
 * its state file, else the file's) or the fast stop's bound, plus a
 * margin for its own deadline and kills.
 */
static uint64_t
stop_bound(int sig, const struct config *conf, pid_t pid)
{
	struct reload_state	rs;
	char			err[LBD_ERRLEN];

	if (sig == SIGINT)
		return (MASTER_FAST_STOP_MS + STOP_MARGIN_MS);
	if (state_of(conf->pidfile, pid, &rs, err, sizeof(err)) == 0)
		return (rs.shutdown_ms + STOP_MARGIN_MS);
	return (conf->shutdown_timeout_ms + STOP_MARGIN_MS);
}

/*
 * -s: find the running master through the pidfile and signal it; for
 * reload, stop and quit, wait (bounded) for the outcome.
 */
static int
send_signal(const struct options *o, const struct config *conf)
{
	struct reload_state	before;
	char			err[LBD_ERRLEN];
	pid_t			pid;
	int			sig = signal_number(o->signal);
	uint64_t		bound;

	if (conf->pidfile[0] == '\0') {
		fprintf(stderr, "lbd: no pidfile configured: use -p\n");
		return (3);
	}
	if ((pid = daemon_pidfile_read(conf->pidfile, err, sizeof(err))) ==
	    -1) {
		fprintf(stderr, "lbd: %s\n", err);
		return (3);
	}
	/* Read before the signal: the answer is a state newer than this. */
	if (sig == SIGHUP &&
	    state_of(conf->pidfile, pid, &before, err, sizeof(err)) == -1) {
		fprintf(stderr, "lbd: cannot learn the reload's outcome: %s: "
		    "not signalled\n", err);
		return (3);
	}
	bound = stop_bound(sig, conf, pid);
	if (kill(pid, sig) == -1) {
		fprintf(stderr, "lbd: cannot signal pid %d: %s\n", (int)pid,
		    strerror(errno));
		return (3);
	}
	if (sig == SIGHUP)
		return (wait_reload(conf->pidfile, pid, &before));
	if (sig == SIGTERM || sig == SIGINT)
		return (wait_exit(pid, bound));
	return (0);
}

static int
lock_pidfile(struct lbd *env, const char *path)
{
	char	err[LBD_ERRLEN];

	if (path[0] == '\0')
		return (0);
	if ((env->pidfile_fd = daemon_pidfile_open(path, err, sizeof(err))) !=
	    -1)
		return (0);
	log_err("%s", err);
	return (-1);
}

/*
 * Set up in the foreground (errors reach the terminal), then detach.
 * The pidfile's path is copied: a reload frees env->conf, and the file
 * it names stays the one locked at start.
 */
static int
run(struct lbd *env)
{
	const struct config	*conf = env->conf;
	char			 pidfile[LBD_PATHLEN];
	int			 rc;

	snprintf(pidfile, sizeof(pidfile), "%s", conf->pidfile);
	log_init("lbd", true, conf->log.level, conf->log.facility);
	if (lock_pidfile(env, pidfile) == -1)
		return (3);
	if (pidfile[0] != '\0' && state_path(env->state_path,
	    sizeof(env->state_path), pidfile) == -1)
		log_warnx("pidfile path too long for a state file: "
		    "lbd -s reload cannot learn outcomes");
	if (master_setup(env) == -1) {
		daemon_pidfile_remove(pidfile, env->pidfile_fd);
		return (3);
	}
	if (!env->foreground) {
		if (daemon_detach(&env->ready_fd) == -1)
			fatal("cannot detach");
		log_init("lbd", false, conf->log.level, conf->log.facility);
	}
	if (env->pidfile_fd != -1 &&
	    daemon_pidfile_write(env->pidfile_fd, getpid()) == -1)
		log_warn("cannot write pidfile %s", pidfile);
	rc = master_run(env);
	daemon_state_remove(env->state_path);
	daemon_pidfile_remove(pidfile, env->pidfile_fd);
	return (rc);
}

/*
 * The workers' event loop: epoll, which measured faster (README,
 * "Performance"), unless LBD_EVENTS=poll asks for poll(2).
 */
static enum evloop_kind
events_kind(void)
{
	const char	*name = getenv("LBD_EVENTS");
	int		 kind;

	if (name == NULL || (kind = evloop_kind_parse(name)) == -1)
		return (EVLOOP_EPOLL);
	return ((enum evloop_kind)kind);
}

/*
 * How long the control socket lets a client idle and the stats listener
 * waits for a request head: 10 s, which tests shorten with
 * LBD_ADMIN_TIMEOUT (a duration, as in the file).
 */
static uint64_t
admin_timeout(void)
{
	const char	*text = getenv("LBD_ADMIN_TIMEOUT");
	uint64_t	 ms;

	if (text == NULL || clock_parse_duration(text, &ms) == -1 || ms == 0)
		return (ADMIN_TIMEOUT_MS);
	return (ms);
}

/*
 * Remember the file for reloads, as an absolute path: they happen after
 * chdir("/"), and after the process title has overwritten argv.
 */
static void
keep_conf_path(struct lbd *env, const char *path)
{
	char	*abs = realpath(path, NULL);

	snprintf(env->conf_path, sizeof(env->conf_path), "%s",
	    abs != NULL ? abs : path);
	free(abs);
}

int
main(int argc, char **argv)
{
	struct options	o = { 0 };
	struct lbd	env = { .stats_fd = -1, .ready_fd = -1,
			    .pidfile_fd = -1 };
	int		rc;

	parse_options(argc, argv, &o);
	proc_title_init(argc, argv);
	env.conf = load_or_exit(&o);
	if (o.test) {
		printf("%s: configuration ok\n", o.conf_path);
		rc = 0;
	} else if (o.signal != NULL)
		rc = send_signal(&o, env.conf);
	else if (o.command != NULL)
		rc = control_send(env.conf->control, o.command);
	else {
		keep_conf_path(&env, o.conf_path);
		env.foreground = o.foreground;
		env.events = events_kind();
		env.admin_timeout_ms = admin_timeout();
		rc = run(&env);
		master_teardown(&env);
	}
	config_free(env.conf);
	return (rc);
}
