/*
 * Strict HTTP/1.1 parsing over a buffer (RFC 9112 §2-7, RFC 9110 §5, §7.6).
 *
 * lbd forwards the client's own header bytes, so anything it would have to
 * rewrite to be safe is rejected instead (SPEC "Strict parsing").  Heads are
 * parsed line by line: a line is examined once it ends in LF, and its
 * fields are checked one at a time; the rules that span several fields
 * (Host, Content-Length, Transfer-Encoding, Connection) run once, over the
 * header array, when the empty line arrives.
 *
 * Choices the RFCs leave open:
 * - absolute-form targets ("http://h/p", "https://...") are accepted and
 *   forwarded as written (RFC 9112 §3.2.2 says a server MUST accept them);
 *   Host is still required in 1.1.  "*" is accepted with OPTIONS only.
 * - empty lines before a request line are skipped (RFC 9112 §2.2).
 * - repeated Content-Length is rejected even with equal values (SPEC).
 * - list elements in Connection and Transfer-Encoding must be tokens:
 *   empty elements and transfer-coding parameters are rejected.
 * - a status line without the SP after the code is accepted.
 */
#include <string.h>

#include "http1.h"

enum {
	STAGE_START = 0,	/* request or status line */
	STAGE_FIELDS,		/* header lines */
	STAGE_DONE
};

/* Byte classes, one bit each (RFC 9110 §5.6.2, §5.5, §5.6.4; RFC 3986). */
#define C_TOKEN		0x01	/* tchar */
#define C_VALUE		0x02	/* field-value: HTAB SP VCHAR obs-text */
#define C_TARGET	0x04	/* request-target: VCHAR but '#' */
#define C_QDTEXT	0x08	/* quoted-string text */
#define C_HOST		0x10	/* reg-name, IP-literal, ':' port */

static const uint8_t ctype[256] = {	/* 16 byte values a row */
	 0,  0,  0,  0,  0,  0,  0,  0,  0, 10,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	10, 31,  6, 11, 31, 31, 31, 31, 30, 30, 31, 31, 30, 31, 31, 14,
	31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 30, 30, 14, 30, 14, 14,
	14, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31,
	31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 30,  6, 30, 15, 31,
	15, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31,
	31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 14, 15, 14, 31,  0,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
};

/* A name with its length, so a lookup compares lengths first. */
#define NAME(s)		s, sizeof(s) - 1

static const struct {
	const char		*name;
	size_t			 len;
	enum http1_field	 kind;
} fields[] = {
	{ NAME("Host"),			HTTP1_F_HOST },
	{ NAME("Content-Length"),	HTTP1_F_CONTENT_LENGTH },
	{ NAME("Transfer-Encoding"),	HTTP1_F_TRANSFER_ENCODING },
	{ NAME("Connection"),		HTTP1_F_CONNECTION },
	{ NAME("Keep-Alive"),		HTTP1_F_KEEP_ALIVE },
	{ NAME("Proxy-Connection"),	HTTP1_F_PROXY_CONNECTION },
	{ NAME("TE"),			HTTP1_F_TE },
	{ NAME("Upgrade"),		HTTP1_F_UPGRADE },
	{ NAME("Expect"),		HTTP1_F_EXPECT },
	{ NAME("X-Forwarded-For"),	HTTP1_F_X_FORWARDED_FOR },
	{ NAME("X-Forwarded-Proto"),	HTTP1_F_X_FORWARDED_PROTO },
	{ NAME("Forwarded"),		HTTP1_F_FORWARDED },
	{ NAME("Via"),			HTTP1_F_VIA },
};

static const struct {
	const char		*name;
	size_t			 len;
	enum http1_method	 method;
} methods[] = {
	{ NAME("GET"), HTTP1_GET }, { NAME("HEAD"), HTTP1_HEAD },
	{ NAME("POST"), HTTP1_POST }, { NAME("PUT"), HTTP1_PUT },
	{ NAME("DELETE"), HTTP1_DELETE }, { NAME("OPTIONS"), HTTP1_OPTIONS },
	{ NAME("TRACE"), HTTP1_TRACE }, { NAME("CONNECT"), HTTP1_CONNECT },
};

/* What the Connection and Transfer-Encoding fields of a head said. */
struct facts {
	size_t		nhost, ncl, nte;
	size_t		host, cl;		/* index of the last one */
	bool		close, keepalive, upgrade_token, has_upgrade;
	bool		chunked_last, other_coding;
	unsigned	nchunked;
};

static inline bool
is_class(unsigned char c, unsigned cls)
{
	return ((ctype[c] & cls) != 0);
}

/* Length of the run of bytes of class cls from buf[p], not past end. */
static size_t
span_of(unsigned cls, const char *buf, size_t p, size_t end)
{
	size_t	q = p;

	while (q < end && (ctype[(unsigned char)buf[q]] & cls) != 0)
		q++;
	return (q - p);
}

/*
 * True when buf[p..end) is all field-value bytes.  Values are most of a
 * head, so eight bytes are tested at once: a word without a byte below
 * 0x20 and without 0x7f is valid (bytes from 0x80 are obs-text); only a
 * word that fails is looked at byte by byte, since HTAB is allowed.
 */
static bool
is_value(const char *buf, size_t p, size_t end)
{
	const uint64_t	ones = 0x0101010101010101ULL;
	const uint64_t	highs = 0x8080808080808080ULL;
	uint64_t	w, del;

	for (; end - p >= 8; p += 8) {
		memcpy(&w, buf + p, 8);
		del = w ^ (ones * 0x7f);
		if ((((w - ones * 0x20) & ~w) | ((del - ones) & ~del)) &
		    highs) {
			if (span_of(C_VALUE, buf, p, p + 8) != 8)
				return (false);
		}
	}
	return (span_of(C_VALUE, buf, p, end) == end - p);
}

/* ASCII case-insensitive equality of n bytes (no locale, RFC 9110 §5.1). */
static bool
ieq(const char *a, const char *b, size_t n)
{
	unsigned char	x, y;

	for (size_t i = 0; i < n; i++) {
		x = (unsigned char)a[i];
		y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return (false);
	}
	return (true);
}

static struct http1_span
mkspan(size_t off, size_t len)
{
	struct http1_span	sp = { (uint32_t)off, (uint32_t)len };

	return (sp);
}

bool
http1_span_is(const char *buf, struct http1_span sp, const char *s)
{
	return (strlen(s) == sp.len &&
	    ieq(buf + sp.off, s, sp.len));
}

static enum http1_result
fail(struct http1_head *h, int status, const char *reason)
{
	h->status = status;
	h->reason = reason;
	return (HTTP1_ERROR);
}

static void
head_init(struct http1_head *h, struct http1_header *hdrs, size_t max_headers,
    size_t max_size)
{
	memset(h, 0, sizeof(*h));
	h->headers = hdrs;
	h->maxheaders = max_headers;
	h->maxsize = max_size;
	/* Spans are 32-bit offsets; no caller limit comes near it. */
	if (h->maxsize > UINT32_MAX)
		h->maxsize = UINT32_MAX;
}

/*
 * Parse "HTTP/D.D" at buf[p..p+8).  Returns 0 with the version as 10 or 11
 * (a later 1.x minor counts as 1.1, RFC 9110 §6.2), 1 for a well-formed
 * version whose major is not 1, -1 for anything else.
 */
static int
parse_version(const char *buf, size_t p, unsigned *version)
{
	const char	*v = buf + p;

	if (memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' ||
	    v[6] != '.' || v[7] < '0' || v[7] > '9')
		return (-1);
	if (v[5] != '1')
		return (1);
	*version = v[7] == '0' ? 10 : 11;
	return (0);
}

static enum http1_method
method_find(const char *buf, struct http1_span sp)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].len == sp.len &&
		    memcmp(buf + sp.off, methods[i].name, sp.len) == 0)
			return (methods[i].method);
	return (HTTP1_OTHER);
}

/*
 * The request-target forms of RFC 9112 §3.2 that lbd forwards: origin-form,
 * absolute-form with an http(s) scheme, and "*" with OPTIONS.
 */
static bool
target_ok(const struct http1_request *r, const char *buf)
{
	const char	*t = buf + r->target.off;
	size_t		 n = r->target.len;

	if (t[0] == '/')
		return (true);
	if (n == 1 && t[0] == '*')
		return (r->method == HTTP1_OPTIONS);
	return ((n > 7 && ieq(t, "http://", 7)) ||
	    (n > 8 && ieq(t, "https://", 8)));
}

/* request-line = method SP request-target SP HTTP-version, at [p, end). */
static enum http1_result
request_line(struct http1_request *r, const char *buf, size_t p, size_t end)
{
	struct http1_head	*h = &r->head;
	size_t			 n;
	int			 rc;

	n = span_of(C_TOKEN, buf, p, end);
	if (n == 0 || p + n == end || buf[p + n] != ' ')
		return (fail(h, 400, "malformed request line"));
	if (n > HTTP1_METHOD_MAX)
		return (fail(h, 400, "method too long"));
	r->method_span = mkspan(p, n);
	r->method = method_find(buf, r->method_span);
	p += n + 1;
	n = span_of(C_TARGET, buf, p, end);
	if (n == 0 || p + n == end || buf[p + n] != ' ')
		return (fail(h, 400, "malformed request target"));
	r->target = mkspan(p, n);
	p += n + 1;
	if (end - p != 8 || (rc = parse_version(buf, p, &h->version)) == -1)
		return (fail(h, 400, "malformed HTTP version"));
	if (rc == 1)
		return (fail(h, 505, "HTTP version not supported"));
	if (r->method == HTTP1_CONNECT)
		return (fail(h, 501, "CONNECT not supported"));
	if (!target_ok(r, buf))
		return (fail(h, 400, "malformed request target"));
	return (HTTP1_OK);
}

/* status-line = HTTP-version SP status-code SP [ reason-phrase ]. */
static enum http1_result
status_line(struct http1_response *r, const char *buf, size_t p, size_t end)
{
	struct http1_head	*h = &r->head;
	const char		*c;

	if (end - p < 12 || parse_version(buf, p, &h->version) != 0 ||
	    buf[p + 8] != ' ')
		return (fail(h, 502, "malformed status line"));
	c = buf + p + 9;
	if (c[0] < '1' || c[0] > '5' || c[1] < '0' || c[1] > '9' ||
	    c[2] < '0' || c[2] > '9')
		return (fail(h, 502, "malformed status code"));
	r->code = (c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0');
	p += 12;
	if (p < end && buf[p++] != ' ')
		return (fail(h, 502, "malformed status line"));
	if (!is_value(buf, p, end))
		return (fail(h, 502, "malformed reason phrase"));
	r->reason_phrase = mkspan(p, end - p);
	return (HTTP1_OK);
}

static enum http1_field
field_kind(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].len == len && ieq(fields[i].name, name, len))
			return (fields[i].kind);
	return (HTTP1_F_OTHER);
}

/*
 * field-line = field-name ":" OWS field-value OWS, at [p, end); eol is
 * the offset after its LF.  Stores it in the next header slot.
 */
static enum http1_result
field_line(struct http1_head *h, const char *buf, size_t p, size_t end,
    size_t eol, int toomany)
{
	struct http1_header	*f;
	size_t			 n, v;

	if (buf[p] == ' ' || buf[p] == '\t')
		return (fail(h, h->status, "obsolete line folding"));
	n = span_of(C_TOKEN, buf, p, end);
	if (p + n < end && (buf[p + n] == ' ' || buf[p + n] == '\t'))
		return (fail(h, h->status, "whitespace before colon"));
	if (n == 0 || p + n == end || buf[p + n] != ':')
		return (fail(h, h->status, "malformed header name"));
	v = p + n + 1;
	while (v < end && (buf[v] == ' ' || buf[v] == '\t'))
		v++;
	if (!is_value(buf, v, end))
		return (fail(h, h->status, "bad character in header value"));
	while (end > v && (buf[end - 1] == ' ' || buf[end - 1] == '\t'))
		end--;
	if (h->nheaders == h->maxheaders)
		return (fail(h, toomany, "too many headers"));
	f = &h->headers[h->nheaders++];
	f->name = mkspan(p, n);
	f->value = mkspan(v, end - v);
	f->line = mkspan(p, eol - p);
	f->kind = field_kind(buf + p, n);
	f->hop = f->kind == HTTP1_F_CONNECTION ||
	    f->kind == HTTP1_F_KEEP_ALIVE ||
	    f->kind == HTTP1_F_PROXY_CONNECTION || f->kind == HTTP1_F_TE ||
	    f->kind == HTTP1_F_UPGRADE;
	return (HTTP1_OK);
}

/*
 * Find the end of the line at h->pos.  Returns 1 with *eol just past its
 * LF and *end at its CR, 0 when the line is not complete yet, -1 with the
 * status set (limit, or LF without CR).  line_status answers a line that
 * crosses the size limit.
 */
static int
next_line(struct http1_head *h, const char *buf, size_t len, int line_status,
    size_t *end, size_t *eol)
{
	const char	*lf;
	size_t		 from = h->scan > h->pos ? h->scan : h->pos;

	if (from > len)		/* the caller passed fewer bytes than before */
		return (0);
	lf = memchr(buf + from, '\n', len - from);
	*eol = lf != NULL ? (size_t)(lf - buf) + 1 : len;
	if (*eol > h->maxsize) {
		fail(h, line_status, line_status == 414 ?
		    "request line too long" : "headers too large");
		return (-1);
	}
	if (lf == NULL) {
		h->scan = len;
		return (0);
	}
	if (*eol - h->pos < 2 || lf[-1] != '\r') {
		fail(h, h->status, "LF without CR");
		return (-1);
	}
	*end = *eol - 2;
	return (1);
}

/*
 * The line loop both heads share.  first parses the start line; bad is
 * the status for malformed input (400 or 502), big for an oversized start
 * line and fields (414/431 or 502).
 */
static enum http1_result
head_lines(struct http1_head *h, const char *buf, size_t len, void *arg,
    enum http1_result (*first)(void *, const char *, size_t, size_t),
    int big_line, int big_fields)
{
	enum http1_result	 rc;
	size_t			 end, eol;
	int			 more;

	while (h->stage != STAGE_DONE) {
		more = next_line(h, buf, len, h->stage == STAGE_START ?
		    big_line : big_fields, &end, &eol);
		if (more <= 0)
			return (more == 0 ? HTTP1_NEED_MORE : HTTP1_ERROR);
		if (h->stage == STAGE_START) {
			/* Empty lines before a request line (§2.2). */
			if (end == h->pos && big_line == 414) {
				h->pos = eol;
				continue;
			}
			if ((rc = first(arg, buf, h->pos, end)) != HTTP1_OK)
				return (rc);
			h->stage = STAGE_FIELDS;
		} else if (end == h->pos)
			h->stage = STAGE_DONE;
		else if (field_line(h, buf, h->pos, end, eol, big_fields) !=
		    HTTP1_OK)
			return (HTTP1_ERROR);
		h->pos = eol;
	}
	h->len = h->pos;
	return (HTTP1_OK);
}

/*
 * Next element of a comma-separated list in [*p, end) (RFC 9110 §5.6.1),
 * which lbd requires to be a token.  Returns 1 with the element in *el,
 * 0 at the end, -1 when malformed.
 */
static int
list_next(const char *buf, size_t *p, size_t end, struct http1_span *el)
{
	size_t	q = *p, n;

	if (q == end)
		return (0);
	n = span_of(C_TOKEN, buf, q, end);
	if (n == 0)
		return (-1);
	*el = mkspan(q, n);
	q += n;
	while (q < end && (buf[q] == ' ' || buf[q] == '\t'))
		q++;
	if (q < end) {
		if (buf[q++] != ',')
			return (-1);
		while (q < end && (buf[q] == ' ' || buf[q] == '\t'))
			q++;
		if (q == end)
			return (-1);
	}
	*p = q;
	return (1);
}

/* Mark every field named name as hop-by-hop (Connection's list). */
static void
mark_hop(struct http1_head *h, const char *buf, struct http1_span name)
{
	for (size_t i = 0; i < h->nheaders; i++)
		if (h->headers[i].name.len == name.len &&
		    ieq(buf + h->headers[i].name.off, buf + name.off, name.len))
			h->headers[i].hop = true;
}

static enum http1_result
connection_field(struct http1_head *h, const char *buf,
    const struct http1_header *f, struct facts *fx)
{
	struct http1_span	el;
	size_t			p = f->value.off, end = p + f->value.len;
	int			rc;

	while ((rc = list_next(buf, &p, end, &el)) == 1) {
		if (http1_span_is(buf, el, "close"))
			fx->close = true;
		else if (http1_span_is(buf, el, "keep-alive"))
			fx->keepalive = true;
		else if (http1_span_is(buf, el, "upgrade"))
			fx->upgrade_token = true;
		switch (field_kind(buf + el.off, el.len)) {
		case HTTP1_F_HOST:
		case HTTP1_F_CONTENT_LENGTH:
		case HTTP1_F_TRANSFER_ENCODING:
			return (fail(h, h->status,
			    "Connection names a framing field"));
		default:
			mark_hop(h, buf, el);
		}
	}
	if (rc == -1 || f->value.len == 0)
		return (fail(h, h->status, "malformed Connection"));
	return (HTTP1_OK);
}

/*
 * Transfer-Encoding codings, over all its lines: counts chunked, notes
 * whether it comes last and whether another coding is present.
 */
static enum http1_result
te_field(struct http1_head *h, const char *buf, const struct http1_header *f,
    struct facts *fx)
{
	struct http1_span	el;
	size_t			p = f->value.off, end = p + f->value.len;
	int			rc;

	while ((rc = list_next(buf, &p, end, &el)) == 1) {
		fx->chunked_last = http1_span_is(buf, el, "chunked");
		if (fx->chunked_last)
			fx->nchunked++;
		else
			fx->other_coding = true;
	}
	if (rc == -1 || f->value.len == 0)
		return (fail(h, h->status, "malformed Transfer-Encoding"));
	return (HTTP1_OK);
}

/* Content-Length = 1*DIGIT, at most 2^63 - 1. */
static int
parse_length(const char *buf, struct http1_span sp, uint64_t *out)
{
	uint64_t	n = 0, d;

	if (sp.len == 0)
		return (-1);
	for (size_t i = 0; i < sp.len; i++) {
		if (buf[sp.off + i] < '0' || buf[sp.off + i] > '9')
			return (-1);
		d = (uint64_t)(buf[sp.off + i] - '0');
		if (n > (INT64_MAX - d) / 10)
			return (-1);
		n = n * 10 + d;
	}
	*out = n;
	return (0);
}

/* One pass over the fields for the rules that span several of them. */
static enum http1_result
head_facts(struct http1_head *h, const char *buf, struct facts *fx)
{
	const struct http1_header	*f;

	memset(fx, 0, sizeof(*fx));
	for (size_t i = 0; i < h->nheaders; i++) {
		f = &h->headers[i];
		switch (f->kind) {
		case HTTP1_F_HOST:
			fx->nhost++;
			fx->host = i;
			break;
		case HTTP1_F_CONTENT_LENGTH:
			fx->ncl++;
			fx->cl = i;
			break;
		case HTTP1_F_TRANSFER_ENCODING:
			fx->nte++;
			if (te_field(h, buf, f, fx) != HTTP1_OK)
				return (HTTP1_ERROR);
			break;
		case HTTP1_F_CONNECTION:
			if (connection_field(h, buf, f, fx) != HTTP1_OK)
				return (HTTP1_ERROR);
			break;
		case HTTP1_F_UPGRADE:
			fx->has_upgrade = true;
			break;
		default:
			break;
		}
	}
	return (HTTP1_OK);
}

/* Content-Length and Transfer-Encoding rules common to both directions. */
static enum http1_result
framing_common(struct http1_head *h, const char *buf, const struct facts *fx)
{
	if (fx->ncl > 1)
		return (fail(h, h->status, "repeated Content-Length"));
	if (fx->ncl == 1 && parse_length(buf, h->headers[fx->cl].value,
	    &h->content_length) == -1)
		return (fail(h, h->status, "malformed Content-Length"));
	if (fx->nte == 0)
		return (HTTP1_OK);
	if (fx->ncl != 0)
		return (fail(h, h->status,
		    "Content-Length with Transfer-Encoding"));
	if (h->version == 10)
		return (fail(h, h->status, "Transfer-Encoding in HTTP/1.0"));
	if (fx->nchunked > 1)
		return (fail(h, h->status, "chunked applied twice"));
	return (HTTP1_OK);
}

static enum http1_result
request_facts(struct http1_request *r, const char *buf)
{
	struct http1_head	*h = &r->head;
	struct facts		 fx;

	if (head_facts(h, buf, &fx) != HTTP1_OK)
		return (HTTP1_ERROR);
	if (fx.nhost > 1)
		return (fail(h, 400, "repeated Host"));
	if (fx.nhost == 0 && h->version == 11 && !r->host_optional)
		return (fail(h, 400, "missing Host"));
	if ((r->has_host = fx.nhost == 1)) {
		r->host = h->headers[fx.host].value;
		if (span_of(C_HOST, buf, r->host.off,
		    r->host.off + r->host.len) != r->host.len)
			return (fail(h, 400, "malformed Host"));
	}
	if (framing_common(h, buf, &fx) != HTTP1_OK)
		return (HTTP1_ERROR);
	if (fx.nte != 0 && !fx.chunked_last)
		return (fail(h, 400, "Transfer-Encoding not ending in "
		    "chunked"));
	if (fx.nte != 0 && fx.other_coding)
		return (fail(h, 501, "unsupported transfer coding"));
	h->framing = fx.nte != 0 ? HTTP1_BODY_CHUNKED :
	    fx.ncl != 0 ? HTTP1_BODY_LENGTH : HTTP1_BODY_NONE;
	h->keep_alive = !fx.close && (h->version == 11 || fx.keepalive);
	/* HTTP/1.0 has neither (RFC 9110 §7.8, §10.1.1). */
	if (h->version == 10)
		return (HTTP1_OK);
	r->upgrade = fx.has_upgrade && fx.upgrade_token;
	for (size_t i = 0; i < h->nheaders; i++)
		if (h->headers[i].kind == HTTP1_F_EXPECT &&
		    http1_span_is(buf, h->headers[i].value, "100-continue"))
			r->expect_continue = true;
	return (HTTP1_OK);
}

static enum http1_result
request_first(void *arg, const char *buf, size_t p, size_t end)
{
	struct http1_request	*r = arg;

	r->line = mkspan(p, end + 2 - p);
	return (request_line(r, buf, p, end));
}

void
http1_request_init(struct http1_request *req, struct http1_header *hdrs,
    size_t max_headers, size_t max_size)
{
	memset(req, 0, sizeof(*req));
	head_init(&req->head, hdrs, max_headers, max_size);
	req->head.status = 400;
}

enum http1_result
http1_parse_request(struct http1_request *req, const char *buf, size_t len)
{
	enum http1_result	rc;

	if (req->head.reason != NULL)
		return (HTTP1_ERROR);
	if (req->head.stage == STAGE_DONE)
		return (HTTP1_OK);
	rc = head_lines(&req->head, buf, len, req, request_first, 414, 431);
	if (rc != HTTP1_OK)
		return (rc);
	return (request_facts(req, buf));
}

/* Keep-Alive: timeout=N, max=M (RFC 2068 §19.7.1); advisory, so lenient. */
static void
keepalive_params(struct http1_response *r, const char *buf,
    struct http1_span v)
{
	const char	*p = buf + v.off, *end = p + v.len;
	long long	*out, n;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		out = NULL;
		if (end - p > 8 && ieq(p, "timeout=", 8))
			out = &r->ka_timeout, p += 8;
		else if (end - p > 4 && ieq(p, "max=", 4))
			out = &r->ka_max, p += 4;
		for (n = 0; p < end && *p >= '0' && *p <= '9' && n < 1000000000;
		    p++)
			n = n * 10 + (*p - '0');
		if (out != NULL)
			*out = n;
		while (p < end && *p != ',')
			p++;
	}
}

/* Body framing of a response, RFC 9112 §6.3. */
static enum http1_framing
response_framing(const struct http1_response *r, const struct facts *fx)
{
	if (r->req_method == HTTP1_HEAD || r->code < 200 || r->code == 204 ||
	    r->code == 304)
		return (HTTP1_BODY_NONE);
	if (fx->nte != 0)
		return (fx->chunked_last ? HTTP1_BODY_CHUNKED :
		    HTTP1_BODY_CLOSE);
	return (fx->ncl != 0 ? HTTP1_BODY_LENGTH : HTTP1_BODY_CLOSE);
}

static enum http1_result
response_facts(struct http1_response *r, const char *buf)
{
	struct http1_head	*h = &r->head;
	struct facts		 fx;

	if (head_facts(h, buf, &fx) != HTTP1_OK ||
	    framing_common(h, buf, &fx) != HTTP1_OK)
		return (HTTP1_ERROR);
	h->framing = response_framing(r, &fx);
	h->keep_alive = !fx.close && (h->version == 11 || fx.keepalive) &&
	    h->framing != HTTP1_BODY_CLOSE;
	r->upgrade = r->code == 101 && fx.has_upgrade;
	for (size_t i = 0; i < h->nheaders; i++)
		if (h->headers[i].kind == HTTP1_F_KEEP_ALIVE)
			keepalive_params(r, buf, h->headers[i].value);
	return (HTTP1_OK);
}

static enum http1_result
response_first(void *arg, const char *buf, size_t p, size_t end)
{
	struct http1_response	*r = arg;

	r->line = mkspan(p, end + 2 - p);
	return (status_line(r, buf, p, end));
}

void
http1_response_init(struct http1_response *resp, struct http1_header *hdrs,
    size_t max_headers, size_t max_size, enum http1_method method)
{
	memset(resp, 0, sizeof(*resp));
	head_init(&resp->head, hdrs, max_headers, max_size);
	resp->head.status = 502;
	resp->req_method = method;
	resp->ka_timeout = resp->ka_max = -1;
}

enum http1_result
http1_parse_response(struct http1_response *resp, const char *buf,
    size_t len)
{
	enum http1_result	rc;

	if (resp->head.reason != NULL)
		return (HTTP1_ERROR);
	if (resp->head.stage == STAGE_DONE)
		return (HTTP1_OK);
	rc = head_lines(&resp->head, buf, len, resp, response_first, 502, 502);
	if (rc != HTTP1_OK)
		return (rc);
	return (response_facts(resp, buf));
}

/*
 * Chunked bodies (RFC 9112 §7.1): one state per position in the grammar,
 * so a body may arrive split anywhere.  Chunk data is skipped in one step.
 */
enum {
	CH_SIZE_FIRST = 0,	/* first hex digit of chunk-size */
	CH_SIZE,		/* more hex digits, ';', BWS or CR */
	CH_SIZE_BWS,		/* BWS after the size: only ';' may follow */
	CH_EXT_NAME_FIRST,	/* after ';' and BWS */
	CH_EXT_NAME,
	CH_EXT_NAME_BWS,	/* BWS after a name: '=' or ';' */
	CH_EXT_VAL_FIRST,	/* after '=' and BWS */
	CH_EXT_VAL,		/* token value */
	CH_EXT_QUOTED,		/* in a quoted-string value */
	CH_EXT_QUOTED_PAIR,	/* after a backslash */
	CH_EXT_VAL_END,		/* after a value: BWS, ';' or CR */
	CH_EXT_VAL_BWS,		/* BWS after a value: only ';' may follow */
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER_FIRST,	/* start of a trailer line, or the final CR */
	CH_TRAILER_NAME,
	CH_TRAILER_VALUE,
	CH_TRAILER_LF,
	CH_END_LF,
	CH_DONE,
	CH_ERROR
};

static int
chunk_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return ((c | 0x20) - 'a' + 10);
	return (-1);
}

static bool
is_ws(unsigned char c)
{
	return (c == ' ' || c == '\t');
}

/* The chunk-size line: size, extensions, up to its CR. */
static int
chunk_size_step(struct http1_chunked *c, unsigned char ch)
{
	int	d = chunk_hex(ch);

	switch (c->state) {
	case CH_SIZE_FIRST:
		if (d == -1)
			return (-1);
		c->size = (uint64_t)d;
		return (CH_SIZE);
	case CH_SIZE:
		if (d != -1) {
			if (c->size > (INT64_MAX >> 4))
				return (-1);
			c->size = c->size << 4 | (uint64_t)d;
			return (CH_SIZE);
		}
		return (ch == ';' ? CH_EXT_NAME_FIRST : ch == '\r' ?
		    CH_SIZE_LF : is_ws(ch) ? CH_SIZE_BWS : -1);
	case CH_SIZE_BWS:
		return (ch == ';' ? CH_EXT_NAME_FIRST : is_ws(ch) ?
		    CH_SIZE_BWS : -1);
	}
	return (-1);
}

/* chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted ) ] ) */
static int
chunk_ext_step(int state, unsigned char ch)
{
	switch (state) {
	case CH_EXT_NAME_FIRST:
		return (is_ws(ch) ? CH_EXT_NAME_FIRST :
		    is_class(ch, C_TOKEN) ? CH_EXT_NAME : -1);
	case CH_EXT_NAME:
		if (is_class(ch, C_TOKEN))
			return (CH_EXT_NAME);
		/* FALLTHROUGH */
	case CH_EXT_NAME_BWS:
		return (is_ws(ch) ? CH_EXT_NAME_BWS : ch == '=' ?
		    CH_EXT_VAL_FIRST : ch == ';' ? CH_EXT_NAME_FIRST :
		    ch == '\r' && state == CH_EXT_NAME ? CH_SIZE_LF : -1);
	case CH_EXT_VAL_FIRST:
		return (is_ws(ch) ? CH_EXT_VAL_FIRST : ch == '"' ?
		    CH_EXT_QUOTED : is_class(ch, C_TOKEN) ? CH_EXT_VAL : -1);
	case CH_EXT_VAL:
		if (is_class(ch, C_TOKEN))
			return (CH_EXT_VAL);
		/* FALLTHROUGH */
	case CH_EXT_VAL_END:
		return (is_ws(ch) ? CH_EXT_VAL_BWS : ch == ';' ?
		    CH_EXT_NAME_FIRST : ch == '\r' ? CH_SIZE_LF : -1);
	case CH_EXT_VAL_BWS:
		return (is_ws(ch) ? CH_EXT_VAL_BWS : ch == ';' ?
		    CH_EXT_NAME_FIRST : -1);
	case CH_EXT_QUOTED:
		return (ch == '"' ? CH_EXT_VAL_END : ch == '\\' ?
		    CH_EXT_QUOTED_PAIR : is_class(ch, C_QDTEXT) ?
		    CH_EXT_QUOTED : -1);
	case CH_EXT_QUOTED_PAIR:
		return (is_class(ch, C_VALUE) ? CH_EXT_QUOTED : -1);
	}
	return (-1);
}

/* Line ends and the trailer section (field lines, then CRLF). */
static int
chunk_line_step(struct http1_chunked *c, unsigned char ch)
{
	switch (c->state) {
	case CH_SIZE_LF:
		if (ch != '\n')
			return (-1);
		/* Sizes are below 2^63 each; the sum stops at the top. */
		c->data = c->data + c->size < c->data ? UINT64_MAX :
		    c->data + c->size;
		return (c->size == 0 ? CH_TRAILER_FIRST : CH_DATA);
	case CH_DATA_CR:
		return (ch == '\r' ? CH_DATA_LF : -1);
	case CH_DATA_LF:
		return (ch == '\n' ? CH_SIZE_FIRST : -1);
	case CH_TRAILER_FIRST:
		return (ch == '\r' ? CH_END_LF : is_class(ch, C_TOKEN) ?
		    CH_TRAILER_NAME : -1);
	case CH_TRAILER_NAME:
		return (ch == ':' ? CH_TRAILER_VALUE : is_class(ch, C_TOKEN) ?
		    CH_TRAILER_NAME : -1);
	case CH_TRAILER_VALUE:
		return (ch == '\r' ? CH_TRAILER_LF : is_class(ch, C_VALUE) ?
		    CH_TRAILER_VALUE : -1);
	case CH_TRAILER_LF:
		return (ch == '\n' ? CH_TRAILER_FIRST : -1);
	case CH_END_LF:
		return (ch == '\n' ? CH_DONE : -1);
	}
	return (-1);
}

static const char *
chunk_reason(int state)
{
	if (state <= CH_SIZE_BWS)
		return ("malformed chunk size");
	if (state <= CH_EXT_VAL_BWS)
		return ("malformed chunk extension");
	if (state >= CH_TRAILER_FIRST && state <= CH_TRAILER_LF)
		return ("malformed trailer");
	return ("malformed chunk line end");
}

/* One byte outside chunk data; counts it against the line limits. */
static int
chunk_step(struct http1_chunked *c, unsigned char ch)
{
	int	next;

	if (c->state <= CH_SIZE_BWS)
		next = chunk_size_step(c, ch);
	else if (c->state <= CH_EXT_VAL_BWS)
		next = chunk_ext_step(c->state, ch);
	else
		next = chunk_line_step(c, ch);
	if (next == -1) {
		c->reason = chunk_reason(c->state);
		return (-1);
	}
	if (c->state <= CH_SIZE_LF && ++c->linelen > HTTP1_CHUNK_LINE_MAX) {
		c->reason = "chunk size line too long";
		return (-1);
	}
	if (c->state >= CH_TRAILER_FIRST &&
	    ++c->trailers > HTTP1_TRAILERS_MAX) {
		c->reason = "trailers too large";
		return (-1);
	}
	if (next == CH_SIZE_FIRST)
		c->linelen = 0;
	return (c->state = next);
}

void
http1_chunked_init(struct http1_chunked *c)
{
	memset(c, 0, sizeof(*c));
}

enum http1_result
http1_chunked_feed(struct http1_chunked *c, const char *buf, size_t len,
    size_t *used)
{
	size_t		i = 0, n;

	*used = 0;
	while (i < len && c->state != CH_DONE && c->state != CH_ERROR) {
		if (c->state == CH_DATA) {
			n = len - i < c->size ? len - i : (size_t)c->size;
			c->size -= n;
			i += n;
			if (c->size == 0)
				c->state = CH_DATA_CR;
			continue;
		}
		if (chunk_step(c, (unsigned char)buf[i++]) == -1)
			c->state = CH_ERROR;
	}
	*used = i;
	if (c->state == CH_ERROR)
		return (HTTP1_ERROR);
	return (c->state == CH_DONE ? HTTP1_OK : HTTP1_NEED_MORE);
}
