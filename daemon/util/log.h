/*
 * log: one line per event on stderr, "LEVEL message".  Under systemd the
 * journal adds the timestamp; elsewhere we add an ISO 8601 UTC one.
 * Never pass a secret (token, pepper, password) to these functions.
 */
#ifndef SW_LOG_H
#define SW_LOG_H

#include <stdatomic.h>
#include <stdbool.h>

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

/* The least level logged; a reload changes it while other threads log. */
extern atomic_int log_threshold;

/* Parses "debug", "info", "warn", "error"; returns -1 if unknown. */
int log_level_parse(const char *s);
void log_set_level(enum log_level level);
static inline bool log_on(enum log_level level)
{
	return (int)level >= atomic_load_explicit(&log_threshold, memory_order_relaxed);
}
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Start-up failure: logs and exits 1. */
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#define log_debug(...) do { if (log_on(LOG_LEVEL_DEBUG)) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__); } while (0)
#define log_info(...)  do { if (log_on(LOG_LEVEL_INFO)) log_msg(LOG_LEVEL_INFO, __VA_ARGS__); } while (0)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_err(...)   log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
