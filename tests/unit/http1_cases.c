/*
 * Test cases for common/http1.c: each byte string with its expected
 * outcome.  Every rule of SPEC's "Strict parsing" paragraph has at least one
 * case that breaks it; see http1_cases.h for the fields.
 */
#include "http1_cases.h"

#define B(s)		s, sizeof(s) - 1
#define H		"Host: a\r\n"
#define FWD(s, m, f, n, ka) \
	{ B(s), CASE_OK, HTTP1_##m, HTTP1_BODY_##f, n, ka, 0, 0 }
#define REJ(s, st)	{ B(s), st, HTTP1_GET, HTTP1_BODY_NONE, 0, false, 0, 0 }
#define LIM(s, st, size, nh) \
	{ B(s), st, HTTP1_GET, HTTP1_BODY_NONE, 0, true, size, nh }

const struct req_case http1_req_cases[] = {
	/* Well-formed requests, forwarded. */
	FWD("GET / HTTP/1.1\r\n" H "\r\n", GET, NONE, 0, true),
	FWD("GET / HTTP/1.0\r\n\r\n", GET, NONE, 0, false),
	FWD("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	    GET, NONE, 0, true),
	FWD("GET / HTTP/1.0\r\nConnection: Keep-Alive, close\r\n\r\n",
	    GET, NONE, 0, false),
	FWD("GET / HTTP/1.1\r\n" H "Connection: close\r\n\r\n",
	    GET, NONE, 0, false),
	FWD("POST /x HTTP/1.1\r\n" H "Content-Length: 5\r\n\r\nhello",
	    POST, LENGTH, 5, true),
	FWD("POST /x HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n",
	    POST, LENGTH, 0, true),
	FWD("POST / HTTP/1.1\r\n" H "Content-Length: 9223372036854775807\r\n"
	    "\r\n", POST, LENGTH, INT64_MAX, true),
	FWD("POST /x HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n"
	    "0\r\n\r\n", POST, CHUNKED, 0, true),
	FWD("POST /x HTTP/1.1\r\n" H "Transfer-Encoding: Chunked\r\n\r\n",
	    POST, CHUNKED, 0, true),
	FWD("HEAD / HTTP/1.1\r\n" H "\r\n", HEAD, NONE, 0, true),
	FWD("PUT /f HTTP/1.1\r\n" H "Content-Length: 1\r\n\r\nx",
	    PUT, LENGTH, 1, true),
	FWD("DELETE /f HTTP/1.1\r\n" H "\r\n", DELETE, NONE, 0, true),
	FWD("OPTIONS * HTTP/1.1\r\n" H "\r\n", OPTIONS, NONE, 0, true),
	FWD("OPTIONS /x HTTP/1.1\r\n" H "\r\n", OPTIONS, NONE, 0, true),
	FWD("TRACE / HTTP/1.1\r\n" H "\r\n", TRACE, NONE, 0, true),
	FWD("PATCH /p HTTP/1.1\r\n" H "\r\n", OTHER, NONE, 0, true),
	FWD("get / HTTP/1.1\r\n" H "\r\n", OTHER, NONE, 0, true),
	FWD("GET http://a/x?y HTTP/1.1\r\n" H "\r\n", GET, NONE, 0, true),
	FWD("GET HTTPS://a/ HTTP/1.1\r\n" H "\r\n", GET, NONE, 0, true),
	FWD("\r\n\r\nGET / HTTP/1.1\r\n" H "\r\n", GET, NONE, 0, true),
	FWD("GET / HTTP/1.2\r\n" H "\r\n", GET, NONE, 0, true),
	FWD("GET /a?b=c&d=%20 HTTP/1.1\r\nhOsT:a\r\n\r\n", GET, NONE, 0, true),
	FWD("GET / HTTP/1.1\r\nHost: a:8080\r\n\r\n", GET, NONE, 0, true),
	FWD("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", GET, NONE, 0, true),
	FWD("GET / HTTP/1.1\r\nHost:\r\n\r\n", GET, NONE, 0, true),
	FWD("GET / HTTP/1.1\r\n" H "X: caf\xc3\xa9\r\n\r\n",
	    GET, NONE, 0, true),
	FWD("GET / HTTP/1.1\r\n" H "X: a\tb \t\r\n\r\n", GET, NONE, 0, true),
	FWD("GET / HTTP/1.1\r\n" H "X:\r\n\r\n", GET, NONE, 0, true),
	FWD("GET / HTTP/1.1\r\n" H "!#$%&'*+-.^_`|~09az: v\r\n\r\n",
	    GET, NONE, 0, true),
	FWD("GET / HTTP/1.1\r\n" H "Expect: 100-continue\r\n"
	    "Content-Length: 3\r\n\r\n", GET, LENGTH, 3, true),
	FWD("GET /ws HTTP/1.1\r\n" H "Connection: Upgrade\r\n"
	    "Upgrade: websocket\r\n\r\n", GET, NONE, 0, true),
	FWD("GET / HTTP/1.1\r\n" H "Connection: X-Foo\r\nX-Foo: 1\r\n\r\n",
	    GET, NONE, 0, true),
	FWD("GET / HTTP/1.1\r\n" H "Connection: close\r\n"
	    "Connection: x\r\n\r\n", GET, NONE, 0, false),
	FWD("GET /1 HTTP/1.1\r\n" H "\r\nGET /2 HTTP/1.1\r\n" H "\r\n",
	    GET, NONE, 0, true),
	FWD("GET / HTTP/1.1\r\n" H "TE: trailers\r\nKeep-Alive: 5\r\n"
	    "Proxy-Connection: x\r\n\r\n", GET, NONE, 0, true),

	/* Line ends: CRLF only. */
	REJ("GET / HTTP/1.1\n" H "\r\n", 400),
	REJ("GET / HTTP/1.1\r\nHost: a\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H "\n", 400),
	REJ("\nGET / HTTP/1.1\r\n" H "\r\n", 400),
	REJ("GET / HTTP/1.1\r\r\n" H "\r\n", 400),
	REJ("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400),
	REJ("GET /\r HTTP/1.1\r\n" H "\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H "\r\r\n", 400),

	/* One SP between the parts of the request line. */
	REJ("GET  / HTTP/1.1\r\n" H "\r\n", 400),
	REJ("GET / HTTP/1.1 \r\n" H "\r\n", 400),
	REJ("GET\t/ HTTP/1.1\r\n" H "\r\n", 400),
	REJ(" GET / HTTP/1.1\r\n" H "\r\n", 400),
	REJ("GET /  HTTP/1.1\r\n" H "\r\n", 400),
	REJ("GET /\r\n\r\n", 400),
	REJ("GET\r\n\r\n", 400),
	REJ("GE/T / HTTP/1.1\r\n" H "\r\n", 400),
	REJ("GETGETGETGETGETGETGETGETGETGETGET / HTTP/1.1\r\n" H "\r\n", 400),

	/* Targets. */
	REJ("GET * HTTP/1.1\r\n" H "\r\n", 400),
	REJ("GET foo HTTP/1.1\r\n" H "\r\n", 400),
	REJ("GET ftp://a/ HTTP/1.1\r\n" H "\r\n", 400),
	REJ("GET /a#b HTTP/1.1\r\n" H "\r\n", 400),
	REJ("GET /caf\xc3\xa9 HTTP/1.1\r\n" H "\r\n", 400),
	REJ("GET /a\x01 HTTP/1.1\r\n" H "\r\n", 400),

	/* Versions: major other than 1 is 505, anything malformed 400. */
	REJ("GET / HTTP/2.0\r\n" H "\r\n", 505),
	REJ("GET / HTTP/0.9\r\n" H "\r\n", 505),
	REJ("GET / HTTP/3.1\r\n\r\n", 505),
	REJ("GET / HTTP/1\r\n" H "\r\n", 400),
	REJ("GET / HTTP/1.10\r\n" H "\r\n", 400),
	REJ("GET / http/1.1\r\n" H "\r\n", 400),
	REJ("GET / HTTP/1.x\r\n" H "\r\n", 400),
	REJ("GET / HTTP/11\r\n" H "\r\n", 400),
	REJ("GET / HTTP/2\r\n" H "\r\n", 400),

	/* CONNECT is not proxied. */
	REJ("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", 501),

	/* Field names and values. */
	REJ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H "Ho st: a\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H "(x): a\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H ": a\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H "X-Foo\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H "X\xc3\xa9: a\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H "X: a\0b\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H "X: a\x01\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H "X: \x7f\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H "X: a\x1b[0m\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H "X: a\r\n b\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H "X: a\r\n\tb\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H " \r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n X: a\r\n" H "\r\n", 400),

	/* Host. */
	REJ("GET / HTTP/1.1\r\n\r\n", 400),
	REJ("GET http://a/ HTTP/1.1\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H H "\r\n", 400),
	REJ("GET / HTTP/1.0\r\n" H "Host: b\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),

	/* Content-Length. */
	REJ("POST / HTTP/1.1\r\n" H "Content-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 400),
	REJ("POST / HTTP/1.1\r\n" H "Content-Length: 5\r\n"
	    "Content-Length: 5\r\n\r\n", 400),
	REJ("POST / HTTP/1.1\r\n" H "Content-Length: 5, 5\r\n\r\n", 400),
	REJ("POST / HTTP/1.1\r\n" H "Content-Length: abc\r\n\r\n", 400),
	REJ("POST / HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\n", 400),
	REJ("POST / HTTP/1.1\r\n" H "Content-Length: +5\r\n\r\n", 400),
	REJ("POST / HTTP/1.1\r\n" H "Content-Length: 1 2\r\n\r\n", 400),
	REJ("POST / HTTP/1.1\r\n" H "Content-Length:\r\n\r\n", 400),
	REJ("POST / HTTP/1.1\r\n" H "Content-Length: 0x10\r\n\r\n", 400),
	REJ("POST / HTTP/1.1\r\n" H "Content-Length: 9223372036854775808\r\n"
	    "\r\n", 400),
	REJ("POST / HTTP/1.1\r\n" H "Content-Length: 99999999999999999999"
	    "\r\n\r\n", 400),

	/* Transfer-Encoding. */
	REJ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
	REJ("POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip\r\n\r\n", 400),
	REJ("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, gzip\r\n"
	    "\r\n", 400),
	REJ("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, chunked\r\n"
	    "\r\n", 400),
	REJ("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 400),
	REJ("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked;q=1\r\n"
	    "\r\n", 400),
	REJ("POST / HTTP/1.1\r\n" H "Transfer-Encoding: , chunked\r\n\r\n",
	    400),
	REJ("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked,\r\n\r\n",
	    400),
	REJ("POST / HTTP/1.1\r\n" H "Transfer-Encoding:\r\n\r\n", 400),
	REJ("POST / HTTP/1.1\r\n" H "Transfer-Encoding: \"chunked\"\r\n\r\n",
	    400),
	REJ("POST / HTTP/1.1\r\n" H "Transfer-Encoding: xchunked\r\n\r\n",
	    400),
	REJ("POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip, chunked\r\n"
	    "\r\n", 501),
	REJ("POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 501),

	/* Connection. */
	REJ("GET / HTTP/1.1\r\n" H "Connection: Content-Length\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H "Connection: close, transfer-encoding\r\n"
	    "\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H "Connection: host\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H "Connection: close,,\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H "Connection: a b\r\n\r\n", 400),
	REJ("GET / HTTP/1.1\r\n" H "Connection:\r\n\r\n", 400),

	/* Limits: 414 for the request line, 431 for the head. */
	LIM("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n" H
	    "\r\n", 414, 32, 0),
	LIM("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 414, 32, 0),
	LIM("GET / HTTP/1.1\r\n" H "X: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\r\n\r\n", 431, 40, 0),
	LIM("GET / HTTP/1.1\r\n" H "X: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    431, 40, 0),
	LIM("GET / HTTP/1.1\r\n" H "A: 1\r\nB: 2\r\n\r\n", 431, 0, 2),
	LIM("GET / HTTP/1.1\r\n" H "A: 1\r\n\r\n", CASE_OK, 0, 2),
	LIM("GET / HTTP/1.1\r\n" H "\r\n", CASE_OK, 27, 0),
	LIM("GET / HTTP/1.1\r\n" H "\r\n", 431, 26, 0),

	/* Incomplete heads. */
	REJ("GET / HTTP/1.1\r\n" H, CASE_MORE),
	REJ("GET / HTTP/1.1\r\n" H "\r", CASE_MORE),
	REJ("GET / HT", CASE_MORE),
	REJ("", CASE_MORE),
	REJ("\r\n", CASE_MORE),
};
const size_t http1_nreq_cases =
    sizeof(http1_req_cases) / sizeof(http1_req_cases[0]);

#define RSP(s, m, code, f, n, ka) \
	{ B(s), CASE_OK, HTTP1_##m, code, HTTP1_BODY_##f, n, ka }
#define BADR(s)	{ B(s), 502, HTTP1_GET, 0, HTTP1_BODY_NONE, 0, false }

const struct resp_case http1_resp_cases[] = {
	RSP("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
	    GET, 200, LENGTH, 2, true),
	RSP("HTTP/1.1 200 OK\r\n\r\n", GET, 200, CLOSE, 0, false),
	RSP("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
	    GET, 200, CHUNKED, 0, true),
	RSP("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	    GET, 200, CHUNKED, 0, true),
	RSP("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
	    GET, 200, CLOSE, 0, false),
	RSP("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
	    HEAD, 200, NONE, 10, true),
	RSP("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
	    HEAD, 200, NONE, 0, true),
	RSP("HTTP/1.1 204 No Content\r\n\r\n", DELETE, 204, NONE, 0, true),
	RSP("HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n",
	    GET, 304, NONE, 7, true),
	RSP("HTTP/1.1 100 Continue\r\n\r\n", POST, 100, NONE, 0, true),
	RSP("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	    "Connection: upgrade\r\n\r\n", GET, 101, NONE, 0, true),
	RSP("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
	    GET, 200, LENGTH, 1, false),
	RSP("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
	    "Keep-Alive: timeout=5, max=100\r\nContent-Length: 1\r\n\r\nx",
	    GET, 200, LENGTH, 1, true),
	RSP("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n"
	    "\r\n", GET, 200, LENGTH, 0, false),
	RSP("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n",
	    GET, 404, LENGTH, 0, true),
	RSP("HTTP/1.1 500 \r\nContent-Length: 0\r\n\r\n",
	    GET, 500, LENGTH, 0, true),
	RSP("HTTP/1.1 599 Odd \xc3\xa9\t!\r\nContent-Length: 0\r\n\r\n",
	    GET, 599, LENGTH, 0, true),
	RSP("HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
	    POST, 302, LENGTH, 0, true),
	BADR("HTTP/1.1 200 OK\n\r\n"),
	BADR("HTTP/1.1 200 OK\r\nX: a\n\r\n"),
	BADR("HTTP/2.0 200 OK\r\n\r\n"),
	BADR("HTTP/1.1 20 OK\r\n\r\n"),
	BADR("HTTP/1.1 600 Odd\r\n\r\n"),
	BADR("HTTP/1.1 099 Odd\r\n\r\n"),
	BADR("HTTP/1.1  200 OK\r\n\r\n"),
	BADR("HTTP/1.1 200OK\r\n\r\n"),
	BADR("HTTP/1.1 2x0 OK\r\n\r\n"),
	BADR("http/1.1 200 OK\r\n\r\n"),
	BADR("HTTP/1.1 200 O\x01K\r\n\r\n"),
	BADR("ICY 200 OK\r\n\r\n"),
	BADR("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"),
	BADR("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n"
	    "\r\n"),
	BADR("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"),
	BADR("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
	BADR("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
	BADR("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n"),
	BADR("HTTP/1.1 200 OK\r\nX : a\r\n\r\n"),
	BADR("HTTP/1.1 200 OK\r\nX: a\0\r\n\r\n"),
	BADR("HTTP/1.1 200 OK\r\nConnection: content-length\r\n\r\n"),
	{ B("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"), CASE_MORE,
	    HTTP1_GET, 0, HTTP1_BODY_NONE, 0, false },
	{ B("HTTP/1.1 2"), CASE_MORE, HTTP1_GET, 0, HTTP1_BODY_NONE, 0,
	    false },
};
const size_t http1_nresp_cases =
    sizeof(http1_resp_cases) / sizeof(http1_resp_cases[0]);

#define CHK(s, n)	{ B(s), CASE_OK, n }
#define CHBAD(s)	{ B(s), 1, 0 }
#define CHMORE(s)	{ B(s), CASE_MORE, 0 }
#define END		"0\r\n\r\n"

const struct chunk_case http1_chunk_cases[] = {
	CHK(END, 5),
	CHK("5\r\nhello\r\n" END, 15),
	CHK("5\r\nhello\r\n" END "GET / HTTP/1.1\r\n", 15),
	CHK("A\r\n0123456789\r\n" END, 20),
	CHK("a\r\n0123456789\r\n1\r\nx\r\n" END, 26),
	CHK("000\r\n\r\n", 7),
	CHK("3\r\n\r\n\0\r\n" END, 13),
	CHK("5;name=value\r\nhello\r\n" END, 26),
	CHK("5;n\r\nhello\r\n" END, 17),
	CHK("5 ; n = v\r\nhello\r\n" END, 23),
	CHK("5;n=\"q \\\" x\"\r\nhello\r\n" END, 26),
	CHK("5;a=b;c;d=\"\"\r\nhello\r\n" END, 26),
	CHK("0\r\nX-T: 1\r\n\r\n", 13),
	CHK("0\r\nX-T: 1\r\nY:\r\n\r\n", 17),
	CHK("0;e=1\r\nX-T: a\tb\r\n\r\n", 19),
	CHBAD("\r\n"),
	CHBAD("x\r\n"),
	CHBAD("5\nhello\r\n" END),
	CHBAD("5\r\nhelloX\r\n" END),
	CHBAD("5\r\nhello\n" END),
	CHBAD("5\r\nhello\r" END),
	CHBAD(" 5\r\nhello\r\n" END),
	CHBAD("5 \r\nhello\r\n" END),
	CHBAD("5\t\r\nhello\r\n" END),
	CHBAD("0x5\r\nhello\r\n" END),
	CHBAD("-1\r\nx\r\n" END),
	CHBAD("+5\r\nhello\r\n" END),
	CHBAD("5 5\r\nhello\r\n" END),
	CHBAD("10000000000000000\r\n"),
	CHBAD("8000000000000000\r\n"),
	CHBAD("5;\r\nhello\r\n" END),
	CHBAD("5;=v\r\nhello\r\n" END),
	CHBAD("5;n=\r\nhello\r\n" END),
	CHBAD("5;n=\"open\r\nhello\r\n" END),
	CHBAD("5;n=v \r\nhello\r\n" END),
	CHBAD("5;n \r\nhello\r\n" END),
	CHBAD("5;n=a b\r\nhello\r\n" END),
	CHBAD("5;n=\"\x01\"\r\nhello\r\n" END),
	CHBAD("5;n\n\r\nhello\r\n" END),
	CHBAD("0\r\nX-T : 1\r\n\r\n"),
	CHBAD("0\r\n X: 1\r\n\r\n"),
	CHBAD("0\r\nX: \x01\r\n\r\n"),
	CHBAD("0\r\nX: 1\n\r\n"),
	CHBAD("0\r\nX\r\n\r\n"),
	CHBAD("0\r\n\n"),
	CHBAD("0\r\n\r\r"),
	CHBAD("0\n\r\n"),
	CHMORE("5\r\nhel"),
	CHMORE("5\r\nhello\r\n0\r\n\r"),
	CHMORE("7fffffffffffffff\r\n"),
	CHMORE("0\r\nX: 1\r\n"),
	CHMORE(""),
};
const size_t http1_nchunk_cases =
    sizeof(http1_chunk_cases) / sizeof(http1_chunk_cases[0]);
