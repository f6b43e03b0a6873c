/*
 * The pump on socketpairs: a byte limit, half-close passed on or not,
 * backpressure from a full destination, splice for bulk, what the
 * callback is told, and the pipes' size under a user's pipe budget.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "../cunit_run.h"
#include "buf.h"
#include "pump.h"
#include "splice.h"
#include "unit.h"

/* Two socketpairs: the test writes into in[1], the pump moves in[0] to
 * out[0], the test reads out[1]. */
struct rig {
	int			 in[2];
	int			 out[2];
	struct pump_pools	 pools;
	struct pump		 p;
	size_t			 read, wrote, firsts, ends;
};

static void
on_pump(struct pump *p, enum pump_event ev, size_t n, void *arg)
{
	struct rig	*r = arg;

	CU_ASSERT_PTR_EQUAL(p, &r->p);
	switch (ev) {
	case PUMP_READ:
		r->read += n;
		break;
	case PUMP_FIRST:
		r->firsts++;
		break;
	case PUMP_WROTE:
		r->wrote += n;
		break;
	case PUMP_END:
		r->ends++;
		break;
	}
}

static void
nonblock(int fd)
{
	CU_ASSERT_NOT_EQUAL(fcntl(fd, F_SETFL, O_NONBLOCK), -1);
}

static bool
rig_open(struct rig *r, bool pipes)
{
	memset(r, 0, sizeof(*r));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, r->in) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, r->out) == -1)
		return (false);
	for (int i = 0; i < 2; i++) {
		nonblock(r->in[i]);
		nonblock(r->out[i]);
	}
	r->pools.bufs = buf_pool_new(4);
	r->pools.pipes = pipes ? splice_pool_new(2) : NULL;
	pump_init(&r->p, &r->pools, r->in[0], r->out[0], on_pump, r);
	return (r->pools.bufs != NULL);
}

static void
rig_close(struct rig *r)
{
	pump_release(&r->p);
	buf_pool_free(r->pools.bufs);
	splice_pool_free(r->pools.pipes);
	for (int i = 0; i < 2; i++) {
		close(r->in[i]);
		close(r->out[i]);
	}
}

/* Read everything out[1] has now; the count, -1 at EOF with none. */
static ssize_t
drain(int fd, char *into, size_t len)
{
	size_t	got = 0;
	ssize_t	n;

	while (got < len && (n = read(fd, into + got, len - got)) > 0)
		got += n;
	if (got == 0 && n == 0)
		return (-1);
	return ((ssize_t)got);
}

/* Limit 40 of 100: exactly 40 move, the rest stays, END without EOF. */
static void
test_limit(void)
{
	struct rig	r;
	char		data[100], got[200];

	CU_ASSERT_FATAL(rig_open(&r, false));
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)i;
	CU_ASSERT_EQUAL(write(r.in[1], data, sizeof(data)), 100);
	pump_limit(&r.p, 40);
	CU_ASSERT_EQUAL(pump_read(&r.p), 0);
	CU_ASSERT_EQUAL(drain(r.out[1], got, sizeof(got)), 40);
	CU_ASSERT_EQUAL(memcmp(got, data, 40), 0);
	CU_ASSERT_TRUE(pump_is_done(&r.p));
	CU_ASSERT_FALSE(pump_at_eof(&r.p));
	CU_ASSERT_FALSE(pump_wants_read(&r.p));
	CU_ASSERT_EQUAL(r.read, 40);
	CU_ASSERT_EQUAL(r.wrote, 40);
	CU_ASSERT_EQUAL(r.firsts, 1);
	CU_ASSERT_EQUAL(r.ends, 1);
	/* dst was not shut down, and the other 60 bytes wait in src. */
	CU_ASSERT_EQUAL(read(r.out[1], got, 1), -1);
	CU_ASSERT_EQUAL(errno, EAGAIN);
	CU_ASSERT_EQUAL(read(r.in[0], got, sizeof(got)), 60);
	rig_close(&r);
}

/* EOF after "hello": passed on as EOF, or held back when told so. */
static void
half_close(bool pass)
{
	struct rig	r;
	char		got[16];

	CU_ASSERT_FATAL(rig_open(&r, false));
	pump_pass_eof(&r.p, pass);
	CU_ASSERT_EQUAL(write(r.in[1], "hello", 5), 5);
	CU_ASSERT_EQUAL(shutdown(r.in[1], SHUT_WR), 0);
	for (int i = 0; i < 4 && !pump_is_done(&r.p); i++)
		CU_ASSERT_EQUAL(pump_read(&r.p), 0);
	CU_ASSERT_TRUE(pump_is_done(&r.p));
	CU_ASSERT_TRUE(pump_at_eof(&r.p));
	CU_ASSERT_EQUAL(r.ends, 1);
	CU_ASSERT_EQUAL(read(r.out[1], got, sizeof(got)), 5);
	if (pass) {
		CU_ASSERT_EQUAL(read(r.out[1], got, sizeof(got)), 0);
	} else {
		CU_ASSERT_EQUAL(read(r.out[1], got, sizeof(got)), -1);
		CU_ASSERT_EQUAL(errno, EAGAIN);
	}
	/* The way back still works: dst was only shut for writing. */
	CU_ASSERT_EQUAL(write(r.out[1], "x", 1), 1);
	CU_ASSERT_EQUAL(read(r.out[0], got, 1), 1);
	rig_close(&r);
}

static void
test_half_close(void)
{
	half_close(true);
}

static void
test_eof_held(void)
{
	half_close(false);
}

/*
 * A destination nobody reads: the pump stops reading once its buffer is
 * full, holding one buffer at most, and resumes when dst drains.
 */
static void
test_backpressure(void)
{
	enum { TOTAL = 1024 * 1024 };
	struct rig	 r;
	char		*chunk = calloc(1, 64 * 1024);
	size_t		 sent = 0, got = 0;
	ssize_t		 n;
	int		 rounds = 0, small = 4096;

	CU_ASSERT_FATAL(chunk != NULL && rig_open(&r, false));
	setsockopt(r.out[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(r.out[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	while (sent < TOTAL && (n = write(r.in[1], chunk, 64 * 1024)) > 0)
		sent += n;
	for (int i = 0; i < 1000 && pump_wants_read(&r.p); i++)
		CU_ASSERT_EQUAL(pump_read(&r.p), 0);
	CU_ASSERT_FALSE(pump_wants_read(&r.p));		/* stopped */
	CU_ASSERT_TRUE(pump_wants_write(&r.p));
	CU_ASSERT(r.read - r.wrote <= LBD_BUFSIZE);	/* one buffer held */
	CU_ASSERT(r.read < sent);
	/* Drain dst; the pump goes on until everything sent has moved. */
	CU_ASSERT_EQUAL(shutdown(r.in[1], SHUT_WR), 0);
	while (!pump_is_done(&r.p) && rounds++ < 100000) {
		while ((n = read(r.out[1], chunk, 64 * 1024)) > 0)
			got += n;
		if (pump_wants_write(&r.p) && pump_write(&r.p) == -1)
			CU_FAIL("pump_write");
		if (pump_wants_read(&r.p) && pump_read(&r.p) == -1)
			CU_FAIL("pump_read");
	}
	while ((n = read(r.out[1], chunk, 64 * 1024)) > 0)
		got += n;
	CU_ASSERT_TRUE(pump_is_done(&r.p));
	CU_ASSERT_EQUAL(got, sent);
	CU_ASSERT_EQUAL(r.wrote, sent);
	free(chunk);
	rig_close(&r);
}

/* Bulk with a pipe pool: spliced, every byte intact and in order. */
static void
test_splice_bulk(void)
{
	enum { TOTAL = 300 * 1024 };
	struct rig	 r;
	unsigned char	*in = malloc(TOTAL), *out = malloc(TOTAL);
	size_t		 sent = 0, got = 0;
	ssize_t		 n;
	bool		 spliced = false;

	CU_ASSERT_FATAL(in != NULL && out != NULL && rig_open(&r, true));
	for (size_t i = 0; i < TOTAL; i++)
		in[i] = (unsigned char)(i * 7 + i / 251);
	for (int i = 0; i < 100000 && got < TOTAL; i++) {
		if (sent < TOTAL && (n = write(r.in[1], in + sent,
		    TOTAL - sent)) > 0)
			sent += n;
		CU_ASSERT_EQUAL(pump_read(&r.p), 0);
		spliced |= r.p.pipe[0] != -1;
		if (pump_wants_write(&r.p) && pump_write(&r.p) == -1)
			CU_FAIL("pump_write");
		while ((n = read(r.out[1], out + got, TOTAL - got)) > 0)
			got += n;
	}
	CU_ASSERT_EQUAL(got, TOTAL);
	CU_ASSERT_EQUAL(memcmp(in, out, TOTAL), 0);
	CU_ASSERT_TRUE(spliced);
	CU_ASSERT_EQUAL(r.firsts, 1);
	free(in);
	free(out);
	rig_close(&r);
}

#define BUDGET_PIPES	600	/* pipes tried, at most */

/* What a process of "nobody" got from a pool, pipe after pipe. */
struct budget {
	unsigned	big;		/* SPLICE_PIPE_BYTES */
	unsigned	small;		/* SPLICE_PIPE_MIN */
	unsigned	odd;		/* any other answer */
	bool		refused;	/* splice_get() said -1 */
	bool		stale;		/* and left descriptor numbers */
	bool		grew;		/* a small one, then a big one */
};

static struct budget
spend_budget(void)
{
	struct budget		 b = { 0 };
	struct splice_pool	*pool = splice_pool_new(BUDGET_PIPES);
	int			 fds[2];
	ssize_t			 cap;

	for (unsigned i = 0; pool != NULL && i < BUDGET_PIPES; i++) {
		fds[0] = fds[1] = 12345;	/* must not survive a -1 */
		if ((cap = splice_get(pool, fds)) == -1) {
			b.refused = true;
			b.stale = fds[0] != -1 || fds[1] != -1;
			break;
		}
		if (cap == SPLICE_PIPE_BYTES) {
			b.grew |= b.small > 0;
			b.big++;
		} else if (cap == SPLICE_PIPE_MIN)
			b.small++;
		else
			b.odd++;
	}
	return (b);
}

/* The first number in a /proc/sys file, or -1. */
static long
sysctl_long(const char *path)
{
	FILE	*f = fopen(path, "r");
	long	 v = -1;

	if (f != NULL) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return (v);
}

/*
 * An unprivileged user's pipes have a page budget: past it the pool
 * lends the smaller size, then refuses, and a refusal leaves no
 * descriptor number behind (the old code left the numbers of the pipe
 * it had just closed, which the pump would then have spliced into).
 */
static void
test_pipe_budget(void)
{
	struct budget	b;
	int		ch[2], st = -1;
	pid_t		pid;
	long		soft;

	soft = sysctl_long("/proc/sys/fs/pipe-user-pages-soft");
	if (geteuid() != 0 || soft <= 0 ||
	    soft > (long)BUDGET_PIPES * (SPLICE_PIPE_MIN / 4096) / 2) {
		cunit_skip("needs root to become nobody, and a small "
		    "fs.pipe-user-pages-soft");
		return;
	}
	CU_ASSERT_FATAL(pipe(ch) == 0);
	if ((pid = fork()) == 0) {
		close(ch[0]);
		if (setgroups(0, NULL) == -1 || setresgid(NOBODY, NOBODY,
		    NOBODY) == -1 || setresuid(NOBODY, NOBODY, NOBODY) == -1)
			_exit(2);
		b = spend_budget();
		_exit(write(ch[1], &b, sizeof(b)) == sizeof(b) ? 0 : 3);
	}
	close(ch[1]);
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL_FATAL(read(ch[0], &b, sizeof(b)), sizeof(b));
	close(ch[0]);
	CU_ASSERT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
	CU_ASSERT_TRUE(b.big > 0);
	CU_ASSERT_EQUAL(b.odd, 0);
	CU_ASSERT_FALSE(b.grew);
	CU_ASSERT_TRUE(b.refused);
	CU_ASSERT_FALSE(b.stale);
}

int
test_pump_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("pump", NULL, NULL)) == NULL ||
	    CU_add_test(s, "byte limit", test_limit) == NULL ||
	    CU_add_test(s, "half-close passed on", test_half_close) == NULL ||
	    CU_add_test(s, "EOF held back", test_eof_held) == NULL ||
	    CU_add_test(s, "backpressure", test_backpressure) == NULL ||
	    CU_add_test(s, "bulk spliced", test_splice_bulk) == NULL ||
	    CU_add_test(s, "pipes past the user's budget: smaller, then "
	    "none, no stale descriptor", test_pipe_budget) == NULL)
		return (-1);
	return (0);
}
