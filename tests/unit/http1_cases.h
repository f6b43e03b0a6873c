/*
 * The HTTP/1.1 parser's test cases as data: tests/unit/test_http1.c runs
 * them, tests/fuzz/seeds.c writes them out as the fuzzers' seed corpora.
 */
#ifndef LBD_HTTP1_CASES_H
#define LBD_HTTP1_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http1.h"

#define CASE_MORE	(-1)	/* want: head/body not complete */
#define CASE_OK		0	/* want: forward (chunked: body ended) */

struct req_case {
	const char		*bytes;
	size_t			 len;
	int			 want;		/* CASE_* or the status */
	enum http1_method	 method;
	enum http1_framing	 framing;
	uint64_t		 length;
	bool			 keep_alive;
	size_t			 max_size;	/* 0: 16384 */
	size_t			 max_headers;	/* 0: 100 */
};

struct resp_case {
	const char		*bytes;
	size_t			 len;
	int			 want;		/* CASE_*, or 502 */
	enum http1_method	 method;	/* of the request */
	unsigned		 code;
	enum http1_framing	 framing;
	uint64_t		 length;
	bool			 keep_alive;
};

struct chunk_case {
	const char		*bytes;
	size_t			 len;
	int			 want;		/* CASE_*, or 1 for an error */
	size_t			 used;		/* body bytes when CASE_OK */
};

extern const struct req_case	http1_req_cases[];
extern const size_t		http1_nreq_cases;
extern const struct resp_case	http1_resp_cases[];
extern const size_t		http1_nresp_cases;
extern const struct chunk_case	http1_chunk_cases[];
extern const size_t		http1_nchunk_cases;

#endif /* LBD_HTTP1_CASES_H */
