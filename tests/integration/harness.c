/*
 * Integration test harness: temporary configuration, lbd and backend
 * processes (stopped by pid, never by name), readiness by polling the log
 * rather than sleeping, /proc and /metrics readers, and client helpers
 * whose every wait is bounded.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"

#define PORT_FLOOR	10000	/* lowest port harness_free_port() gives */
#define READY_MS	10000	/* lbd must log "ready" within this */
#define BACKEND_MS	5000	/* a backend must print "ready PORT" */
#define STOP_LBD_MS	5000	/* beyond shutdown_timeout = 2s */
#define STOP_BE_MS	2000
#define POLL_MS		20	/* between looks at a log, metric */
#define LOG_TAIL	40	/* lines shown when a test failed */
#define MAXARGS		16

void
harness_sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

void
harness_sleep_until(uint64_t when)
{
	uint64_t	now;

	while ((now = clock_ms()) < when)
		harness_sleep_ms((long)(when - now));
}

static const char *
env_or(const char *name, const char *dflt)
{
	const char	*v = getenv(name);

	return (v != NULL && *v != '\0' ? v : dflt);
}

bool
harness_asan(void)
{
	return (strcmp(env_or("LBD_ASAN", "0"), "1") == 0);
}

/* A whole file (a /proc file too) as a NUL-ended string; free it. */
static char *
slurp(const char *path)
{
	char	*buf = NULL, *nbuf;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (NULL);
	do {
		if (cap - len < 4096) {
			cap = cap == 0 ? 8192 : cap * 2;
			if ((nbuf = realloc(buf, cap)) == NULL)
				break;
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len - 1);
		len += n > 0 ? (size_t)n : 0;
	} while (n > 0);
	close(fd);
	if (buf != NULL)
		buf[len] = '\0';
	return (buf);
}

/* Bind 127.0.0.1:port (0: any) and close; the port bound, or -1. */
static int
probe_port(int port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			s, got = -1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(s, (struct sockaddr *)&sin, &len) == 0)
		got = ntohs(sin.sin_port);
	close(s);
	return (got);
}

/* The first port of the kernel's ephemeral range (32768 if unknown). */
static int
ephemeral_low(void)
{
	char	*range = harness_read_file(
		    "/proc/sys/net/ipv4/ip_local_port_range");
	int	 low = range != NULL ? atoi(range) : 0;

	free(range);
	return (low > 0 ? low : 32768);
}

/*
 * Ports come from below the ephemeral range, in turn from a start that
 * differs by process: the kernel never hands those out by itself, so a
 * backend's bind(0) or a client's connect() cannot take a port between
 * this choice and lbd's bind.  A host whose ephemeral range starts low
 * gets bind(0)'s choice, as before.
 */
int
harness_free_port(void)
{
	static int	next;
	int		low = ephemeral_low(), span = low - PORT_FLOOR, port;

	if (span < 1000)
		return (probe_port(0));
	/*
	 * Past the top, go on from the floor, not from the start again: a
	 * test that asks for many ports (t_bigconf takes 1,024) must not be
	 * handed ones it already has.
	 */
	if (next == 0)
		next = PORT_FLOOR + (int)(getpid() % span);
	for (int tries = 0; tries < span; tries++) {
		if (next < PORT_FLOOR || next >= low)
			next = PORT_FLOOR;
		port = next++;
		if (probe_port(port) == port)
			return (port);
	}
	return (-1);
}

int
harness_listen(int *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			s;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 64) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1) {
		close(s);
		return (-1);
	}
	*port = ntohs(sin.sin_port);
	return (s);
}

struct harness *
harness_new(void)
{
	struct harness	*h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	h->lbd = -1;
	h->failures = CU_get_number_of_failures();
	strcpy(h->dir, "/tmp/lbd-test.XXXXXX");
	if (mkdtemp(h->dir) == NULL) {
		free(h);
		return (NULL);
	}
	snprintf(h->conf, sizeof(h->conf), "%s/lbd.conf", h->dir);
	snprintf(h->log, sizeof(h->log), "%s/lbd.log", h->dir);
	h->port = harness_free_port();
	do {
		h->stats_port = harness_free_port();
	} while (h->stats_port == h->port);
	h->broken = h->port == -1 || h->stats_port == -1;
	return (h);
}

/*
 * Fork and exec argv with stdout (and stderr when both) on outfd.  The
 * child dies with us (PDEATHSIG), so a crashed test leaves no process.
 */
static pid_t
spawn_limited(char *const argv[], int outfd, bool both, unsigned nofile)
{
	struct rlimit	rl = { nofile, nofile };
	pid_t		pid, parent = getpid();

	if ((pid = fork()) != 0)
		return (pid);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(127);
	/* Only the child's limit: the test process keeps its own. */
	if (nofile != 0 && setrlimit(RLIMIT_NOFILE, &rl) == -1)
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(outfd, STDOUT_FILENO) == -1 ||
	    (both && dup2(outfd, STDERR_FILENO) == -1))
		_exit(127);
	execv(argv[0], argv);
	fprintf(stderr, "harness: cannot run %s: %s\n", argv[0],
	    strerror(errno));
	_exit(127);
}

static pid_t
spawn(char *const argv[], int outfd, bool both)
{
	return (spawn_limited(argv, outfd, both, 0));
}

/*
 * SIGTERM, wait up to ms, then SIGKILL: only this pid, our own child.
 * True when it exited by itself with status 0.
 */
static bool
stop_pid(pid_t pid, long ms)
{
	uint64_t	end = clock_ms() + (uint64_t)ms;
	int		st;

	if (pid <= 0 || kill(pid, SIGTERM) == -1)
		return (false);
	while (clock_ms() < end) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return (WIFEXITED(st) && WEXITSTATUS(st) == 0);
		harness_sleep_ms(10);
	}
	fprintf(stderr, "harness: pid %d ignored SIGTERM, killing it\n",
	    (int)pid);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return (false);
}

/* Read the "ready PORT" line a backend prints; the port or -1. */
static int
read_ready(int fd)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		line[64];
	size_t		len = 0;
	ssize_t		n;
	int		port;
	uint64_t	end = clock_ms() + BACKEND_MS;

	while (len < sizeof(line) - 1 && memchr(line, '\n', len) == NULL) {
		if (clock_ms() >= end || poll(&pfd, 1, POLL_MS * 5) == -1)
			return (-1);
		if (pfd.revents == 0)
			continue;
		if ((n = read(fd, line + len, sizeof(line) - 1 - len)) <= 0)
			return (-1);
		len += (size_t)n;
	}
	line[len] = '\0';
	return (sscanf(line, "ready %d", &port) == 1 ? port : -1);
}

/* Add a backend entry; false when there is no room. */
static bool
add_backend(struct harness *h, const char *name, int weight, pid_t pid,
    int port)
{
	struct harness_backend	*b;

	if (h->nbackends == HARNESS_MAXBACKENDS)
		return (false);
	b = &h->backends[h->nbackends++];
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->weight = weight;
	b->pid = pid;
	b->port = port;
	return (true);
}

/* Keep prog and the extra arguments, NUL-separated, for a restart. */
static void
save_argv(struct harness_backend *b, const char *prog, char *const args[])
{
	const char	*a = prog;
	size_t		 len;

	b->argvlen = 0;
	for (size_t i = 0; a != NULL; a = args[i++]) {
		if (b->argvlen + (len = strlen(a) + 1) > sizeof(b->argv))
			break;
		memcpy(b->argv + b->argvlen, a, len);
		b->argvlen += len;
	}
}

int
harness_backend(struct harness *h, const char *name, int weight,
    const char *prog, ...)
{
	char		 path[512], *argv[MAXARGS], *arg;
	va_list		 ap;
	size_t		 n = 0;
	int		 p[2], port = -1;
	pid_t		 pid;

	if (h == NULL || h->broken || h->nbackends == HARNESS_MAXBACKENDS ||
	    pipe2(p, O_CLOEXEC) == -1)
		goto fail;
	snprintf(path, sizeof(path), "%s/%s",
	    env_or("LBD_BACKEND_DIR", "build/backends"), prog);
	argv[n++] = path;
	argv[n++] = (char *)"-l";
	argv[n++] = (char *)"127.0.0.1:0";
	va_start(ap, prog);
	while ((arg = va_arg(ap, char *)) != NULL && n < MAXARGS - 1)
		argv[n++] = arg;
	va_end(ap);
	argv[n] = NULL;
	pid = spawn(argv, p[1], false);
	close(p[1]);
	if (pid != -1 && (port = read_ready(p[0])) == -1)
		stop_pid(pid, STOP_BE_MS);
	close(p[0]);
	if (port != -1 && add_backend(h, name, weight, pid, port)) {
		save_argv(&h->backends[h->nbackends - 1], prog, argv + 3);
		return (port);	/* there was room: checked before the fork */
	}
fail:
	fprintf(stderr, "harness: backend %s (%s) did not start\n", name,
	    prog);
	if (h != NULL)
		h->broken = true;
	return (-1);
}

int
harness_dead_backend(struct harness *h, const char *name, int weight)
{
	int	port;

	if (h == NULL || (port = harness_free_port()) == -1 ||
	    !add_backend(h, name, weight, -1, port)) {
		if (h != NULL)
			h->broken = true;
		return (-1);
	}
	return (port);
}

int
harness_port_backend(struct harness *h, const char *name, int weight,
    int port)
{
	if (h == NULL || !add_backend(h, name, weight, 0, port)) {
		if (h != NULL)
			h->broken = true;
		return (-1);
	}
	return (0);
}

/* Write the configuration file for lbd; 0 or -1. */
static int
write_config(const struct harness *h, const char *opts)
{
	FILE	*f;

	if ((f = fopen(h->conf, "w")) == NULL)
		return (-1);
	fprintf(f, "workers = 2; maxconn = 10000;\n"
	    "%s\nlog = { level = \"%s\"; %s};\n"
	    "stats = { listen = \"127.0.0.1:%d\"; };\n"
	    "services = ( {\n  name = \"web\"; listen = \"127.0.0.1:%d\";\n"
	    "  mode = \"%s\"; balance = \"%s\";\n  %s\n"
	    "  backends = (\n", h->top[0] != '\0' ? h->top : HARNESS_TOP,
	    env_or("LBD_LOG_LEVEL", "info"), h->logopts,
	    h->stats_port, h->port, h->mode[0] != '\0' ? h->mode : "tcp",
	    h->balance[0] != '\0' ? h->balance : "roundrobin",
	    opts != NULL ? opts : HARNESS_OPTS);
	for (size_t i = 0; i < h->nbackends; i++)
		fprintf(f, "    { name = \"%s\"; address = \"127.0.0.1:%d\"; "
		    "weight = %d; %s}%s\n", h->backends[i].name,
		    h->backends[i].port, h->backends[i].weight,
		    h->backends[i].opts, i + 1 < h->nbackends ? "," : "");
	fprintf(f, "  );\n}%s%s );\n", h->services[0] != '\0' ? ",\n" : "",
	    h->services);
	return (fclose(f) == EOF ? -1 : 0);
}

/* True when the log has the word "ready" (not "already"). */
static bool
log_is_ready(const struct harness *h)
{
	char	*log = slurp(h->log), *p;
	bool	 ready = false;

	for (p = log; p != NULL && (p = strstr(p, "ready")) != NULL; p++)
		if (p > log && p[-1] == ' ' && (p[5] == ' ' || p[5] == '\n'))
			ready = true;
	free(log);
	return (ready);
}

/* Poll the log until lbd is ready; -1 if it exits or takes too long. */
static int
wait_ready(struct harness *h)
{
	uint64_t	end = clock_ms() + READY_MS;
	int		st;

	while (clock_ms() < end) {
		if (log_is_ready(h))
			return (0);
		if (waitpid(h->lbd, &st, WNOHANG) == h->lbd) {
			fprintf(stderr, "harness: lbd exited, status %d\n", st);
			h->lbd = -1;
			return (-1);
		}
		harness_sleep_ms(POLL_MS);
	}
	fprintf(stderr, "harness: lbd not ready after %d ms\n", READY_MS);
	return (-1);
}

/* Print the last LOG_TAIL lines of lbd's log to stderr. */
static void
dump_log(const struct harness *h)
{
	char	*log = slurp(h->log), *p;
	int	 lines = 0;

	if (log == NULL)
		return;
	for (p = log + strlen(log); p > log && lines <= LOG_TAIL; p--)
		if (p[-1] == '\n')
			lines++;
	fprintf(stderr, "\n--- tail of %s ---\n%s--- end ---\n", h->log,
	    p == log ? p : p + 1);
	free(log);
}

int
harness_start(struct harness *h, const char *opts)
{
	char	 bin[512], *argv[MAXARGS];
	size_t	 n = 0;
	int	 fd;

	if (h == NULL || h->broken || h->lbd != -1 ||
	    write_config(h, opts) == -1)
		return (-1);
	for (; h->wrap != NULL && h->wrap[n] != NULL && n < MAXARGS - 5; n++)
		argv[n] = h->wrap[n];
	argv[n++] = bin;
	argv[n++] = (char *)"-f";
	argv[n++] = (char *)"-c";
	argv[n++] = h->conf;
	argv[n] = NULL;
	fd = open(h->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
	    0644);
	if (fd == -1)
		return (-1);
	snprintf(bin, sizeof(bin), "%s", env_or("LBD_BIN", "build/lbd"));
	h->lbd = spawn_limited(argv, fd, true, h->nofile);
	close(fd);
	if (h->lbd == -1 || wait_ready(h) == -1) {
		dump_log(h);
		h->broken = true;
		return (-1);
	}
	return (0);
}

/* Remove the temporary directory and what lbd left in it. */
static void
remove_dir(const struct harness *h)
{
	char		 path[512];
	struct dirent	*de;
	DIR		*d;

	if ((d = opendir(h->dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", h->dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(h->dir);
}

/*
 * Stop everything; a process that does not exit 0 on SIGTERM, or a
 * sanitizer report in lbd's log, fails the current test.
 */
static void
stop_all(struct harness *h)
{
	if (h->lbd != -1) {
		if (!stop_pid(h->lbd, STOP_LBD_MS))
			CU_FAIL("lbd did not exit 0 on SIGTERM");
		if (harness_log_has(h, "Sanitizer") ||
		    harness_log_has(h, "runtime error"))
			CU_FAIL("sanitizer report in lbd's log");
	}
	for (size_t i = 0; i < h->nbackends; i++)
		if (h->backends[i].pid > 0 &&
		    !stop_pid(h->backends[i].pid, STOP_BE_MS))
			CU_FAIL("a test backend did not exit 0 on SIGTERM");
}

void
harness_free(struct harness *h)
{
	if (h == NULL)
		return;
	stop_all(h);
	if (CU_get_number_of_failures() > h->failures)
		dump_log(h);
	if (strcmp(env_or("LBD_KEEP", "0"), "1") == 0)
		fprintf(stderr, "harness: kept %s\n", h->dir);
	else
		remove_dir(h);
	free(h);
}

bool
harness_log_has(const struct harness *h, const char *needle)
{
	char	*log = slurp(h->log);
	bool	 found = log != NULL && strstr(log, needle) != NULL;

	free(log);
	return (found);
}

bool
harness_log_wait(const struct harness *h, const char *needle, int ms)
{
	uint64_t	end = clock_ms() + (uint64_t)ms;
	bool		found;

	while (!(found = harness_log_has(h, needle)) && clock_ms() < end)
		harness_sleep_ms(POLL_MS);
	return (found);
}

int
harness_backend_opts(struct harness *h, size_t i, const char *text)
{
	struct harness_backend	*b;
	size_t			 len;

	if (h == NULL || i >= h->nbackends)
		return (-1);
	b = &h->backends[i];
	len = strlen(b->opts);
	if (len + strlen(text) + 2 > sizeof(b->opts)) {
		h->broken = true;
		return (-1);
	}
	snprintf(b->opts + len, sizeof(b->opts) - len, "%s ", text);
	return (0);
}

int
harness_backend_stop(struct harness *h, size_t i)
{
	bool	clean;

	if (h == NULL || i >= h->nbackends || h->backends[i].pid <= 0)
		return (-1);
	clean = stop_pid(h->backends[i].pid, STOP_BE_MS);
	h->backends[i].pid = 0;		/* stopped: nothing to stop later */
	return (clean ? 0 : -1);
}

/*
 * Start backend b's program on its own port; its pid, or -1.  The port
 * may be briefly taken (by an outgoing connection's local port), so a
 * failed start is tried again a few times.
 */
static pid_t
restart_on_port(const struct harness_backend *b)
{
	char	 path[512], listen[32], *argv[MAXARGS], buf[256];
	size_t	 n = 0;
	pid_t	 pid = -1;
	int	 p[2], port = -1;

	memcpy(buf, b->argv, b->argvlen);
	snprintf(path, sizeof(path), "%s/%s",
	    env_or("LBD_BACKEND_DIR", "build/backends"), buf);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", b->port);
	argv[n++] = path;
	argv[n++] = (char *)"-l";
	argv[n++] = listen;
	for (size_t off = strlen(buf) + 1; off < b->argvlen &&
	    n < MAXARGS - 1; off += strlen(buf + off) + 1)
		argv[n++] = buf + off;
	argv[n] = NULL;
	for (int tries = 0; tries < 20 && port != b->port; tries++) {
		if (tries > 0)
			harness_sleep_ms(50);
		if (pipe2(p, O_CLOEXEC) == -1)
			return (-1);
		pid = spawn(argv, p[1], false);
		close(p[1]);
		if (pid != -1 && (port = read_ready(p[0])) != b->port)
			stop_pid(pid, STOP_BE_MS);
		close(p[0]);
	}
	return (port == b->port ? pid : -1);
}

int
harness_backend_restart(struct harness *h, size_t i)
{
	struct harness_backend	*b;

	if (h == NULL || i >= h->nbackends)
		return (-1);
	b = &h->backends[i];
	if (b->pid != 0 || b->argvlen == 0)
		return (-1);		/* running, or never ours */
	if ((b->pid = restart_on_port(b)) == -1) {
		fprintf(stderr, "harness: backend %s did not restart on "
		    "port %d\n", b->name, b->port);
		b->pid = 0;
		return (-1);
	}
	return (0);
}

/* METRIC{service="web",backend="NAME"} of backend i into buf; false if none. */
static bool
backend_series(const struct harness *h, const char *metric, size_t i,
    char *buf, size_t len)
{
	if (i >= h->nbackends)
		return (false);
	snprintf(buf, len, "%s{service=\"web\",backend=\"%s\"}", metric,
	    h->backends[i].name);
	return (true);
}

double
harness_backend_metric(const struct harness *h, const char *metric,
    size_t i)
{
	char	series[256];

	if (!backend_series(h, metric, i, series, sizeof(series)))
		return (-1);
	return (harness_metric(h, series));
}

double
harness_backend_metric_wait(const struct harness *h, const char *metric,
    size_t i, double want, int ms)
{
	char	series[256];

	if (!backend_series(h, metric, i, series, sizeof(series)))
		return (-1);
	return (harness_metric_wait(h, series, want, ms));
}

size_t
harness_workers(const struct harness *h, pid_t *pids, size_t max)
{
	char	 path[96], *list, *p, *end;
	size_t	 n = 0;
	long	 pid;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children",
	    (int)h->lbd, (int)h->lbd);
	if (h->lbd == -1 || (list = slurp(path)) == NULL)
		return (0);
	for (p = list; n < max; p = end) {
		pid = strtol(p, &end, 10);
		if (end == p)
			break;
		pids[n++] = (pid_t)pid;
	}
	free(list);
	return (n);
}

int
harness_local_port(int fd)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return (-1);
	return (ntohs(sin.sin_port));
}

/*
 * Inode of the 127.0.0.1 TCP socket from local port lport to remote port
 * rport, or 0.  One exact sock_diag query: scanning /proc/net/tcp takes
 * seconds on a host with many TIME_WAIT sockets.
 */
static unsigned long
tcp_inode(int lport, int rport)
{
	struct {
		struct nlmsghdr		nlh;
		struct inet_diag_req_v2	req;
	} q;
	union {
		struct nlmsghdr		nlh;
		char			buf[4096];
	} a;
	struct inet_diag_msg	*m = NLMSG_DATA(&a.nlh);
	ssize_t			 n = -1;
	int			 fd;

	memset(&q, 0, sizeof(q));
	q.nlh.nlmsg_len = sizeof(q);
	q.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nlh.nlmsg_flags = NLM_F_REQUEST;
	q.req.sdiag_family = AF_INET;
	q.req.sdiag_protocol = IPPROTO_TCP;
	q.req.idiag_states = ~0U;
	q.req.id.idiag_sport = htons((unsigned short)lport);
	q.req.id.idiag_dport = htons((unsigned short)rport);
	q.req.id.idiag_src[0] = q.req.id.idiag_dst[0] = htonl(INADDR_LOOPBACK);
	q.req.id.idiag_cookie[0] = q.req.id.idiag_cookie[1] =
	    INET_DIAG_NOCOOKIE;
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd == -1)
		return (0);
	if (send(fd, &q, sizeof(q), 0) == (ssize_t)sizeof(q))
		n = recv(fd, &a, sizeof(a), 0);
	close(fd);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(*m)) ||
	    a.nlh.nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return (0);
	return (m->idiag_inode);
}

/* True when process pid has the socket with this inode open. */
static bool
has_socket(pid_t pid, unsigned long inode)
{
	char		 dir[64], path[384], link[64], want[64];
	struct dirent	*de;
	DIR		*d;
	ssize_t		 n;
	bool		 found = false;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	if ((d = opendir(dir)) == NULL)
		return (false);
	while (!found && (de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = '\0';
		found = strcmp(link, want) == 0;
	}
	closedir(d);
	return (found);
}

pid_t
harness_conn_owner(const struct harness *h, int fd)
{
	pid_t		pids[64];
	size_t		n = harness_workers(h, pids, 64);
	unsigned long	inode = tcp_inode(h->port, harness_local_port(fd));

	for (size_t i = 0; inode != 0 && i < n; i++)
		if (has_socket(pids[i], inode))
			return (pids[i]);
	return (-1);
}

long
harness_vm_rss_kb(pid_t pid)
{
	char	 path[64], *status, *p;
	long	 kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((status = slurp(path)) == NULL)
		return (-1);
	if ((p = strstr(status, "\nVmRSS:")) != NULL)
		kb = strtol(p + 7, NULL, 10);
	free(status);
	return (kb);
}

long
harness_rss_kb(const struct harness *h)
{
	pid_t	pids[64];
	size_t	n = harness_workers(h, pids, 64);
	long	sum, kb;

	if ((sum = harness_vm_rss_kb(h->lbd)) == -1)
		return (-1);
	for (size_t i = 0; i < n; i++)
		if ((kb = harness_vm_rss_kb(pids[i])) > 0)
			sum += kb;
	return (sum);
}

/* GET /metrics into buf as a string; 0 or -1. */
static int
fetch_metrics(const struct harness *h, char *buf, size_t len)
{
	static const char	req[] = "GET /metrics HTTP/1.0\r\n\r\n";
	size_t			got = 0;
	ssize_t			n;
	int			fd;

	if ((fd = harness_connect(h->stats_port)) == -1)
		return (-1);
	if (harness_write(fd, req, sizeof(req) - 1) == -1) {
		close(fd);
		return (-1);
	}
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	return (got > 0 ? 0 : -1);
}

double
harness_metric(const struct harness *h, const char *series)
{
	static char	 buf[1 << 20];
	char		 key[512], *p;

	if (fetch_metrics(h, buf, sizeof(buf)) == -1)
		return (-1);
	snprintf(key, sizeof(key), "\n%s ", series);
	if ((p = strstr(buf, key)) == NULL)
		return (-1);
	return (strtod(p + strlen(key), NULL));
}

double
harness_metric_wait(const struct harness *h, const char *series,
    double want, int ms)
{
	uint64_t	end = clock_ms() + (uint64_t)ms;
	double		v;

	while ((v = harness_metric(h, series)) != want && clock_ms() < end)
		harness_sleep_ms(POLL_MS * 2);
	return (v);
}

int
harness_connect(int port)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return (harness_connect_addr((struct sockaddr *)&sin, sizeof(sin)));
}

int
harness_connect_addr(const struct sockaddr *sa, socklen_t len)
{
	struct timeval	tv = { HARNESS_TIMEOUT_MS / 1000, 0 };
	int		s;

	if ((s = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	/* SO_SNDTIMEO also bounds connect() on Linux. */
	if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(s, sa, len) == -1) {
		close(s);
		return (-1);
	}
	return (s);
}

int
harness_write(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = send(fd, p, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

int
harness_read(int fd, void *buf, size_t len)
{
	char	*p = buf;
	ssize_t	 n;

	while (len > 0) {
		if ((n = read(fd, p, len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (-1);
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

int
harness_read_line(int fd, char *buf, size_t len)
{
	size_t	n = 0;

	/* A byte at a time: what follows the line stays in the socket. */
	while (n < len - 1) {
		if (harness_read(fd, buf + n, 1) == -1)
			return (-1);
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return ((int)n);
}

bool
harness_echo(int fd, const char *msg)
{
	char	buf[4096];
	size_t	len = strlen(msg);

	if (len > sizeof(buf) || harness_write(fd, msg, len) == -1 ||
	    harness_read(fd, buf, len) == -1)
		return (false);
	return (memcmp(buf, msg, len) == 0);
}

int
harness_echo_fresh(const struct harness *h, int n, const char *msg)
{
	int	fd, ok = 0;

	for (int i = 0; i < n; i++) {
		if ((fd = harness_connect(h->port)) == -1)
			continue;
		ok += harness_echo(fd, msg);
		close(fd);
	}
	return (ok);
}

long
harness_wait_closed(int fd, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	uint64_t	start = clock_ms(), now;
	char		buf[4096];
	ssize_t		n;

	while ((now = clock_ms()) < start + (uint64_t)ms) {
		if (poll(&pfd, 1, (int)(start + (uint64_t)ms - now)) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
			return ((long)(clock_ms() - start));
	}
	return (-1);
}

/* Count one greeting against the backend it names; false if none. */
static bool
count_name(const struct harness *h, const char *name, int counts[])
{
	for (size_t i = 0; i < h->nbackends; i++)
		if (strcmp(h->backends[i].name, name) == 0) {
			counts[i]++;
			return (true);
		}
	return (false);
}

int
harness_tally(const struct harness *h, int n, int counts[])
{
	char	line[64];
	int	fd, bad = 0;

	for (int i = 0; i < n; i++) {
		if ((fd = harness_connect(h->port)) == -1 ||
		    harness_read_line(fd, line, sizeof(line)) == -1 ||
		    !count_name(h, line, counts))
			bad++;
		if (fd != -1)
			close(fd);
	}
	return (bad);
}

/*
 * Reloads, stops and the command line.
 */
#define RELOAD_MS	10000	/* a reload's result must be logged by then */
#define RELOAD_DONE	"reload done generation="
#define RELOAD_FAILED	"reload failed, keeping generation="
#define RUN_DRAIN_MS	200	/* output read after the command exited */

int
harness_log_count(const struct harness *h, const char *needle)
{
	char	*log = slurp(h->log), *p;
	int	 n = 0;

	for (p = log; p != NULL && (p = strstr(p, needle)) != NULL; p++)
		n++;
	free(log);
	return (n);
}

/* True when name is one of the comma-separated names of list. */
static bool
name_listed(const char *list, const char *name)
{
	size_t		 len = strlen(name);
	const char	*p;

	for (p = list; len > 0 && (p = strstr(p, name)) != NULL; p++)
		if ((p == list || p[-1] == ',') &&
		    (p[len] == ',' || p[len] == '\0'))
			return (true);
	return (false);
}

int
harness_config(struct harness *h, const char *opts, const char *names)
{
	static struct harness_backend	all[HARNESS_MAXBACKENDS];
	size_t				n, k = 0;
	int				rc;

	if (h == NULL)
		return (-1);
	if (names == NULL)
		return (write_config(h, opts));
	/* Write the listed ones only, then put every backend back. */
	n = h->nbackends;
	memcpy(all, h->backends, sizeof(all));
	for (size_t i = 0; i < n; i++)
		if (name_listed(names, all[i].name))
			h->backends[k++] = all[i];
	h->nbackends = k;
	rc = write_config(h, opts);
	memcpy(h->backends, all, sizeof(all));
	h->nbackends = n;
	return (rc);
}

/* Up to max pids of the master's children titled "lbd: worker N". */
static size_t
live_workers(const struct harness *h, pid_t *pids, size_t max)
{
	pid_t	 all[64];
	size_t	 n = harness_workers(h, all, 64), k = 0;

	for (size_t i = 0; i < n && k < max; i++)
		if (harness_pid_titled(all[i], "lbd: worker"))
			pids[k++] = all[i];
	return (k);
}

bool
harness_wait_draining(const struct harness *h, const pid_t *pids, size_t n,
    uint64_t end)
{
	const char	*level = env_or("LBD_LOG_LEVEL", "info");
	char		 needle[64];

	if (strcmp(level, "info") != 0 && strcmp(level, "debug") != 0)
		return (true);
	for (size_t i = 0; i < n; i++) {
		snprintf(needle, sizeof(needle), " pid=%d connections=",
		    (int)pids[i]);
		while (!harness_log_has(h, needle) &&
		    harness_pid_alive(pids[i])) {
			if (clock_ms() >= end)
				return (false);
			harness_sleep_ms(POLL_MS / 4);
		}
	}
	return (true);
}

/*
 * "reload done" means the master told the old workers to stop; one busy
 * at that moment may still accept a connection or two before it reads
 * the signal.  Return only once each of them said it stopped accepting.
 */
int
harness_hup(struct harness *h)
{
	pid_t		old[64];
	size_t		nold;
	uint64_t	end = clock_ms() + RELOAD_MS;
	int		done, failed;

	if (h == NULL || h->lbd == -1)
		return (-1);
	done = harness_log_count(h, RELOAD_DONE);
	failed = harness_log_count(h, RELOAD_FAILED);
	nold = live_workers(h, old, 64);
	if (kill(h->lbd, SIGHUP) == -1)
		return (-1);
	for (; clock_ms() < end; harness_sleep_ms(POLL_MS)) {
		if (harness_log_count(h, RELOAD_DONE) > done) {
			if (harness_wait_draining(h, old, nold, end))
				return (0);
			fprintf(stderr, "harness: an old worker did not "
			    "drain\n");
			return (-1);
		}
		if (harness_log_count(h, RELOAD_FAILED) > failed)
			return (-1);
	}
	fprintf(stderr, "harness: no reload result after %d ms\n", RELOAD_MS);
	return (-1);
}

int
harness_reload(struct harness *h, const char *opts, const char *names)
{
	if (harness_config(h, opts, names) == -1)
		return (-1);
	return (harness_hup(h));
}

int
harness_wait_exit(struct harness *h, int ms)
{
	uint64_t	end = clock_ms() + (uint64_t)ms;
	int		st;

	while (h != NULL && h->lbd != -1) {
		if (waitpid(h->lbd, &st, WNOHANG) == h->lbd) {
			h->lbd = -1;
			if (harness_log_has(h, "Sanitizer") ||
			    harness_log_has(h, "runtime error"))
				CU_FAIL("sanitizer report in lbd's log");
			return (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		}
		if (clock_ms() >= end)
			break;
		harness_sleep_ms(5);
	}
	return (-1);
}

/*
 * Read pid's output from fd into out until it exited and the pipe is
 * drained (or RUN_DRAIN_MS passed: a daemon might hold it), ms at most.
 * Its exit status, or -1 (killed at the deadline, or died by a signal).
 */
static int
collect(pid_t pid, int fd, char *out, size_t len, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	uint64_t	end = clock_ms() + (uint64_t)ms;
	char		junk[512];
	size_t		got = 0;
	ssize_t		n = 1;
	int		st = 0;
	bool		exited = false;

	while (clock_ms() < end && !(exited && n == 0)) {
		if (n != 0 && poll(&pfd, 1, POLL_MS) == 1) {
			if (got + 1 < len)
				n = read(fd, out + got, len - 1 - got);
			else
				n = read(fd, junk, sizeof(junk));
			got += n > 0 && got + 1 < len ? (size_t)n : 0;
		} else if (n == 0)
			harness_sleep_ms(5);
		if (!exited && waitpid(pid, &st, WNOHANG) == pid) {
			exited = true;
			end = clock_ms() + RUN_DRAIN_MS;
		}
	}
	out[got] = '\0';
	if (!exited && waitpid(pid, &st, WNOHANG) != pid) {
		fprintf(stderr, "harness: lbd pid %d ran over %d ms, "
		    "killing it\n", (int)pid, ms);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return (-1);
	}
	return (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int
harness_run(char *out, size_t len, int ms, ...)
{
	char		 bin[512], *argv[MAXARGS], *arg;
	va_list		 ap;
	size_t		 n = 0;
	int		 p[2], rc;
	pid_t		 pid;

	if (len == 0)
		return (-1);
	out[0] = '\0';
	snprintf(bin, sizeof(bin), "%s", env_or("LBD_BIN", "build/lbd"));
	argv[n++] = bin;
	va_start(ap, ms);
	while ((arg = va_arg(ap, char *)) != NULL && n < MAXARGS - 1)
		argv[n++] = arg;
	va_end(ap);
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC) == -1)
		return (-1);
	pid = spawn(argv, p[1], true);
	close(p[1]);
	rc = pid == -1 ? -1 : collect(pid, p[0], out, len, ms);
	close(p[0]);
	return (rc);
}

char *
harness_read_file(const char *path)
{
	return (slurp(path));
}

bool
harness_pid_titled(pid_t pid, const char *title)
{
	char	 path[64], *cmd;
	bool	 yes;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((cmd = slurp(path)) == NULL)
		return (false);
	yes = strncmp(cmd, title, strlen(title)) == 0;
	free(cmd);
	return (yes);
}

bool
harness_pid_alive(pid_t pid)
{
	char	 path[64], *stat, *p;
	bool	 alive;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pid <= 0 || (stat = slurp(path)) == NULL)
		return (false);
	/* "PID (COMM) STATE ...": the name may hold a ')'. */
	p = strrchr(stat, ')');
	alive = p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
	free(stat);
	return (alive);
}

int
harness_connect_to(const struct harness *h, const char *name)
{
	char	line[32];
	int	fd, others[4], n = 0, found = -1;

	while (found == -1 && n < 4) {
		if ((fd = harness_connect(h->port)) == -1)
			break;
		if (harness_read_line(fd, line, sizeof(line)) != -1 &&
		    strcmp(line, name) == 0)
			found = fd;
		else
			others[n++] = fd;
	}
	while (n > 0)
		close(others[--n]);
	return (found);
}
