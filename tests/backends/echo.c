/*
 * echo: a test backend that writes back every byte it reads.  When the
 * client half-closes, it finishes writing, then shuts down its side too.
 * usage: echo -l ADDR [-c]
 */
#include "serve.h"

int
main(int argc, char *argv[])
{
	struct serve	s = { .mode = SERVE_ECHO };

	return (serve_main(&s, argc, argv));
}
