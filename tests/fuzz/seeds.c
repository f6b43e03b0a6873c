/*
 * Write the HTTP/1.1 unit-test cases (tests/unit/http1_cases.c) out as the
 * fuzzers' seed corpora: DIR/request/NNN, DIR/response/NNN, DIR/chunked/NNN.
 * Usage: seeds DIR (whose subdirectories exist).
 */
#include <stdio.h>

#include "http1_cases.h"

static int
write_case(const char *dir, const char *kind, size_t i, const char *bytes,
    size_t len)
{
	char	 path[4096];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s/%03zu", dir, kind, i);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		return (-1);
	}
	if (fwrite(bytes, 1, len, f) != len || fclose(f) == EOF) {
		perror(path);
		return (-1);
	}
	return (0);
}

int
main(int argc, char *argv[])
{
	int	rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: seeds DIR\n");
		return (2);
	}
	for (size_t i = 0; i < http1_nreq_cases; i++)
		rc |= write_case(argv[1], "request", i,
		    http1_req_cases[i].bytes, http1_req_cases[i].len);
	for (size_t i = 0; i < http1_nresp_cases; i++)
		rc |= write_case(argv[1], "response", i,
		    http1_resp_cases[i].bytes, http1_resp_cases[i].len);
	for (size_t i = 0; i < http1_nchunk_cases; i++)
		rc |= write_case(argv[1], "chunked", i,
		    http1_chunk_cases[i].bytes, http1_chunk_cases[i].len);
	return (rc == 0 ? 0 : 1);
}
