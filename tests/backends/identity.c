/*
 * identity: a test backend that greets each connection with "NAME\n" after
 * DELAY (default 0), then echoes like echo, so a test learns which backend
 * it reached and can still exchange data.
 * usage: identity -l ADDR -n NAME [-d DELAY] [-c]
 */
#include "serve.h"

int
main(int argc, char *argv[])
{
	struct serve	s = { .mode = SERVE_IDENTITY };

	return (serve_main(&s, argc, argv));
}
