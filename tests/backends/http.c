/*
 * http: a test backend that answers each connection's first HTTP request
 * with STATUS (default 200) and the body "backend NAME\n", after DELAY,
 * then closes.  It is the demo's backend, and a health-check target.
 * usage: http -l ADDR -n NAME [-d DELAY] [-s STATUS]
 */
#include "serve.h"

int
main(int argc, char *argv[])
{
	struct serve	s = { .mode = SERVE_HTTP };

	return (serve_main(&s, argc, argv));
}
