/*
 * The text of a log line: values quoted for key=value pairs, and JSON.
 */
#ifndef LBD_LOG_LINE_H
#define LBD_LOG_LINE_H

#include <stddef.h>

#define LOG_VALUELEN		512	/* a buffer for log_quote() */
#define LOG_LINEMAX		4096	/* one line, newline included */

/*
 * Format value for a key=value pair of a log line into buf[len]: as it
 * is when it is a plain token (not empty; no space, '"', '\', '=' or
 * control byte), else in double quotes, with '"' and '\' escaped by a
 * backslash and control bytes as \n, \r, \t or \xHH.  A value too long
 * is cut short, still quoted.  Returns buf, to pass to log_*() as a %s.
 */
const char	*log_quote(char *buf, size_t len, const char *value);

/*
 * Turn text, a log message ("backend down service=web reason=\"x y\""),
 * into one JSON object in buf[len] (len >= 3; no newline): "time" and
 * "level" as given, "msg" the words that are not key=value pairs, each
 * pair as a member (a quoted value unescaped; a bare integer of at most
 * 15 digits as a number, except for the names service and backend;
 * anything else a string), and "error" when error is not NULL.  A pair
 * whose key is taken (time, level, msg, error, or an earlier pair) stays
 * a word of msg.  Bytes that are not UTF-8 become U+FFFD.  Too long, msg
 * is cut short and the pairs that do not fit are left out; the object
 * stays whole.  Returns buf.
 */
const char	*log_json(char *buf, size_t len, const char *time,
		    const char *level, const char *text, const char *error);

#endif /* LBD_LOG_LINE_H */
