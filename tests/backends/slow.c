/*
 * slow: an echo backend that holds each chunk it reads for DELAY before
 * writing it back, and reads nothing more meanwhile.
 * usage: slow -l ADDR -d DELAY [-c]
 */
#include "serve.h"

int
main(int argc, char *argv[])
{
	struct serve	s = { .mode = SERVE_SLOW };

	return (serve_main(&s, argc, argv));
}
