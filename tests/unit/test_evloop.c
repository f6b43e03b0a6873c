/*
 * The poll loop: dispatch, interest changes and deletion during dispatch;
 * timers: order, re-arming, deletion from a callback, many timers, and a
 * wait that sleeps exactly until the next one.
 */
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "evloop.h"
#include "unit.h"

struct probe {
	int	calls;
	int	events;
	int	other;		/* fd to delete from inside the callback */
};

static void
on_event(struct evloop *loop, int fd, int events, void *arg)
{
	struct probe	*p = arg;

	(void)fd;
	p->calls++;
	p->events |= events;
	if (p->other != -1)
		evloop_del(loop, p->other, EV_READ | EV_WRITE);
}

static void
read_write(enum evloop_kind kind)
{
	struct evloop	*loop = evloop_new(1024, kind);
	struct probe	 p = { 0, 0, -1 };
	int		 sv[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CU_ASSERT_EQUAL(evloop_add(loop, sv[0], EV_READ, on_event, &p), 0);
	CU_ASSERT_EQUAL(evloop_wait(loop, 0, NULL), 0);	/* nothing yet */
	CU_ASSERT_EQUAL(write(sv[1], "x", 1), 1);
	CU_ASSERT_EQUAL(evloop_wait(loop, 1000, NULL), 1);
	CU_ASSERT_EQUAL(p.events, EV_READ);
	CU_ASSERT_EQUAL(evloop_add(loop, sv[0], EV_WRITE, on_event, &p), 0);
	CU_ASSERT_EQUAL(evloop_mask(loop, sv[0]), EV_READ | EV_WRITE);
	evloop_del(loop, sv[0], EV_READ);
	p.events = 0;
	CU_ASSERT_EQUAL(evloop_wait(loop, 1000, NULL), 1);
	CU_ASSERT_EQUAL(p.events, EV_WRITE);
	evloop_del(loop, sv[0], EV_WRITE);
	CU_ASSERT_EQUAL(evloop_mask(loop, sv[0]), 0);
	CU_ASSERT_EQUAL(evloop_wait(loop, 0, NULL), 0);
	CU_ASSERT_EQUAL(evloop_add(loop, 5000, EV_READ, on_event, &p), -1);
	close(sv[0]);
	close(sv[1]);
	evloop_free(loop);
}

/* A callback deleting another ready fd: that fd's event is not run. */
static void
delete_during_dispatch(enum evloop_kind kind)
{
	struct evloop	*loop = evloop_new(1024, kind);
	struct probe	 a = { 0, 0, -1 }, b = { 0, 0, -1 };
	int		 s1[2], s2[2];

	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, s1), 0);
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, s2), 0);
	a.other = s2[0];
	b.other = s1[0];
	evloop_add(loop, s1[0], EV_WRITE, on_event, &a);
	evloop_add(loop, s2[0], EV_WRITE, on_event, &b);
	CU_ASSERT_EQUAL(evloop_wait(loop, 1000, NULL), 1);
	CU_ASSERT_EQUAL(a.calls + b.calls, 1);
	CU_ASSERT_EQUAL(evloop_mask(loop, s1[0]) + evloop_mask(loop, s2[0]),
	    EV_WRITE);
	close(s1[0]);
	close(s1[1]);
	close(s2[0]);
	close(s2[1]);
	evloop_free(loop);
}

static void
test_read_write_poll(void)
{
	read_write(EVLOOP_POLL);
}

static void
test_read_write_epoll(void)
{
	read_write(EVLOOP_EPOLL);
}

static void
test_delete_poll(void)
{
	delete_during_dispatch(EVLOOP_POLL);
}

static void
test_delete_epoll(void)
{
	delete_during_dispatch(EVLOOP_EPOLL);
}

/* set: exact masks, exclusive descriptors change by delete and add. */
static void
test_set_exclusive(void)
{
	struct evloop	*loop = evloop_new(1024, EVLOOP_EPOLL);
	struct probe	 p = { 0, 0, -1 };
	int		 sv[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CU_ASSERT_EQUAL(evloop_set(loop, sv[0], EV_READ | EV_EXCLUSIVE,
	    on_event, &p), 0);
	CU_ASSERT_EQUAL(evloop_set(loop, sv[0], EV_WRITE, on_event, &p), 0);
	CU_ASSERT_EQUAL(evloop_mask(loop, sv[0]), EV_WRITE);
	CU_ASSERT_EQUAL(evloop_wait(loop, 1000, NULL), 1);
	CU_ASSERT_EQUAL(p.events, EV_WRITE);
	CU_ASSERT_EQUAL(evloop_set(loop, sv[0], 0, on_event, &p), 0);
	CU_ASSERT_EQUAL(evloop_wait(loop, 0, NULL), 0);
	CU_ASSERT_EQUAL(evloop_kind_parse("epoll"), EVLOOP_EPOLL);
	CU_ASSERT_EQUAL(evloop_kind_parse("select"), -1);
	close(sv[0]);
	close(sv[1]);
	evloop_free(loop);
}

/* What timer callbacks record: the order they ran in. */
struct ticks {
	int		 order[64];
	int		 n;
	struct evtimer	*victim;	/* to delete from inside a callback */
	struct evtimer	*again;		/* to re-arm from inside a callback */
};

struct tick {
	struct evtimer	 t;
	struct ticks	*log;
	int		 id;
};

static void
on_tick(struct evloop *loop, struct evtimer *t, void *arg)
{
	struct tick	*k = arg;
	struct ticks	*log = k->log;

	CU_ASSERT_FALSE(evtimer_is_armed(t));
	if (log->n < 64)
		log->order[log->n++] = k->id;
	if (log->victim != NULL)
		evloop_timer_del(loop, log->victim);
	if (log->again == t)
		CU_ASSERT_EQUAL(evloop_timer_add(loop, t, evloop_now(loop)), 0);
}

static void
ticks_init(struct tick *k, int n, struct ticks *log)
{
	for (int i = 0; i < n; i++) {
		k[i].log = log;
		k[i].id = i;
		evtimer_init(&k[i].t, on_tick, &k[i]);
	}
}

/* Past deadlines run at the next wait, earliest first, ties in order. */
static void
test_timer_order(void)
{
	struct evloop	*loop = evloop_new(64, EVLOOP_EPOLL);
	struct ticks	 log = { .n = 0 };
	struct tick	 k[5];
	uint64_t	 now;
	const int	 ago[5] = { 3, 9, 1, 9, 5 };
	const int	 want[5] = { 1, 3, 4, 0, 2 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	now = evloop_now(loop);
	ticks_init(k, 5, &log);
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(evloop_timer_add(loop, &k[i].t, now - ago[i]),
		    0);
	CU_ASSERT_EQUAL(evloop_wait(loop, 1000, NULL), 5);
	CU_ASSERT_EQUAL_FATAL(log.n, 5);
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(log.order[i], want[i]);
	CU_ASSERT_EQUAL(evloop_wait(loop, 0, NULL), 0);
	evloop_free(loop);
}

/* Re-arming moves a timer either way; deleting it stops it. */
static void
test_timer_rearm(void)
{
	struct evloop	*loop = evloop_new(64, EVLOOP_POLL);
	struct ticks	 log = { .n = 0 };
	struct tick	 k[2];
	uint64_t	 now;

	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	now = evloop_now(loop);
	ticks_init(k, 2, &log);
	evloop_timer_add(loop, &k[0].t, now - 1);
	evloop_timer_add(loop, &k[1].t, now + 60000);
	evloop_timer_add(loop, &k[0].t, now + 60000);	/* later */
	evloop_timer_add(loop, &k[1].t, now - 1);	/* sooner */
	CU_ASSERT_EQUAL(evloop_wait(loop, 0, NULL), 1);
	CU_ASSERT_EQUAL_FATAL(log.n, 1);
	CU_ASSERT_EQUAL(log.order[0], 1);
	CU_ASSERT_TRUE(evtimer_is_armed(&k[0].t));
	evloop_timer_del(loop, &k[0].t);
	evloop_timer_del(loop, &k[0].t);		/* twice: harmless */
	CU_ASSERT_FALSE(evtimer_is_armed(&k[0].t));
	evloop_timer_add(loop, &k[0].t, now - 1);
	evloop_timer_del(loop, &k[0].t);
	CU_ASSERT_EQUAL(evloop_wait(loop, 0, NULL), 0);
	CU_ASSERT_EQUAL(log.n, 1);
	evloop_free(loop);
}

/*
 * A callback deletes another due timer, which then does not run; a
 * callback re-arming itself for "now" runs again at the next wait only.
 */
static void
test_timer_callback_changes(void)
{
	struct evloop	*loop = evloop_new(64, EVLOOP_EPOLL);
	struct ticks	 log = { .n = 0 };
	struct tick	 k[3];
	uint64_t	 now;

	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	now = evloop_now(loop);
	ticks_init(k, 3, &log);
	log.victim = &k[1].t;
	log.again = &k[2].t;
	evloop_timer_add(loop, &k[0].t, now - 3);
	evloop_timer_add(loop, &k[1].t, now - 2);
	evloop_timer_add(loop, &k[2].t, now - 1);
	CU_ASSERT_EQUAL(evloop_wait(loop, 0, NULL), 2);
	CU_ASSERT_EQUAL_FATAL(log.n, 2);
	CU_ASSERT_EQUAL(log.order[0], 0);
	CU_ASSERT_EQUAL(log.order[1], 2);
	CU_ASSERT_FALSE(evtimer_is_armed(&k[1].t));
	CU_ASSERT_TRUE(evtimer_is_armed(&k[2].t));
	log.again = NULL;
	CU_ASSERT_EQUAL(evloop_wait(loop, 0, NULL), 1);
	CU_ASSERT_EQUAL(log.order[2], 2);
	evloop_free(loop);
}

struct many {
	struct evtimer	t;
	uint64_t	*last;		/* deadline of the one run before */
	unsigned	*runs;
	bool		 deleted;
};

static void
on_many(struct evloop *loop, struct evtimer *t, void *arg)
{
	struct many	*m = arg;

	(void)loop;
	CU_ASSERT_FALSE(m->deleted);
	CU_ASSERT(t->when >= *m->last);
	*m->last = t->when;
	(*m->runs)++;
}

/* 20,000 timers, a third deleted and a third moved: the rest in order. */
static void
test_timer_many(void)
{
	enum { N = 20000 };
	struct evloop	*loop = evloop_new(64, EVLOOP_EPOLL);
	struct many	*m = calloc(N, sizeof(*m));
	uint64_t	 now, span, last = 0, seed = 88172645463325252ULL;
	unsigned	 runs = 0, want = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	now = evloop_now(loop);
	span = now / 2 + 1;		/* deadlines all past, none below 0 */
	for (int i = 0; i < N; i++) {
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		m[i].last = &last;
		m[i].runs = &runs;
		evtimer_init(&m[i].t, on_many, &m[i]);
		CU_ASSERT_EQUAL(evloop_timer_add(loop, &m[i].t,
		    now - 1 - seed % span), 0);
	}
	for (int i = 0; i < N; i++) {
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		if (i % 3 == 0) {
			m[i].deleted = true;
			evloop_timer_del(loop, &m[i].t);
		} else if (i % 3 == 1)
			evloop_timer_add(loop, &m[i].t, now - 1 - seed % span);
		want += !m[i].deleted;
	}
	CU_ASSERT_EQUAL(evloop_wait(loop, 0, NULL), (int)want);
	CU_ASSERT_EQUAL(runs, want);
	free(m);
	evloop_free(loop);
}

/* With no descriptor ready, a wait "forever" ends at the next timer. */
static void
test_timer_wakes_wait(void)
{
	struct evloop	*loop = evloop_new(64, EVLOOP_EPOLL);
	struct ticks	 log = { .n = 0 };
	struct tick	 k[1];
	uint64_t	 start;
	int		 n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	ticks_init(k, 1, &log);
	start = clock_ms();
	evloop_timer_add(loop, &k[0].t, start + 30);
	/* A wake-up a little early waits again; bounded by the count. */
	for (int i = 0; i < 10 && n == 0; i++)
		n = evloop_wait(loop, -1, NULL);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT(clock_ms() - start >= 30);
	CU_ASSERT(clock_ms() - start < 2000);
	evloop_free(loop);
}

int
test_evloop_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("evloop", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "read and write interest (poll)",
	    test_read_write_poll) == NULL ||
	    CU_add_test(s, "read and write interest (epoll)",
	    test_read_write_epoll) == NULL ||
	    CU_add_test(s, "delete during dispatch (poll)", test_delete_poll) ==
	    NULL || CU_add_test(s, "delete during dispatch (epoll)",
	    test_delete_epoll) == NULL ||
	    CU_add_test(s, "exact masks, exclusive fds", test_set_exclusive) ==
	    NULL ||
	    CU_add_test(s, "timers run in deadline order", test_timer_order) ==
	    NULL ||
	    CU_add_test(s, "timers re-armed and deleted", test_timer_rearm) ==
	    NULL ||
	    CU_add_test(s, "timer callbacks delete and re-arm",
	    test_timer_callback_changes) == NULL ||
	    CU_add_test(s, "20,000 timers", test_timer_many) == NULL ||
	    CU_add_test(s, "a wait ends at the next timer",
	    test_timer_wakes_wait) == NULL)
		return (-1);
	return (0);
}
