/*
 * Relay: byte-exact transfer and bounded memory.
 *
 * Config: one echo backend "a", default timeouts.
 * Client: sends 64 MiB of pseudo-random bytes, then shuts down writing,
 * while reading the echo concurrently (non-blocking, poll), then waits for
 * EOF.  Expect: exactly 64 MiB back with the same FNV-1a hash, and the
 * backend byte counters at 64 MiB each way.  With a client that reads
 * 16 KiB every 2 ms for 3 s first, lbd's RSS grows less than 16 MiB
 * (48 MiB under ASan) although the whole 64 MiB is offered at once.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"
#include "net.h"

#define TOTAL		(64ULL << 20)
#define CHUNK		(64 * 1024)
#define SLOW_READ	(16 * 1024)	/* bytes per slow read */
#define SLOW_GAP_MS	2		/* between two slow reads */
#define SLOW_MS		3000		/* slow phase, then fast */
#define SAMPLE_MS	50		/* RSS sampling period */
#define FNV_INIT	0xcbf29ce484222325ULL

struct pump {
	const struct harness *h;
	int		 fd;
	bool		 slow;		/* pace reads at first */
	uint64_t	 rng;		/* sender's xorshift state */
	uint64_t	 made, sent, rcvd;	/* bytes */
	uint64_t	 tx_hash, rx_hash;	/* FNV-1a */
	char		 tx[CHUNK];
	size_t		 tx_off, tx_len;
	bool		 eof;		/* lbd closed its side */
	uint64_t	 start, next_read, next_sample;	/* clock_ms() */
	long		 rss_max;	/* KiB */
};

static void
fnv(uint64_t *hash, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		*hash = (*hash ^ (unsigned char)p[i]) * 0x100000001b3ULL;
}

/* Next block of pseudo-random bytes (xorshift64). */
static void
make_block(struct pump *p)
{
	size_t	len = TOTAL - p->made < CHUNK ? TOTAL - p->made : CHUNK;

	for (size_t i = 0; i < len; i += 8) {
		p->rng ^= p->rng << 13;
		p->rng ^= p->rng >> 7;
		p->rng ^= p->rng << 17;
		memcpy(p->tx + i, &p->rng, 8);
	}
	fnv(&p->tx_hash, p->tx, len);
	p->made += len;
	p->tx_off = 0;
	p->tx_len = len;
}

/* Send what the socket takes; shut down writing after the last byte. */
static int
pump_write(struct pump *p)
{
	ssize_t	n;

	if (p->tx_off == p->tx_len && p->made < TOTAL)
		make_block(p);
	n = send(p->fd, p->tx + p->tx_off, p->tx_len - p->tx_off,
	    MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n == -1)
		return (errno == EAGAIN ? 0 : -1);
	p->tx_off += (size_t)n;
	p->sent += (size_t)n;
	if (p->sent == TOTAL)
		return (shutdown(p->fd, SHUT_WR));
	return (0);
}

/* Read (a paced amount in the slow phase) and hash it. */
static int
pump_read(struct pump *p, uint64_t now)
{
	static char	buf[256 * 1024];
	bool		paced = p->slow && now < p->start + SLOW_MS;
	ssize_t		n;

	n = recv(p->fd, buf, paced ? SLOW_READ : sizeof(buf), MSG_DONTWAIT);
	if (n == -1)
		return (errno == EAGAIN ? 0 : -1);
	p->eof = n == 0;
	fnv(&p->rx_hash, buf, (size_t)n);
	p->rcvd += (size_t)n;
	if (paced)
		p->next_read = now + SLOW_GAP_MS;
	return (0);
}

static void
sample_rss(struct pump *p, uint64_t now)
{
	long	kb;

	if (now < p->next_sample)
		return;
	p->next_sample = now + SAMPLE_MS;
	if ((kb = harness_rss_kb(p->h)) > p->rss_max)
		p->rss_max = kb;
}

/* One poll round; -1 on a socket error. */
static int
pump_step(struct pump *p)
{
	struct pollfd	pfd = { p->fd, 0, 0 };
	uint64_t	now = clock_ms();
	int		wait = SAMPLE_MS;

	if (p->sent < TOTAL)
		pfd.events |= POLLOUT;
	if (now >= p->next_read)
		pfd.events |= POLLIN;
	else
		wait = (int)(p->next_read - now);
	if (poll(&pfd, 1, wait) == -1)
		return (errno == EINTR ? 0 : -1);
	now = clock_ms();
	if ((pfd.revents & (POLLOUT | POLLERR)) && pump_write(p) == -1)
		return (-1);
	if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) &&
	    pump_read(p, now) == -1)
		return (-1);
	sample_rss(p, now);
	return (0);
}

/* Run the whole transfer through lbd, bounded by limit_ms; 0 or -1. */
static int
pump_run(struct pump *p, uint64_t limit_ms)
{
	uint64_t	end;

	p->start = clock_ms();
	end = p->start + limit_ms;
	p->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 1;
	p->tx_hash = p->rx_hash = FNV_INIT;
	if (net_set_nonblock(p->fd) == -1)
		return (-1);
	while (!p->eof && clock_ms() < end)
		if (pump_step(p) == -1)
			return (-1);
	return (p->eof ? 0 : -1);
}

static struct harness *
setup(void)
{
	struct harness	*h = harness_new();

	harness_backend(h, "a", 1, "echo", NULL);
	if (harness_start(h, NULL) == -1) {
		harness_free(h);
		return (NULL);
	}
	return (h);
}

/* 64 MiB each way, byte-exact, and counted. */
static void
test_relay_exact(void)
{
	struct harness	*h = setup();
	struct pump	 p = { .h = h };

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	p.fd = harness_connect(h->port);
	CU_ASSERT(p.fd != -1);
	CU_ASSERT(pump_run(&p, harness_asan() ? 60000 : 30000) == 0);
	close(p.fd);
	CU_ASSERT_EQUAL(p.sent, TOTAL);
	CU_ASSERT_EQUAL(p.rcvd, TOTAL);
	CU_ASSERT_EQUAL(p.rx_hash, p.tx_hash);
	CU_ASSERT_EQUAL(harness_metric_wait(h, "lbd_backend_bytes_in_total"
	    "{service=\"web\",backend=\"a\"}", (double)TOTAL, 3000),
	    (double)TOTAL);
	CU_ASSERT_EQUAL(harness_metric_wait(h, "lbd_backend_bytes_out_total"
	    "{service=\"web\",backend=\"a\"}", (double)TOTAL, 3000),
	    (double)TOTAL);
	harness_free(h);
}

/* A slow reader must not make lbd buffer what the backend sends. */
static void
test_relay_slow_reader(void)
{
	struct harness	*h = setup();
	struct pump	 p = { .h = h, .slow = true };
	long		 base, bound;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	bound = (harness_asan() ? 48 : 16) * 1024;
	p.fd = harness_connect(h->port);
	CU_ASSERT(p.fd != -1 && harness_echo(p.fd, "warm up\n"));
	base = harness_rss_kb(h);
	CU_ASSERT(base > 0);
	CU_ASSERT(pump_run(&p, harness_asan() ? 60000 : 15000) == 0);
	close(p.fd);
	CU_ASSERT_EQUAL(p.rcvd, TOTAL);
	CU_ASSERT_EQUAL(p.rx_hash, p.tx_hash);
	if (p.rss_max - base >= bound)
		fprintf(stderr, "\nRSS grew %ld KiB (from %ld KiB), bound "
		    "%ld KiB\n", p.rss_max - base, base, bound);
	CU_ASSERT(p.rss_max - base < bound);
	harness_free(h);
}

int
t_relay_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("relay", NULL, NULL)) == NULL ||
	    CU_add_test(s, "64 MiB byte-exact through echo",
	    test_relay_exact) == NULL ||
	    CU_add_test(s, "slow reader keeps RSS bounded",
	    test_relay_slow_reader) == NULL)
		return (-1);
	return (0);
}
