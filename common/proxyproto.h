/*
 * The PROXY protocol (haproxy.org/download/2.9/doc/proxy-protocol.txt):
 * the header a load balancer sends first on a connection to tell the
 * server who the client is.  Pure functions over caller buffers, shared by
 * the server (send to backends, accept from clients) and the test
 * backends.  Nothing here logs or touches a descriptor.
 */
#ifndef LBD_PROXYPROTO_H
#define LBD_PROXYPROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "net.h"

#define PROXY_V1_MAX	107	/* the longest v1 line, CRLF included */
#define PROXY_V2_HEAD	16	/* signature, version, family, length */
/*
 * The longest v2 header accepted: addresses (216 for unix ones) and TLVs
 * together.  Longer is refused rather than waited for, so a client cannot
 * make a worker hold more than this for it.
 */
#define PROXY_MAX	1024

enum proxy_version {
	PROXY_NONE = 0,
	PROXY_V1,
	PROXY_V2
};

enum proxy_result {
	PROXY_OK = 0,		/* a whole header: see struct proxy_header */
	PROXY_NEED_MORE,	/* a valid prefix: every byte is header */
	PROXY_ERROR		/* not a PROXY header, or a malformed one */
};

/* What a header says. */
struct proxy_header {
	size_t		len;		/* of the header, in bytes */
	enum proxy_version version;
	/*
	 * False for v2 LOCAL, v1 UNKNOWN and the v2 families other than
	 * INET and INET6: the connection's own addresses then stand.
	 */
	bool		has_addr;
	struct net_addr	src;		/* the client */
	struct net_addr	dst;		/* the address it connected to */
};

/*
 * Write the header of version v for a connection from src to dst into
 * buf (len bytes).  Addresses of different or other families than INET
 * and INET6 give v1 "UNKNOWN" and v2 LOCAL.  Returns the header's length,
 * or 0 when it does not fit.
 */
size_t		proxy_encode(enum proxy_version v, const struct net_addr *src,
		    const struct net_addr *dst, void *buf, size_t len);

/*
 * Parse the header at the start of buf (len bytes received so far, from
 * the connection's first byte).  Calls with a longer buffer resume the
 * same parse: NEED_MORE means every byte given belongs to the header, so
 * a caller may consume them.  On OK, *h is filled; on the others it is
 * left undefined.
 */
enum proxy_result proxy_decode(const void *buf, size_t len,
		    struct proxy_header *h);

#endif /* LBD_PROXYPROTO_H */
