/*
 * The files of a configuration, checked before libconfig reads them
 * (config_files.c), the first part of config_load().  Private to
 * common/config*.c.
 */
#ifndef LBD_CONFIG_FILES_H
#define LBD_CONFIG_FILES_H

struct parser;

/*
 * Check p->path and every file it includes (found in include_dir when it
 * is not NULL, as libconfig does): report a configuration past
 * LBD_CONFIG_MAXSIZE bytes or LBD_CONFIG_MAXSETTINGS settings, and each
 * integer without an L suffix that the libconfig at hand would cut to 32
 * bits.
 */
void	config_files_check(struct parser *p, const char *include_dir);

#endif /* LBD_CONFIG_FILES_H */
