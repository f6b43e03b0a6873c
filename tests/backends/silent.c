/*
 * silent: a test backend that accepts and never reads nor writes.  It
 * closes a connection only when the client closes it, or at exit; SIGUSR1
 * prints how many connections it accepted.
 * usage: silent -l ADDR [-c]
 */
#include "serve.h"

int
main(int argc, char *argv[])
{
	struct serve	s = { .mode = SERVE_SILENT };

	return (serve_main(&s, argc, argv));
}
