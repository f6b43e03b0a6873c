/*
 * HTTP mode's connection state, shared by relay_http.c (the client side:
 * request heads, lbd's answers, timers, events) and relay_http_resp.c
 * (the backend side: response heads, 1xx, tunnels, pooling).  Private to
 * those two files.
 */
#ifndef LBD_RELAY_HTTP_INT_H
#define LBD_RELAY_HTTP_INT_H

#include <sys/uio.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "evloop.h"
#include "http1.h"
#include "pump.h"
#include "relay.h"
#include "relay_http_head.h"
#include "upstream.h"

#define RESP_HEADERS	256	/* header lines of a response head */
#define IOV_EXTRA	8	/* iovecs beyond one per header line */

enum http_phase {
	H_HEAD = 0,		/* reading a request head */
	H_FORWARD,		/* request and response in flight */
	H_ANSWER,		/* writing lbd's own answer */
	H_TUNNEL		/* after a 101: bytes both ways */
};

#define ANSWER_MAX	256	/* one of lbd's own answers */

/*
 * What a request needs only while it is in flight, lent by the worker
 * (relay_blocks()) from its first byte until it is answered and no
 * pipelined byte is left: an idle keep-alive client holds none of it.
 * Heads start in the two buffers here and move to one of their full
 * limit only when they outgrow them; the heads' parse state and the
 * bodies' pumps are here too.  After the fixed part come the
 * request's iovecs (max_headers + IOV_EXTRA) and header table
 * (max_headers), whose sizes are the service's.
 */
struct http_work {
	char			rbuf[LBD_BUFSIZE];	/* request head */
	char			sbuf[LBD_BUFSIZE];	/* response head */
	char			extra[HTTP_EXTRA_MAX];	/* lbd's lines */
	char			ans[ANSWER_MAX];
	struct iovec		oc[RESP_HEADERS + IOV_EXTRA];
	struct http1_header	sh[RESP_HEADERS];
	struct pump		up;		/* request body, tunnel */
	struct pump		down;		/* response body, tunnel */
	struct pump_pools	nopipe;		/* chunked: no splice */
	struct http1_request	req;
	struct http1_response	resp;
	struct http1_chunked	rchunk;
	struct http1_chunked	schunk;
	struct upstream		u;		/* the request's backend */
	char			ip[NET_ADDRSTRLEN];	/* the client's */
	struct iovec		oq[];
};

/* Bytes to write with writev(2), and how far it got. */
struct out {
	struct iovec	*iov;
	int		 n;
	int		 at;
};

struct http {
	struct conn		 c;	/* first: relay.c allocates an http */
	struct upstream		*u;	/* in the block, NULL without one */
	struct pump		*up;	/* in the block: request body */
	struct pump		*down;	/* and response body, tunnel */
	struct evtimer		 timer;
	const char		*dead;	/* why it must close, or NULL */
	enum http_phase		 phase;
	bool			 busy;	/* in an event handler */
	bool			 draining;
	bool			 rd_off; /* client read interest dropped */

	struct http_work	*work;	/* lent while a request is on */
	char			*rbuf;	/* request head, then leftovers */
	size_t			 rlen;
	size_t			 rroom;	/* of rbuf now */
	size_t			 cap;	/* rbuf's limit */
	char			*sbuf;	/* response head */
	size_t			 slen;
	size_t			 sroom;	/* of sbuf now */
	size_t			 scap;	/* sbuf's limit */
	struct http1_header	*rh;
	struct http1_header	*sh;
	struct http1_request	*req;	/* these four: in the block */
	struct http1_response	*resp;
	struct http1_chunked	*rchunk;
	struct http1_chunked	*schunk;
	struct out		 oq;	/* to the backend */
	struct out		 oc;	/* to the client */

	/* The request in flight. */
	const char		*aterm;		/* term of lbd's answer */
	size_t			 used;		/* rbuf bytes of this request */
	size_t			 skip;		/* sbuf bytes of a 1xx sent */
	uint64_t		 started;	/* first byte of the head */
	uint64_t		 ttfb;
	uint64_t		 rin;
	uint64_t		 rout;
	uint64_t		 client_seen;
	uint64_t		 server_seen;
	unsigned		 status;
	unsigned		 retries;
	int			 be;
	bool			 parsed; /* its head is complete */
	bool			 connected;
	bool			 req_done;	/* body all read */
	bool			 up_on;		/* up pump in use */
	bool			 down_on;
	bool			 resp_head;	/* final head parsed */
	bool			 resp_done;
	bool			 resp_sent;	/* a byte reached the client */
	bool			 close_after;
	bool			 be_reusable;
	bool			 bad_body;	/* chunked error in flight */
};

/* relay_http.c */

/* Answer code ourselves (term for the access line); see SPEC's table. */
void	relay_http_answer(struct http *t, unsigned code, const char *term);

/* The connection must close with result: log the request in flight. */
void	relay_http_end(struct http *t, const char *term, const char *result);

/* writev(2) what o holds to fd, adding to *count.  0, or -1 on error. */
int	relay_http_flush(struct out *o, int fd, uint64_t *count);

/* Has o been written whole? */
bool	relay_http_is_flushed(const struct out *o);

/* The access line and response counters of the request that ends. */
void	relay_http_log(struct http *t, const char *term);

/* Let go of this request's backend connection and pumps. */
void	relay_http_drop(struct http *t);

/* Arm the connection's one timer for its phase's deadline. */
void	relay_http_arm(struct http *t);

/* Ready for the next request head; bytes already read are parsed. */
void	relay_http_next(struct http *t);

/* upstream_connect()'s callback: send the request head, or answer 503. */
/*
 * Set t's upstream up for a fresh choice of backend for the request in
 * hand, carrying the client's addresses for send_proxy.
 */
void	relay_http_upstream_init(struct http *t);

void	relay_http_on_upstream(struct upstream *u, enum upstream_result res,
	    void *arg);

/* The client-to-backend pump's callback. */
void	relay_http_on_up(struct pump *p, enum pump_event ev, size_t n,
	    void *arg);

/*
 * Make room for at least need bytes (at most the buffer's limit) in the
 * request (resp false) or response buffer, moving what it holds to one
 * of the full limit.  0, or -1 when memory ran out.
 */
int	relay_http_grow(struct http *t, bool resp, size_t need);

/* relay_http_resp.c */

/*
 * Validate the n chunked-body bytes p just read, in its buffer, cutting
 * the read at the body's end (what follows goes to buf[*len], or is
 * dropped when buf is NULL).  0 while the body goes on, 1 at its end, -1
 * when malformed (nothing of the read is forwarded).
 */
int	relay_http_check_chunked(struct pump *p, struct http1_chunked *ck,
	    size_t n, char *buf, size_t *len);

/* The backend sent more of a response head. */
void	relay_http_read_resp(struct http *t);

/* The backend closed before answering: send again once, or 502. */
void	relay_http_no_response(struct http *t);

/* Move the response on: next head after a 1xx, body, end. */
void	relay_http_resp_progress(struct http *t);

#endif /* LBD_RELAY_HTTP_INT_H */
