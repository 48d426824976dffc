/*
 * The \faultline.cfg parser (see lib/config.h for the keys).
 *
 * The text is read line by line straight from the caller's bytes (it need
 * not be NUL-terminated). For each line, in order:
 *
 *   1. A line longer than CONFIG_MAX_LINE characters is ignored (warning).
 *   2. A line holding a NUL byte or another control character (anything
 *      below 0x20 except tab, or 0x7f) is ignored (warning). A "\r" just
 *      before the "\n" is not part of the line, so CRLF files work.
 *   3. '#' outside double quotes starts a comment; the rest of the line is
 *      dropped (`run = prog "a#b"` passes the argument a#b).
 *   4. Spaces and tabs around the line, the key and the value are trimmed;
 *      an empty line is skipped.
 *   5. "key = value" is split at the first '='; the key must be one of the
 *      known lowercase keys, the value must be valid for it.
 *
 * Every problem becomes a warning that names the line and says what stays in
 * force, e.g. `line 4: paging = "6": expected auto, 4 or 5 (keeping auto)`.
 * A later line for a key with a fixed list of values (paging, checks,
 * checks_paging, exit, report_nvram) overrides an earlier one. Only the first
 * CONFIG_MAX_BYTES bytes are read; a line cut by that limit is dropped.
 * A UTF-8 byte order mark at the very start is skipped.
 *
 * run = PROGRAM ARGS... splits on spaces and tabs; double quotes group words
 * (no escapes, `""` is an empty argument, `a"b c"d` is one word "ab cd").
 * PROGRAM must be a plain file name: letters, digits, '.', '_', '-', not
 * "." and without "..". test = NAME takes one word of the same characters.
 */
#include <stdarg.h>
#include <stdbool.h>
#include "lib/config.h"
#include "base/format.h"
#ifdef HOST_TEST
#include <string.h>
#else
#include "base/string.h"
#endif

/* A piece of the config text: n bytes at p, not NUL-terminated. */
struct slice {
	const char *p;
	size_t n;
};

/* Longest piece of a line quoted back in a warning. */
#define QUOTE_MAX 40

/* Fills cfg with the defaults (auto paging, default checks, auto exit, no runs). */
void config_defaults(struct faultline_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->paging = PAGING_AUTO;
	cfg->checks = CHECKS_DEFAULT;
	cfg->checks_paging = CHECKS_PAGING_AUTO;
	cfg->exit = EXIT_AUTO;
	cfg->time_limit = CONFIG_DEFAULT_TIME_LIMIT;
	cfg->report_nvram = REPORT_NVRAM_AUTO;
	cfg->reboot_after = 0;
	cfg->thp = CONFIG_THP_ALWAYS;
	cfg->overcommit_memory = CONFIG_OVERCOMMIT_GUESS;
	cfg->files_max_mib = CONFIG_DEFAULT_FILES_MAX_MIB;
}

/* Adds a warning (text cut to fit); past CONFIG_MAX_WARNINGS only counts it. */
void config_warn(struct faultline_config *cfg, uint32_t line, const char *text)
{
	if (cfg->warning_count >= CONFIG_MAX_WARNINGS) {
		cfg->warnings_dropped++;
		return;
	}
	struct config_warning *w = &cfg->warnings[cfg->warning_count++];
	w->line = line;
	format(w->text, sizeof(w->text), "%s", text ? text : "");
}

/* Adds a warning "line N: " + the formatted message. */
static void warn_line(struct faultline_config *cfg, uint32_t line, const char *fmt, ...)
{
	char text[CONFIG_WARNING_LEN];
	int n = format(text, sizeof(text), "line %u: ", line);
	va_list ap;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sizeof(text))
		vformat(text + n, sizeof(text) - (size_t)n, fmt, ap);
	va_end(ap);
	config_warn(cfg, line, text);
}

/* Returns true for the characters trimmed around lines, keys and values. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Returns s without leading and trailing spaces and tabs. */
static struct slice trim(struct slice s)
{
	while (s.n > 0 && is_blank(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && is_blank(s.p[s.n - 1]))
		s.n--;
	return s;
}

/* Returns true if s is exactly the NUL-terminated word. */
static bool slice_is(struct slice s, const char *word)
{
	return strlen(word) == s.n && memcmp(s.p, word, s.n) == 0;
}

/* Returns the offset of the first c in s, or s.n if there is none. */
static size_t slice_find(struct slice s, char c)
{
	size_t i = 0;
	while (i < s.n && s.p[i] != c)
		i++;
	return i;
}

/* Returns the offset of the first '#' outside double quotes in s (where a
 * comment starts), or s.n if there is none. An unterminated quote runs to the
 * end of the line (the run line then warns about it). */
static size_t find_comment(struct slice s)
{
	bool quoted = false;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] == '"')
			quoted = !quoted;
		else if (s.p[i] == '#' && !quoted)
			return i;
	}
	return s.n;
}

/* Returns the first control byte in s (below 0x20 except tab, or 0x7f), or -1. */
static int find_control_byte(struct slice s)
{
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return c;
	}
	return -1;
}

/*
 * Returns true if s is a plain file name: only letters, digits, '.', '_'
 * and '-', not empty, not ".", and without "..".
 */
static bool is_plain_name(const char *s)
{
	if (s[0] == '\0' || strcmp(s, ".") == 0)
		return false;
	for (size_t i = 0; s[i]; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		if (!ok || (c == '.' && s[i + 1] == '.'))
			return false;
	}
	return true;
}

/*
 * The keys whose value is one word of a fixed list: the words in the order
 * the warnings list them, each with its enum value, and where it is stored.
 */
struct choice {
	const char *word;
	int value;
};

struct choice_key {
	const char *key;
	const struct choice *choices;   /* ends with { NULL, 0 } */
	int *(*field)(struct faultline_config *cfg);
};

static const struct choice paging_choices[] = {
	{ "auto", PAGING_AUTO }, { "4", PAGING_4 }, { "5", PAGING_5 }, { NULL, 0 }
};
static const struct choice checks_choices[] = {
	{ "none", CHECKS_NONE }, { "default", CHECKS_DEFAULT }, { "full", CHECKS_FULL }, { NULL, 0 }
};
static const struct choice checks_paging_choices[] = {
	{ "auto", CHECKS_PAGING_AUTO }, { "booted", CHECKS_PAGING_BOOTED }, { "both", CHECKS_PAGING_BOTH },
	{ NULL, 0 }
};
static const struct choice exit_choices[] = {
	{ "auto", EXIT_AUTO }, { "qemu", EXIT_QEMU }, { "halt", EXIT_HALT }, { NULL, 0 }
};
static const struct choice report_nvram_choices[] = {
	{ "auto", REPORT_NVRAM_AUTO }, { "off", REPORT_NVRAM_OFF }, { NULL, 0 }
};
static const struct choice thp_choices[] = {
	{ "always", CONFIG_THP_ALWAYS }, { "madvise", CONFIG_THP_MADVISE }, { "never", CONFIG_THP_NEVER }, { NULL, 0 }
};
static const struct choice pcid_choices[] = {
	{ "auto", CONFIG_PCID_AUTO }, { "off", CONFIG_PCID_OFF }, { NULL, 0 }
};
static const struct choice overcommit_choices[] = {
	{ "guess", CONFIG_OVERCOMMIT_GUESS }, { "always", CONFIG_OVERCOMMIT_ALWAYS }, { NULL, 0 }
};
static const struct choice matrix_parallel_choices[] = {
	{ "auto", MATRIX_PARALLEL_AUTO }, { "on", MATRIX_PARALLEL_ON }, { "off", MATRIX_PARALLEL_OFF }, { NULL, 0 }
};

/* The enum fields as int: every config enum is an int-sized enum with small values. */
static int *paging_field(struct faultline_config *cfg)        { return (int *)&cfg->paging; }
static int *checks_field(struct faultline_config *cfg)        { return (int *)&cfg->checks; }
static int *checks_paging_field(struct faultline_config *cfg) { return (int *)&cfg->checks_paging; }
static int *exit_field(struct faultline_config *cfg)          { return (int *)&cfg->exit; }
static int *report_nvram_field(struct faultline_config *cfg)  { return (int *)&cfg->report_nvram; }
static int *thp_field(struct faultline_config *cfg)           { return (int *)&cfg->thp; }
static int *overcommit_field(struct faultline_config *cfg)    { return (int *)&cfg->overcommit_memory; }
static int *pcid_field(struct faultline_config *cfg)          { return (int *)&cfg->pcid; }
static int *matrix_parallel_field(struct faultline_config *cfg) { return (int *)&cfg->matrix_parallel; }

_Static_assert(sizeof(enum config_paging) == sizeof(int) && sizeof(enum config_checks) == sizeof(int) &&
	       sizeof(enum config_checks_paging) == sizeof(int) && sizeof(enum config_exit) == sizeof(int) &&
	       sizeof(enum config_report_nvram) == sizeof(int) && sizeof(enum config_thp) == sizeof(int) &&
	       sizeof(enum config_overcommit) == sizeof(int) && sizeof(enum config_pcid) == sizeof(int) &&
	       sizeof(enum config_matrix_parallel) == sizeof(int),
	       "config enums are stored through int pointers");

static const struct choice_key choice_keys[] = {
	{ "paging", paging_choices, paging_field },
	{ "checks", checks_choices, checks_field },
	{ "checks_paging", checks_paging_choices, checks_paging_field },
	{ "exit", exit_choices, exit_field },
	{ "report_nvram", report_nvram_choices, report_nvram_field },
	{ "thp", thp_choices, thp_field },
	{ "overcommit_memory", overcommit_choices, overcommit_field },
	{ "pcid", pcid_choices, pcid_field },
	{ "matrix_parallel", matrix_parallel_choices, matrix_parallel_field },
};
#define CHOICE_KEY_COUNT (sizeof(choice_keys) / sizeof(choice_keys[0]))

/* The choice key named key, NULL if key is not one. */
static const struct choice_key *find_choice_key(struct slice key)
{
	for (size_t i = 0; i < CHOICE_KEY_COUNT; i++)
		if (slice_is(key, choice_keys[i].key))
			return &choice_keys[i];
	return NULL;
}

/* The word of the key's current value in cfg. */
static const char *choice_current(const struct choice_key *k, struct faultline_config *cfg)
{
	int value = *k->field(cfg);
	for (const struct choice *c = k->choices; c->word; c++)
		if (c->value == value)
			return c->word;
	return "?";
}

/* key = one of its words. A bad value keeps the current setting (warning "expected a, b or c"). */
static void parse_choice(struct faultline_config *cfg, uint32_t line, const struct choice_key *k, struct slice v)
{
	char expected[64] = "";
	size_t len = 0;

	for (const struct choice *c = k->choices; c->word; c++) {
		if (slice_is(v, c->word)) {
			*k->field(cfg) = c->value;
			return;
		}
		const char *sep = c == k->choices ? "" : c[1].word ? ", " : " or ";
		if (len < sizeof(expected))
			len += (size_t)format(expected + len, sizeof(expected) - len, "%s%s", sep, c->word);
	}
	warn_line(cfg, line, "%s = \"%.*s\": expected %s (keeping %s)", k->key,
		  (int)(v.n < QUOTE_MAX ? v.n : QUOTE_MAX), v.p, expected, choice_current(k, cfg));
}

/*
 * run = PROGRAM ARGS...: splits v into the next free runs[] slot and counts
 * it only if the whole line is good; otherwise warns and leaves run_count.
 */
static void parse_run(struct faultline_config *cfg, uint32_t line, struct slice v)
{
	if (cfg->run_count >= CONFIG_MAX_RUNS) {
		warn_line(cfg, line, "more than %d run lines (ignored)", CONFIG_MAX_RUNS);
		return;
	}
	struct config_run *run = &cfg->runs[cfg->run_count];
	uint32_t argc = 0;
	size_t i = 0;

	for (;;) {
		while (i < v.n && is_blank(v.p[i]))
			i++;
		if (i == v.n)
			break;
		if (argc == CONFIG_MAX_ARGS) {
			warn_line(cfg, line, "run has more than %d words, program included (ignored)",
				  CONFIG_MAX_ARGS);
			return;
		}
		/* One word: up to an unquoted blank; quotes group and are removed. */
		char *arg = run->argv[argc];
		size_t len = 0;
		bool quoted = false;
		for (; i < v.n && (quoted || !is_blank(v.p[i])); i++) {
			if (v.p[i] == '"') {
				quoted = !quoted;
				continue;
			}
			if (len == CONFIG_MAX_ARG_LEN - 1) {
				warn_line(cfg, line, "run word %u is longer than %d characters (ignored)",
					  argc + 1, CONFIG_MAX_ARG_LEN - 1);
				return;
			}
			arg[len++] = v.p[i];
		}
		if (quoted) {
			warn_line(cfg, line, "run has an unterminated quote (ignored)");
			return;
		}
		arg[len] = '\0';
		argc++;
	}
	if (!is_plain_name(run->argv[0])) {
		warn_line(cfg, line, "run program \"%.*s\" must be a plain file name "
			  "(letters, digits, '.', '_', '-') (ignored)", QUOTE_MAX, run->argv[0]);
		return;
	}
	run->argc = argc;
	run->line = line;
	run->oom_score_adj = cfg->oom_score_adj;
	for (uint32_t a = argc; a < CONFIG_MAX_ARGS; a++)
		run->argv[a][0] = '\0';
	cfg->run_count++;
}

/* test = NAME: one plain word, remembered once (duplicates are not stored twice). */
static void parse_test(struct faultline_config *cfg, uint32_t line, struct slice v)
{
	char name[CONFIG_TEST_LEN];
	int quote = (int)(v.n < QUOTE_MAX ? v.n : QUOTE_MAX);

	if (v.n >= CONFIG_TEST_LEN) {
		warn_line(cfg, line, "test = \"%.*s\": longer than %d characters (ignored)",
			  quote, v.p, CONFIG_TEST_LEN - 1);
		return;
	}
	memcpy(name, v.p, v.n);
	name[v.n] = '\0';
	if (!is_plain_name(name)) {
		warn_line(cfg, line, "test = \"%.*s\": expected one word of letters, digits, "
			  "'.', '_', '-' (ignored)", quote, v.p);
		return;
	}
	if (config_has_test(cfg, name))
		return;
	if (cfg->test_count >= CONFIG_MAX_TESTS) {
		warn_line(cfg, line, "more than %d test lines (ignored)", CONFIG_MAX_TESTS);
		return;
	}
	memcpy(cfg->tests[cfg->test_count++], name, v.n + 1);
}

/* v as a whole number in [min, max]; false (and *out unchanged) if it is not one. */
static bool parse_whole_number(struct slice v, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t n = 0;
	size_t i = 0;
	for (; i < v.n && v.p[i] >= '0' && v.p[i] <= '9' && n <= max; i++)
		n = n * 10 + (uint64_t)(v.p[i] - '0');
	if (i != v.n || n < min || n > max)
		return false;
	*out = (uint32_t)n;
	return true;
}

/* oom_score_adj = N (-1000 .. 1000): the OOM killer's adjustment for the
 * processes of the run lines after it (Linux's /proc/PID/oom_score_adj). */
static void parse_oom_score_adj(struct faultline_config *cfg, uint32_t line, struct slice v)
{
	bool neg = v.n > 0 && v.p[0] == '-';
	struct slice digits = { v.p + neg, v.n - neg };
	uint32_t n;
	if (!parse_whole_number(digits, 0, 1000, &n)) {
		warn_line(cfg, line, "oom_score_adj = \"%.*s\": expected a whole number from -1000 to 1000 (keeping %d)",
			  (int)(v.n < QUOTE_MAX ? v.n : QUOTE_MAX), v.p, cfg->oom_score_adj);
		return;
	}
	cfg->oom_score_adj = neg ? -(int32_t)n : (int32_t)n;
}

/* time_limit = SECONDS (1 .. 86400): how long one program may run. */
static void parse_time_limit(struct faultline_config *cfg, uint32_t line, struct slice v)
{
	if (!parse_whole_number(v, 1, 86400, &cfg->time_limit))
		warn_line(cfg, line, "time_limit = \"%.*s\": expected whole seconds from 1 to 86400 (keeping %u)",
			  (int)(v.n < QUOTE_MAX ? v.n : QUOTE_MAX), v.p, cfg->time_limit);
}

/* files_max = MIB (1 .. 4096): the RAM disk holding the stick's files and what programs write. */
static void parse_files_max(struct faultline_config *cfg, uint32_t line, struct slice v)
{
	if (!parse_whole_number(v, 1, 4096, &cfg->files_max_mib))
		warn_line(cfg, line, "files_max = \"%.*s\": expected MiB from 1 to 4096 (keeping %u)",
			  (int)(v.n < QUOTE_MAX ? v.n : QUOTE_MAX), v.p, cfg->files_max_mib);
}

/* matrix_sample = N (0 .. 1000000000): run 1 matrix case in N; 0 = as `checks` says. */
static void parse_matrix_sample(struct faultline_config *cfg, uint32_t line, struct slice v)
{
	if (!parse_whole_number(v, 0, 1000000000, &cfg->matrix_sample))
		warn_line(cfg, line, "matrix_sample = \"%.*s\": expected a whole number from 0 to 1000000000 "
			  "(keeping %u)", (int)(v.n < QUOTE_MAX ? v.n : QUOTE_MAX), v.p, cfg->matrix_sample);
}

/* reboot_after = SECONDS (0 .. 86400): the end screen resets the machine after this long; 0 = stay. */
static void parse_reboot_after(struct faultline_config *cfg, uint32_t line, struct slice v)
{
	if (!parse_whole_number(v, 0, CONFIG_MAX_REBOOT_AFTER, &cfg->reboot_after))
		warn_line(cfg, line, "reboot_after = \"%.*s\": expected whole seconds from 0 to %u (keeping %u)",
			  (int)(v.n < QUOTE_MAX ? v.n : QUOTE_MAX), v.p, CONFIG_MAX_REBOOT_AFTER, cfg->reboot_after);
}

/* hugepages_2m / hugepages_1g = N: the hugetlb pool of that size, in pages (0 .. max). */
static void parse_hugepages(struct faultline_config *cfg, uint32_t line, struct slice key, struct slice v)
{
	bool gig = slice_is(key, "hugepages_1g");
	uint32_t *field = gig ? &cfg->hugepages_1g : &cfg->hugepages_2m;
	uint32_t max = gig ? CONFIG_MAX_HUGEPAGES_1G : CONFIG_MAX_HUGEPAGES_2M;
	if (!parse_whole_number(v, 0, max, field))
		warn_line(cfg, line, "%s = \"%.*s\": expected a whole number of pages from 0 to %u (keeping %u)",
			  gig ? "hugepages_1g" : "hugepages_2m", (int)(v.n < QUOTE_MAX ? v.n : QUOTE_MAX), v.p, max,
			  *field);
}

/* smp = auto | off | N (1 .. CONFIG_MAX_SMP): how many CPUs to bring up, the boot CPU included. */
static void parse_smp(struct faultline_config *cfg, uint32_t line, struct slice v)
{
	if (slice_is(v, "auto"))
		cfg->smp = CONFIG_SMP_AUTO;
	else if (slice_is(v, "off"))
		cfg->smp = 1;
	else if (!parse_whole_number(v, 1, CONFIG_MAX_SMP, &cfg->smp))
		warn_line(cfg, line, "smp = \"%.*s\": expected auto, off or a number of CPUs from 1 to %u (keeping %s)",
			  (int)(v.n < QUOTE_MAX ? v.n : QUOTE_MAX), v.p, CONFIG_MAX_SMP,
			  cfg->smp == CONFIG_SMP_AUTO ? "auto" : cfg->smp == 1 ? "off" : "the number before");
}

/* v as a size: a whole number with an optional suffix K, M or G (also k,
 * m, g, and KiB, MiB, GiB: powers of 1024), in bytes; at most max. False
 * (and *out unchanged) if it is not one. */
static bool parse_size(struct slice v, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;
	size_t i = 0;
	for (; i < v.n && v.p[i] >= '0' && v.p[i] <= '9' && n <= max; i++)
		n = n * 10 + (uint64_t)(v.p[i] - '0');
	if (i == 0)
		return false;
	uint32_t shift = 0;
	struct slice unit = { v.p + i, v.n - i };
	if (unit.n) {
		char c = unit.p[0];
		shift = (c == 'K' || c == 'k') ? 10 : (c == 'M' || c == 'm') ? 20 : (c == 'G' || c == 'g') ? 30 : 64;
		if (shift == 64 || !(unit.n == 1 || (unit.n == 3 && unit.p[1] == 'i' && unit.p[2] == 'B')))
			return false;
	}
	if (n > (max >> shift))
		return false;
	*out = n << shift;
	return true;
}

/* mem_limit = SIZE (0 .. 1 TiB; 0: none): the memory user programs may
 * hold together, as a cgroup's memory.max (paging/vmscan.h). */
static void parse_mem_limit(struct faultline_config *cfg, uint32_t line, struct slice v)
{
	uint64_t bytes;
	if (!parse_size(v, 1ull << 40, &bytes) || (bytes && bytes < (1u << 20)))
		warn_line(cfg, line, "mem_limit = \"%.*s\": expected a size from 1M to 1024G, or 0 for none "
			  "(keeping %llu bytes)", (int)(v.n < QUOTE_MAX ? v.n : QUOTE_MAX), v.p, cfg->mem_limit);
	else
		cfg->mem_limit = bytes;
}

/* swap = SIZE (0, or 1 MiB .. 64 GiB): the compressed-RAM swap device (paging/zram.h). */
static void parse_swap(struct faultline_config *cfg, uint32_t line, struct slice v)
{
	uint64_t bytes;
	if (!parse_size(v, CONFIG_MAX_SWAP, &bytes) || (bytes && bytes < CONFIG_MIN_SWAP))
		warn_line(cfg, line, "swap = \"%.*s\": expected 0 or a size from 1M to 64G, e.g. 256M (keeping %llu MiB)",
			  (int)(v.n < QUOTE_MAX ? v.n : QUOTE_MAX), v.p, (unsigned long long)(cfg->swap_bytes >> 20));
	else
		cfg->swap_bytes = bytes;
}

/* Handles one line (without its newline): see the file comment for the steps. */
static void parse_line(struct faultline_config *cfg, uint32_t line, struct slice s)
{
	if (s.n > CONFIG_MAX_LINE) {
		warn_line(cfg, line, "longer than %d characters (ignored)", CONFIG_MAX_LINE);
		return;
	}
	int bad = find_control_byte(s);
	if (bad == 0) {
		warn_line(cfg, line, "contains a NUL byte (ignored)");
		return;
	}
	if (bad > 0) {
		warn_line(cfg, line, "contains control character 0x%02x (ignored)", bad);
		return;
	}

	s.n = find_comment(s);
	s = trim(s);
	if (s.n == 0)
		return;

	int quote = (int)(s.n < QUOTE_MAX ? s.n : QUOTE_MAX);
	size_t eq = slice_find(s, '=');
	if (eq == s.n) {
		warn_line(cfg, line, "\"%.*s\" is not key = value (ignored)", quote, s.p);
		return;
	}
	struct slice key = trim((struct slice){ s.p, eq });
	struct slice val = trim((struct slice){ s.p + eq + 1, s.n - eq - 1 });
	int key_quote = (int)(key.n < QUOTE_MAX ? key.n : QUOTE_MAX);

	if (key.n == 0) {
		warn_line(cfg, line, "\"%.*s\" has no key before '=' (ignored)", quote, s.p);
		return;
	}
	const struct choice_key *choice = find_choice_key(key);
	bool hugepages = slice_is(key, "hugepages_2m") || slice_is(key, "hugepages_1g");
	bool known = choice || slice_is(key, "run") || slice_is(key, "test") || slice_is(key, "time_limit") ||
		     slice_is(key, "matrix_sample") || slice_is(key, "oom_score_adj") || slice_is(key, "reboot_after") ||
		     hugepages || slice_is(key, "files_max") || slice_is(key, "smp") || slice_is(key, "mem_limit") ||
		     slice_is(key, "swap");
	if (!known) {
		warn_line(cfg, line, "unknown key \"%.*s\" (ignored)", key_quote, key.p);
		return;
	}
	if (val.n == 0) {
		if (choice)
			warn_line(cfg, line, "%s has no value (keeping %s)", choice->key, choice_current(choice, cfg));
		else
			warn_line(cfg, line, "%.*s has no value (ignored)", key_quote, key.p);
		return;
	}

	if (choice)
		parse_choice(cfg, line, choice, val);
	else if (slice_is(key, "run"))
		parse_run(cfg, line, val);
	else if (slice_is(key, "time_limit"))
		parse_time_limit(cfg, line, val);
	else if (slice_is(key, "matrix_sample"))
		parse_matrix_sample(cfg, line, val);
	else if (slice_is(key, "oom_score_adj"))
		parse_oom_score_adj(cfg, line, val);
	else if (slice_is(key, "reboot_after"))
		parse_reboot_after(cfg, line, val);
	else if (hugepages)
		parse_hugepages(cfg, line, key, val);
	else if (slice_is(key, "files_max"))
		parse_files_max(cfg, line, val);
	else if (slice_is(key, "smp"))
		parse_smp(cfg, line, val);
	else if (slice_is(key, "mem_limit"))
		parse_mem_limit(cfg, line, val);
	else if (slice_is(key, "swap"))
		parse_swap(cfg, line, val);
	else
		parse_test(cfg, line, val);
}

/*
 * Parses len bytes of text into cfg (which holds the defaults or an earlier
 * parse). Never fails: every problem becomes a warning. Line numbers start at 1.
 */
void config_parse(struct faultline_config *cfg, const char *text, size_t len)
{
	bool last_line_cut = false;

	if (!text)
		len = 0;
	if (len > CONFIG_MAX_BYTES) {
		char msg[CONFIG_WARNING_LEN];
		format(msg, sizeof(msg), "config is %llu bytes; only the first %d are read",
		       (uint64_t)len, CONFIG_MAX_BYTES);
		config_warn(cfg, 0, msg);
		/* A last line without its newline in the prefix is whole only if the newline comes next. */
		last_line_cut = text[CONFIG_MAX_BYTES] != '\n';
		len = CONFIG_MAX_BYTES;
	}

	size_t pos = 0;
	if (len >= 3 && (unsigned char)text[0] == 0xef && (unsigned char)text[1] == 0xbb &&
	    (unsigned char)text[2] == 0xbf)
		pos = 3;                         /* UTF-8 byte order mark */

	for (uint32_t line = 1; pos < len; line++) {
		struct slice rest = { text + pos, len - pos };
		size_t end = slice_find(rest, '\n');
		struct slice s = { rest.p, end };
		bool has_newline = end < rest.n;

		pos += end + (has_newline ? 1 : 0);
		if (!has_newline && last_line_cut) {
			warn_line(cfg, line, "cut by the %d-byte limit (ignored)", CONFIG_MAX_BYTES);
			break;
		}
		if (s.n > 0 && s.p[s.n - 1] == '\r')
			s.n--;
		parse_line(cfg, line, s);
	}
}

/* See lib/config.h. */
bool config_checks_both_modes(const struct faultline_config *cfg)
{
	if (cfg->checks == CHECKS_NONE)
		return false;
	return cfg->checks_paging == CHECKS_PAGING_BOTH ||
	       (cfg->checks_paging == CHECKS_PAGING_AUTO && cfg->checks == CHECKS_FULL);
}

/* See lib/config.h. */
bool config_matrix_parallel(const struct faultline_config *cfg)
{
	if (cfg->checks == CHECKS_NONE || cfg->matrix_parallel == MATRIX_PARALLEL_OFF || cfg->smp == 1)
		return false;
	return cfg->matrix_parallel == MATRIX_PARALLEL_ON || cfg->checks == CHECKS_FULL;
}

/* Returns 1 if a "test = name" line asked for name, else 0. */
int config_has_test(const struct faultline_config *cfg, const char *name)
{
	if (!name)
		return 0;
	uint32_t count = cfg->test_count < CONFIG_MAX_TESTS ? cfg->test_count : CONFIG_MAX_TESTS;
	for (uint32_t i = 0; i < count; i++)
		if (strncmp(cfg->tests[i], name, CONFIG_TEST_LEN) == 0)  /* stored names end within */
			return 1;
	return 0;
}
