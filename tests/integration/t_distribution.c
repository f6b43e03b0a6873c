/*
 * Distribution: smooth weighted round robin, exact across workers.
 *
 * Config: 2 workers, identity backends.  Client: connections one after
 * another, each reading the backend's name.  Expect: weights 1,1,1 over
 * 300 connections give exactly 100 each; weights 3,1 over 400 give exactly
 * 300 and 100.  The rotation is shared, so which worker accepts does not
 * matter.
 *
 * Spread: a burst of BURST connections opened at once and held is shared
 * by the two workers, under epoll and under poll, rather than taken whole
 * by whichever worker woke first.
 *
 * Stopped worker: the owner of a first connection (under poll(2), the
 * holder of the accept turn) is stopped with SIGSTOP; then NCLIENTS new
 * connections opened at once and held, each sending a line, are all
 * echoed within SERVE_MS, under epoll and under poll.  Before, the live
 * worker took only its "share" counted over both workers (3 or 4 of 20)
 * under epoll, and none at all under poll, whose turn stayed with the
 * stopped worker.  The stopped worker is continued before lbd stops.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"

/* Start identity backends with these weights, then lbd; NULL on error. */
static struct harness *
setup(const int *weights, int n)
{
	static const char	*names[] = { "a", "b", "c" };
	struct harness		*h = harness_new();

	for (int i = 0; i < n; i++)
		harness_backend(h, names[i], weights[i], "identity", "-n",
		    names[i], NULL);
	if (harness_start(h, NULL) == -1) {
		harness_free(h);
		return (NULL);
	}
	return (h);
}

static void
test_equal_weights(void)
{
	static const int	 weights[] = { 1, 1, 1 };
	struct harness		*h = setup(weights, 3);
	int			 counts[3] = { 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(harness_tally(h, 300, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 100);
	CU_ASSERT_EQUAL(counts[1], 100);
	CU_ASSERT_EQUAL(counts[2], 100);
	/* Every accept is counted by the worker that made it. */
	CU_ASSERT_EQUAL(harness_metric(h, "lbd_worker_connections_total{"
	    "worker=\"1\",generation=\"1\"}") + harness_metric(h,
	    "lbd_worker_connections_total{worker=\"2\",generation=\"1\"}"),
	    300);
	harness_free(h);
}

static void
test_weights_3_1(void)
{
	static const int	 weights[] = { 3, 1 };
	struct harness		*h = setup(weights, 2);
	int			 counts[2] = { 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(harness_tally(h, 400, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 300);
	CU_ASSERT_EQUAL(counts[1], 100);
	harness_free(h);
}

#define BURST		64
#define ACTIVE		"lbd_service_active_connections{service=\"web\"}"

/*
 * lbd with an echo backend and its two workers' pids in pids, its
 * workers using events ("epoll" or "poll"); NULL if it failed.
 */
static struct harness *
start_events(const char *events, pid_t pids[2])
{
	struct harness	*h = harness_new();
	int		 rc;

	if (h == NULL)
		return (NULL);
	harness_backend(h, "a", 1, "echo", NULL);
	setenv("LBD_EVENTS", events, 1);
	rc = harness_start(h, NULL);
	unsetenv("LBD_EVENTS");
	if (rc == -1 || harness_workers(h, pids, 2) != 2) {
		harness_free(h);
		return (NULL);
	}
	return (h);
}

/* Open BURST connections at once, hold them, count who holds each. */
static void
burst_spread(const char *events)
{
	struct harness		*h;
	pid_t			 pids[2], owner;
	int			 fds[BURST], held[2] = { 0 };

	if ((h = start_events(events, pids)) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	for (int i = 0; i < BURST; i++)
		fds[i] = harness_connect(h->port);
	CU_ASSERT_EQUAL(harness_metric_wait(h, ACTIVE, BURST, 3000), BURST);
	for (int i = 0; i < BURST; i++) {
		owner = fds[i] == -1 ? -1 : harness_conn_owner(h, fds[i]);
		held[0] += owner == pids[0];
		held[1] += owner == pids[1];
	}
	printf("\n%s: workers hold %d and %d of %d ", events, held[0],
	    held[1], BURST);
	CU_ASSERT_EQUAL(held[0] + held[1], BURST);
	/* The share is the mean plus one; allow a few for races. */
	CU_ASSERT(held[0] >= BURST / 2 - 4 && held[1] >= BURST / 2 - 4);
	for (int i = 0; i < BURST; i++)
		if (fds[i] != -1)
			close(fds[i]);
	harness_free(h);
}

static void
test_burst_epoll(void)
{
	burst_spread("epoll");
}

static void
test_burst_poll(void)
{
	burst_spread("poll");
}

#define NCLIENTS	20
#define SERVE_MS	3000	/* all echoed by then; the takeover is 0.5 s */
#define STOP_MS		2000	/* for the kernel to stop the worker */
#define MSG		"ping\n"

/* True once /proc says pid is stopped ("T"), within STOP_MS. */
static bool
wait_stopped(pid_t pid)
{
	uint64_t	 end = clock_ms() + STOP_MS;
	char		 path[64], *stat, *p;
	bool		 stopped;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	do {
		if ((stat = harness_read_file(path)) == NULL)
			return (false);
		/* The state follows the command name's closing parenthesis. */
		p = strrchr(stat, ')');
		stopped = p != NULL && p[1] == ' ' && p[2] == 'T';
		free(stat);
		if (stopped)
			return (true);
		harness_sleep_ms(10);
	} while (clock_ms() < end);
	return (false);
}

/*
 * Wait until clock_ms() reaches end for the echo of MSG on each of the n
 * connections in fds (-1 entries count as failed); how many came back.
 */
static int
collect_echoes(const int *fds, int n, uint64_t end)
{
	struct pollfd	pfd[NCLIENTS];
	size_t		got[NCLIENTS] = { 0 }, len = strlen(MSG);
	char		buf[64];
	ssize_t		r;
	uint64_t	now;
	int		done = 0;

	for (int i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	while (done < n && (now = clock_ms()) < end) {
		if (poll(pfd, n, (int)(end - now)) <= 0)
			break;
		for (int i = 0; i < n; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(pfd[i].fd, buf, sizeof(buf));
			if (r > 0 && (got[i] += r) >= len)
				done++;
			if (r <= 0 || got[i] >= len)
				pfd[i].fd = -1;		/* poll skips it */
		}
	}
	return (done);
}

/* Stop the worker holding a first client; NCLIENTS more must be served. */
static void
stopped_worker(const char *events)
{
	struct harness	*h;
	pid_t		 pids[2], stopped = -1;
	int		 first, fds[NCLIENTS], served;

	if ((h = start_events(events, pids)) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	first = harness_connect(h->port);
	CU_ASSERT_FATAL(first != -1 && harness_echo(first, MSG));
	stopped = harness_conn_owner(h, first);
	CU_ASSERT_FATAL(stopped == pids[0] || stopped == pids[1]);
	CU_ASSERT_EQUAL_FATAL(kill(stopped, SIGSTOP), 0);
	CU_ASSERT(wait_stopped(stopped));
	for (int i = 0; i < NCLIENTS; i++)
		if ((fds[i] = harness_connect(h->port)) != -1 &&
		    harness_write(fds[i], MSG, strlen(MSG)) == -1) {
			close(fds[i]);
			fds[i] = -1;
		}
	served = collect_echoes(fds, NCLIENTS, clock_ms() + SERVE_MS);
	printf("\n%s: %d of %d served with a worker stopped ", events,
	    served, NCLIENTS);
	CU_ASSERT_EQUAL(served, NCLIENTS);
	kill(stopped, SIGCONT);
	for (int i = 0; i < NCLIENTS; i++)
		if (fds[i] != -1)
			close(fds[i]);
	close(first);
	harness_free(h);
}

static void
test_stopped_epoll(void)
{
	stopped_worker("epoll");
}

static void
test_stopped_poll(void)
{
	stopped_worker("poll");
}

int
t_distribution_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("distribution", NULL, NULL)) == NULL ||
	    CU_add_test(s, "weights 1,1,1: 100 each of 300",
	    test_equal_weights) == NULL ||
	    CU_add_test(s, "weights 3,1: 300 and 100 of 400",
	    test_weights_3_1) == NULL ||
	    CU_add_test(s, "a burst of 64 held: shared by 2 workers (epoll)",
	    test_burst_epoll) == NULL ||
	    CU_add_test(s, "a burst of 64 held: shared by 2 workers (poll)",
	    test_burst_poll) == NULL ||
	    CU_add_test(s, "a stopped worker does not cap the other (epoll)",
	    test_stopped_epoll) == NULL ||
	    CU_add_test(s, "a stopped worker does not keep the turn (poll)",
	    test_stopped_poll) == NULL)
		return (-1);
	return (0);
}
