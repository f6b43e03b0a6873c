/*
 * The checker: one non-blocking check per backend at a time, each on its
 * own schedule, in one poll loop.  A backend with active checks starts
 * down and turns up at its first passing check; after that it takes
 * `fall` failures in a row to go down and `rise` passes to come back.
 * Each transition is logged with its reason.  A pass also ends a passive
 * pause (see backend.c) early.  An http check's answer is read up to the
 * end of its head, which the proxy's strict parser (common/http1.c) must
 * accept before its status is compared with expect.
 */
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "clock.h"
#include "config.h"
#include "evloop.h"
#include "health.h"
#include "http1.h"
#include "lbd.h"
#include "log.h"
#include "net.h"
#include "proc.h"
#include "shm.h"

#define REPLY_MAX	8192	/* the answer's head, at most */
#define REPLY_HEADERS	100	/* header lines in the head */

static volatile sig_atomic_t	got_stop;

enum check_phase {
	CHECK_IDLE = 0,
	CHECK_CONNECTING,
	CHECK_READING
};

struct check {
	struct evloop			*loop;
	const struct service_config	*sc;
	const struct backend_config	*bc;
	struct shm_backend		*sb;
	enum check_phase		 phase;
	int				 fd;
	uint64_t			 next_ms;	/* start of the next */
	uint64_t			 deadline_ms;	/* end of this one */
	unsigned			 passes;	/* in a row */
	unsigned			 fails;		/* in a row */
	bool				 known;		/* has had a verdict */
	bool				 up;
	char				 host[LBD_ADDRLEN]; /* Host value */
	struct http1_response		 resp;
	struct http1_header		 hdrs[REPLY_HEADERS];
	size_t				 replen;
	char				 reply[REPLY_MAX + 1];	/* one more
						   than a head may take, so
						   the parser sees it cross */
};

struct checker {
	struct lbd	*env;
	struct evloop	*loop;
	struct check	*checks;
	size_t		 n;
};

static void	check_done(struct check *, enum check_result, int);
static void	check_end(struct check *, enum check_result, int,
		    const char *);
static void	on_writable(struct evloop *, int, int, void *);
static void	on_readable(struct evloop *, int, int, void *);

bool
health_is_needed(const struct lbd *env)
{
	for (size_t i = 0; i < env->conf->nservices; i++)
		if (env->conf->services[i].health.type != HEALTH_NONE)
			return (true);
	return (false);
}

int
health_http_status(struct http1_response *resp, const char *reply,
    size_t len, const char **reason)
{
	switch (http1_parse_response(resp, reply, len)) {
	case HTTP1_OK:
		return ((int)resp->code);
	case HTTP1_NEED_MORE:
		return (0);
	default:
		*reason = resp->head.reason;
		return (-1);
	}
}

/* A byte a host name or IP literal may hold (RFC 3986 reg-name subset). */
static bool
is_host_char(char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == ':' || c == '[' || c == ']');
}

void
health_host(const char *address, const struct net_addr *addr, char *out,
    size_t len)
{
	char	*colon;
	bool	 clean = true;

	snprintf(out, len, "%s", address);
	if ((colon = strrchr(out, ':')) != NULL)
		*colon = '\0';
	for (const char *c = out; *c != '\0'; c++)
		clean = clean && is_host_char(*c);
	if (clean && out[0] != '\0')
		return;
	net_addr_format(addr, out, len);
	if ((colon = strrchr(out, ':')) != NULL)
		*colon = '\0';
}

static void
on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

void
health_reason(int result, int detail, char *buf, size_t len)
{
	static const char *const words[CHECK_RESULT_COUNT] = {
		"not checked yet", "check passed", "connect failed",
		"timeout", "cannot send the request", "read failed",
		"not an HTTP response", "unexpected status",
		"too many descriptors"
	};
	bool	errno_ok = detail > 0 && detail < 4096;

	if (result < 0 || result >= CHECK_RESULT_COUNT)
		snprintf(buf, len, "unknown");
	else if (result == CHECK_CONNECT && errno_ok)
		snprintf(buf, len, "%s", net_connect_reason(detail));
	else if (result == CHECK_READ && errno_ok)
		snprintf(buf, len, "%s", strerror(detail));
	else if (result == CHECK_STATUS && detail >= 100 && detail <= 599)
		snprintf(buf, len, "status %d", detail);
	else
		snprintf(buf, len, "%s", words[result]);
}

/*
 * A backend changes state: the shared region first, then the log line.
 * One in maint is no outage (the operator took it out), so its going
 * down is only noted at info.
 */
static void
transition(struct check *k, bool up, const char *reason, unsigned checks)
{
	bool	recovered = k->known && up;
	bool	maint = shm_backend_admin(k->sb) == ADMIN_MAINT;
	char	why[LOG_VALUELEN];

	if (recovered) {
		/* Ramp it up (slow start) from the service's average time. */
		shm_backend_set_up_since(k->sb, clock_ms());
		shm_backend_rt_reset(k->sb);
	}
	shm_backend_set_state(k->sb, up ? BACKEND_UP : BACKEND_DOWN);
	shm_backend_set_changed(k->sb, clock_ms());
	k->known = true;
	k->up = up;
	log_quote(why, sizeof(why), reason);
	if (up)
		log_notice("backend up service=%s backend=%s reason=%s "
		    "checks=%u", k->sc->name, k->bc->name, why, checks);
	else if (maint)
		log_info("backend down service=%s backend=%s reason=%s "
		    "checks=%u admin=maint", k->sc->name, k->bc->name, why,
		    checks);
	else
		log_warnx("backend down service=%s backend=%s reason=%s "
		    "checks=%u", k->sc->name, k->bc->name, why, checks);
}

static void
verdict_pass(struct check *k)
{
	k->passes++;
	k->fails = 0;
	if (!k->known || (!k->up && k->passes >= k->sc->health.rise))
		transition(k, true, "check passed", k->passes);
	if (shm_backend_paused_until(k->sb) > clock_ms()) {
		shm_backend_set_paused_until(k->sb, 0);
		log_notice("backend up service=%s backend=%s reason=\"check "
		    "passed after connect failures\"", k->sc->name,
		    k->bc->name);
	}
}

static void
verdict_fail(struct check *k, const char *reason)
{
	k->fails++;
	k->passes = 0;
	if (!k->known || (k->up && k->fails >= k->sc->health.fall))
		transition(k, false, reason, k->fails);
}

/*
 * A check ended with result (detail: see enum check_result): record it
 * for the status page, then count it toward rise or fall.
 */
static void
check_done(struct check *k, enum check_result result, int detail)
{
	check_end(k, result, detail, NULL);
}

/*
 * check_done(), with why (when not NULL) saying more in the log line than
 * the result's word the region keeps, such as the parser's reason.
 */
static void
check_end(struct check *k, enum check_result result, int detail,
    const char *why)
{
	char	reason[LOG_VALUELEN];

	shm_backend_set_check(k->sb, result, detail, clock_ms());
	if (k->fd != -1) {
		evloop_del(k->loop, k->fd, EV_READ | EV_WRITE);
		close(k->fd);
		k->fd = -1;
	}
	k->phase = CHECK_IDLE;
	k->next_ms = clock_ms() + k->sc->health.interval_ms;
	if (result == CHECK_PASSED)
		verdict_pass(k);
	else if (why != NULL)
		verdict_fail(k, why);
	else {
		health_reason(result, detail, reason, sizeof(reason));
		verdict_fail(k, reason);
	}
}

static void
check_start(struct check *k, uint64_t now)
{
	k->deadline_ms = now + k->sc->health.timeout_ms;
	k->replen = 0;
	http1_response_init(&k->resp, k->hdrs, REPLY_HEADERS, REPLY_MAX,
	    HTTP1_GET);
	if ((k->fd = net_connect(&k->bc->addr)) == -1) {
		check_done(k, CHECK_CONNECT, errno);
		return;
	}
	if (evloop_add(k->loop, k->fd, EV_WRITE, on_writable, k) == -1) {
		check_done(k, CHECK_NOFD, 0);
		return;
	}
	k->phase = CHECK_CONNECTING;
}

/* The path is checked at load (no space, no control byte), Host here. */
static int
send_request(struct check *k)
{
	char	req[LBD_PATHLEN + LBD_ADDRLEN + 128];
	int	n;

	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: lbd-health\r\nConnection: close\r\n\r\n",
	    k->sc->health.path, k->host);
	/* A fresh socket's buffer takes a request this small whole. */
	return (send(k->fd, req, n, MSG_NOSIGNAL) == n ? 0 : -1);
}

static void
on_writable(struct evloop *loop, int fd, int events, void *arg)
{
	struct check	*k = arg;
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	(void)events;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		check_done(k, CHECK_CONNECT, err);
		return;
	}
	if (k->sc->health.type == HEALTH_TCP) {
		check_done(k, CHECK_PASSED, 0);
		return;
	}
	evloop_del(loop, fd, EV_WRITE);
	if (send_request(k) == -1 ||
	    evloop_add(loop, fd, EV_READ, on_readable, k) == -1) {
		check_done(k, CHECK_SEND, 0);
		return;
	}
	k->phase = CHECK_READING;
}

/*
 * Why a check whose answer ended (n == 0) or failed (n == -1) before its
 * head was whole fails.
 */
static const char *
short_reason(const struct check *k)
{
	return (k->replen == 0 ? "closed without a response" :
	    "closed within the response head");
}

static void
on_readable(struct evloop *loop, int fd, int events, void *arg)
{
	struct check	*k = arg;
	const char	*why = NULL;
	char		 reason[LOG_VALUELEN];
	ssize_t		 n;
	int		 code;

	(void)loop;
	(void)events;
	n = read(fd, k->reply + k->replen, sizeof(k->reply) - k->replen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		k->replen += n;
	code = health_http_status(&k->resp, k->reply, k->replen, &why);
	if (code == 0 && n > 0)
		return;			/* the head is not all here */
	if (code == 0 && n == -1) {
		check_done(k, CHECK_READ, errno);
		return;
	}
	if (code == 0) {
		check_end(k, CHECK_NOT_HTTP, 0, short_reason(k));
		return;
	}
	if (code == -1) {
		snprintf(reason, sizeof(reason), "invalid response: %s", why);
		check_end(k, CHECK_NOT_HTTP, 0, reason);
		return;
	}
	if (code >= (int)k->sc->health.expect_min &&
	    code <= (int)k->sc->health.expect_max)
		check_done(k, CHECK_PASSED, code);
	else
		check_done(k, CHECK_STATUS, code);
}

/* Start what is due, time out what is late; return ms to the next event. */
static int
run_due(struct checker *ck, uint64_t now)
{
	uint64_t	next = now + 1000;

	for (size_t i = 0; i < ck->n; i++) {
		struct check	*k = &ck->checks[i];

		if (k->phase == CHECK_IDLE && now >= k->next_ms)
			check_start(k, now);
		else if (k->phase != CHECK_IDLE && now >= k->deadline_ms)
			check_done(k, CHECK_TIMEOUT, 0);
		if (k->phase == CHECK_IDLE && k->next_ms < next)
			next = k->next_ms;
		else if (k->phase != CHECK_IDLE && k->deadline_ms < next)
			next = k->deadline_ms;
	}
	return (next > now ? (int)(next - now) : 0);
}

static void
add_service(struct checker *ck, const struct service *s)
{
	for (size_t j = 0; j < s->conf->nbackends; j++) {
		struct check	*k = &ck->checks[ck->n++];

		k->loop = ck->loop;
		k->sc = s->conf;
		k->bc = &s->conf->backends[j];
		k->sb = backend_shm(ck->env, s, (unsigned)j);
		k->fd = -1;
		health_host(k->bc->address, &k->bc->addr, k->host,
		    sizeof(k->host));
		/* A respawned checker picks up where the last one was. */
		k->up = shm_backend_state(k->sb) == BACKEND_UP;
		k->known = k->up;
	}
}

static void
checker_init(struct checker *ck, struct lbd *env)
{
	size_t	n = 0;

	ck->env = env;
	for (size_t i = 0; i < env->conf->nservices; i++)
		n += env->conf->services[i].nbackends;
	if ((ck->loop = evloop_new(4096, EVLOOP_POLL)) == NULL ||
	    (ck->checks = calloc(n, sizeof(*ck->checks))) == NULL)
		fatal("%s", __func__);
	proc_log_watch(ck->loop);
	for (size_t i = 0; i < env->conf->nservices; i++)
		if (env->services[i].conf->health.type != HEALTH_NONE)
			add_service(ck, &env->services[i]);
}

void
health_main(struct lbd *env)
{
	struct sigaction	sa = { .sa_handler = on_stop };
	struct checker		ck = { 0 };
	int			timeout;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	checker_init(&ck, env);
	while (!got_stop && getppid() == env->master_pid) {
		timeout = run_due(&ck, clock_ms());
		if (evloop_wait(ck.loop, timeout, &env->unblocked) == -1)
			fatal("%s: ppoll", __func__);
	}
	for (size_t i = 0; i < ck.n; i++)
		if (ck.checks[i].fd != -1)
			close(ck.checks[i].fd);
	free(ck.checks);
	evloop_free(ck.loop);
	exit(0);
}
