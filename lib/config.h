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
 *   report_nvram = auto | off        (store the run's report in a UEFI variable when it is safe)
 *   reboot_after = SECONDS           (at the end of a run: reset after this long; 0 = stay)
 *   thp    = always | madvise | never   (transparent huge pages for anonymous memory)
 *   hugepages_2m = N, hugepages_1g = N   (hugetlb pools reserved at boot)
 *   smp    = auto | off | N         (how many CPUs to bring up, the boot CPU included)
 *   overcommit_memory = guess | always   (Linux's vm.overcommit_memory 0 / 1)
 *   mem_limit = SIZE                 (memory user programs may hold, as memory.max; 0 none)
 *   swap   = SIZE                   (compressed-RAM swap device, e.g. 256M; 0: none)
 *   pcid   = auto | off             (process-context identifiers for the TLB where the CPU has them)
 *   test   = NAME                   (developer hooks used by the integration tests)
 *   matrix_parallel = auto | on | off   (the matrix split over every CPU: auto = with checks = full)
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
#define CONFIG_MAX_REBOOT_AFTER 86400   /* seconds the end screen may wait before a reset */
#define CONFIG_MIN_SWAP    ((uint64_t)1 << 20)   /* swap = SIZE: 0, or 1 MiB .. 64 GiB */
#define CONFIG_MAX_SWAP    ((uint64_t)1 << 36)
#define CONFIG_DEFAULT_FILES_MAX_MIB 32 /* the RAM disk (fs/brd.h): \faultline\ files and room for writes */

enum config_paging { PAGING_AUTO = 0, PAGING_4 = 4, PAGING_5 = 5 };
enum config_checks { CHECKS_NONE = 0, CHECKS_DEFAULT, CHECKS_FULL };
enum config_checks_paging { CHECKS_PAGING_AUTO = 0, CHECKS_PAGING_BOOTED, CHECKS_PAGING_BOTH };
enum config_exit   { EXIT_AUTO = 0, EXIT_QEMU, EXIT_HALT };
enum config_report_nvram { REPORT_NVRAM_AUTO = 0, REPORT_NVRAM_OFF };
/* The values of paging/huge_memory.h's enum thp_mode. */
enum config_thp    { CONFIG_THP_NEVER = 0, CONFIG_THP_MADVISE, CONFIG_THP_ALWAYS };
/* Linux's vm.overcommit_memory values (paging/mm_account.h); 2 (never) is not provided. */
enum config_overcommit { CONFIG_OVERCOMMIT_GUESS = 0, CONFIG_OVERCOMMIT_ALWAYS = 1 };
/* matrix_parallel: whether the conformance matrix runs on every CPU at once. */
enum config_matrix_parallel { MATRIX_PARALLEL_AUTO = 0, MATRIX_PARALLEL_ON, MATRIX_PARALLEL_OFF };
#define CONFIG_MAX_HUGEPAGES_2M 65536   /* 128 GiB */
#define CONFIG_MAX_HUGEPAGES_1G 1024
/* pcid = auto | off (paging/tlb.h): PCIDs where the CPU has them, or never. */
enum config_pcid { CONFIG_PCID_AUTO = 0, CONFIG_PCID_OFF };

#define CONFIG_SMP_AUTO 0               /* smp = auto: every CPU the MADT lists as enabled */
#define CONFIG_MAX_SMP  4096

struct config_run {
	uint32_t argc;
	uint32_t line;                               /* where it was written */
	int32_t oom_score_adj;                       /* the `oom_score_adj =` in force at that line */
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
	/* On a real PC (README, "On a real PC"): the NVRAM report and the reset at the end. */
	enum config_report_nvram report_nvram;       /* auto: store it if the store keeps its margin */
	uint32_t reboot_after;                       /* seconds; 0: stay on the end screen */
	enum config_thp thp;                         /* default: always (as Debian's kernel) */
	uint32_t hugepages_2m, hugepages_1g;         /* hugetlb pool sizes, in pages */
	uint32_t smp;                                /* smp: CONFIG_SMP_AUTO, or at most this many CPUs (off = 1) */
	enum config_overcommit overcommit_memory;    /* default: guess (Linux's default heuristic) */
	uint64_t mem_limit;                          /* mem_limit = SIZE: bytes user programs may hold; 0 none */
	uint64_t swap_bytes;                         /* swap = SIZE: the zram swap device; 0: none */
	enum config_pcid pcid;                       /* pcid: default auto */
	uint32_t run_count;
	int32_t oom_score_adj;                       /* for the run lines that follow (-1000..1000) */
	struct config_run runs[CONFIG_MAX_RUNS];
	uint32_t test_count;
	char tests[CONFIG_MAX_TESTS][CONFIG_TEST_LEN];
	/* ---- matrix: the parallel conformance matrix ---- */
	enum config_matrix_parallel matrix_parallel; /* auto: parallel with checks = full */
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

/*
 * Whether the conformance matrix of the boot paging mode runs split over
 * every CPU (checks/matrix.h): matrix_parallel = on with any checks but
 * none, auto with checks = full; never with matrix_parallel = off or
 * smp = off (one CPU).
 */
bool config_matrix_parallel(const struct faultline_config *cfg);

/* Returns 1 if a "test = name" line asked for name. */
int config_has_test(const struct faultline_config *cfg, const char *name);

#endif
