/*
 * libFuzzer target: the request head parser.  Each input is parsed whole
 * and again in two pieces; both must agree (SPEC: the outcome does not
 * depend on how the bytes arrive), and no sanitizer may complain.
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
	struct http1_request	a, b;
	const char		*buf = (const char *)data;
	enum http1_result	rc;

	http1_request_init(&a, ha, FUZZ_MAX_HEADERS, FUZZ_MAX_SIZE);
	rc = http1_parse_request(&a, buf, size);
	http1_request_init(&b, hb, FUZZ_MAX_HEADERS, FUZZ_MAX_SIZE);
	if (http1_parse_request(&b, buf, fuzz_split(data, size)) ==
	    HTTP1_NEED_MORE)
		fuzz_assert(http1_parse_request(&b, buf, size) == rc);
	else
		fuzz_assert(rc != HTTP1_NEED_MORE &&
		    http1_parse_request(&b, buf, size) == rc);
	fuzz_head_same(&a.head, &b.head, rc, size);
	if (rc == HTTP1_ERROR)
		fuzz_assert(a.head.status == 400 || a.head.status == 414 ||
		    a.head.status == 431 || a.head.status == 501 ||
		    a.head.status == 505);
	if (rc != HTTP1_OK)
		return (0);
	fuzz_assert(a.method == b.method && a.upgrade == b.upgrade &&
	    a.expect_continue == b.expect_continue &&
	    fuzz_span_same(a.target, b.target) &&
	    fuzz_span_same(a.host, b.host));
	fuzz_span_inside(a.line, a.head.len);
	fuzz_assert(a.has_host || a.head.version == 10);
	return (0);
}
