/*
 * The poll loop: dispatch, interest changes and deletion during dispatch.
 */
#include <sys/socket.h>

#include <unistd.h>

#include <CUnit/CUnit.h>

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
	    NULL)
		return (-1);
	return (0);
}
