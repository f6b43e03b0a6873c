/*
 * A small HTTP/1.x client for the tests of the stats listener: send a
 * request as raw text, read one response (head, then a body of
 * Content-Length bytes, or up to EOF without one).  Every read is bounded
 * by the socket's timeouts (harness_connect sets them).
 */
#ifndef LBD_HTTPC_H
#define LBD_HTTPC_H

#include <stdbool.h>
#include <stddef.h>

#define HTTPC_HEADMAX	8192

struct httpc_resp {
	int	 status;		/* from the status line */
	char	 head[HTTPC_HEADMAX];	/* status line and headers */
	char	*body;			/* NUL-ended; httpc_resp_free */
	size_t	 bodylen;
};

/*
 * Read one response from fd into r; with head_only (the answer to HEAD)
 * no body is read.  0, or -1 when no whole response came.  Free r's body
 * with httpc_resp_free() either way.
 */
int	 httpc_read(int fd, struct httpc_resp *r, bool head_only);

/*
 * Connect to 127.0.0.1:port, send "METHOD PATH HTTP/1.1" with
 * "Connection: close", and read the response into r; 0 or -1.
 */
int	 httpc_get(int port, const char *method, const char *path,
	    struct httpc_resp *r);

/* The value of header name (any case) copied into out; false if absent. */
bool	 httpc_header(const struct httpc_resp *r, const char *name, char *out,
	    size_t len);

void	 httpc_resp_free(struct httpc_resp *r);

#endif /* LBD_HTTPC_H */
