/*
 * Concurrency: 2,000 connections open at once, each echoing its own bytes.
 *
 * Config: one echo backend.  Client: opens 2,000 connections, then sends a
 * distinct 64-byte payload on each, then reads all replies with poll.
 * Expect: every connection gets exactly its payload back within 20 s (40 s
 * under ASan); lbd_service_active_connections reads 2000 while they are
 * all open, and 0 once the client has closed them.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"
#include "net.h"

#define NCONN		2000
#define PAYLOAD		64
#define ACTIVE		"lbd_service_active_connections{service=\"web\"}"

struct conns {
	int		fd[NCONN];
	char		got[NCONN][PAYLOAD];
	size_t		len[NCONN];	/* PAYLOAD + 1: failed */
	struct pollfd	pfd[NCONN];
	int		idx[NCONN];	/* pfd[k] is conn idx[k] */
};

/* The bytes connection i sends: its number, then a pattern of its own. */
static void
payload(int i, char *buf)
{
	int	n = snprintf(buf, PAYLOAD, "conn %05d ", i);

	for (int k = n; k < PAYLOAD; k++)
		buf[k] = (char)('A' + (i * 7 + k) % 58);
}

/* Connect and send on every connection; how many failed. */
static int
open_all(const struct harness *h, struct conns *c)
{
	char	buf[PAYLOAD];
	int	bad = 0;

	for (int i = 0; i < NCONN; i++)
		if ((c->fd[i] = harness_connect(h->port)) == -1)
			bad++;
	for (int i = 0; i < NCONN; i++) {
		payload(i, buf);
		if (c->fd[i] != -1 && (net_set_nonblock(c->fd[i]) == -1 ||
		    harness_write(c->fd[i], buf, PAYLOAD) == -1))
			bad++;
	}
	return (bad);
}

/* Poll the connections still waiting for bytes; how many are left. */
static int
read_round(struct conns *c)
{
	ssize_t	n;
	int	k, np = 0;

	for (int i = 0; i < NCONN; i++)
		if (c->fd[i] != -1 && c->len[i] < PAYLOAD) {
			c->pfd[np].fd = c->fd[i];
			c->pfd[np].events = POLLIN;
			c->idx[np++] = i;
		}
	if (np == 0 || poll(c->pfd, (nfds_t)np, 100) <= 0)
		return (np);
	for (k = 0; k < np; k++) {
		int	i = c->idx[k];

		if (c->pfd[k].revents == 0)
			continue;
		n = read(c->fd[i], c->got[i] + c->len[i], PAYLOAD - c->len[i]);
		if (n > 0)
			c->len[i] += (size_t)n;
		else if (n == 0 || errno != EAGAIN)
			c->len[i] = PAYLOAD + 1;	/* failed: stop */
	}
	return (np);
}

/* Connections whose reply is exactly their payload. */
static int
count_exact(const struct conns *c)
{
	char	buf[PAYLOAD];
	int	ok = 0;

	for (int i = 0; i < NCONN; i++) {
		payload(i, buf);
		if (c->len[i] == PAYLOAD && memcmp(c->got[i], buf,
		    PAYLOAD) == 0)
			ok++;
	}
	return (ok);
}

static void
test_2000_at_once(void)
{
	static struct conns	 c;
	struct harness		*h = harness_new();
	uint64_t		 end;

	memset(&c, 0, sizeof(c));
	harness_backend(h, "a", 1, "echo", NULL);
	if (harness_start(h, NULL) == -1) {
		harness_free(h);
		CU_FAIL_FATAL("lbd did not start");
	}
	end = clock_ms() + (harness_asan() ? 40000 : 20000);
	CU_ASSERT_EQUAL(open_all(h, &c), 0);
	while (read_round(&c) > 0 && clock_ms() < end)
		;
	CU_ASSERT_EQUAL(count_exact(&c), NCONN);
	CU_ASSERT_EQUAL(harness_metric_wait(h, ACTIVE, NCONN, 2000), NCONN);
	for (int i = 0; i < NCONN; i++)
		if (c.fd[i] != -1)
			close(c.fd[i]);
	CU_ASSERT_EQUAL(harness_metric_wait(h, ACTIVE, 0, 5000), 0);
	harness_free(h);
}

int
t_concurrency_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("concurrency", NULL, NULL)) == NULL ||
	    CU_add_test(s, "2000 connections at once, each echoed",
	    test_2000_at_once) == NULL)
		return (-1);
	return (0);
}
