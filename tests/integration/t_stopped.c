/*
 * Stopped worker: one worker that does not accept must not hold the
 * others back.
 *
 * Config: 2 workers, an echo backend.  Client: one connection, whose
 * owner (the worker that accepted it, and under poll(2) the holder of the
 * accept turn) is then stopped with SIGSTOP; then NCLIENTS new
 * connections opened at once and held, each sending a line.  Expect:
 * every one of them echoed within SERVE_MS, under epoll and under poll.
 * Before the fix, the live worker took only its "share" counted over
 * both workers (3 of 20) under epoll, and none at all under poll, whose
 * turn stayed with the stopped worker.  The stopped worker is continued
 * before lbd is stopped.
 */
#include <sys/types.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"

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
	struct harness	*h = harness_new();
	pid_t		 pids[2], stopped = -1;
	int		 first, fds[NCLIENTS], served, rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	harness_backend(h, "a", 1, "echo", NULL);
	setenv("LBD_EVENTS", events, 1);
	rc = harness_start(h, NULL);
	unsetenv("LBD_EVENTS");
	if (rc == -1) {
		CU_FAIL("lbd did not start");
		harness_free(h);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(harness_workers(h, pids, 2), 2);
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
t_stopped_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("stopped", NULL, NULL)) == NULL ||
	    CU_add_test(s, "a stopped worker does not cap the other (epoll)",
	    test_stopped_epoll) == NULL ||
	    CU_add_test(s, "a stopped worker does not keep the turn (poll)",
	    test_stopped_poll) == NULL)
		return (-1);
	return (0);
}
