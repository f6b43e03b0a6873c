/*
 * Integration test harness: real processes on 127.0.0.1.
 *
 * A test makes a harness, starts test backends (each added to the service
 * "web" of the configuration), starts lbd with that configuration, talks to
 * it as a client, and frees the harness, which stops every process it
 * started, by pid.  Set LBD_BIN and LBD_BACKEND_DIR to pick binaries
 * (defaults build/lbd and build/backends), LBD_KEEP=1 to keep the
 * temporary directory, LBD_LOG_LEVEL to change lbd's log level (info),
 * LBD_ASAN=1 when they run under AddressSanitizer.
 *
 *	h = harness_new();
 *	harness_backend(h, "a", 1, "echo", NULL);
 *	if (harness_start(h, NULL) == -1) { CU_FAIL("lbd start"); ... }
 *	fd = harness_connect(h->port);
 *	...
 *	harness_free(h);
 */
#ifndef LBD_HARNESS_H
#define LBD_HARNESS_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HARNESS_MAXBACKENDS	8
#define HARNESS_TIMEOUT_MS	5000	/* bound on one client I/O */

struct harness_backend {
	char	name[32];
	pid_t	pid;		/* -1: a port nothing listens on; 0:
				   stopped, or served by the test */
	int	port;
	int	weight;
	char	opts[128];	/* raw text added to its config group */
	char	argv[256];	/* prog and extra args, NUL-separated */
	size_t	argvlen;	/* bytes used in argv, for a restart */
};

struct harness {
	char		dir[64];	/* mkdtemp: our files */
	char		conf[96];	/* DIR/lbd.conf */
	char		log[96];	/* DIR/lbd.log: its output */
	pid_t		lbd;		/* master, -1 if not running */
	int		port;		/* service "web" listens */
	int		stats_port;	/* stats listener */
	bool		broken;		/* a setup step failed */
	unsigned	nofile;		/* lbd's descriptor limit, 0: ours */
	unsigned	failures;	/* CUnit failures at start */
	size_t		nbackends;
	struct harness_backend backends[HARNESS_MAXBACKENDS];
	char		top[256];	/* top-level text; "": HARNESS_TOP */
	char		logopts[512];	/* in the log group: "access = true;" */
	char		services[1024];	/* groups after "web": "{ ... }" */
	char		balance[16];	/* of "web"; "": roundrobin */
	char		mode[8];	/* of "web"; "": tcp */
	char *const	*wrap;		/* argv to run lbd under (setpriv
					   ... --), NULL-ended; NULL: none */
};

/* A harness with its temporary directory and two free ports; NULL on error. */
struct harness	*harness_new(void);

/*
 * Stop lbd and the backends (TERM, bounded wait, KILL), remove the files
 * and free h.  When the current test failed, print the tail of lbd's log.
 * NULL is allowed.
 */
void		 harness_free(struct harness *h);

/*
 * Start LBD_BACKEND_DIR/PROG -l 127.0.0.1:0 followed by the NULL-ended
 * extra arguments, read its "ready PORT" line, and add it to the service
 * as backend NAME with WEIGHT.  Returns the port, or -1 (and h is marked
 * broken, so harness_start fails).
 */
int		 harness_backend(struct harness *h, const char *name,
		    int weight, const char *prog, ...);

/* Add backend NAME at a port where nothing listens; returns the port. */
int		 harness_dead_backend(struct harness *h, const char *name,
		    int weight);

/*
 * Add backend NAME at a port the test serves itself (not started or
 * stopped by the harness); 0 or -1.
 */
int		 harness_port_backend(struct harness *h, const char *name,
		    int weight, int port);

/*
 * Write the configuration (2 workers, stats on, one tcp service "web",
 * balanced by h->balance or roundrobin, with the backends added so far;
 * opts is inserted in the service, NULL for HARNESS_OPTS), start
 * "lbd -f -c FILE" with its output in the log, and wait (10 s at most)
 * for its "ready" line.  0 or -1.
 */
#define HARNESS_OPTS	"retries = 2; timeouts = { connect = \"1s\"; " \
			"client = \"10s\"; server = \"10s\"; };"
int		 harness_start(struct harness *h, const char *opts);

/*
 * Append raw configuration text, such as "backup = true; maxconn = 1;",
 * to the group of backend i; call before harness_start.  0 or -1.
 */
int		 harness_backend_opts(struct harness *h, size_t i,
		    const char *text);

/*
 * Stop backend i (SIGTERM, bounded wait, by pid) and leave its port free;
 * 0 when it exited 0.  harness_backend_restart() starts the same program
 * with the same arguments on the same port again; 0 or -1.
 */
int		 harness_backend_stop(struct harness *h, size_t i);
int		 harness_backend_restart(struct harness *h, size_t i);

/*
 * The value of METRIC{service="web",backend="NAME"} for backend i;
 * -1 when absent.  harness_backend_metric_wait() polls it until it
 * equals want or ms pass; its last value.
 */
double		 harness_backend_metric(const struct harness *h,
		    const char *metric, size_t i);
double		 harness_backend_metric_wait(const struct harness *h,
		    const char *metric, size_t i, double want, int ms);

/* Poll lbd's log until it holds needle or ms pass; true when it does. */
bool		 harness_log_wait(const struct harness *h, const char *needle,
		    int ms);

/* Sleep ms milliseconds, through signals. */
void		 harness_sleep_ms(long ms);

/* Sleep until clock_ms() reaches when. */
void		 harness_sleep_until(uint64_t when);

/* How many times needle occurs in lbd's log. */
int		 harness_log_count(const struct harness *h, const char *needle);

/* Local port of a socket, or -1. */
int		 harness_local_port(int fd);

/* True when lbd's log holds needle. */
bool		 harness_log_has(const struct harness *h,
		    const char *needle);

/* Up to max pids of the master's children (the workers); the count. */
size_t		 harness_workers(const struct harness *h, pid_t *pids,
		    size_t max);

/*
 * Wait until clock_ms() reaches end for each of the n workers to log
 * "worker draining ... pid=P" (it accepts nothing after that line) or
 * exit; false on time out.  True at once under a LBD_LOG_LEVEL quieter
 * than info, which hides the line.
 */
bool		 harness_wait_draining(const struct harness *h,
		    const pid_t *pids, size_t n, uint64_t end);

/* The worker holding lbd's side of client socket fd, or -1. */
pid_t		 harness_conn_owner(const struct harness *h, int fd);

/* VmRSS of one process in KiB, or -1. */
long		 harness_vm_rss_kb(pid_t pid);

/* Sum of VmRSS of the master and its children in KiB, or -1. */
long		 harness_rss_kb(const struct harness *h);

/*
 * The value of one series of GET /metrics, given as written, such as
 * "lbd_service_rejected_total{service=\"web\"}"; -1 when absent.
 */
double		 harness_metric(const struct harness *h,
		    const char *series);

/* Poll the series until it equals want or ms pass; its last value. */
double		 harness_metric_wait(const struct harness *h,
		    const char *series, double want, int ms);

/*
 * Client side.  harness_connect() returns a blocking, close-on-exec socket
 * connected to 127.0.0.1:port with HARNESS_TIMEOUT_MS send and receive
 * timeouts, or -1.
 */
int		 harness_connect(int port);
/*
 * Through lbd to the identity backend called name: open connections to
 * lbd until one greets with name (at most 4; the others are closed).
 * That connection's fd, or -1.
 */
int		 harness_connect_to(const struct harness *h, const char *name);

/* The same for any address (a unix socket, say). */
int		 harness_connect_addr(const struct sockaddr *sa,
		    socklen_t len);

/* Write all of buf / read exactly len bytes; 0 or -1 (error, EOF, timeout). */
int		 harness_write(int fd, const void *buf, size_t len);
int		 harness_read(int fd, void *buf, size_t len);

/* Read one line without its "\n" into buf; its length, or -1. */
int		 harness_read_line(int fd, char *buf, size_t len);

/* Send msg and expect exactly it back; true when it came back whole. */
bool		 harness_echo(int fd, const char *msg);

/* n new connections to lbd, each echoing msg, then closed; how many did. */
int		 harness_echo_fresh(const struct harness *h, int n,
		    const char *msg);

/*
 * Wait up to ms for the peer to close fd (EOF or reset), discarding any
 * data; the milliseconds it took, or -1 on timeout.
 */
long		 harness_wait_closed(int fd, int ms);

/*
 * Make n connections to lbd one after another, each reading the line an
 * identity backend greets with; counts[i] counts those that reached
 * h->backends[i].  Returns how many failed or named no backend.
 */
int		 harness_tally(const struct harness *h, int n, int counts[]);

/*
 * A 127.0.0.1 port nothing listens on now, from below the kernel's
 * ephemeral range so that nothing takes it by chance before lbd binds it.
 */
int		 harness_free_port(void);

/*
 * A listening socket on 127.0.0.1 at a port the kernel picks, for a
 * backend the test serves itself; the fd with *port set, or -1.
 */
int		 harness_listen(int *port);

/* True when LBD_ASAN=1: memory bounds are then looser. */
bool		 harness_asan(void);

/*
 * Reloads, stops and the command line.  The configuration's top-level
 * settings are h->top when it is not empty, else HARNESS_TOP; set it
 * before harness_start (snprintf: it may name a file in h->dir).
 */
#define HARNESS_TOP	"pidfile = \"\"; shutdown_timeout = \"2s\";"

/*
 * Write the configuration file as harness_start would, without starting
 * lbd; names is a comma-separated list of the backends to write ("b,c"),
 * NULL for all of them.  0 or -1.
 */
int		 harness_config(struct harness *h, const char *opts,
		    const char *names);

/*
 * SIGHUP the master and wait (10 s at most) for the next "reload done"
 * line (0) or "reload failed" line (-1; -1 too on timeout).  After a
 * reload, also wait until every worker of before logged "worker
 * draining" (or exited): then only the new generation accepts.
 * harness_reload() first rewrites the file as harness_config() does.
 */
int		 harness_hup(struct harness *h);
int		 harness_reload(struct harness *h, const char *opts,
		    const char *names);

/*
 * Wait up to ms for the master to exit (send the signal first); its exit
 * status, or -1 on timeout or death by a signal.  h->lbd is -1 once the
 * master was reaped; a sanitizer report in the log fails the test.
 */
int		 harness_wait_exit(struct harness *h, int ms);

/*
 * Run LBD_BIN with the NULL-ended arguments, its stdout and stderr into
 * out (NUL-ended, cut to len), for ms at most (then it is killed).  The
 * exit status, or -1.  Processes it leaves behind (a daemon) are not
 * waited for.
 */
int		 harness_run(char *out, size_t len, int ms, ...);

/* A whole file (a /proc file too) as a string to free, or NULL. */
char		*harness_read_file(const char *path);

/* True when pid's title (/proc/PID/cmdline) starts with title. */
bool		 harness_pid_titled(pid_t pid, const char *title);

/* True when pid exists and is not a zombie (a daemon is not our child). */
bool		 harness_pid_alive(pid_t pid);

/* The suites, one per t_*.c; each registers itself, 0 or -1. */
int		 t_relay_register(void);
int		 t_http_register(void);
int		 t_http_answers_register(void);
int		 t_http_pool_register(void);
int		 t_http_mem_register(void);
int		 t_distribution_register(void);
int		 t_failover_register(void);
int		 t_halfclose_register(void);
int		 t_concurrency_register(void);
int		 t_worker_death_register(void);
int		 t_timeouts_register(void);
int		 t_nobackend_register(void);
int		 t_reload_load_register(void);
int		 t_reload_stream_register(void);
int		 t_reload_backends_register(void);
int		 t_reload_broken_register(void);
int		 t_unresolved_register(void);
int		 t_stop_register(void);
int		 t_daemon_register(void);
int		 t_privdrop_register(void);
int		 t_pidfile_register(void);
int		 t_systemd_register(void);
int		 t_emfile_register(void);
int		 t_leastconn_register(void);
int		 t_leasttime_register(void);
int		 t_logs_register(void);
int		 t_health_tcp_register(void);
int		 t_health_http_register(void);
int		 t_passive_register(void);
int		 t_backup_queue_register(void);
int		 t_slowstart_register(void);
int		 t_metrics_register(void);
int		 t_status_register(void);
int		 t_control_register(void);
int		 t_admin_register(void);
int		 t_access_register(void);
int		 t_stats_lockout_register(void);
int		 t_origin_register(void);
int		 t_reload_burst_register(void);
int		 t_reload_parse_register(void);
int		 t_bigconf_register(void);
int		 t_titles_register(void);
int		 t_reload_answer_register(void);
int		 t_proxy_register(void);

#endif /* LBD_HARNESS_H */
