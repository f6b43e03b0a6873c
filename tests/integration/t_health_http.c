/*
 * Active http health checks.
 *
 * The test backends do not speak HTTP, so this suite forks its own
 * responder: one child process listening on two ports, backends "good"
 * and "sick".  It answers a GET of the check path with the status the
 * test sets in shared memory, and any other request with 200; it counts
 * both kinds per port and keeps the first check request it saw.
 *
 * Config: health = { type = "http"; path = "/health"; interval = "200ms";
 * timeout = "100ms"; rise = 2; fall = 2; }, expect left at its default
 * (200-399) or set to "200-299".
 *
 * Status 500: "sick" is down (lbd_backend_up 0, logged with reason
 * "status 500"), the check was "GET /health HTTP/1.1" with a Host header,
 * and 20 client requests all reach "good".  Then 200: "sick" comes up
 * after 2 checks and gets client requests again.  With expect "200-299",
 * 302 is down (reason "status 302") and 204 brings it up.  A 200 whose
 * head the strict parser refuses (two Content-Lengths) is down, reason
 * "invalid response: repeated Content-Length", and a valid 200 brings it
 * up.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"

#define OPTS		"retries = 2; timeouts = { connect = \"1s\"; " \
			"client = \"10s\"; server = \"10s\"; }; " \
			"health = { type = \"http\"; path = \"/health\"; " \
			"interval = \"200ms\"; timeout = \"100ms\"; " \
			"rise = 2; fall = 2; %s };"
#define UP		"lbd_backend_up"
#define CHECK		"GET /health "
#define NRESP		2		/* "good" and "sick" */
#define GOOD		0
#define SICK		1
#define REQ_MAX		1024
#define READ_MS		1000		/* bound on reading one request */
#define CLIENTS		20
#define INVALID		0		/* status: a head http1 refuses */

/* Shared with the responder child: MAP_SHARED, lock-free atomics. */
struct http_state {
	atomic_int	status[NRESP];	/* test; answer to a check */
	atomic_int	checks[NRESP];	/* child; check requests */
	atomic_int	clients[NRESP];	/* child; other requests */
	char		first[NRESP][REQ_MAX]; /* child, before checks = 1 */
};

struct responder {
	pid_t			 pid;
	int			 lfd[NRESP];
	int			 port[NRESP];
	struct http_state	*st;
};

/* Read a request head (up to a blank line) within READ_MS; its length. */
static size_t
read_request(int fd, char *buf, size_t cap)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	uint64_t	end = clock_ms() + READ_MS;
	size_t		len = 0;
	ssize_t		n;

	buf[0] = '\0';
	while (len < cap - 1 && strstr(buf, "\r\n\r\n") == NULL &&
	    clock_ms() < end) {
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		if ((n = read(fd, buf + len, cap - 1 - len)) <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
	}
	return (len);
}

/* Answer one connection on port i, count it, close it. */
static void
answer(struct http_state *st, int i, int fd)
{
	static const char	*names[NRESP] = { "good", "sick" };
	char			 req[REQ_MAX], resp[256];
	size_t			 len = read_request(fd, req, sizeof(req));
	int			 status = 200, n;

	if (len > 0 && strncmp(req, CHECK, strlen(CHECK)) == 0) {
		status = atomic_load(&st->status[i]);
		if (atomic_load(&st->checks[i]) == 0)
			memcpy(st->first[i], req, len + 1);
		atomic_fetch_add(&st->checks[i], 1);
	} else if (len > 0)
		atomic_fetch_add(&st->clients[i], 1);
	n = snprintf(resp, sizeof(resp), "HTTP/1.1 %d Test\r\n"
	    "Content-Length: %zu\r\n%sConnection: close\r\n\r\n%s\n",
	    status == INVALID ? 200 : status, strlen(names[i]) + 1,
	    status == INVALID ? "Content-Length: 99\r\n" : "", names[i]);
	(void)send(fd, resp, (size_t)n, MSG_NOSIGNAL);
	close(fd);
}

/* The child: answer connections one at a time until killed. */
static _Noreturn void
serve(struct responder *r)
{
	struct pollfd	pfd[NRESP];
	int		fd;

	for (int i = 0; i < NRESP; i++) {
		pfd[i].fd = r->lfd[i];
		pfd[i].events = POLLIN;
	}
	for (;;) {
		if (poll(pfd, NRESP, 1000) <= 0)
			continue;
		for (int i = 0; i < NRESP; i++) {
			if ((pfd[i].revents & POLLIN) == 0)
				continue;
			fd = accept4(r->lfd[i], NULL, NULL, SOCK_CLOEXEC);
			if (fd != -1)
				answer(r->st, i, fd);
		}
	}
}

/*
 * Map the shared state, listen and fork the responder, which dies with us
 * (PDEATHSIG); 0 or -1.  responder_stop() undoes any part of it.
 */
static int
responder_start(struct responder *r)
{
	pid_t	parent = getpid();
	int	n = 0;

	r->pid = -1;
	r->st = mmap(NULL, sizeof(*r->st), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->st == MAP_FAILED) {
		r->st = NULL;
		return (-1);
	}
	memset(r->st, 0, sizeof(*r->st));
	for (; n < NRESP; n++) {
		atomic_store(&r->st->status[n], 200);
		if ((r->lfd[n] = harness_listen(&r->port[n])) == -1)
			break;
	}
	if (n == NRESP && (r->pid = fork()) == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
		    getppid() != parent)
			_exit(1);
		serve(r);
	}
	while (n-- > 0)
		close(r->lfd[n]);
	return (r->pid == -1 ? -1 : 0);
}

/* Kill our own child, by pid, and reap it; unmap the state. */
static void
responder_stop(struct responder *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	if (r->st != NULL)
		munmap(r->st, sizeof(*r->st));
}

/*
 * The responder with "sick" answering status, lbd with expect text (or
 * ""), and "good" up; NULL on error, with r stopped.
 */
static struct harness *
setup(struct responder *r, const char *expect, int status)
{
	struct harness	*h = harness_new();
	char		 opts[512];

	r->pid = -1;
	r->st = NULL;
	if (h == NULL || responder_start(r) == -1) {
		harness_free(h);
		responder_stop(r);
		return (NULL);
	}
	atomic_store(&r->st->status[SICK], status);
	harness_port_backend(h, "good", 1, r->port[GOOD]);
	harness_port_backend(h, "sick", 1, r->port[SICK]);
	snprintf(opts, sizeof(opts), OPTS, expect);
	if (harness_start(h, opts) == -1 ||
	    harness_backend_metric_wait(h, UP, GOOD, 1, 2000) != 1) {
		harness_free(h);
		responder_stop(r);
		return (NULL);
	}
	return (h);
}

/* n client requests through lbd; how many got an HTTP answer. */
static int
requests(const struct harness *h, int n)
{
	static const char	req[] = "GET /client HTTP/1.1\r\n"
				    "Host: test\r\n\r\n";
	char			line[128];
	int			fd, ok = 0;

	for (int i = 0; i < n; i++) {
		if ((fd = harness_connect(h->port)) == -1)
			continue;
		if (harness_write(fd, req, sizeof(req) - 1) == 0 &&
		    harness_read_line(fd, line, sizeof(line)) > 0 &&
		    strncmp(line, "HTTP/1.1 200 ", 13) == 0)
			ok++;
		close(fd);
	}
	return (ok);
}

/* The sick backend answers status; expect it up (1) or down (0). */
static void
set_sick(const struct harness *h, struct responder *r, int status, int up)
{
	atomic_store(&r->st->status[SICK], status);
	CU_ASSERT_EQUAL(harness_backend_metric_wait(h, UP, SICK, up, 2000),
	    up);
}

static void
test_status_500(void)
{
	struct responder	 r;
	struct harness		*h = setup(&r, "", 500);
	int			 before;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT(harness_log_wait(h, "backend down service=web backend=sick "
	    "reason=\"status 500\"", 2000));
	CU_ASSERT_EQUAL(harness_backend_metric(h, UP, SICK), 0);
	CU_ASSERT(atomic_load(&r.st->checks[SICK]) > 0);
	CU_ASSERT(strncmp(r.st->first[SICK], "GET /health HTTP/1.1\r\n",
	    22) == 0);
	CU_ASSERT(strstr(r.st->first[SICK], "\r\nHost: 127.0.0.1") != NULL);
	CU_ASSERT_EQUAL(requests(h, CLIENTS), CLIENTS);
	CU_ASSERT_EQUAL(atomic_load(&r.st->clients[SICK]), 0);
	CU_ASSERT_EQUAL(atomic_load(&r.st->clients[GOOD]), CLIENTS);
	set_sick(h, &r, 200, 1);
	CU_ASSERT(harness_log_has(h, "backend up service=web backend=sick "
	    "reason=\"check passed\" checks=2"));
	before = atomic_load(&r.st->clients[SICK]);
	CU_ASSERT_EQUAL(requests(h, CLIENTS), CLIENTS);
	CU_ASSERT(atomic_load(&r.st->clients[SICK]) - before >= CLIENTS / 4);
	harness_free(h);
	responder_stop(&r);
}

static void
test_expect_range(void)
{
	struct responder	 r;
	struct harness		*h = setup(&r, "expect = \"200-299\";", 302);

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT(harness_log_wait(h, "backend down service=web backend=sick "
	    "reason=\"status 302\"", 2000));
	CU_ASSERT_EQUAL(harness_backend_metric(h, UP, SICK), 0);
	/* The good one still passes: down is the sick one's alone. */
	CU_ASSERT_EQUAL(harness_backend_metric(h, UP, GOOD), 1);
	set_sick(h, &r, 204, 1);
	CU_ASSERT(harness_log_has(h, "backend up service=web backend=sick"));
	atomic_store(&r.st->status[GOOD], 302);
	CU_ASSERT_EQUAL(harness_backend_metric_wait(h, UP, GOOD, 0, 2000), 0);
	CU_ASSERT(harness_log_wait(h, "backend down service=web backend=good "
	    "reason=\"status 302\" checks=2", 1000));
	harness_free(h);
	responder_stop(&r);
}

/* A head the parser refuses fails the check, whatever its status. */
static void
test_invalid_head(void)
{
	struct responder	 r;
	struct harness		*h = setup(&r, "", INVALID);

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT(harness_log_wait(h, "backend down service=web backend=sick "
	    "reason=\"invalid response: repeated Content-Length\"", 2000));
	CU_ASSERT_EQUAL(harness_backend_metric(h, UP, SICK), 0);
	CU_ASSERT_EQUAL(harness_backend_metric(h, UP, GOOD), 1);
	set_sick(h, &r, 200, 1);
	harness_free(h);
	responder_stop(&r);
}

int
t_health_http_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("health_http", NULL, NULL)) == NULL ||
	    CU_add_test(s, "500 on the check path: down; 200: up again",
	    test_status_500) == NULL ||
	    CU_add_test(s, "expect 200-299: 302 is down, 204 up",
	    test_expect_range) == NULL ||
	    CU_add_test(s, "an invalid response head is down",
	    test_invalid_head) == NULL)
		return (-1);
	return (0);
}
