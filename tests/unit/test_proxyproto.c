/*
 * The PROXY protocol codec.  Every case is fed whole, with payload after
 * it, and as every prefix (byte by byte, and so split at every offset):
 * a prefix must give NEED_MORE, or ERROR for a case that fails, never a
 * different outcome; the whole must give the case's.  Then encode ->
 * decode round trips.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "config.h"
#include "net.h"
#include "proxyproto.h"
#include "unit.h"

#define SIG	"\r\n\r\n\0\r\nQUIT\n"
#define S(x)	x, sizeof(x) - 1

struct pcase {
	const char		*name;
	const char		*bytes;
	size_t			 len;
	enum proxy_result	 rc;	/* whole */
	const char		*src;	/* "-": no address carried */
	const char		*dst;
};

static const struct pcase cases[] = {
	{ "v1 tcp4", S("PROXY TCP4 203.0.113.9 192.0.2.1 5555 80\r\n"),
	    PROXY_OK, "203.0.113.9:5555", "192.0.2.1:80" },
	{ "v1 tcp6", S("PROXY TCP6 2001:db8::1 ::1 65535 0\r\n"),
	    PROXY_OK, "[2001:db8::1]:65535", "[::1]:0" },
	{ "v1 unknown", S("PROXY UNKNOWN\r\n"), PROXY_OK, "-", "-" },
	{ "v1 unknown with junk", S("PROXY UNKNOWN ff:: x 1 2\r\n"),
	    PROXY_OK, "-", "-" },
	{ "v1 longest", S("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
	    PROXY_OK, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535",
	    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535" },
	{ "v1 too long", S("PROXY UNKNOWN xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"),
	    PROXY_ERROR, NULL, NULL },
	{ "v1 two spaces", S("PROXY TCP4 203.0.113.9  192.0.2.1 5555 80\r\n"),
	    PROXY_ERROR, NULL, NULL },
	{ "v1 trailing space", S("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n"),
	    PROXY_ERROR, NULL, NULL },
	{ "v1 lf only", S("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"), PROXY_ERROR,
	    NULL, NULL },
	{ "v1 lf before cr", S("PROXY TCP4 1.2.3.4\n5.6.7.8 1 2\r"),
	    PROXY_ERROR, NULL, NULL },
	{ "v1 cr alone", S("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rx"), PROXY_ERROR,
	    NULL, NULL },
	{ "v1 family mismatch", S("PROXY TCP4 ::1 5.6.7.8 1 2\r\n"),
	    PROXY_ERROR, NULL, NULL },
	{ "v1 bad address", S("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n"),
	    PROXY_ERROR, NULL, NULL },
	{ "v1 port too big", S("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n"),
	    PROXY_ERROR, NULL, NULL },
	{ "v1 port leading zero", S("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n"),
	    PROXY_ERROR, NULL, NULL },
	{ "v1 port sign", S("PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n"),
	    PROXY_ERROR, NULL, NULL },
	{ "v1 missing port", S("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"),
	    PROXY_ERROR, NULL, NULL },
	{ "v1 extra token", S("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"),
	    PROXY_ERROR, NULL, NULL },
	{ "v1 udp", S("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n"), PROXY_ERROR,
	    NULL, NULL },
	{ "v1 lower case", S("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n"),
	    PROXY_ERROR, NULL, NULL },
	{ "v1 nul inside", S("PROXY TCP4 1.2.3.4\0 5.6.7.8 1 2\r\n"),
	    PROXY_ERROR, NULL, NULL },
	{ "no header: http", S("GET / HTTP/1.1\r\n\r\n"), PROXY_ERROR, NULL,
	    NULL },
	{ "v2 inet", S(SIG "\x21\x11\x00\x0c" "\xcb\x00\x71\x09"
	    "\xc0\x00\x02\x01" "\x15\xb3\x00\x50"), PROXY_OK,
	    "203.0.113.9:5555", "192.0.2.1:80" },
	{ "v2 inet6", S(SIG "\x21\x21\x00\x24"
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"
	    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01" "\x00\x01\x00\x02"),
	    PROXY_OK, "[2001:db8::1]:1", "[::1]:2" },
	{ "v2 inet with tlvs", S(SIG "\x21\x11\x00\x1a" "\xcb\x00\x71\x09"
	    "\xc0\x00\x02\x01" "\x15\xb3\x00\x50" "\x02\x00\x04host"
	    "\x04\x00\x00" "\x04\x00\x01x"), PROXY_OK, "203.0.113.9:5555",
	    "192.0.2.1:80" },
	{ "v2 local", S(SIG "\x20\x00\x00\x00"), PROXY_OK, "-", "-" },
	{ "v2 local with block", S(SIG "\x20\x11\x00\x03" "abc"), PROXY_OK,
	    "-", "-" },
	{ "v2 unspec", S(SIG "\x21\x00\x00\x02" "\x00\x00"), PROXY_OK, "-",
	    "-" },
	{ "v2 bad signature", S("\r\n\r\n\0\r\nQUIX\n" "\x21\x11\x00\x0c"
	    "\xcb\x00\x71\x09" "\xc0\x00\x02\x01" "\x15\xb3\x00\x50"),
	    PROXY_ERROR, NULL, NULL },
	{ "v2 version 1", S(SIG "\x11\x11\x00\x0c" "\xcb\x00\x71\x09"
	    "\xc0\x00\x02\x01" "\x15\xb3\x00\x50"), PROXY_ERROR, NULL, NULL },
	{ "v2 command 2", S(SIG "\x22\x11\x00\x0c" "\xcb\x00\x71\x09"
	    "\xc0\x00\x02\x01" "\x15\xb3\x00\x50"), PROXY_ERROR, NULL, NULL },
	{ "v2 family 4", S(SIG "\x21\x41\x00\x00"), PROXY_ERROR, NULL, NULL },
	{ "v2 inet dgram", S(SIG "\x21\x12\x00\x0c" "\xcb\x00\x71\x09"
	    "\xc0\x00\x02\x01" "\x15\xb3\x00\x50"), PROXY_ERROR, NULL, NULL },
	{ "v2 inet short", S(SIG "\x21\x11\x00\x08" "\xcb\x00\x71\x09"
	    "\xc0\x00\x02\x01"), PROXY_ERROR, NULL, NULL },
	{ "v2 inet6 short", S(SIG "\x21\x21\x00\x0c" "\xcb\x00\x71\x09"
	    "\xc0\x00\x02\x01" "\x15\xb3\x00\x50"), PROXY_ERROR, NULL, NULL },
	{ "v2 tlv overruns", S(SIG "\x21\x11\x00\x12" "\xcb\x00\x71\x09"
	    "\xc0\x00\x02\x01" "\x15\xb3\x00\x50" "\x02\x00\x09" "abc"),
	    PROXY_ERROR, NULL, NULL },
	{ "v2 tlv cut head", S(SIG "\x21\x11\x00\x0e" "\xcb\x00\x71\x09"
	    "\xc0\x00\x02\x01" "\x15\xb3\x00\x50" "\x02\x00"), PROXY_ERROR,
	    NULL, NULL },
	{ "v2 oversized", S(SIG "\x21\x11\xff\xff" "\xcb\x00\x71\x09"),
	    PROXY_ERROR, NULL, NULL },
	{ "v2 truncated", S(SIG "\x21\x11\x00\x0c" "\xcb\x00\x71\x09"),
	    PROXY_NEED_MORE, NULL, NULL },
	{ "empty", S(""), PROXY_NEED_MORE, NULL, NULL }
};

static void
check_addr(const struct net_addr *a, const char *want, const char *name)
{
	char	got[NET_ADDRSTRLEN];

	net_addr_format(a, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, want);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\n%s: %s, want %s\n", name, got, want);
}

/* The whole case, then with payload behind it. */
static void
check_whole(const struct pcase *c)
{
	char			buf[PROXY_MAX + 64];
	struct proxy_header	h;
	enum proxy_result	rc;

	rc = proxy_decode(c->bytes, c->len, &h);
	CU_ASSERT_EQUAL(rc, c->rc);
	if (rc != c->rc)
		fprintf(stderr, "\ncase \"%s\": %d, want %d\n", c->name, rc,
		    c->rc);
	if (rc != PROXY_OK)
		return;
	CU_ASSERT_EQUAL(h.len, c->len);
	CU_ASSERT_EQUAL(h.has_addr, strcmp(c->src, "-") != 0);
	if (h.has_addr) {
		check_addr(&h.src, c->src, c->name);
		check_addr(&h.dst, c->dst, c->name);
	}
	memcpy(buf, c->bytes, c->len);
	memcpy(buf + c->len, "PROXY \r\n\0GET", 12);
	CU_ASSERT_EQUAL(proxy_decode(buf, c->len + 12, &h), PROXY_OK);
	CU_ASSERT_EQUAL(h.len, c->len);
}

/* Every prefix: NEED_MORE, or (after the failing byte) ERROR. */
static void
check_prefixes(const struct pcase *c)
{
	struct proxy_header	h;
	enum proxy_result	rc;
	bool			failed = false;

	for (size_t i = 0; i < c->len; i++) {
		rc = proxy_decode(c->bytes, i, &h);
		if (failed)
			CU_ASSERT_EQUAL(rc, PROXY_ERROR);
		failed = rc == PROXY_ERROR;
		if (rc != PROXY_NEED_MORE && rc != PROXY_ERROR) {
			CU_FAIL("a prefix decoded");
			fprintf(stderr, "\ncase \"%s\": prefix %zu gave %d\n",
			    c->name, i, rc);
		}
		if (failed && c->rc != PROXY_ERROR) {
			CU_FAIL("a prefix of a good header failed");
			fprintf(stderr, "\ncase \"%s\": prefix %zu failed\n",
			    c->name, i);
		}
	}
}

static void
test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_whole(&cases[i]);
		check_prefixes(&cases[i]);
	}
}

static void
addr(const char *text, struct net_addr *a)
{
	char	err[256];

	CU_ASSERT_EQUAL_FATAL(net_addr_parse(text, a, err, sizeof(err)), 0);
}

static void
round_trip(enum proxy_version v, const char *src, const char *dst,
    bool has_addr)
{
	unsigned char		buf[PROXY_MAX];
	struct net_addr		s, d;
	struct proxy_header	h;
	size_t			n;

	addr(src, &s);
	addr(dst, &d);
	n = proxy_encode(v, &s, &d, buf, sizeof(buf));
	CU_ASSERT(n > 0);
	CU_ASSERT_EQUAL(proxy_decode(buf, n, &h), PROXY_OK);
	CU_ASSERT_EQUAL(h.len, n);
	CU_ASSERT_EQUAL(h.version, v);
	CU_ASSERT_EQUAL(h.has_addr, has_addr);
	if (has_addr) {
		check_addr(&h.src, src, "round trip");
		check_addr(&h.dst, dst, "round trip");
	}
	/* Too small a buffer: nothing written, 0. */
	CU_ASSERT_EQUAL(proxy_encode(v, &s, &d, buf, n - 1), 0);
}

static void
test_round_trip(void)
{
	unsigned char	buf[PROXY_MAX];
	struct net_addr	s;
	size_t		n;

	for (int v = PROXY_V1; v <= PROXY_V2; v++) {
		round_trip(v, "127.0.0.1:40000", "10.1.2.3:8080", true);
		round_trip(v, "[2001:db8::17]:1", "[::1]:65535", true);
		round_trip(v, "0.0.0.0:1", "255.255.255.255:65535", true);
		/* Families that differ: v1 UNKNOWN, v2 LOCAL. */
		round_trip(v, "127.0.0.1:1", "[::1]:2", false);
	}
	addr("127.0.0.1:40000", &s);
	n = proxy_encode(PROXY_V1, &s, &s, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, strlen("PROXY TCP4 127.0.0.1 127.0.0.1 40000 "
	    "40000\r\n"));
	CU_ASSERT(memcmp(buf, "PROXY TCP4 127.0.0.1 127.0.0.1 40000 40000\r\n",
	    n) == 0);
	n = proxy_encode(PROXY_V2, &s, &s, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, 28);
	CU_ASSERT(memcmp(buf, SIG "\x21\x11\x00\x0c", 16) == 0);
	CU_ASSERT_EQUAL(proxy_encode(PROXY_NONE, &s, &s, buf, sizeof(buf)), 0);
}

/* A backend's send_proxy is its service's unless it says otherwise. */
static void
test_config(void)
{
	char			 err[1024];
	struct config		*conf;
	const struct service_config *web, *plain;

	conf = config_load("tests/configs/good/proxy.conf", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	web = config_find_service(conf, "web");
	plain = config_find_service(conf, "plain");
	CU_ASSERT_PTR_NOT_NULL_FATAL(web);
	CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
	CU_ASSERT(web->accept_proxy);
	CU_ASSERT_EQUAL(web->send_proxy, PROXY_V2);
	CU_ASSERT_EQUAL(web->backends[0].send_proxy, PROXY_V2);
	CU_ASSERT_EQUAL(web->backends[1].send_proxy, PROXY_V1);
	CU_ASSERT(!plain->accept_proxy);
	CU_ASSERT_EQUAL(plain->backends[0].send_proxy, PROXY_NONE);
	config_free(conf);
}

int
test_proxyproto_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("proxyproto", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "good and malformed headers, in pieces",
	    test_cases) == NULL ||
	    CU_add_test(s, "encode then decode", test_round_trip) == NULL ||
	    CU_add_test(s, "send_proxy and accept_proxy keys",
	    test_config) == NULL)
		return (-1);
	return (0);
}
