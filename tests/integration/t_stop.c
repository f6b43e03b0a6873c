/*
 * Stops.
 *
 * Graceful, in flight: slow backend (each chunk held 250 ms),
 * shutdown_timeout 5s, a pidfile.  The client has one chunk echoed, sends
 * the next, and lbd gets SIGTERM; then it sends 3 more, one at a time.
 * Expect: within 1 s of the TERM a new connection is refused
 * (ECONNREFUSED); all 5 chunks come back intact; once the client closes,
 * lbd exits 0 within 1.5 s and its pidfile is gone.
 * Graceful, idle client: echo backend, shutdown_timeout 1s; a client has
 * one echo and then stays idle.  Expect: SIGTERM makes lbd exit 0 after
 * 0.8 s to 2.5 s (the idle client does not hold it longer, nor is it
 * cut at once); the client then sees EOF or a reset.
 * Fast: echo backend, shutdown_timeout 10s, two idle clients.  Expect:
 * SIGINT (and SIGQUIT) make lbd exit 0 within 1.5 s, and both clients
 * see their connection closed.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"

#define CHUNKS		5
#define REFUSE_MS	1000	/* the port refuses within this of TERM */

/* One connect to 127.0.0.1:port; 0, or the errno it failed with. */
static int
try_connect(int port)
{
	struct sockaddr_in	sin;
	int			s, err = 0;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (errno);
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err = errno;
	close(s);
	return (err);
}

/* Milliseconds until a connect is refused, or -1 if not within ms. */
static long
time_to_refuse(int port, int ms)
{
	uint64_t	start = clock_ms();

	while (clock_ms() < start + (uint64_t)ms) {
		if (try_connect(port) == ECONNREFUSED)
			return ((long)(clock_ms() - start));
		harness_sleep_ms(20);
	}
	return (-1);
}

/* Chunk i of the in-flight transfer: 8 bytes. */
static void
chunk(char msg[9], int i)
{
	snprintf(msg, 9, "chunk %d\n", i);
}

/* A harness with backend prog (extra argument arg) and top; or NULL. */
static struct harness *
start_with(const char *prog, const char *arg, const char *timeout,
    bool pidfile)
{
	struct harness	*h = harness_new();

	harness_backend(h, "a", 1, prog, arg, NULL);
	snprintf(h->top, sizeof(h->top), "pidfile = \"%s%s\"; "
	    "shutdown_timeout = \"%s\";", pidfile ? h->dir : "",
	    pidfile ? "/lbd.pid" : "", timeout);
	if (harness_start(h, NULL) == -1) {
		harness_free(h);
		CU_FAIL("lbd did not start");
		return (NULL);
	}
	return (h);
}

/* Chunks 2.. of the transfer after the TERM: each echoed intact. */
static int
finish_transfer(int fd)
{
	char	msg[9], back[8];
	int	ok = 0;

	for (int i = 2; i < CHUNKS; i++) {
		chunk(msg, i);
		if (harness_write(fd, msg, 8) == -1 ||
		    harness_read(fd, back, 8) == -1)
			break;
		ok += memcmp(msg, back, 8) == 0;
	}
	return (ok);
}

static void
test_graceful_inflight(void)
{
	struct harness	*h = start_with("slow", "-d250ms", "5s", true);
	char		 pidfile[128], msg[9], back[8];
	long		 refused, ms;
	uint64_t	 closed;
	int		 fd, rc;

	if (h == NULL)
		return;
	snprintf(pidfile, sizeof(pidfile), "%s/lbd.pid", h->dir);
	CU_ASSERT(access(pidfile, F_OK) == 0);
	chunk(msg, 0);
	if ((fd = harness_connect(h->port)) == -1 || !harness_echo(fd, msg)) {
		CU_FAIL("no echo before the stop");
		goto out;
	}
	chunk(msg, 1);
	CU_ASSERT(harness_write(fd, msg, 8) == 0);
	CU_ASSERT(kill(h->lbd, SIGTERM) == 0);
	refused = time_to_refuse(h->port, REFUSE_MS);
	CU_ASSERT(refused >= 0);
	CU_ASSERT(harness_read(fd, back, 8) == 0 && memcmp(msg, back, 8) == 0);
	CU_ASSERT_EQUAL(finish_transfer(fd), CHUNKS - 2);
	close(fd);
	fd = -1;
	closed = clock_ms();
	rc = harness_wait_exit(h, 4000);
	ms = (long)(clock_ms() - closed);
	fprintf(stderr, "\n  refused after %ld ms; exit %d, %ld ms after "
	    "the client closed\n", refused, rc, ms);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT(ms < 1500);
	CU_ASSERT(access(pidfile, F_OK) == -1 && errno == ENOENT);
	CU_ASSERT(harness_log_has(h, "stopping mode=graceful"));
out:
	if (fd != -1)
		close(fd);
	harness_free(h);
}

static void
test_graceful_idle(void)
{
	struct harness	*h = start_with("echo", NULL, "1s", false);
	uint64_t	 start;
	long		 ms;
	int		 fd, rc;

	if (h == NULL)
		return;
	if ((fd = harness_connect(h->port)) == -1 ||
	    !harness_echo(fd, "then idle\n")) {
		CU_FAIL("no echo before the stop");
		goto out;
	}
	start = clock_ms();
	CU_ASSERT(kill(h->lbd, SIGTERM) == 0);
	rc = harness_wait_exit(h, 5000);
	ms = (long)(clock_ms() - start);
	fprintf(stderr, "\n  exit %d after %ld ms\n", rc, ms);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT(ms >= 800);
	CU_ASSERT(ms < 2500);
	CU_ASSERT(harness_wait_closed(fd, 1000) >= 0);
out:
	if (fd != -1)
		close(fd);
	harness_free(h);
}

/* Fast stop by sig with two idle clients and a long shutdown_timeout. */
static void
fast_stop(int sig)
{
	struct harness	*h = start_with("echo", NULL, "10s", false);
	uint64_t	 start;
	long		 ms;
	int		 fd[2] = { -1, -1 }, rc;

	if (h == NULL)
		return;
	for (int i = 0; i < 2; i++)
		if ((fd[i] = harness_connect(h->port)) == -1 ||
		    !harness_echo(fd[i], "then idle\n")) {
			CU_FAIL("no echo before the stop");
			goto out;
		}
	start = clock_ms();
	CU_ASSERT(kill(h->lbd, sig) == 0);
	rc = harness_wait_exit(h, 5000);
	ms = (long)(clock_ms() - start);
	fprintf(stderr, "\n  exit %d after %ld ms\n", rc, ms);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT(ms < 1500);
	CU_ASSERT(harness_wait_closed(fd[0], 1000) >= 0);
	CU_ASSERT(harness_wait_closed(fd[1], 1000) >= 0);
	CU_ASSERT(harness_log_has(h, "stopping mode=fast"));
out:
	for (int i = 0; i < 2; i++)
		if (fd[i] != -1)
			close(fd[i]);
	harness_free(h);
}

static void
test_fast_int(void)
{
	fast_stop(SIGINT);
}

static void
test_fast_quit(void)
{
	fast_stop(SIGQUIT);
}

int
t_stop_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("stop", NULL, NULL)) == NULL ||
	    CU_add_test(s, "TERM: in-flight transfer ends, new refused",
	    test_graceful_inflight) == NULL ||
	    CU_add_test(s, "TERM: an idle client holds it shutdown_timeout "
	    "at most", test_graceful_idle) == NULL ||
	    CU_add_test(s, "INT: fast stop", test_fast_int) == NULL ||
	    CU_add_test(s, "QUIT: fast stop", test_fast_quit) == NULL)
		return (-1);
	return (0);
}
