/*
 * Addresses and sockets.  Nothing here logs: failures return -1 with errno
 * set, or fill the caller's error buffer.
 */
#ifndef LBD_NET_H
#define LBD_NET_H

#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>

/* Longest text net_addr_format() produces, "[v6]:port" with NUL. */
#define NET_ADDRSTRLEN	64

struct net_addr {
	struct sockaddr_storage	ss;
	socklen_t		len;
};

/*
 * Parse "host:port", "[v6addr]:port" or "*:port" ("*" is 0.0.0.0), resolving
 * a host name to its first address.  Returns 0, or -1 with a one-line reason
 * (no file or line) in err.
 */
int		net_addr_parse(const char *text, struct net_addr *out,
		    char *err, size_t errlen);

/* Write "a.b.c.d:port" or "[v6]:port" into buf; returns buf. */
const char	*net_addr_format(const struct net_addr *a, char *buf,
		    size_t len);

/* True when both hold the same family, address and port. */
bool		net_addr_equal(const struct net_addr *a,
		    const struct net_addr *b);

/*
 * Open a non-blocking, close-on-exec listening socket with SO_REUSEADDR
 * (and IPV6_V6ONLY for v6, so 0.0.0.0:P and [::]:P can coexist) and
 * TCP_NODELAY, which the sockets it accepts inherit.
 * Returns the fd, or -1 with errno set.
 */
int		net_listen(const struct net_addr *a, int backlog);

/*
 * Start a non-blocking connect, TCP_NODELAY set.  Returns the fd
 * (connected or in progress), or -1 with errno set when the attempt
 * failed at once.
 */
int		net_connect(const struct net_addr *a);

/*
 * Turn Nagle off: relayed bytes were already batched by their sender, and
 * holding a response's last segment for an ACK costs a delayed-ACK wait.
 */
int		net_set_nodelay(int fd);

/*
 * Did err say this host ran short (descriptors, memory, socket buffers,
 * local ports) rather than that the peer failed?
 */
bool		net_local_shortage(int err);

/*
 * Why a connect failed, worded the same in every log line:
 * "connect refused", "connect timeout", or strerror(err).
 */
const char	*net_connect_reason(int err);

/* Set O_NONBLOCK; 0 or -1 with errno set. */
int		net_set_nonblock(int fd);

#endif /* LBD_NET_H */
