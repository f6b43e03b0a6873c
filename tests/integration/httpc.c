/*
 * A small HTTP/1.x client for the stats listener tests.  The head is read
 * a byte at a time, so that whatever follows it (the body, or the next
 * response on a kept-alive connection) stays in the socket for the next
 * read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "harness.h"
#include "httpc.h"

#define HTTPC_BODYMAX	(4 << 20)	/* bytes: larger is a failure */

/* Read up to and with the blank line that ends the head; 0 or -1. */
static int
read_head(int fd, struct httpc_resp *r)
{
	size_t	n = 0;

	while (n < sizeof(r->head) - 1) {
		if (harness_read(fd, r->head + n, 1) == -1)
			return (-1);
		r->head[++n] = '\0';
		if (n >= 4 && memcmp(r->head + n - 4, "\r\n\r\n", 4) == 0)
			return (0);
	}
	return (-1);
}

/* A body without Content-Length: everything up to EOF. */
static int
read_to_eof(int fd, struct httpc_resp *r)
{
	size_t	 cap = 0;
	ssize_t	 n = 1;
	char	*p;

	while (n > 0) {
		if (r->bodylen + 4096 + 1 > cap) {
			cap = cap == 0 ? 16384 : cap * 2;
			if (cap > HTTPC_BODYMAX ||
			    (p = realloc(r->body, cap)) == NULL)
				return (-1);
			r->body = p;
		}
		if ((n = read(fd, r->body + r->bodylen, 4096)) > 0)
			r->bodylen += (size_t)n;
		r->body[r->bodylen] = '\0';
	}
	return (n == 0 ? 0 : -1);
}

static int
read_body(int fd, struct httpc_resp *r)
{
	char			 cl[32], *end;
	unsigned long long	 len;

	if (!httpc_header(r, "Content-Length", cl, sizeof(cl)))
		return (read_to_eof(fd, r));
	len = strtoull(cl, &end, 10);
	if (end == cl || *end != '\0' || len > HTTPC_BODYMAX ||
	    (r->body = malloc(len + 1)) == NULL)
		return (-1);
	r->bodylen = len;
	r->body[len] = '\0';
	return (harness_read(fd, r->body, len));
}

int
httpc_read(int fd, struct httpc_resp *r, bool head_only)
{
	int	minor;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	if (read_head(fd, r) == -1)
		return (-1);
	if (sscanf(r->head, "HTTP/1.%d %3d ", &minor, &r->status) != 2)
		return (-1);
	if (head_only) {
		if ((r->body = calloc(1, 1)) == NULL)
			return (-1);
		return (0);
	}
	return (read_body(fd, r));
}

int
httpc_get(int port, const char *method, const char *path,
    struct httpc_resp *r)
{
	char	req[1024];
	int	fd, rc = -1;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\n\r\n", method, path);
	if ((fd = harness_connect(port)) == -1)
		return (-1);
	if (harness_write(fd, req, strlen(req)) == 0)
		rc = httpc_read(fd, r, strcmp(method, "HEAD") == 0);
	close(fd);
	return (rc);
}

bool
httpc_header(const struct httpc_resp *r, const char *name, char *out,
    size_t len)
{
	const char	*p = strstr(r->head, "\r\n");
	size_t		 n = strlen(name), vlen;

	for (; p != NULL && p[2] != '\r' && p[2] != '\0';
	    p = strstr(p + 2, "\r\n")) {
		if (strncasecmp(p + 2, name, n) != 0 || p[2 + n] != ':')
			continue;
		p += 3 + n;
		p += strspn(p, " \t");
		vlen = strcspn(p, "\r\n");
		snprintf(out, len, "%.*s", (int)vlen, p);
		return (true);
	}
	return (false);
}

void
httpc_resp_free(struct httpc_resp *r)
{
	free(r->body);
	r->body = NULL;
}
