/*
 * A strict HTTP/1.1 parser (RFC 9112, RFC 9110 §5 and §7.6) shared by the
 * proxy, the HTTP health check and the stats listener.  Pure functions over
 * the caller's buffer: nothing is copied, allocated or logged.  Results are
 * spans, offsets into the buffer given to the parse call, so they stay valid
 * when the caller moves the bytes as long as the head starts at offset 0.
 *
 * Heads are parsed incrementally: the caller inits a struct once per head,
 * then calls the parse function with the whole buffer (head at offset 0)
 * each time more bytes arrived.  It answers HTTP1_NEED_MORE until the empty
 * line ending the head, resuming at the first line not yet complete, so no
 * byte is examined twice.  The outcome never depends on how the bytes were
 * split.  A line is judged once it is complete, or when it crosses the size
 * limit.
 */
#ifndef LBD_HTTP1_H
#define LBD_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP1_METHOD_MAX	32	/* longer method tokens: 400 */
#define HTTP1_CHUNK_LINE_MAX	4096	/* chunk-size line with extensions */
#define HTTP1_TRAILERS_MAX	16384	/* whole trailer section */

enum http1_result {
	HTTP1_OK = 0,		/* head complete / chunked body ended */
	HTTP1_NEED_MORE,	/* call again with more bytes */
	HTTP1_ERROR		/* see status and reason */
};

enum http1_method {
	HTTP1_GET = 0,
	HTTP1_HEAD,
	HTTP1_POST,
	HTTP1_PUT,
	HTTP1_DELETE,
	HTTP1_OPTIONS,
	HTTP1_TRACE,
	HTTP1_CONNECT,
	HTTP1_OTHER		/* any other token, forwarded as is */
};

enum http1_framing {
	HTTP1_BODY_NONE = 0,	/* no body */
	HTTP1_BODY_LENGTH,	/* content_length bytes (maybe 0) */
	HTTP1_BODY_CHUNKED,	/* feed it to an http1_chunked decoder */
	HTTP1_BODY_CLOSE	/* responses only: until the backend closes */
};

/* Header fields the proxy acts on; every other name is HTTP1_F_OTHER. */
enum http1_field {
	HTTP1_F_OTHER = 0,
	HTTP1_F_HOST,
	HTTP1_F_CONTENT_LENGTH,
	HTTP1_F_TRANSFER_ENCODING,
	HTTP1_F_CONNECTION,
	HTTP1_F_KEEP_ALIVE,
	HTTP1_F_PROXY_CONNECTION,
	HTTP1_F_TE,
	HTTP1_F_UPGRADE,
	HTTP1_F_EXPECT,
	HTTP1_F_X_FORWARDED_FOR,
	HTTP1_F_X_FORWARDED_PROTO,
	HTTP1_F_FORWARDED,
	HTTP1_F_VIA
};

struct http1_span {
	uint32_t		off;	/* from the start of the buffer */
	uint32_t		len;
};

struct http1_header {
	struct http1_span	name;	/* as the peer wrote it */
	struct http1_span	value;	/* without leading/trailing OWS */
	struct http1_span	line;	/* whole line with its CRLF */
	enum http1_field	kind;
	/*
	 * Hop-by-hop: Connection, the fields Connection names, Keep-Alive,
	 * Proxy-Connection, TE and Upgrade (the proxy keeps Upgrade when it
	 * tunnels).  Transfer-Encoding is hop-by-hop in RFC 9110 but is not
	 * marked: lbd forwards chunked bodies as they came, so the framing
	 * header travels with them.
	 */
	bool			hop;
};

/*
 * What request and response heads share.  The caller fills it through
 * http1_request_init()/http1_response_init() and reads it after HTTP1_OK;
 * pos, scan and stage are the parser's own.
 */
struct http1_head {
	struct http1_header	*headers;	/* caller's array */
	size_t			 maxheaders;	/* its capacity */
	size_t			 maxsize;	/* bytes of head allowed */
	size_t			 nheaders;
	size_t			 len;		/* head bytes, last CRLF too */
						/* (and CRLFs before a request) */
	unsigned		 version;	/* 10 or 11 */
	enum http1_framing	 framing;
	uint64_t		 content_length;
	bool			 keep_alive;	/* connection reusable after */
	int			 status;	/* on error: status to answer */
	const char		*reason;	/* on error: for the log */
	size_t			 pos;		/* next line to parse */
	size_t			 scan;		/* LF searched up to here */
	int			 stage;
};

struct http1_request {
	struct http1_head	head;
	enum http1_method	method;
	struct http1_span	method_span;
	struct http1_span	target;		/* origin, absolute, "*" */
	struct http1_span	line;		/* request line with CRLF */
	bool			has_host;
	struct http1_span	host;		/* Host value */
	bool			expect_continue; /* 1.1 and 100-continue; */
						/* other Expect values: forwarded */
	bool			upgrade;	/* 1.1, Upgrade and its token */
	bool			host_optional;	/* caller, after init: a 1.1
						   request may lack Host (a
						   server that only answers
						   for itself: stats) */
};

struct http1_response {
	struct http1_head	head;
	enum http1_method	req_method;	/* HEAD means no body */
	unsigned		code;		/* 100..599 */
	struct http1_span	reason_phrase;
	struct http1_span	line;		/* status line with CRLF */
	bool			upgrade;	/* 101 with Upgrade */
	long long		ka_timeout;	/* Keep-Alive timeout=, or -1 */
	long long		ka_max;		/* Keep-Alive max=, or -1 */
};

/* Incremental chunked-body validator; fields are the decoder's own. */
struct http1_chunked {
	int			state;
	uint64_t		size;		/* chunk data bytes left */
	uint64_t		data;		/* chunk sizes so far, summed */
						/* (for max_body_size, 413) */
	size_t			linelen;	/* bytes of this size line */
	size_t			trailers;	/* bytes of trailer section */
	const char		*reason;	/* on error: for the log */
};

/*
 * Prepare req for a new request head.  hdrs holds max_headers entries (a
 * 101st header when max_headers is 100 answers 431); max_size bounds the
 * request line (else 414) and the whole head (else 431).
 */
void	http1_request_init(struct http1_request *req, struct http1_header *hdrs,
	    size_t max_headers, size_t max_size);

/*
 * Parse the request head at buf[0..len).  HTTP1_OK: req is filled and
 * req->head.len bytes are the head (the body or next request follows).
 * HTTP1_ERROR: req->head.status is 400, 414, 431, 501 or 505 and
 * req->head.reason says why.  Pass the same, grown buffer after NEED_MORE.
 */
enum http1_result	http1_parse_request(struct http1_request *req,
			    const char *buf, size_t len);

/*
 * Prepare resp for the response to a request made with method (HEAD and
 * the status decide whether a body follows, RFC 9112 §6.3).
 */
void	http1_response_init(struct http1_response *resp,
	    struct http1_header *hdrs, size_t max_headers, size_t max_size,
	    enum http1_method method);

/*
 * Parse the response head at buf[0..len), like http1_parse_request().
 * On HTTP1_ERROR, head.status is 502.
 */
enum http1_result	http1_parse_response(struct http1_response *resp,
			    const char *buf, size_t len);

/* Start a new chunked body. */
void	http1_chunked_init(struct http1_chunked *c);

/*
 * Validate the next len bytes of a chunked body, without copying or
 * decoding.  *used gets the bytes that belong to the body: all of len on
 * HTTP1_NEED_MORE, up to and including the final CRLF on HTTP1_OK (what
 * follows is the next message).  HTTP1_ERROR: c->reason says why.
 */
enum http1_result	http1_chunked_feed(struct http1_chunked *c,
			    const char *buf, size_t len, size_t *used);

/* True when the span equals the NUL-terminated s, ignoring ASCII case. */
bool	http1_span_is(const char *buf, struct http1_span sp, const char *s);

#endif /* LBD_HTTP1_H */
