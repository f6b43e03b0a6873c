/*
 * The pump on socketpairs: a byte limit, half-close passed on or not,
 * backpressure from a full destination, splice for bulk, and what the
 * callback is told.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

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

int
test_pump_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("pump", NULL, NULL)) == NULL ||
	    CU_add_test(s, "byte limit", test_limit) == NULL ||
	    CU_add_test(s, "half-close passed on", test_half_close) == NULL ||
	    CU_add_test(s, "EOF held back", test_eof_held) == NULL ||
	    CU_add_test(s, "backpressure", test_backpressure) == NULL ||
	    CU_add_test(s, "bulk spliced", test_splice_bulk) == NULL)
		return (-1);
	return (0);
}
