/*
 * The status page: one self-contained HTML document (inline style and
 * SVG, no script, no external asset) that a person reads at a glance.
 * From the top: who is running and since when, an alarm banner for each
 * service with no backend able to serve, a summary row per service with
 * a chart of its last minutes, then each service's backends with why and
 * since when they are in their state, and the workers.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lbd_limits.h"
#include "status.h"

#define CHART_W		180	/* px */
#define CHART_H		36

static const char style[] =
    "body{font:13px/1.4 system-ui,sans-serif;margin:16px 24px;color:#222}"
    "h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 6px}"
    ".meta{color:#555}.meta b{color:#222}"
    "table{border-collapse:collapse;margin-top:4px}"
    "td,th{padding:3px 7px;text-align:right;border-bottom:1px solid #e4e4e4;"
    "white-space:nowrap}th{background:#f3f3f3;font-weight:600}"
    "td:first-child,th:first-child,td.l,th.l{text-align:left}"
    "tr.total td{font-weight:600;border-top:2px solid #bbb}"
    ".alarm{background:#c62828;color:#fff;padding:8px 12px;margin:10px 0;"
    "border-radius:4px;font-weight:600}"
    ".pill{display:inline-block;padding:0 7px;border-radius:9px;"
    "font-size:12px;font-weight:600}"
    ".s-up{background:#d7f2d9;color:#1b5e20}"
    ".s-down,.s-paused{background:#fcd4d4;color:#b71c1c}"
    ".s-maint{background:#e0e0e0;color:#444}"
    ".s-drain{background:#fff1c2;color:#7a5b00}"
    ".bad{color:#c62828;font-weight:600}.ok{color:#1b5e20;font-weight:600}"
    ".warn{color:#a15c00;font-weight:600}.s-warn{background:#ffe0b2;"
    "color:#a15c00}"
    ".dim{color:#999}.mark{color:#7a5b00;font-weight:600}"
    "svg{vertical-align:middle}";

static void
html_text(FILE *f, const char *v)
{
	for (; *v != '\0'; v++)
		switch (*v) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*v, f);
		}
}

/* Bytes as "812 B", "1.4 KiB", "12.0 MiB"... */
static void
bytes(FILE *f, unsigned long long n)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB",
	    "PiB", "EiB" };
	double	v = (double)n;
	int	u = 0;

	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		fprintf(f, "<td>%llu B</td>", n);
	else
		fprintf(f, "<td>%.1f %s</td>", v, unit[u]);
}

/* An error count's cell: red once it is not zero. */
static void
count(FILE *f, unsigned long long n)
{
	fprintf(f, "<td%s>%llu</td>", n > 0 ? " class=\"bad\"" : "", n);
}

/* A duration cell: "3m05s", or a dim dash when unknown. */
static void
duration(FILE *f, double seconds)
{
	char	buf[32];

	status_duration(seconds, buf, sizeof(buf));
	fprintf(f, "<td%s>%s</td>", seconds == STATUS_AGE_UNKNOWN ?
	    " class=\"dim\"" : "", buf);
}

/*
 * The service's connections per second over the last minutes, as a
 * filled line scaled to its own peak.  No data yet: an empty frame.
 */
static void
chart(FILE *f, const struct status_service *s)
{
	double	max = 0;

	fprintf(f, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "role=\"img\"><title>connections/s, last %d min</title>"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
	    "stroke=\"#ddd\"/>", CHART_W, CHART_H, CHART_W, CHART_H,
	    HISTORY_POINTS * HISTORY_STEP_MS / 60000, CHART_W, CHART_H);
	for (size_t i = 0; i < s->npoints; i++)
		if (s->series[i] > max)
			max = s->series[i];
	if (s->npoints > 0) {
		fprintf(f, "<polyline fill=\"#cfe3f7\" stroke=\"#1e6bb8\" "
		    "stroke-width=\"1.5\" points=\"%d,%d", CHART_W -
		    (int)(s->npoints - 1) * CHART_W / (HISTORY_POINTS - 2),
		    CHART_H);
		for (size_t i = 0; i < s->npoints; i++)
			fprintf(f, " %.1f,%.1f", CHART_W - (double)(s->npoints -
			    1 - i) * CHART_W / (HISTORY_POINTS - 2), CHART_H -
			    2 - (max > 0 ? s->series[i] / max * (CHART_H - 6) :
			    0));
		fprintf(f, " %d,%d\"/>", CHART_W, CHART_H);
	}
	fprintf(f, "<text x=\"4\" y=\"11\" font-size=\"10\" fill=\"#666\">"
	    "max %.1f/s</text></svg>", max);
}

static void
html_header(FILE *f, const struct status *st)
{
	char		 up[32], when[32];
	time_t		 t = (time_t)st->time;
	struct tm	 tm;

	status_duration(st->uptime, up, sizeof(up));
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	fprintf(f, "<h1>lbd %s</h1>\n<p class=\"meta\">pid <b>%d</b> &middot; "
	    "up <b>%s</b> &middot; generation <b>%u</b> &middot; workers "
	    "<b>%u</b> &middot; restarts <b>%llu</b> &middot; reloads "
	    "<b>%llu</b> &middot; page of <b>%s</b> (refreshes every 5 s) "
	    "&middot; <a href=\"/metrics\">metrics</a> &middot; "
	    "<a href=\"/status.json\">json</a></p>\n", LBD_VERSION, st->pid,
	    up, st->generation, st->workers, st->restarts, st->reloads, when);
}

/* One line on the newest reload: when, how, and why it failed. */
static void
html_reload(FILE *f, const struct status_reload *r)
{
	struct tm	tm;
	time_t		t = (time_t)r->time;
	char		when[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	fprintf(f, "<p class=\"meta\">last reload: <b%s>%s</b> at %s "
	    "&middot; generation %u &middot; failed reloads %llu",
	    r->failed ? " class=\"bad\"" : "", r->failed ? "failed" : "ok",
	    when, r->generation, r->failures);
	if (r->failed) {
		fputs(" &middot; ", f);
		html_text(f, r->error);
	}
	fputs("</p>\n", f);
}

/* A red banner per service that no backend can serve: first thing seen. */
static void
html_alarms(FILE *f, const struct status *st)
{
	for (size_t i = 0; i < st->nservices; i++) {
		const struct status_service *s = &st->services[i];

		if (!s->alarm)
			continue;
		fputs("<div class=\"alarm\" id=\"alarm\">service ", f);
		html_text(f, s->name);
		fprintf(f, ": %zu/%zu backends up &mdash; new clients are "
		    "refused</div>\n", s->nup, s->nbackends);
	}
}

/* ok (all up), warn (some), bad (none): the class of "N/M up". */
static const char *
up_class(const struct status_service *s)
{
	if (s->nup == 0)
		return ("bad");
	return (s->nup < s->nbackends ? "warn" : "ok");
}

/* Clients waiting now, amber while any do; the most at once, dim. */
static void
queued(FILE *f, const struct status_service *s)
{
	fprintf(f, "<td%s>%u", s->queued > 0 ? " class=\"warn\"" : "",
	    s->queued);
	if (s->queued_peak > 0)
		fprintf(f, " <span class=\"dim\">(max %u)</span>",
		    s->queued_peak);
	fputs("</td>", f);
}

static void
summary_row(FILE *f, const struct status_service *s)
{
	fputs("<tr><td><a href=\"#svc-", f);
	html_text(f, s->name);
	fputs("\">", f);
	html_text(f, s->name);
	fprintf(f, "</a></td><td class=\"l\">%s, %s</td><td class=\"%s\">"
	    "%zu/%zu</td><td>%u</td><td>%u</td><td>%.1f</td><td>%llu</td>",
	    s->mode, s->balance, up_class(s), s->nup, s->nbackends, s->active,
	    s->peak, s->rate, s->total);
	queued(f, s);
	count(f, s->rejected);
	count(f, s->timeouts);
	count(f, s->resets);
	count(f, s->retries);
	fputs("<td>", f);
	chart(f, s);
	fputs("</td></tr>\n", f);
}

static void
html_summary(FILE *f, const struct status *st)
{
	fputs("<h2>services</h2>\n<table>\n<tr><th>service</th>"
	    "<th class=\"l\">mode</th><th>backends up</th><th>active</th>"
	    "<th>peak</th><th>conn/s</th><th>total</th><th>queued</th>"
	    "<th>rejected</th><th>timeouts</th><th>resets</th><th>retries</th>"
	    "<th class=\"l\">conn/s, last 5 min</th></tr>\n", f);
	for (size_t i = 0; i < st->nservices; i++)
		summary_row(f, &st->services[i]);
	fputs("</table>\n", f);
}

/* Why it is in its state: the last check's result and age. */
static void
backend_why(FILE *f, const struct status_backend *b)
{
	char	text[96];

	fputs("<td class=\"l\">", f);
	if (b->checked) {
		status_check_text(b, text, sizeof(text));
		html_text(f, text);
	} else
		fputs("<span class=\"dim\">no checks</span>", f);
	fputs("</td>", f);
}

static void
html_backend(FILE *f, const struct status_backend *b)
{
	fputs("<tr><td>", f);
	html_text(f, b->name);
	fputs("</td><td class=\"l\">", f);
	html_text(f, b->address);
	fprintf(f, "</td><td class=\"l\"><span class=\"pill s-%s\">%s</span>"
	    "%s%s</td>", b->state, b->state, b->admin_set ?
	    "<span class=\"mark\">*</span>" : "", b->backup ? " backup" : "");
	duration(f, b->state_age);
	backend_why(f, b);
	fprintf(f, "<td>%u%s</td><td>%u</td><td>%u</td><td>%.1f</td>"
	    "<td>%llu</td><td%s>%llu</td><td>%.1f</td>", b->weight,
	    b->weight_set ? "<span class=\"mark\">*</span>" : "", b->active,
	    b->peak, b->rate, b->total, b->connect_failures > 0 ?
	    " class=\"bad\"" : "", b->connect_failures, b->rt_seconds * 1000);
	bytes(f, b->bytes_in);
	bytes(f, b->bytes_out);
	fputs("</tr>\n", f);
}

/* The totals row of a service's backend table. */
static void
html_totals(FILE *f, const struct status_service *s)
{
	unsigned long long	total = 0, fails = 0, in = 0, out = 0;
	unsigned		active = 0;
	double			rate = 0;

	for (size_t j = 0; j < s->nbackends; j++) {
		total += s->backends[j].total;
		fails += s->backends[j].connect_failures;
		in += s->backends[j].bytes_in;
		out += s->backends[j].bytes_out;
		active += s->backends[j].active;
		rate += s->backends[j].rate;
	}
	fprintf(f, "<tr class=\"total\"><td>total</td><td></td>"
	    "<td class=\"l %s\">%zu/%zu up</td><td></td><td></td><td></td>"
	    "<td>%u</td><td>%u</td><td>%.1f</td><td>%llu</td><td>%llu</td>"
	    "<td></td>", up_class(s), s->nup, s->nbackends,
	    active, s->peak, rate, total, fails);
	bytes(f, in);
	bytes(f, out);
	fputs("</tr>\n", f);
}

static void
html_classes(FILE *f, const unsigned long long *counts)
{
	for (unsigned c = 0; c < LBD_SHM_HTTP_CLASSES; c++)
		fprintf(f, "<td>%llu</td>", counts[c]);
}

/* An http-mode service's requests, then its backends' answers. */
static void
html_http(FILE *f, const struct status_service *s)
{
	const struct status_http_service	*h = &s->http;

	if (!h->on)
		return;
	fprintf(f, "<p class=\"meta\">HTTP: requests %llu &middot; "
	    "retries %llu</p>\n"
	    "<table>\n<tr><th>responses</th><th>1xx</th><th>2xx</th>"
	    "<th>3xx</th><th>4xx</th><th>5xx</th><th>reused</th>"
	    "<th>idle</th></tr>\n<tr><td>to clients</td>", h->requests,
	    h->retries);
	html_classes(f, h->responses);
	fputs("<td></td><td></td></tr>\n", f);
	for (size_t j = 0; j < s->nbackends; j++) {
		const struct status_backend	*b = &s->backends[j];

		fputs("<tr><td>from ", f);
		html_text(f, b->name);
		fputs("</td>", f);
		html_classes(f, b->http.responses);
		fprintf(f, "<td>%llu</td><td>%u</td></tr>\n", b->http.reuses,
		    b->http.idle);
	}
	fputs("</table>\n", f);
}

static void
html_service(FILE *f, const struct status_service *s)
{
	fputs("<h2 id=\"svc-", f);
	html_text(f, s->name);
	fputs("\">", f);
	html_text(f, s->name);
	fprintf(f, " <span class=\"pill s-%s\">%zu/%zu up</span></h2>\n"
	    "<table>\n<tr><th>backend</th><th class=\"l\">address</th>"
	    "<th class=\"l\">state</th><th>for</th><th class=\"l\">"
	    "last check / why</th><th>weight</th><th>active</th><th>peak</th>"
	    "<th>conn/s</th><th>total</th><th>conn. failures</th>"
	    "<th>resp. ms</th><th>bytes in</th><th>bytes out</th></tr>\n",
	    s->alarm ? "down" : s->nup < s->nbackends ? "warn" : "up", s->nup,
	    s->nbackends);
	for (size_t j = 0; j < s->nbackends; j++)
		html_backend(f, &s->backends[j]);
	html_totals(f, s);
	fputs("</table>\n", f);
	html_http(f, s);
}

/*
 * Workers: an idle one is normal (the accept turn goes to one at a
 * time), so zero is shown dim, not alarming; an older generation's
 * worker is marked as finishing its connections.
 */
static void
html_workers(FILE *f, const struct status *st)
{
	fputs("<h2>workers</h2>\n<table>\n<tr><th>worker</th>"
	    "<th>generation</th><th class=\"l\">role</th><th>active</th>"
	    "<th>accepted</th></tr>\n", f);
	for (size_t i = 0; i < st->nprocs; i++) {
		const struct status_worker *w = &st->procs[i];

		fprintf(f, "<tr><td>%u</td><td>%u</td><td class=\"l\">%s</td>"
		    "<td%s>%u</td><td>%llu</td></tr>\n", w->id, w->generation,
		    w->generation == st->generation ? "serving" :
		    "finishing (old generation)", w->active == 0 ?
		    " class=\"dim\"" : "", w->active, w->accepted);
	}
	fputs("</table>\n", f);
}

int
status_html(const struct status *st, FILE *f)
{
	fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<meta http-equiv=\"refresh\" content=\"5\"><title>%slbd</title>"
	    "<style>%s</style></head><body>\n", st->alarm ? "ALARM - " : "",
	    style);
	html_header(f, st);
	html_reload(f, &st->reload);
	html_alarms(f, st);
	html_summary(f, st);
	for (size_t i = 0; i < st->nservices; i++)
		html_service(f, &st->services[i]);
	html_workers(f, st);
	fputs("<p class=\"meta\"><span class=\"mark\">*</span> set at runtime "
	    "over the control socket: kept across reloads until the file "
	    "changes that backend</p>\n</body></html>\n", f);
	return (ferror(f) ? -1 : 0);
}
