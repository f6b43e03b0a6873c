/*
 * Stats lock-out: slow clients cannot keep GET /metrics from answering.
 *
 * Config: one identity backend, stats on.  Client and expectations:
 *  - with LBD_ADMIN_TIMEOUT=1s, a connection trickling a request head a
 *    byte every TRICKLE_MS (each byte used to reset the idle timer) is
 *    closed 1 s after its first byte, within CLOSE_MS;
 *  - with the real 10 s, NATTACK (the listener's whole table)
 *    connections each holding an unfinished head: GET /metrics still
 *    answers 200 (the quietest connection is closed for it), and again
 *    after every one of them sent another byte.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"
#include "httpc.h"

#define NATTACK		64	/* the stats listener's table */
#define TRICKLE_MS	100	/* one byte this often */
#define CLOSE_MS	3500	/* 1 s deadline, the 1 s sweep, and slack */
#define HEAD		"GET /metrics HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa" \
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* lbd with one backend, LBD_ADMIN_TIMEOUT set to timeout unless NULL. */
static struct harness *
start(const char *timeout)
{
	struct harness	*h = harness_new();
	int		 rc;

	if (h == NULL)
		return (NULL);
	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	if (timeout != NULL)
		setenv("LBD_ADMIN_TIMEOUT", timeout, 1);
	rc = harness_start(h, NULL);
	unsetenv("LBD_ADMIN_TIMEOUT");
	if (rc == -1) {
		harness_free(h);
		return (NULL);
	}
	return (h);
}

/* Has the peer closed fd (EOF or error), looking for up to ms? */
static bool
peer_closed(int fd, int ms)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	char		buf[256];

	if (poll(&pfd, 1, ms) != 1)
		return (false);
	return (read(fd, buf, sizeof(buf)) <= 0);
}

/* The milliseconds until lbd closes a connection trickling its head. */
static void
test_trickle_deadline(void)
{
	struct harness	*h;
	uint64_t	 start_ms, end;
	bool		 closed = false;
	int		 fd;

	if ((h = start("1s")) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT_FATAL((fd = harness_connect(h->stats_port)) != -1);
	start_ms = clock_ms();
	end = start_ms + CLOSE_MS;
	for (size_t i = 0; !closed && clock_ms() < end; i++) {
		if (write(fd, HEAD + i % strlen(HEAD), 1) != 1)
			break;			/* closed under our feet */
		closed = peer_closed(fd, TRICKLE_MS);
	}
	printf("\nclosed after %llu ms ",
	    (unsigned long long)(clock_ms() - start_ms));
	CU_ASSERT(closed);
	/* Not before its deadline: the bytes were on time for an idle one. */
	CU_ASSERT(clock_ms() - start_ms >= 900);
	close(fd);
	harness_free(h);
}

/* GET /metrics answers 200; true when it did. */
static bool
metrics_answer(const struct harness *h)
{
	struct httpc_resp	r = { .status = -1 };
	bool			ok;

	ok = httpc_get(h->stats_port, "GET", "/metrics", &r) == 0 &&
	    r.status == 200;
	httpc_resp_free(&r);
	return (ok);
}

/* A full table of clients each holding a head open. */
static void
test_full_table(void)
{
	struct harness	*h;
	int		 fds[NATTACK], open = 0;

	if ((h = start(NULL)) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	for (int i = 0; i < NATTACK; i++)
		if ((fds[i] = harness_connect(h->stats_port)) != -1 &&
		    harness_write(fds[i], "G", 1) == 0)
			open++;
	CU_ASSERT_EQUAL(open, NATTACK);
	CU_ASSERT(metrics_answer(h));
	/* Everyone trickles on; the next client still gets in. */
	for (int i = 0; i < NATTACK; i++)
		if (fds[i] != -1)
			(void)write(fds[i], "E", 1);
	CU_ASSERT(metrics_answer(h));
	for (int i = 0; i < NATTACK; i++)
		if (fds[i] != -1)
			close(fds[i]);
	harness_free(h);
}

int
t_stats_lockout_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("stats_lockout", NULL, NULL)) == NULL ||
	    CU_add_test(s, "a head trickled a byte at a time is cut off",
	    test_trickle_deadline) == NULL ||
	    CU_add_test(s, "64 slow clients do not lock /metrics out",
	    test_full_table) == NULL)
		return (-1);
	return (0);
}
