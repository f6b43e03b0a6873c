/*
 * Address parsing and socket set-up.  Silent: errors go back to the caller.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"

/* Split text into host and port parts; -1 on a malformed string. */
static int
split_host_port(const char *text, char *host, size_t hostlen,
    const char **port)
{
	const char	*colon;
	size_t		 n;

	if (text[0] == '[') {
		if ((colon = strstr(text, "]:")) == NULL)
			return (-1);
		n = colon - text - 1;
		text++;
		colon++;
	} else {
		if ((colon = strrchr(text, ':')) == NULL)
			return (-1);
		n = colon - text;
		if (memchr(text, ':', n) != NULL)	/* v6 without [] */
			return (-1);
	}
	if (n == 0 || n >= hostlen)
		return (-1);
	memcpy(host, text, n);
	host[n] = '\0';
	*port = colon + 1;
	return (0);
}

static int
parse_port(const char *text, unsigned short *port)
{
	char		*end;
	unsigned long	 n;

	if (text[0] < '0' || text[0] > '9')
		return (-1);
	n = strtoul(text, &end, 10);
	if (*end != '\0' || n == 0 || n > 65535)
		return (-1);
	*port = (unsigned short)n;
	return (0);
}

static int
resolve(const char *host, unsigned short port, struct net_addr *out,
    char *err, size_t errlen)
{
	struct addrinfo	 hints, *res;
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot resolve host \"%s\": %s", host,
		    gai_strerror(rc));
		return (-1);
	}
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	if (out->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&out->ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&out->ss)->sin6_port = htons(port);
	return (0);
}

int
net_addr_parse(const char *text, struct net_addr *out, char *err,
    size_t errlen)
{
	char		 host[256];
	const char	*portstr;
	unsigned short	 port;

	memset(out, 0, sizeof(*out));
	if (split_host_port(text, host, sizeof(host), &portstr) == -1) {
		snprintf(err, errlen, "bad address \"%s\": expected host:port, "
		    "[v6addr]:port or *:port", text);
		return (-1);
	}
	if (parse_port(portstr, &port) == -1) {
		snprintf(err, errlen, "bad port in \"%s\": expected 1-65535",
		    text);
		return (-1);
	}
	if (strcmp(host, "*") == 0)
		strcpy(host, "0.0.0.0");
	return (resolve(host, port, out, err, errlen));
}

const char *
net_addr_format(const struct net_addr *a, char *buf, size_t len)
{
	char	host[INET6_ADDRSTRLEN];

	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&a->ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)&a->ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(s4->sin_port));
	} else
		snprintf(buf, len, "unknown");
	return (buf);
}

bool
net_addr_equal(const struct net_addr *a, const struct net_addr *b)
{
	const struct sockaddr_in	*a4 = (const void *)&a->ss;
	const struct sockaddr_in	*b4 = (const void *)&b->ss;
	const struct sockaddr_in6	*a6 = (const void *)&a->ss;
	const struct sockaddr_in6	*b6 = (const void *)&b->ss;

	if (a->ss.ss_family != b->ss.ss_family)
		return (false);
	if (a->ss.ss_family == AF_INET)
		return (a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr);
	if (a->ss.ss_family == AF_INET6)
		return (a6->sin6_port == b6->sin6_port &&
		    memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0);
	return (false);
}

bool
net_local_shortage(int err)
{
	return (err == EMFILE || err == ENFILE || err == ENOBUFS ||
	    err == ENOMEM || err == ENOSPC || err == EADDRNOTAVAIL);
}

const char *
net_connect_reason(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return ("connect refused");
	case ETIMEDOUT:
		return ("connect timeout");
	default:
		return (strerror(err));
	}
}

int
net_set_nodelay(int fd)
{
	int	on = 1;

	return (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)));
}

int
net_set_nonblock(int fd)
{
	int	flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		return (-1);
	return (0);
}

int
net_listen(const struct net_addr *a, int backlog)
{
	int	s, on = 1, saved;

	s = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (s == -1)
		return (-1);
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	if (a->ss.ss_family == AF_INET6 && setsockopt(s, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	/* Accepted sockets inherit it: no setsockopt per connection. */
	if (net_set_nodelay(s) == -1)
		goto fail;
	if (bind(s, (const struct sockaddr *)&a->ss, a->len) == -1 ||
	    listen(s, backlog) == -1)
		goto fail;
	return (s);
fail:
	saved = errno;
	close(s);
	errno = saved;
	return (-1);
}

int
net_connect(const struct net_addr *a)
{
	int	s, saved;

	s = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (s == -1)
		return (-1);
	(void)net_set_nodelay(s);
	if (connect(s, (const struct sockaddr *)&a->ss, a->len) == -1 &&
	    errno != EINPROGRESS) {
		saved = errno;
		close(s);
		errno = saved;
		return (-1);
	}
	return (s);
}
