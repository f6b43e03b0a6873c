/*
 * A stream across a reload.
 *
 * Config: 2 workers, echo backend "a", shutdown_timeout 30s (longer than
 * the stream), idle timeouts 60 s; the reload adds echo backend "b".
 * Client: one connection sends a 212-byte chunk every 100 ms and checks
 * each echo: 10 chunks, the reload, 100 more (10 s).  Expect: the reload
 * is done; every echo is intact; the worker holding the stream logs
 * "worker draining ... pid=P connections=1" and stays alive while the
 * stream runs, while a new connection is served by another worker; once
 * the client closes, the old worker exits within 3 s and the master is
 * back to 2 workers.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"

#define OPTS		"retries = 2; timeouts = { connect = \"1s\"; " \
			"client = \"60s\"; server = \"60s\"; };"
#define TOP		"pidfile = \"\"; shutdown_timeout = \"30s\";"
#define BEFORE		10	/* chunks before the reload */
#define AFTER		100	/* chunks after it: 10 s */
#define CHUNK_MS	100
#define CHECK_EVERY	10	/* chunks between looks at the old worker */
#define GONE_MS		3000	/* the old worker exits by then */

struct stream {
	int	fd;
	int	sent;		/* chunks echoed intact so far */
	int	checks;		/* looks at the old worker */
	int	alive;		/* looks that found it alive */
	pid_t	owner;		/* worker holding lbd's side */
};

/* True when pid is one of the master's children now. */
static bool
is_child(const struct harness *h, pid_t pid)
{
	pid_t	pids[64];
	size_t	n = harness_workers(h, pids, 64);

	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return (true);
	return (false);
}

/* Chunk i: its number and padding, 212 bytes with the newline. */
static bool
send_chunk(int fd, int i)
{
	char	msg[256];

	snprintf(msg, sizeof(msg), "chunk %04d %0200d\n", i, i);
	return (harness_echo(fd, msg));
}

/*
 * Send n more chunks, one each CHUNK_MS, each echoed before the next;
 * look at the old worker every CHECK_EVERY chunks.  False on a bad echo.
 */
static bool
stream_run(const struct harness *h, struct stream *s, int n)
{
	uint64_t	start = clock_ms(), due;

	for (int i = 0; i < n; i++) {
		due = start + (uint64_t)(i + 1) * CHUNK_MS;
		if (clock_ms() < due)
			harness_sleep_ms((long)(due - clock_ms()));
		if (!send_chunk(s->fd, s->sent))
			return (false);
		s->sent++;
		if (i % CHECK_EVERY == CHECK_EVERY - 1) {
			s->checks++;
			s->alive += is_child(h, s->owner);
		}
	}
	return (true);
}

/* A new connection echoes and is held by another worker than owner. */
static bool
fresh_elsewhere(const struct harness *h, pid_t owner)
{
	pid_t	who = -1;
	int	fd;
	bool	ok;

	if ((fd = harness_connect(h->port)) == -1)
		return (false);
	ok = harness_echo(fd, "fresh\n");
	if (ok)
		who = harness_conn_owner(h, fd);
	close(fd);
	return (ok && who > 0 && who != owner);
}

/* Wait up to ms for pid to leave the master's children. */
static bool
gone(const struct harness *h, pid_t pid, int ms)
{
	uint64_t	end = clock_ms() + (uint64_t)ms;

	while (is_child(h, pid)) {
		if (clock_ms() >= end)
			return (false);
		harness_sleep_ms(20);
	}
	return (true);
}

/* The stream's first chunk, and the worker holding it; 0 or -1. */
static int
stream_open(const struct harness *h, struct stream *s)
{
	if ((s->fd = harness_connect(h->port)) == -1 ||
	    !send_chunk(s->fd, s->sent++) ||
	    (s->owner = harness_conn_owner(h, s->fd)) <= 0)
		return (-1);
	return (0);
}

/* After the reload: AFTER chunks, with a new connection half way. */
static void
stream_past_reload(const struct harness *h, struct stream *s)
{
	char	drain[64];

	snprintf(drain, sizeof(drain), "pid=%d connections=1", (int)s->owner);
	CU_ASSERT(stream_run(h, s, AFTER / 2));
	CU_ASSERT(fresh_elsewhere(h, s->owner));
	CU_ASSERT(stream_run(h, s, AFTER - AFTER / 2));
	CU_ASSERT_EQUAL(s->sent, BEFORE + AFTER);
	CU_ASSERT(s->checks > 0 && s->alive == s->checks);
	CU_ASSERT(harness_log_has(h, "worker draining"));
	CU_ASSERT(harness_log_has(h, drain));
	/* Still there at the very end: it waits for this client. */
	CU_ASSERT(is_child(h, s->owner));
}

static void
test_stream(void)
{
	struct harness	*h = harness_new();
	struct stream	 s = { .fd = -1, .owner = -1 };
	pid_t		 pids[64];

	harness_backend(h, "a", 1, "echo", NULL);
	snprintf(h->top, sizeof(h->top), "%s", TOP);
	if (harness_start(h, OPTS) == -1) {
		CU_FAIL("lbd did not start");
		goto out;
	}
	harness_backend(h, "b", 1, "echo", NULL);	/* for the reload */
	if (stream_open(h, &s) == -1) {
		CU_FAIL("no stream, or no worker holds it");
		goto out;
	}
	CU_ASSERT(stream_run(h, &s, BEFORE - 1));
	if (harness_reload(h, OPTS, NULL) != 0) {
		CU_FAIL("the reload was not done");
		goto out;
	}
	stream_past_reload(h, &s);
	close(s.fd);
	s.fd = -1;
	CU_ASSERT(gone(h, s.owner, GONE_MS));
	CU_ASSERT_EQUAL(harness_workers(h, pids, 64), 2);
out:
	if (s.fd != -1)
		close(s.fd);
	harness_free(h);
}

int
t_reload_stream_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("reload_stream", NULL, NULL)) == NULL ||
	    CU_add_test(s, "a stream runs 10 s past a reload, intact",
	    test_stream) == NULL)
		return (-1);
	return (0);
}
