/*
 * The engine shared by the test backends (echo, identity, slow, silent,
 * http, proxy): one
 * listening socket and a non-blocking poll(2) loop over every accepted
 * connection.  Each backend is a single .c file whose main() sets a mode and
 * calls serve_main().  The Makefile links one source file per backend, so
 * the engine lives here as static functions, included exactly once.
 *
 * usage: NAME -l ADDR [-n NAME] [-d DELAY] [-c]
 * After listen() the backend prints "ready PORT" on stdout; SIGUSR1 prints
 * "accepted N"; SIGTERM or SIGINT ends it with exit status 0.
 */
#ifndef LBD_SERVE_H
#define LBD_SERVE_H

#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"
#include "proxyproto.h"

#define SERVE_BUFSZ	(32 * 1024)	/* per connection: bounded */
#define SERVE_ACCEPTS	64		/* per turn: others still move */
#define SERVE_PAUSE_MS	100		/* no accept when out of fds */

enum serve_mode {
	SERVE_ECHO = 0,		/* write back every byte */
	SERVE_IDENTITY,		/* "NAME\n" after DELAY, then echo */
	SERVE_SLOW,		/* echo, each chunk held DELAY */
	SERVE_SILENT,		/* never read nor write */
	SERVE_HTTP,		/* answer one HTTP request, then close */
	SERVE_PROXY		/* PROXY header -> "proxy_src=ADDR\n", echo */
};

struct serve_conn {
	int		fd;
	size_t		off;	/* next byte of buf to write */
	size_t		len;	/* end of the bytes held in buf */
	uint64_t	due;	/* clock_ms() before which no write */
	bool		eof;	/* the peer shut down its writing */
	bool		proxied; /* proxy: its header was read */
	char		buf[SERVE_BUFSZ];
};

struct serve {
	enum serve_mode	  mode;
	const char	 *listen;	/* -l ADDR */
	const char	 *name;		/* -n NAME (identity) */
	uint64_t	  delay;	/* -d: greeting, chunk hold */
	int		  status;	/* -s: http status code */
	int		  lfd;
	struct serve_conn **conns;
	struct pollfd	 *pfd;		/* lfd, then conns */
	size_t		  nconns;
	size_t		  cap;
	unsigned long	  accepted;
	uint64_t	  pause_until;	/* no accept before this */
};

static volatile sig_atomic_t	serve_got_quit;
static volatile sig_atomic_t	serve_got_usr1;

static void
serve_on_quit(int sig)
{
	(void)sig;
	serve_got_quit = 1;
}

static void
serve_on_usr1(int sig)
{
	(void)sig;
	serve_got_usr1 = 1;
}

/*
 * Handlers only set flags.  TERM, INT and USR1 stay blocked except inside
 * ppoll(), which gets the mask in *unblocked, so no signal is lost between
 * a flag check and the wait.
 */
static int
serve_signals(sigset_t *unblocked)
{
	struct sigaction	sa;
	sigset_t		block;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		return (-1);
	sa.sa_handler = serve_on_quit;
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		return (-1);
	sa.sa_handler = serve_on_usr1;
	if (sigaction(SIGUSR1, &sa, NULL) == -1)
		return (-1);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	return (sigprocmask(SIG_BLOCK, &block, unblocked));
}

/*
 * Parse ADDR like net_addr_parse(), which refuses port 0; port 0 is what
 * lets the kernel pick a free port, so it is allowed here.
 */
static int
serve_parse_addr(const char *text, struct net_addr *a)
{
	char		 buf[300], err[512];
	const char	*colon = strrchr(text, ':');
	bool		 zero;

	zero = colon != NULL && strcmp(colon + 1, "0") == 0;

	snprintf(buf, sizeof(buf), "%.*s%s", zero ? (int)(colon - text) :
	    (int)strlen(text), text, zero ? ":1" : "");
	if (net_addr_parse(buf, a, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return (-1);
	}
	if (zero && a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = 0;
	else if (zero)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = 0;
	return (0);
}

/* Listen on s->listen and print "ready PORT"; 0 or -1. */
static int
serve_open(struct serve *s)
{
	struct net_addr	a;
	struct rlimit	rl;

	/* Thousands of connections at once need thousands of fds. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (serve_parse_addr(s->listen, &a) == -1)
		return (-1);
	if ((s->lfd = net_listen(&a, 4096)) == -1) {
		perror("listen");
		return (-1);
	}
	a.len = sizeof(a.ss);
	if (getsockname(s->lfd, (struct sockaddr *)&a.ss, &a.len) == -1)
		return (-1);
	printf("ready %u\n", ntohs(a.ss.ss_family == AF_INET ?
	    ((struct sockaddr_in *)&a.ss)->sin_port :
	    ((struct sockaddr_in6 *)&a.ss)->sin6_port));
	return (fflush(stdout) == EOF ? -1 : 0);
}

/* Make room for one more connection; 0 or -1. */
static int
serve_grow(struct serve *s)
{
	struct serve_conn	**conns;
	struct pollfd		 *pfd;
	size_t			  cap = s->cap == 0 ? 256 : s->cap * 2;

	if (s->nconns < s->cap)
		return (0);
	if ((conns = realloc(s->conns, cap * sizeof(*conns))) == NULL)
		return (-1);
	s->conns = conns;
	if ((pfd = realloc(s->pfd, (cap + 1) * sizeof(*pfd))) == NULL)
		return (-1);
	s->pfd = pfd;
	s->cap = cap;
	return (0);
}

/* Track a freshly accepted fd; an identity conn starts with its name. */
static int
serve_add(struct serve *s, int fd, uint64_t now)
{
	struct serve_conn	*c;

	if (serve_grow(s) == -1 || (c = calloc(1, sizeof(*c))) == NULL)
		return (-1);
	c->fd = fd;
	if (s->mode == SERVE_IDENTITY) {
		c->len = (size_t)snprintf(c->buf, sizeof(c->buf), "%s\n",
		    s->name);
		c->due = now + s->delay;
	}
	s->conns[s->nconns++] = c;
	s->accepted++;
	return (0);
}

/* Close conns[i]; the last one takes its place. */
static void
serve_del(struct serve *s, size_t i)
{
	close(s->conns[i]->fd);
	free(s->conns[i]);
	s->conns[i] = s->conns[--s->nconns];
}

/* Accept a bounded batch; out of fds or memory, pause accepting briefly. */
static void
serve_accept(struct serve *s, uint64_t now)
{
	int	fd;

	for (int i = 0; i < SERVE_ACCEPTS; i++) {
		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				s->pause_until = now + SERVE_PAUSE_MS;
			return;
		}
		if (serve_add(s, fd, now) == -1) {
			close(fd);
			s->pause_until = now + SERVE_PAUSE_MS;
			return;
		}
	}
}

/*
 * http: once the request head is in, replace it with the answer, due after
 * DELAY; then the connection ends like a half-closed echo.
 */
static void
serve_http_answer(const struct serve *s, struct serve_conn *c, uint64_t now)
{
	char	body[128];
	int	n;

	c->buf[c->len < sizeof(c->buf) ? c->len : sizeof(c->buf) - 1] = '\0';
	if (strstr(c->buf, "\r\n\r\n") == NULL &&
	    c->len < sizeof(c->buf) - 1)
		return;
	n = snprintf(body, sizeof(body), "backend %s\n", s->name);
	c->len = (size_t)snprintf(c->buf, sizeof(c->buf), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: text/plain\r\nContent-Length: %d\r\n"
	    "Connection: close\r\n\r\n%s", s->status, s->status < 400 ?
	    "OK" : "Error", n, body);
	c->off = 0;
	c->due = now + s->delay;
	c->eof = true;
}

/*
 * proxy: once the PROXY header is in, replace it with the line naming the
 * source it carried ("proxy_src=none" when it carried none); a malformed
 * one is answered "proxy_error" and the connection ends.
 */
static void
serve_proxy_header(struct serve_conn *c)
{
	struct proxy_header	h;
	char			line[2 * NET_ADDRSTRLEN + 32], src[NET_ADDRSTRLEN];
	size_t			n;

	switch (proxy_decode(c->buf, c->len, &h)) {
	case PROXY_NEED_MORE:
		if (c->eof)		/* it never came whole: just end */
			c->len = 0;
		c->proxied = c->eof;
		return;
	case PROXY_ERROR:
		c->len = (size_t)snprintf(c->buf, sizeof(c->buf),
		    "proxy_error\n");
		c->eof = c->proxied = true;
		return;
	case PROXY_OK:
		break;
	}
	n = (size_t)snprintf(line, sizeof(line), "proxy_src=%s v%d\n",
	    h.has_addr ? net_addr_format(&h.src, src, sizeof(src)) : "none",
	    h.version == PROXY_V1 ? 1 : 2);
	if (c->len - h.len + n > sizeof(c->buf))
		n = 0;		/* a full buffer: no room for the line */
	memmove(c->buf + n, c->buf + h.len, c->len - h.len);
	memcpy(c->buf, line, n);
	c->len = c->len - h.len + n;
	c->proxied = true;
}

/* Read while there is room; a slow backend reads only into an empty buf. */
static bool
serve_wants_read(const struct serve *s, const struct serve_conn *c)
{
	if (c->eof || c->len == sizeof(c->buf))
		return (false);
	return (s->mode != SERVE_SLOW || c->len == 0);
}

/* Read into the buffer; 0, or -1 when the connection failed. */
static int
serve_read(struct serve *s, struct serve_conn *c, uint64_t now)
{
	ssize_t	n;

	if (!serve_wants_read(s, c))
		return (0);
	if (c->off > 0) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	if (n == -1)
		return (errno == EAGAIN || errno == EINTR ? 0 : -1);
	if (n == 0)
		c->eof = true;
	else if (s->mode == SERVE_SLOW)
		c->due = now + s->delay;
	c->len += (size_t)n;
	if (s->mode == SERVE_HTTP)
		serve_http_answer(s, c, now);
	if (s->mode == SERVE_PROXY && !c->proxied)
		serve_proxy_header(c);
	return (0);
}

/* Write what is due; 0, or -1 when the connection failed. */
static int
serve_write(struct serve *s, struct serve_conn *c, uint64_t now)
{
	ssize_t	n;

	if (s->mode == SERVE_PROXY && !c->proxied)
		return (0);
	if (c->off == c->len || now < c->due)
		return (0);
	n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
	if (n == -1)
		return (errno == EAGAIN || errno == EINTR ? 0 : -1);
	c->off += (size_t)n;
	if (c->off == c->len)
		c->off = c->len = 0;
	return (0);
}

/*
 * Move one connection along after poll; false when it is finished.  Once
 * the peer has half-closed and everything is written back, shut down our
 * side too: the reply is complete and nothing more can come.
 */
static bool
serve_step(struct serve *s, struct serve_conn *c, short rev, uint64_t now)
{
	if (s->mode == SERVE_SILENT)
		return ((rev & (POLLRDHUP | POLLHUP | POLLERR)) == 0);
	if ((rev & (POLLIN | POLLHUP | POLLERR)) && serve_read(s, c, now) == -1)
		return (false);
	if (serve_write(s, c, now) == -1)
		return (false);
	if (c->eof && c->off == c->len) {
		(void)shutdown(c->fd, SHUT_WR);
		return (false);
	}
	return (true);
}

/* Fill the poll set; returns the poll timeout in ms, -1 for none. */
static int
serve_prepare(struct serve *s, uint64_t now)
{
	struct serve_conn	*c;
	uint64_t		 wait = UINT64_MAX;

	s->pfd[0].fd = s->lfd;
	s->pfd[0].events = now < s->pause_until ? 0 : POLLIN;
	if (now < s->pause_until)
		wait = s->pause_until - now;
	for (size_t i = 0; i < s->nconns; i++) {
		c = s->conns[i];
		s->pfd[i + 1].fd = c->fd;
		s->pfd[i + 1].events = s->mode == SERVE_SILENT ? POLLRDHUP :
		    serve_wants_read(s, c) ? POLLIN : 0;
		if (s->mode == SERVE_PROXY && !c->proxied)
			continue;	/* nothing to write before the header */
		if (c->off < c->len && now >= c->due)
			s->pfd[i + 1].events |= POLLOUT;
		else if (c->off < c->len && c->due - now < wait)
			wait = c->due - now;
	}
	return (wait == UINT64_MAX ? -1 : (int)(wait > 60000 ? 60000 : wait));
}

/* Handle poll's results, newest conns first so deletion stays simple. */
static void
serve_dispatch(struct serve *s)
{
	uint64_t	now = clock_ms();
	short		rev;

	for (size_t i = s->nconns; i > 0; i--) {
		rev = s->pfd[i].revents;
		if (!serve_step(s, s->conns[i - 1], rev, now))
			serve_del(s, i - 1);
	}
	if (s->pfd[0].revents & POLLIN)
		serve_accept(s, now);
}

/* Run until SIGTERM or SIGINT; 0, or -1 when poll fails. */
static int
serve_loop(struct serve *s, const sigset_t *unblocked)
{
	struct timespec	ts;
	int		ms, n;

	while (!serve_got_quit) {
		if (serve_got_usr1) {
			serve_got_usr1 = 0;
			printf("accepted %lu\n", s->accepted);
			fflush(stdout);
		}
		if (serve_grow(s) == -1)
			return (-1);
		ms = serve_prepare(s, clock_ms());
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000;
		n = ppoll(s->pfd, s->nconns + 1, ms == -1 ? NULL : &ts,
		    unblocked);
		if (n == -1 && errno != EINTR)
			return (-1);
		if (n > 0)
			serve_dispatch(s);
	}
	return (0);
}

static int
serve_usage(const char *prog)
{
	fprintf(stderr, "usage: %s -l ADDR [-n NAME] [-d DELAY] [-s STATUS] "
	    "[-c]\n", prog);
	return (2);
}

/* Parse options, check those the mode needs; 0 or -1. */
static int
serve_options(struct serve *s, int argc, char *argv[])
{
	int	ch;

	s->status = 200;
	while ((ch = getopt(argc, argv, "l:n:d:s:c")) != -1) {
		switch (ch) {
		case 'l':
			s->listen = optarg;
			break;
		case 'n':
			s->name = optarg;
			break;
		case 'd':
			if (clock_parse_duration(optarg, &s->delay) == -1)
				return (-1);
			break;
		case 's':
			s->status = atoi(optarg);
			if (s->status < 100 || s->status > 599)
				return (-1);
			break;
		case 'c':	/* quiet: we print nothing extra anyway */
			break;
		default:
			return (-1);
		}
	}
	if (optind != argc || s->listen == NULL)
		return (-1);
	return ((s->mode == SERVE_IDENTITY || s->mode == SERVE_HTTP) &&
	    s->name == NULL ? -1 : 0);
}

/* The whole backend: options, listen, "ready PORT", loop, clean exit. */
static int
serve_main(struct serve *s, int argc, char *argv[])
{
	sigset_t	unblocked;

	if (serve_options(s, argc, argv) == -1)
		return (serve_usage(argv[0]));
	if (serve_signals(&unblocked) == -1 || serve_open(s) == -1 ||
	    serve_grow(s) == -1) {
		perror(argv[0]);
		return (1);
	}
	if (serve_loop(s, &unblocked) == -1) {
		perror("ppoll");
		return (1);
	}
	while (s->nconns > 0)
		serve_del(s, s->nconns - 1);
	close(s->lfd);
	free(s->conns);
	free(s->pfd);
	return (0);
}

#endif /* LBD_SERVE_H */
