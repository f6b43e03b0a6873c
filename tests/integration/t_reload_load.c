/*
 * Reload under load.
 *
 * Config: 2 workers, identity backends "a", "b" and "c"; each reload
 * writes {a, b} or {b, c} in turn, and every fourth rereads the file
 * unchanged.  Client: 3 forked clients make short connections one after
 * another, at most one a millisecond (read the greeting, send 16 to 2047
 * bytes, read them back, close), while the test sends 20 HUPs, 50 to
 * 100 ms apart.  Each client makes at least 1000 connections, goes on
 * until the reloads are over, and stops after 15 s at the latest.
 * Expect: every reload done, no connection failed, every greeting names
 * one of the backends and every echo is byte-exact; then the master is
 * back to its 2 workers within 5 s and lbd_reloads_total is 20.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"

#define CLIENTS		3
#define MIN_CONNS	1000	/* per client */
#define MAX_CONNS	15000	/* per client */
#define CLIENT_MS	15000	/* a client's whole run */
#define RELOADS		20
#define SETTLE_MS	5000	/* old workers gone by then */
#define MSG_MAX		2048

/* What one client saw; written whole into a pipe (below PIPE_BUF). */
struct result {
	int	conns;
	int	failed;		/* connect, read or write failed */
	int	bad_name;	/* a greeting naming no backend */
	int	bad_echo;	/* an echo that was not byte-exact */
	char	first[128];	/* the first thing that went wrong */
};

/* Count a problem in *counter; the first one is described in r. */
static void
note(struct result *r, int *counter, const char *fmt, ...)
{
	va_list	ap;

	(*counter)++;
	if (r->first[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(r->first, sizeof(r->first), fmt, ap);
	va_end(ap);
}

/* A message of 16 to MSG_MAX - 1 bytes that differs per connection. */
static size_t
fill(char *msg, int client, int i)
{
	size_t	len = 16 + (size_t)(i * 7919 + client * 104729) %
		    (MSG_MAX - 16);

	for (size_t j = 0; j < len; j++)
		msg[j] = (char)('a' + (j + (size_t)i + (size_t)client) % 26);
	msg[len - 1] = '\n';
	return (len);
}

/* One short connection through lbd, checked; problems go into r. */
static void
one_conn(int port, int client, struct result *r)
{
	char	msg[MSG_MAX], back[MSG_MAX], line[64];
	size_t	len = fill(msg, client, r->conns);
	int	fd, i = r->conns++;

	if ((fd = harness_connect(port)) == -1) {
		note(r, &r->failed, "connection %d: connect: %s", i,
		    strerror(errno));
		return;
	}
	if (harness_read_line(fd, line, sizeof(line)) == -1)
		note(r, &r->failed, "connection %d: no greeting", i);
	else if (strcmp(line, "a") != 0 && strcmp(line, "b") != 0 &&
	    strcmp(line, "c") != 0)
		note(r, &r->bad_name, "connection %d: greeting \"%s\"", i,
		    line);
	else if (harness_write(fd, msg, len) == -1 ||
	    harness_read(fd, back, len) == -1)
		note(r, &r->failed, "connection %d: echo of %zu bytes "
		    "failed", i, len);
	else if (memcmp(msg, back, len) != 0)
		note(r, &r->bad_echo, "connection %d: echo differs", i);
	close(fd);
}

/* True once the test closed the other end of the stop pipe. */
static bool
stopped(int fd)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };

	return (poll(&pfd, 1, 0) == 1);
}

/* A forked client: connections until told to stop, then its result. */
static _Noreturn void
client_main(int port, int client, int stopfd, int outfd)
{
	struct result	r;
	uint64_t	start = clock_ms(), end = start + CLIENT_MS, due;
	bool		stop = false;

	memset(&r, 0, sizeof(r));
	while (r.conns < MAX_CONNS && clock_ms() < end &&
	    (!stop || r.conns < MIN_CONNS)) {
		/* At most one a millisecond: spare the ephemeral ports. */
		due = start + (uint64_t)r.conns;
		if (clock_ms() < due)
			harness_sleep_ms((long)(due - clock_ms()));
		one_conn(port, client, &r);
		stop = stop || stopped(stopfd);
	}
	(void)write(outfd, &r, sizeof(r));
	_exit(0);
}

/* Fork the clients; how many started (their pids in kids). */
static int
start_clients(const struct harness *h, pid_t kids[], int stop[2],
    int res[2])
{
	pid_t	parent = getpid();
	int	n;

	for (n = 0; n < CLIENTS; n++) {
		if ((kids[n] = fork()) == -1)
			break;
		if (kids[n] != 0)
			continue;
		/* Only the test holds the stop pipe open: EOF means stop. */
		close(stop[1]);
		close(res[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
		    getppid() != parent)
			_exit(1);
		client_main(h->port, n, stop[0], res[1]);
	}
	return (n);
}

/* Read n results into sum; how many came before the deadline. */
static int
read_results(int fd, int n, struct result *sum)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	struct result	r;
	uint64_t	end = clock_ms() + CLIENT_MS + 10000;
	int		got = 0;

	memset(sum, 0, sizeof(*sum));
	while (got < n && clock_ms() < end) {
		if (poll(&pfd, 1, 100) != 1)
			continue;
		if (read(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
			break;
		sum->conns += r.conns;
		sum->failed += r.failed;
		sum->bad_name += r.bad_name;
		sum->bad_echo += r.bad_echo;
		if (sum->first[0] == '\0')
			memcpy(sum->first, r.first, sizeof(r.first));
		got++;
	}
	return (got);
}

/* Reap our clients; one still running is killed, by its pid. */
static void
reap_clients(const pid_t kids[], int n)
{
	for (int i = 0; i < n; i++) {
		if (waitpid(kids[i], NULL, WNOHANG) == kids[i])
			continue;
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
}

/* RELOADS reloads, 50 to 100 ms apart, until one fails; how many. */
static int
reload_burst(struct harness *h)
{
	static const char	*sets[] = { "a,b", "b,c" };
	int			 ok = 0, rc;

	for (int i = 0; i < RELOADS; i++) {
		/* Every fourth one rereads an unchanged file. */
		if (i % 4 == 3)
			rc = harness_hup(h);
		else
			rc = harness_reload(h, NULL, sets[i % 2]);
		if (rc != 0)
			break;		/* each would wait out its timeout */
		ok++;
		harness_sleep_ms(50 + 25 * (i % 3));
	}
	return (ok);
}

/* Wait up to SETTLE_MS for the master to have exactly 2 children. */
static bool
settled(const struct harness *h)
{
	uint64_t	end = clock_ms() + SETTLE_MS;
	pid_t		pids[64];

	while (harness_workers(h, pids, 64) != 2) {
		if (clock_ms() >= end)
			return (false);
		harness_sleep_ms(50);
	}
	return (true);
}

/* Print what the clients saw and check it. */
static void
check_results(const struct result *sum, int reloads, uint64_t ms)
{
	fprintf(stderr, "\n  %d connections in %llu ms, %d reloads done; "
	    "failed %d, bad name %d, bad echo %d%s%s\n", sum->conns,
	    (unsigned long long)ms, reloads, sum->failed, sum->bad_name,
	    sum->bad_echo, sum->first[0] != '\0' ? "; first: " : "",
	    sum->first);
	CU_ASSERT_EQUAL(reloads, RELOADS);
	CU_ASSERT(sum->conns >= CLIENTS * MIN_CONNS);
	CU_ASSERT_EQUAL(sum->failed, 0);
	CU_ASSERT_EQUAL(sum->bad_name, 0);
	CU_ASSERT_EQUAL(sum->bad_echo, 0);
}

/* Close whichever pipe ends are still open. */
static void
close_pipes(int stop[2], int res[2])
{
	for (int i = 0; i < 2; i++) {
		if (stop[i] != -1)
			close(stop[i]);
		if (res[i] != -1)
			close(res[i]);
		stop[i] = res[i] = -1;
	}
}

static void
test_reload_load(void)
{
	struct harness	*h = harness_new();
	struct result	 sum;
	pid_t		 kids[CLIENTS];
	uint64_t	 start;
	int		 stop[2] = { -1, -1 }, res[2] = { -1, -1 };
	int		 n = 0, reloads;

	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	harness_backend(h, "b", 1, "identity", "-n", "b", NULL);
	harness_backend(h, "c", 1, "identity", "-n", "c", NULL);
	if (harness_start(h, NULL) == -1 || pipe(stop) == -1 ||
	    pipe(res) == -1) {
		CU_FAIL("lbd did not start");
		goto out;
	}
	start = clock_ms();
	n = start_clients(h, kids, stop, res);
	close(res[1]);		/* the clients' copies remain */
	res[1] = -1;
	if (n != CLIENTS) {
		CU_FAIL("could not fork the clients");
		goto out;
	}
	harness_sleep_ms(200);
	reloads = reload_burst(h);
	close(stop[1]);		/* EOF: the clients finish */
	stop[1] = -1;
	CU_ASSERT_EQUAL(read_results(res[0], n, &sum), CLIENTS);
	check_results(&sum, reloads, clock_ms() - start);
	CU_ASSERT(settled(h));
	CU_ASSERT_EQUAL(harness_metric_wait(h, "lbd_reloads_total", RELOADS,
	    2000), RELOADS);
out:
	reap_clients(kids, n);
	close_pipes(stop, res);
	harness_free(h);
}

int
t_reload_load_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("reload_load", NULL, NULL)) == NULL ||
	    CU_add_test(s, "20 HUPs under load: no failed connection",
	    test_reload_load) == NULL)
		return (-1);
	return (0);
}
