/*
 * The checks config_load() makes on the files before libconfig reads
 * them: the size of a configuration, included files and all, and the
 * number of its settings.  (Integers cut to 32 bits, in the main file and
 * in included ones, are cases under tests/configs/bad.)  And
 * config_load_paths(), which reads only the paths of a file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "config.h"
#include "lbd_limits.h"
#include "unit.h"

#define MINIMAL								\
	"services = ( { name = \"web\"; listen = \"127.0.0.1:18080\";\n" \
	"backends = ( { address = \"127.0.0.1:19001\"; } ); } );\n"

/* 108 bytes: sun_path holds 107 and the NUL. */
#define LONG_SOCK	"/tmp/lbd-a-control-socket-path-that-is-longer-" \
			"than-the-sun-path-of-a-struct-sockaddr-un-can-" \
			"hold-by-far.sock"

/* A directory of its own for each test's files. */
static char	dir[64];

static int
make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/lbd-test-files.XXXXXX");
	return (mkdtemp(dir) == NULL ? -1 : 0);
}

static int
remove_dir(void)
{
	return (rmdir(dir));
}

/*
 * Write head, then '#' comment lines of 'x' up to size bytes in all, to
 * dir/name; path gets the file's name.  0 or -1.
 */
static int
write_padded(const char *name, const char *head, size_t size, char *path,
    size_t pathlen)
{
	FILE	*f;
	size_t	 n = strlen(head);
	int	 rc = 0;

	snprintf(path, pathlen, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return (-1);
	fputs(head, f);
	while (n < size) {
		/* Lines of at most 80 bytes: "#xxx...\n". */
		size_t	line = size - n < 80 ? size - n : 80;

		fputc(line == 1 ? '\n' : '#', f);
		for (size_t i = 1; i + 1 < line; i++)
			fputc('x', f);
		if (line > 1)
			fputc('\n', f);
		n += line;
	}
	if (ferror(f))
		rc = -1;
	if (fclose(f) == EOF)
		rc = -1;
	return (rc);
}

static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

/* One string past the limit is refused before libconfig reads it. */
static void
test_too_large(void)
{
	char		 path[128], want[512], err[LBD_ERRLEN];
	struct config	*conf;
	struct timespec	 t0;
	FILE		*f;

	CU_ASSERT_FATAL(make_dir() == 0);
	snprintf(path, sizeof(path), "%s/huge.conf", dir);
	CU_ASSERT_FATAL((f = fopen(path, "w")) != NULL);
	/* x = "aaa...";\n, LBD_CONFIG_MAXSIZE + 1 bytes in all. */
	fputs("x = \"", f);
	for (size_t i = 0; i < LBD_CONFIG_MAXSIZE + 1 - 8; i++)
		fputc('a', f);
	fputs("\";\n", f);
	CU_ASSERT_FATAL(fclose(f) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	conf = config_load(path, err, sizeof(err));
	/* The scan of a megabyte takes milliseconds, libconfig's parse not. */
	CU_ASSERT(elapsed_ms(&t0) < 2000);
	CU_ASSERT_PTR_NULL(conf);
	config_free(conf);
	snprintf(want, sizeof(want), "%s: too large: at most %d bytes in the "
	    "file and the files it includes together\n", path,
	    LBD_CONFIG_MAXSIZE);
	CU_ASSERT_STRING_EQUAL(err, want);
	unlink(path);
	CU_ASSERT(remove_dir() == 0);
}

/* A file of exactly LBD_CONFIG_MAXSIZE bytes loads. */
static void
test_at_limit(void)
{
	char		 path[128], err[LBD_ERRLEN];
	struct config	*conf;

	CU_ASSERT_FATAL(make_dir() == 0);
	CU_ASSERT_FATAL(write_padded("full.conf", MINIMAL, LBD_CONFIG_MAXSIZE,
	    path, sizeof(path)) == 0);
	conf = config_load(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(conf);
	CU_ASSERT_STRING_EQUAL(err, "");
	config_free(conf);
	unlink(path);
	CU_ASSERT(remove_dir() == 0);
}

/*
 * The limit holds for the files together: two included halves that each
 * fit are refused at the one that goes past it, by the name libconfig
 * gives it.
 */
static void
test_included_too_large(void)
{
	char		 top[128], half[128], head[1024], want[512];
	char		 err[LBD_ERRLEN];
	struct config	*conf;

	CU_ASSERT_FATAL(make_dir() == 0);
	CU_ASSERT_FATAL(write_padded("half.conf", "", LBD_CONFIG_MAXSIZE / 2 +
	    1, half, sizeof(half)) == 0);
	snprintf(head, sizeof(head), "@include \"%s\"\n@include \"%s\"\n"
	    MINIMAL, half, half);
	CU_ASSERT_FATAL(write_padded("main.conf", head, 0, top,
	    sizeof(top)) == 0);
	conf = config_load(top, err, sizeof(err));
	CU_ASSERT_PTR_NULL(conf);
	config_free(conf);
	snprintf(want, sizeof(want), "%s: too large: at most %d bytes in the "
	    "file and the files it includes together\n", half,
	    LBD_CONFIG_MAXSIZE);
	CU_ASSERT_STRING_EQUAL(err, want);
	unlink(top);
	unlink(half);
	CU_ASSERT(remove_dir() == 0);
}

/* One setting past LBD_CONFIG_MAXSETTINGS is refused at its line. */
static void
test_too_many_settings(void)
{
	char		 path[128], want[512], err[LBD_ERRLEN];
	struct config	*conf;
	FILE		*f;

	CU_ASSERT_FATAL(make_dir() == 0);
	snprintf(path, sizeof(path), "%s/keys.conf", dir);
	CU_ASSERT_FATAL((f = fopen(path, "w")) != NULL);
	for (int i = 0; i <= LBD_CONFIG_MAXSETTINGS; i++)
		fprintf(f, "k%d = 1;\n", i);
	CU_ASSERT_FATAL(fclose(f) == 0);
	conf = config_load(path, err, sizeof(err));
	CU_ASSERT_PTR_NULL(conf);
	config_free(conf);
	snprintf(want, sizeof(want), "%s:%d: too many settings: at most %d in "
	    "the file and the files it includes together\n", path,
	    LBD_CONFIG_MAXSETTINGS + 1, LBD_CONFIG_MAXSETTINGS);
	CU_ASSERT_STRING_EQUAL(err, want);
	unlink(path);
	CU_ASSERT(remove_dir() == 0);
}

/* Write text to dir/name; path gets its name.  0 or -1. */
static int
write_text(const char *name, const char *text, char *path, size_t pathlen)
{
	return (write_padded(name, text, 0, path, pathlen));
}

/*
 * The paths load where the whole file would not: a host that does not
 * resolve, an unknown user, a value out of range elsewhere.
 */
static void
test_load_paths(void)
{
	char		 path[128], err[LBD_ERRLEN];
	struct config	*conf;

	CU_ASSERT_FATAL(make_dir() == 0);
	CU_ASSERT_FATAL(write_text("paths.conf", "pidfile = \"/x/lbd.pid\";\n"
	    "control = \"/x/lbd.sock\"; user = \"nosuchuser-lbd\";\n"
	    "services = ( { name = \"web\"; listen = \"127.0.0.1:18080\";\n"
	    "backends = ( { address = \"nosuchhost.invalid:80\"; "
	    "weight = 999; } ); } );\n", path, sizeof(path)) == 0);
	conf = config_load(path, err, sizeof(err));
	CU_ASSERT_PTR_NULL(conf);
	config_free(conf);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nosuchhost.invalid"));
	conf = config_load_paths(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_STRING_EQUAL(conf->pidfile, "/x/lbd.pid");
	CU_ASSERT_STRING_EQUAL(conf->control, "/x/lbd.sock");
	CU_ASSERT_EQUAL(conf->nservices, 0);
	config_free(conf);
	unlink(path);
	CU_ASSERT(remove_dir() == 0);
}

/* The paths keep their defaults and rules; a broken file still fails. */
static void
test_load_paths_errors(void)
{
	char		 path[128], err[LBD_ERRLEN];
	struct config	*conf;

	CU_ASSERT_FATAL(make_dir() == 0);
	CU_ASSERT_FATAL(write_text("empty.conf", "", path, sizeof(path)) == 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf = config_load_paths(path, err,
	    sizeof(err)));
	CU_ASSERT_STRING_EQUAL(conf->pidfile, "/run/lbd.pid");
	CU_ASSERT_STRING_EQUAL(conf->control, "");
	config_free(conf);
	unlink(path);
	CU_ASSERT_FATAL(write_text("bad.conf", "pidfile = 3;\ncontrol = \""
	    LONG_SOCK "\";\nthis is broken\n", path, sizeof(path)) == 0);
	CU_ASSERT_PTR_NULL(conf = config_load_paths(path, err, sizeof(err)));
	config_free(conf);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":3: syntax error"));
	unlink(path);
	CU_ASSERT_FATAL(write_text("bad.conf", "pidfile = 3;\ncontrol = \""
	    LONG_SOCK "\";\n", path, sizeof(path)) == 0);
	CU_ASSERT_PTR_NULL(conf = config_load_paths(path, err, sizeof(err)));
	config_free(conf);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":1: \"pidfile\" must be a "
	    "string"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: \"control\" path must be "
	    "shorter than"));
	unlink(path);
	CU_ASSERT(remove_dir() == 0);
}

int
test_config_files_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("config files", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "too large", test_too_large) == NULL ||
	    CU_add_test(s, "at the size limit", test_at_limit) == NULL ||
	    CU_add_test(s, "included files count", test_included_too_large) ==
	    NULL ||
	    CU_add_test(s, "too many settings", test_too_many_settings) ==
	    NULL ||
	    CU_add_test(s, "paths only", test_load_paths) == NULL ||
	    CU_add_test(s, "paths only: defaults and errors",
	    test_load_paths_errors) == NULL)
		return (-1);
	return (0);
}
