/*
 * libFuzzer target: config_load() on a file holding the input.  Kept
 * bounded and local: inputs with '@' (libconfig's @include could name any
 * file, /dev/zero included) are skipped, and host names resolve only when
 * numeric, so no input waits on DNS.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <dlfcn.h>
#include <netdb.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "lbd_limits.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *,
    struct addrinfo **);

static char	path[] = "/tmp/lbd-fuzz-config.XXXXXX";

/* Resolve numeric hosts only (this definition overrides libc's). */
int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	struct addrinfo	h;
	gai_fn		real;

	memset(&h, 0, sizeof(h));
	if (hints != NULL)
		h = *hints;
	h.ai_flags |= AI_NUMERICHOST;
	if ((real = (gai_fn)dlsym(RTLD_NEXT, "getaddrinfo")) == NULL)
		return (EAI_FAIL);
	return (real(node, service, &h, res));
}

static void
remove_file(void)
{
	unlink(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int	fd;

	(void)argc;
	(void)argv;
	if ((fd = mkstemp(path)) == -1) {
		perror("mkstemp");
		exit(1);
	}
	close(fd);
	atexit(remove_file);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 err[LBD_ERRLEN];
	struct config	*conf;
	FILE		*f;

	if (size > 65536 || memchr(data, '@', size) != NULL)
		return (-1);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	if (fwrite(data, 1, size, f) != size || fclose(f) == EOF)
		abort();
	if ((conf = config_load(path, err, sizeof(err))) == NULL &&
	    err[0] == '\0')
		abort();	/* every failure says why */
	config_free(conf);
	return (0);
}
