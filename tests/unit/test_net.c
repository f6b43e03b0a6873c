/*
 * Address parsing and formatting, and a real listen + connect on the
 * loopback interface.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "net.h"
#include "unit.h"

static unsigned
port_of(const struct net_addr *a)
{
	const struct sockaddr_in	*s4 = (const void *)&a->ss;
	const struct sockaddr_in6	*s6 = (const void *)&a->ss;

	if (a->ss.ss_family == AF_INET6)
		return (ntohs(s6->sin6_port));
	return (ntohs(s4->sin_port));
}

static void
set_port(struct net_addr *a, unsigned port)
{
	struct sockaddr_in	*s4 = (void *)&a->ss;
	struct sockaddr_in6	*s6 = (void *)&a->ss;

	if (a->ss.ss_family == AF_INET6)
		s6->sin6_port = htons(port);
	else
		s4->sin_port = htons(port);
}

/* True when a holds the IPv4 address text (dotted quad). */
static int
is_v4(const struct net_addr *a, const char *text)
{
	const struct sockaddr_in	*s4 = (const void *)&a->ss;
	struct in_addr			 want;

	return (a->ss.ss_family == AF_INET && a->len == sizeof(*s4) &&
	    inet_pton(AF_INET, text, &want) == 1 &&
	    s4->sin_addr.s_addr == want.s_addr);
}

static void
test_parse_good(void)
{
	struct net_addr			 a;
	const struct sockaddr_in6	*s6 = (const void *)&a.ss;
	char				 err[256];

	CU_ASSERT_EQUAL(net_addr_parse("127.0.0.1:80", &a, err,
	    sizeof(err)), 0);
	CU_ASSERT(is_v4(&a, "127.0.0.1"));
	CU_ASSERT_EQUAL(port_of(&a), 80);
	CU_ASSERT_EQUAL(net_addr_parse("[::1]:443", &a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(a.ss.ss_family, AF_INET6);
	CU_ASSERT_EQUAL(a.len, sizeof(struct sockaddr_in6));
	CU_ASSERT(IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr));
	CU_ASSERT_EQUAL(port_of(&a), 443);
	CU_ASSERT_EQUAL(net_addr_parse("*:8080", &a, err, sizeof(err)), 0);
	CU_ASSERT(is_v4(&a, "0.0.0.0"));
	CU_ASSERT_EQUAL(port_of(&a), 8080);
	CU_ASSERT_EQUAL(net_addr_parse("10.1.2.3:65535", &a, err,
	    sizeof(err)), 0);
	CU_ASSERT(is_v4(&a, "10.1.2.3"));
	CU_ASSERT_EQUAL(port_of(&a), 65535);
	CU_ASSERT_EQUAL(net_addr_parse("localhost:1", &a, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(port_of(&a), 1);
	CU_ASSERT(is_v4(&a, "127.0.0.1") || (a.ss.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr)));
}

static void
test_parse_bad(void)
{
	static const char *const bad[] = {
		"1.2.3.4", "::1:80", "[::1]80", ":80", "host:0", "host:70000",
		"host:abc", "", "127.0.0.1:", "[::1]:", "[]:80",
		"127.0.0.1:80x", "127.0.0.1:-1", "127.0.0.1:+80",
		"127.0.0.1:65536", "nosuchhost.invalid:80"
	};
	struct net_addr	a;
	char		err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(net_addr_parse(bad[i], &a, err, sizeof(err)),
		    -1);
		CU_ASSERT(err[0] != '\0');
	}
	net_addr_parse("host:70000", &a, err, sizeof(err));
	CU_ASSERT_STRING_EQUAL(err, "bad port in \"host:70000\": expected "
	    "1-65535");
	net_addr_parse("1.2.3.4", &a, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad address \"1.2.3.4\""));
	net_addr_parse("nosuchhost.invalid:80", &a, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot resolve host "
	    "\"nosuchhost.invalid\""));
}

/* format(parse(text)) gives text back, and parses to an equal address. */
static void
test_format_round_trip(void)
{
	static const char *const texts[] = {
		"127.0.0.1:80", "10.1.2.3:65535", "[::1]:443",
		"[2001:db8::1]:8080", "0.0.0.0:1"
	};
	struct net_addr	a, b;
	char		err[256], buf[NET_ADDRSTRLEN];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(net_addr_parse(texts[i], &a, err,
		    sizeof(err)), 0);
		CU_ASSERT_STRING_EQUAL(net_addr_format(&a, buf, sizeof(buf)),
		    texts[i]);
		CU_ASSERT_EQUAL(net_addr_parse(buf, &b, err, sizeof(err)), 0);
		CU_ASSERT(net_addr_equal(&a, &b));
	}
	CU_ASSERT_EQUAL(net_addr_parse("*:8080", &a, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(net_addr_format(&a, buf, sizeof(buf)),
	    "0.0.0.0:8080");
}

static void
test_equal(void)
{
	struct net_addr	a, b, c, d, e;
	char		err[256];

	CU_ASSERT_EQUAL_FATAL(net_addr_parse("127.0.0.1:80", &a, err,
	    sizeof(err)) | net_addr_parse("127.0.0.1:80", &b, err,
	    sizeof(err)) | net_addr_parse("127.0.0.1:81", &c, err,
	    sizeof(err)) | net_addr_parse("127.0.0.2:80", &d, err,
	    sizeof(err)) | net_addr_parse("[::1]:80", &e, err, sizeof(err)),
	    0);
	CU_ASSERT_TRUE(net_addr_equal(&a, &b));
	CU_ASSERT_TRUE(net_addr_equal(&a, &a));
	CU_ASSERT_FALSE(net_addr_equal(&a, &c));
	CU_ASSERT_FALSE(net_addr_equal(&a, &d));
	CU_ASSERT_FALSE(net_addr_equal(&a, &e));
	CU_ASSERT_FALSE(net_addr_equal(&e, &a));
	CU_ASSERT_TRUE(net_addr_equal(&e, &e));
}

/* Wait up to 2s for events on fd; the revents, or 0 on timeout. */
static short
wait_fd(int fd, short events)
{
	struct pollfd	pfd = { fd, events, 0 };

	if (poll(&pfd, 1, 2000) != 1)
		return (0);
	return (pfd.revents);
}

static int
nodelay_of(int fd)
{
	int		on = -1;
	socklen_t	len = sizeof(on);

	if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) == -1)
		return (-1);
	return (on);
}

/* Listen on 127.0.0.1, port chosen by the kernel; the fd, addr set. */
static int
listen_any_port(struct net_addr *addr)
{
	char		err[256];
	int		fd;

	CU_ASSERT_EQUAL_FATAL(net_addr_parse("127.0.0.1:1", addr, err,
	    sizeof(err)), 0);
	set_port(addr, 0);
	fd = net_listen(addr, 16);
	CU_ASSERT_FATAL(fd >= 0);
	addr->len = sizeof(addr->ss);
	CU_ASSERT_EQUAL_FATAL(getsockname(fd, (struct sockaddr *)&addr->ss,
	    &addr->len), 0);
	CU_ASSERT(port_of(addr) != 0);
	return (fd);
}

static void
test_listen_connect(void)
{
	struct net_addr	 addr;
	int		 lfd, cfd, afd, soerr = -1;
	socklen_t	 len = sizeof(soerr);
	char		 buf[8];

	lfd = listen_any_port(&addr);
	CU_ASSERT(fcntl(lfd, F_GETFL) & O_NONBLOCK);
	CU_ASSERT(fcntl(lfd, F_GETFD) & FD_CLOEXEC);
	cfd = net_connect(&addr);
	CU_ASSERT_FATAL(cfd >= 0);
	CU_ASSERT(fcntl(cfd, F_GETFL) & O_NONBLOCK);
	CU_ASSERT(wait_fd(cfd, POLLOUT) & POLLOUT);
	CU_ASSERT_EQUAL(getsockopt(cfd, SOL_SOCKET, SO_ERROR, &soerr, &len),
	    0);
	CU_ASSERT_EQUAL(soerr, 0);
	CU_ASSERT(wait_fd(lfd, POLLIN) & POLLIN);
	afd = accept(lfd, NULL, NULL);
	CU_ASSERT_FATAL(afd >= 0);
	/* Workers rely on both ends having Nagle off without a call. */
	CU_ASSERT_EQUAL(nodelay_of(afd), 1);
	CU_ASSERT_EQUAL(nodelay_of(cfd), 1);
	CU_ASSERT_EQUAL(send(cfd, "ping", 4, MSG_NOSIGNAL), 4);
	CU_ASSERT(wait_fd(afd, POLLIN) & POLLIN);
	CU_ASSERT_EQUAL(recv(afd, buf, sizeof(buf), 0), 4);
	CU_ASSERT_EQUAL(memcmp(buf, "ping", 4), 0);
	close(afd);
	close(cfd);
	close(lfd);
}

/* A port nobody listens on: the connect fails, at once or later. */
static void
test_connect_refused(void)
{
	struct net_addr	 addr;
	int		 lfd, cfd, soerr = 0;
	socklen_t	 len = sizeof(soerr);

	lfd = listen_any_port(&addr);
	close(lfd);
	if ((cfd = net_connect(&addr)) == -1) {
		CU_ASSERT_EQUAL(errno, ECONNREFUSED);
		return;
	}
	CU_ASSERT(wait_fd(cfd, POLLOUT) != 0);
	CU_ASSERT_EQUAL(getsockopt(cfd, SOL_SOCKET, SO_ERROR, &soerr, &len),
	    0);
	CU_ASSERT_EQUAL(soerr, ECONNREFUSED);
	close(cfd);
}

/* One address may be listened on only once; SO_REUSEADDR is no bypass. */
static void
test_listen_twice(void)
{
	struct net_addr	addr;
	int		lfd;

	lfd = listen_any_port(&addr);
	errno = 0;
	CU_ASSERT_EQUAL(net_listen(&addr, 16), -1);
	CU_ASSERT_EQUAL(errno, EADDRINUSE);
	close(lfd);
}

static void
test_set_nonblock(void)
{
	int	p[2];

	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	CU_ASSERT_FALSE(fcntl(p[0], F_GETFL) & O_NONBLOCK);
	CU_ASSERT_EQUAL(net_set_nonblock(p[0]), 0);
	CU_ASSERT(fcntl(p[0], F_GETFL) & O_NONBLOCK);
	close(p[0]);
	close(p[1]);
	CU_ASSERT_EQUAL(net_set_nonblock(p[0]), -1);
	CU_ASSERT_EQUAL(errno, EBADF);
}

int
test_net_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("net", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "parse good addresses", test_parse_good) == NULL ||
	    CU_add_test(s, "parse bad addresses", test_parse_bad) == NULL ||
	    CU_add_test(s, "format round trip", test_format_round_trip) ==
	    NULL ||
	    CU_add_test(s, "addr equal", test_equal) == NULL ||
	    CU_add_test(s, "listen and connect", test_listen_connect) ==
	    NULL ||
	    CU_add_test(s, "connect refused", test_connect_refused) == NULL ||
	    CU_add_test(s, "listen twice", test_listen_twice) == NULL ||
	    CU_add_test(s, "set nonblock", test_set_nonblock) == NULL)
		return (-1);
	return (0);
}
