/*
 * PROXY protocol v1 (one text line) and v2 (binary), strictly: a header
 * is either exactly as the specification writes it or refused, since what
 * it carries (the client's address) is trusted everywhere after it.
 *
 * The decoder looks at the whole prefix received so far on each call; a
 * header is at most PROXY_MAX bytes, so a call costs little, and holding
 * no state between calls keeps it a pure function.  It refuses a prefix
 * as soon as no valid header can begin with it, so garbage is not waited
 * on until the deadline.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proxyproto.h"

#define V1_SIG		"PROXY "
#define V1_SIGLEN	(sizeof(V1_SIG) - 1)
#define V1_TOKENS	6		/* PROXY TCP4 src dst sport dport */

static const unsigned char v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

#define V2_VERSION	0x20
#define V2_LOCAL	0x00
#define V2_PROXY	0x01
#define V2_UNSPEC	0x0
#define V2_INET		0x1
#define V2_INET6	0x2
#define V2_UNIX		0x3
#define V2_STREAM	0x1
#define V2_DGRAM	0x2
#define V2_INET_LEN	12		/* two addresses, two ports */
#define V2_INET6_LEN	36
#define V2_UNIX_LEN	216
#define V2_TLV_HEAD	3		/* type, 16-bit length */

/* The address of a, its port in network order, and its length. */
static const void *
addr_bytes(const struct net_addr *a, uint16_t *port, size_t *len)
{
	const struct sockaddr_in	*s4 = (const void *)&a->ss;
	const struct sockaddr_in6	*s6 = (const void *)&a->ss;

	if (a->ss.ss_family == AF_INET6) {
		*port = s6->sin6_port;
		*len = sizeof(s6->sin6_addr);
		return (&s6->sin6_addr);
	}
	*port = s4->sin_port;
	*len = sizeof(s4->sin_addr);
	return (&s4->sin_addr);
}

static void
addr_set(struct net_addr *a, int family, const void *addr, uint16_t port)
{
	struct sockaddr_in	*s4 = (void *)&a->ss;
	struct sockaddr_in6	*s6 = (void *)&a->ss;

	memset(a, 0, sizeof(*a));
	a->ss.ss_family = family;
	if (family == AF_INET6) {
		memcpy(&s6->sin6_addr, addr, sizeof(s6->sin6_addr));
		s6->sin6_port = port;
		a->len = sizeof(*s6);
	} else {
		memcpy(&s4->sin_addr, addr, sizeof(s4->sin_addr));
		s4->sin_port = port;
		a->len = sizeof(*s4);
	}
}

/* Do src and dst fit a TCP4 or TCP6 header? */
static bool
is_inet_pair(const struct net_addr *src, const struct net_addr *dst)
{
	int	f = src->ss.ss_family;

	return ((f == AF_INET || f == AF_INET6) && dst->ss.ss_family == f);
}

static size_t
encode_v1(const struct net_addr *src, const struct net_addr *dst, char *buf,
    size_t len)
{
	char		 s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	const void	*sa, *da;
	uint16_t	 sp, dp;
	size_t		 alen;
	int		 n;

	if (!is_inet_pair(src, dst))
		n = snprintf(buf, len, "PROXY UNKNOWN\r\n");
	else {
		sa = addr_bytes(src, &sp, &alen);
		da = addr_bytes(dst, &dp, &alen);
		if (inet_ntop(src->ss.ss_family, sa, s, sizeof(s)) == NULL ||
		    inet_ntop(dst->ss.ss_family, da, d, sizeof(d)) == NULL)
			return (0);
		n = snprintf(buf, len, "PROXY %s %s %s %u %u\r\n",
		    src->ss.ss_family == AF_INET ? "TCP4" : "TCP6", s, d,
		    ntohs(sp), ntohs(dp));
	}
	return (n < 0 || (size_t)n >= len ? 0 : (size_t)n);
}

static size_t
encode_v2(const struct net_addr *src, const struct net_addr *dst,
    unsigned char *buf, size_t len)
{
	const void	*sa, *da;
	uint16_t	 sp, dp;
	size_t		 alen = 0, body = 0;

	if (is_inet_pair(src, dst))
		body = src->ss.ss_family == AF_INET ? V2_INET_LEN :
		    V2_INET6_LEN;
	if (len < PROXY_V2_HEAD + body)
		return (0);
	memcpy(buf, v2_sig, sizeof(v2_sig));
	buf[12] = V2_VERSION | (body > 0 ? V2_PROXY : V2_LOCAL);
	buf[13] = body == 0 ? 0 : (src->ss.ss_family == AF_INET ? V2_INET :
	    V2_INET6) << 4 | V2_STREAM;
	buf[14] = (unsigned char)(body >> 8);
	buf[15] = (unsigned char)body;
	if (body > 0) {
		sa = addr_bytes(src, &sp, &alen);
		da = addr_bytes(dst, &dp, &alen);
		memcpy(buf + 16, sa, alen);
		memcpy(buf + 16 + alen, da, alen);
		memcpy(buf + 16 + 2 * alen, &sp, 2);
		memcpy(buf + 18 + 2 * alen, &dp, 2);
	}
	return (PROXY_V2_HEAD + body);
}

size_t
proxy_encode(enum proxy_version v, const struct net_addr *src,
    const struct net_addr *dst, void *buf, size_t len)
{
	if (v == PROXY_V1)
		return (encode_v1(src, dst, buf, len));
	if (v == PROXY_V2)
		return (encode_v2(src, dst, buf, len));
	return (0);
}

/* A port: decimal 0..65535 without a leading zero; -1 when not. */
static long
parse_port(const char *s)
{
	long	v = 0;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0') || strlen(s) > 5)
		return (-1);
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return (-1);
		v = v * 10 + (*s - '0');
	}
	return (v > 65535 ? -1 : v);
}

/*
 * Split line (NUL-ended, no CRLF) at single spaces into at most max
 * tokens; the count, or -1 on an empty token (two spaces, a space at
 * either end) or too many.
 */
static int
split_v1(char *line, char *tok[], int max)
{
	int	n = 0;
	char	*p = line;

	for (;;) {
		if (n == max || *p == '\0' || *p == ' ')
			return (-1);
		tok[n++] = p;
		if ((p = strchr(p, ' ')) == NULL)
			return (n);
		*p++ = '\0';
	}
}

static enum proxy_result
parse_v1_addrs(char *tok[], int family, struct proxy_header *h)
{
	unsigned char	sa[sizeof(struct in6_addr)], da[sizeof(sa)];
	long		sp, dp;

	if (inet_pton(family, tok[2], sa) != 1 ||
	    inet_pton(family, tok[3], da) != 1 ||
	    (sp = parse_port(tok[4])) == -1 || (dp = parse_port(tok[5])) == -1)
		return (PROXY_ERROR);
	addr_set(&h->src, family, sa, htons((uint16_t)sp));
	addr_set(&h->dst, family, da, htons((uint16_t)dp));
	h->has_addr = true;
	return (PROXY_OK);
}

/* The complete line, CRLF excluded, of n bytes. */
static enum proxy_result
parse_v1_line(const char *buf, size_t n, struct proxy_header *h)
{
	char	 line[PROXY_V1_MAX + 1];
	char	*tok[V1_TOKENS];
	int	 ntok;

	memcpy(line, buf, n);
	line[n] = '\0';
	if (strlen(line) != n)		/* a NUL inside */
		return (PROXY_ERROR);
	/* "UNKNOWN" may be followed by anything, to be ignored. */
	if (strncmp(line, "PROXY UNKNOWN", 13) == 0 &&
	    (line[13] == '\0' || line[13] == ' '))
		return (PROXY_OK);
	if ((ntok = split_v1(line, tok, V1_TOKENS)) != V1_TOKENS)
		return (PROXY_ERROR);
	if (strcmp(tok[1], "TCP4") == 0)
		return (parse_v1_addrs(tok, AF_INET, h));
	if (strcmp(tok[1], "TCP6") == 0)
		return (parse_v1_addrs(tok, AF_INET6, h));
	return (PROXY_ERROR);
}

static enum proxy_result
decode_v1(const char *buf, size_t len, struct proxy_header *h)
{
	/* The CR of a line of at most PROXY_V1_MAX bytes, CRLF included. */
	size_t	n = len < PROXY_V1_MAX - 1 ? len : PROXY_V1_MAX - 1;
	char	*cr;

	if (memcmp(buf, V1_SIG, len < V1_SIGLEN ? len : V1_SIGLEN) != 0)
		return (PROXY_ERROR);
	cr = memchr(buf, '\r', n);
	/* A LF before the CR, or where the CR should have been. */
	if (memchr(buf, '\n', cr != NULL ? (size_t)(cr - buf) : n) != NULL)
		return (PROXY_ERROR);
	if (cr == NULL)
		return (len >= PROXY_V1_MAX - 1 ? PROXY_ERROR :
		    PROXY_NEED_MORE);
	if ((size_t)(cr - buf) + 1 == len)
		return (PROXY_NEED_MORE);	/* the LF to come */
	if (cr[1] != '\n')
		return (PROXY_ERROR);
	h->version = PROXY_V1;
	h->len = (size_t)(cr - buf) + 2;
	return (parse_v1_line(buf, (size_t)(cr - buf), h));
}

/* Are the TLVs in p[0..n) whole, each inside the block? */
static bool
tlvs_fit(const unsigned char *p, size_t n)
{
	size_t	off = 0, vlen;

	while (off < n) {
		if (n - off < V2_TLV_HEAD)
			return (false);
		vlen = (size_t)p[off + 1] << 8 | p[off + 2];
		if (n - off - V2_TLV_HEAD < vlen)
			return (false);
		off += V2_TLV_HEAD + vlen;
	}
	return (true);
}

/* PROXY command: the addresses of family fam, then TLVs, in body. */
static enum proxy_result
parse_v2_addrs(const unsigned char *body, size_t blen, unsigned fam,
    struct proxy_header *h)
{
	size_t		alen;
	uint16_t	sp, dp;
	int		family;

	switch (fam) {
	case V2_INET:
		alen = V2_INET_LEN;
		family = AF_INET;
		break;
	case V2_INET6:
		alen = V2_INET6_LEN;
		family = AF_INET6;
		break;
	case V2_UNIX:
		alen = V2_UNIX_LEN;
		family = AF_UNIX;
		break;
	default:
		return (PROXY_OK);	/* UNSPEC: nothing to read */
	}
	if (blen < alen || !tlvs_fit(body + alen, blen - alen))
		return (PROXY_ERROR);
	if (family == AF_UNIX)
		return (PROXY_OK);
	alen = (alen - 4) / 2;
	memcpy(&sp, body + 2 * alen, 2);
	memcpy(&dp, body + 2 * alen + 2, 2);
	addr_set(&h->src, family, body, sp);
	addr_set(&h->dst, family, body + alen, dp);
	h->has_addr = true;
	return (PROXY_OK);
}

/* Version and command byte b12, family and transport byte b13. */
static bool
v2_fields_ok(unsigned b12, unsigned b13)
{
	unsigned	fam = b13 >> 4, proto = b13 & 0xf;

	if ((b12 & 0xf0) != V2_VERSION || (b12 & 0xf) > V2_PROXY)
		return (false);
	if (fam > V2_UNIX || proto > V2_DGRAM)
		return (false);
	/* lbd relays streams: an INET datagram cannot be this connection. */
	return ((b12 & 0xf) == V2_LOCAL || !(fam == V2_INET ||
	    fam == V2_INET6) || proto == V2_STREAM);
}

static enum proxy_result
decode_v2(const unsigned char *buf, size_t len, struct proxy_header *h)
{
	size_t	blen;

	if (memcmp(buf, v2_sig, len < sizeof(v2_sig) ? len :
	    sizeof(v2_sig)) != 0)
		return (PROXY_ERROR);
	if (len > 12 && !v2_fields_ok(buf[12], len > 13 ? buf[13] : 0))
		return (PROXY_ERROR);
	if (len < PROXY_V2_HEAD)
		return (PROXY_NEED_MORE);
	blen = (size_t)buf[14] << 8 | buf[15];
	if (PROXY_V2_HEAD + blen > PROXY_MAX)
		return (PROXY_ERROR);
	if (len < PROXY_V2_HEAD + blen)
		return (PROXY_NEED_MORE);
	h->version = PROXY_V2;
	h->len = PROXY_V2_HEAD + blen;
	/* LOCAL: the sender's own connection; its block is ignored. */
	if ((buf[12] & 0xf) == V2_LOCAL)
		return (PROXY_OK);
	return (parse_v2_addrs(buf + PROXY_V2_HEAD, blen, buf[13] >> 4, h));
}

enum proxy_result
proxy_decode(const void *buf, size_t len, struct proxy_header *h)
{
	const unsigned char	*p = buf;

	memset(h, 0, sizeof(*h));
	if (len == 0)
		return (PROXY_NEED_MORE);
	if (p[0] == V1_SIG[0])
		return (decode_v1(buf, len, h));
	if (p[0] == v2_sig[0])
		return (decode_v2(p, len, h));
	return (PROXY_ERROR);
}
