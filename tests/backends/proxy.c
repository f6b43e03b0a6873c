/*
 * proxy: a test backend that expects the PROXY protocol header (v1 or v2)
 * first on each connection, answers "proxy_src=ADDR:PORT vN\n" (or
 * "proxy_src=none vN" for a header without addresses) with the source it
 * carried, then echoes like echo.  A malformed header is answered
 * "proxy_error\n" and the connection closed.
 * usage: proxy -l ADDR [-c]
 */
#include "serve.h"

int
main(int argc, char *argv[])
{
	struct serve	s = { .mode = SERVE_PROXY };

	return (serve_main(&s, argc, argv));
}
