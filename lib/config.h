/*
 * \faultline.cfg: "key = value" lines, '#' comments, blank lines ignored.
 *
 * Keys (see docs/config.md):
 *   paging = auto | 4 | 5
 *   run    = PROGRAM ARGS...        (repeatable, in order; PROGRAM under \faultline\bin\)
 *   checks = none | default | full
 *   checks_paging = auto | booted | both   (in which paging modes the checks run)
 *   exit   = auto | qemu | halt
 *   time_limit = SECONDS             (per program; then it is killed)
 *   matrix_sample = N                (run 1 conformance-matrix case in N; 0: as checks says)
 *   test   = NAME                   (developer hooks used by the integration tests)
 *
 * The parser is pure logic (host-tested): it never fails as a whole. Every
 * problem (unknown key, bad value, overlong line, too many run lines, an
 * oversize file, a NUL byte) becomes one entry in warnings[] that says what
 * and on which line, and the default stays in force.
 */
#ifndef FAULTLINE_CONFIG_H
#define FAULTLINE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_BYTES   16384   /* larger files: warning, only this much is read */
#define CONFIG_MAX_LINE    512
#define CONFIG_MAX_RUNS    128
#define CONFIG_MAX_ARGS    16      /* argv entries per run line, program included */
#define CONFIG_MAX_ARG_LEN 96
#define CONFIG_MAX_WARNINGS 16
#define CONFIG_WARNING_LEN 160
#define CONFIG_MAX_TESTS   8
#define CONFIG_TEST_LEN    32
#define CONFIG_DEFAULT_TIME_LIMIT 600   /* seconds one program may run */
#define CONFIG_DEFAULT_FILES_MAX_MIB 32 /* the RAM disk (fs/brd.h): \faultline\ files and room for writes */

enum config_paging { PAGING_AUTO = 0, PAGING_4 = 4, PAGING_5 = 5 };
enum config_checks { CHECKS_NONE = 0, CHECKS_DEFAULT, CHECKS_FULL };
enum config_checks_paging { CHECKS_PAGING_AUTO = 0, CHECKS_PAGING_BOOTED, CHECKS_PAGING_BOTH };
enum config_exit   { EXIT_AUTO = 0, EXIT_QEMU, EXIT_HALT };

struct config_run {
	uint32_t argc;
	uint32_t line;                               /* where it was written */
	char argv[CONFIG_MAX_ARGS][CONFIG_MAX_ARG_LEN]; /* argv[0] is the program name */
};

struct config_warning {
	uint32_t line;                               /* 0: not tied to a line */
	char text[CONFIG_WARNING_LEN];
};

struct faultline_config {
	enum config_paging paging;
	enum config_checks checks;
	enum config_checks_paging checks_paging;
	enum config_exit exit;
	uint32_t time_limit;                         /* seconds per program */
	uint32_t files_max_mib;                      /* files_max = MIB: the RAM disk's size */
	uint32_t matrix_sample;                      /* 1 matrix case in N; 0: as checks says */
	uint32_t run_count;
	struct config_run runs[CONFIG_MAX_RUNS];
	uint32_t test_count;
	char tests[CONFIG_MAX_TESTS][CONFIG_TEST_LEN];
	uint32_t warning_count;
	uint32_t warnings_dropped;                   /* warnings past CONFIG_MAX_WARNINGS */
	struct config_warning warnings[CONFIG_MAX_WARNINGS];
};

/* Fills cfg with the defaults (auto paging, default checks, auto exit, no runs). */
void config_defaults(struct faultline_config *cfg);

/*
 * Parses len bytes of text (need not be NUL-terminated) into cfg, which must
 * hold the defaults or an earlier parse. Never fails: problems become warnings.
 */
void config_parse(struct faultline_config *cfg, const char *text, size_t len);

/* Adds a warning not tied to the text (e.g. "config file missing"). */
void config_warn(struct faultline_config *cfg, uint32_t line, const char *text);

/*
 * Whether the bring-up checks run in both paging modes (4- and 5-level):
 * checks_paging = both, or auto with checks = full; never with checks = none.
 */
bool config_checks_both_modes(const struct faultline_config *cfg);

/* Returns 1 if a "test = name" line asked for name. */
int config_has_test(const struct faultline_config *cfg, const char *name);

#endif
