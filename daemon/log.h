/*
 * log: one line per event on stderr, "LEVEL message".  Under systemd the
 * journal adds the timestamp; elsewhere we add an ISO 8601 UTC one.
 * Never pass a secret (token, pepper, password) to these functions.
 */
#ifndef SW_LOG_H
#define SW_LOG_H

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

extern enum log_level log_threshold;

/* Parses "debug", "info", "warn", "error"; returns -1 if unknown. */
int log_level_parse(const char *s);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Start-up failure: logs and exits 1. */
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#define log_debug(...) do { if (log_threshold <= LOG_LEVEL_DEBUG) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__); } while (0)
#define log_info(...)  do { if (log_threshold <= LOG_LEVEL_INFO) log_msg(LOG_LEVEL_INFO, __VA_ARGS__); } while (0)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_err(...)   log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
