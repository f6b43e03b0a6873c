/*
 * libFuzzer target: the response head parser, for a request method taken
 * from the input's length.  Parsed whole and in two pieces; both agree.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"
#include "http1.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http1_header	ha[FUZZ_MAX_HEADERS], hb[FUZZ_MAX_HEADERS];
	struct http1_response	a, b;
	const char		*buf = (const char *)data;
	enum http1_method	m;
	enum http1_result	rc;

	/* The request's method, from the length: HEAD changes the framing. */
	m = (enum http1_method)(size % (HTTP1_OTHER + 1));
	http1_response_init(&a, ha, FUZZ_MAX_HEADERS, FUZZ_MAX_SIZE, m);
	rc = http1_parse_response(&a, buf, size);
	http1_response_init(&b, hb, FUZZ_MAX_HEADERS, FUZZ_MAX_SIZE, m);
	if (http1_parse_response(&b, buf, fuzz_split(data, size)) ==
	    HTTP1_NEED_MORE)
		fuzz_assert(http1_parse_response(&b, buf, size) == rc);
	else
		fuzz_assert(rc != HTTP1_NEED_MORE &&
		    http1_parse_response(&b, buf, size) == rc);
	fuzz_head_same(&a.head, &b.head, rc, size);
	if (rc == HTTP1_ERROR)
		fuzz_assert(a.head.status == 502);
	if (rc != HTTP1_OK)
		return (0);
	fuzz_assert(a.code == b.code && a.code >= 100 && a.code <= 599 &&
	    a.upgrade == b.upgrade && a.ka_timeout == b.ka_timeout &&
	    a.ka_max == b.ka_max);
	fuzz_span_inside(a.line, a.head.len);
	return (0);
}
