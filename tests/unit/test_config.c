/*
 * Host tests for lib/config.c: the happy path with every key, every
 * warning path (with its exact text), CRLF, comments, overrides, the size
 * limits, and a fuzz loop of 10 000 hostile inputs with a fixed seed.
 */
#include <stdint.h>
#include <stdlib.h>
#include "tests/unit/unit.h"
#include "../../base/format.c"
#include "../../lib/config.c"

static struct faultline_config cfg;

/* Parses the NUL-terminated text into a fresh config (the terminator is not passed). */
static void parse(const char *text)
{
	config_defaults(&cfg);
	config_parse(&cfg, text, strlen(text));
}

/* Parses exactly len bytes from a heap copy, so ASan catches reads past the end. */
static void parse_bytes(const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);
	memcpy(copy, text, len);
	config_defaults(&cfg);
	config_parse(&cfg, copy, len);
	free(copy);
}

/* Checks that the config holds exactly one warning, on line, with text want. */
#define CHECK_ONE_WARNING(want_line, want) do { \
	CHECK_EQ_U64(cfg.warning_count, 1); \
	CHECK_EQ_U64(cfg.warnings[0].line, want_line); \
	CHECK_STR(cfg.warnings[0].text, want); \
} while (0)

#define CHECK_NO_WARNINGS() CHECK_EQ_U64(cfg.warning_count, 0)

TEST(defaults)
{
	memset(&cfg, 0x5a, sizeof(cfg));
	config_defaults(&cfg);
	CHECK(cfg.paging == PAGING_AUTO);
	CHECK(cfg.checks == CHECKS_DEFAULT);
	CHECK(cfg.checks_paging == CHECKS_PAGING_AUTO);
	CHECK(!config_checks_both_modes(&cfg));
	CHECK(cfg.exit == EXIT_AUTO);
	CHECK_EQ_U64(cfg.run_count, 0);
	CHECK_EQ_U64(cfg.test_count, 0);
	CHECK_EQ_U64(cfg.warning_count, 0);
	CHECK_EQ_U64(cfg.warnings_dropped, 0);
	CHECK(!config_has_test(&cfg, ""));

	parse("");
	CHECK_NO_WARNINGS();
	config_defaults(&cfg);
	config_parse(&cfg, NULL, 100);
	CHECK_NO_WARNINGS();
	CHECK_EQ_U64(cfg.run_count, 0);
}

TEST(happy_path_every_key)
{
	parse("# faultline config\n"
	      "paging = 5\n"
	      "checks = full\n"
	      "exit = qemu\n"
	      "\n"
	      "run = hello\n"
	      "run = args one two   three\n"
	      "run=quoted \"hello world\" \"\" x\"y z\"w\n"
	      "  run =\ttabbed\ta\t b  \n"
	      "test = ud2\n"
	      "test=null_deref\n"
	      "checks_paging = booted\n");
	CHECK_NO_WARNINGS();
	CHECK(cfg.paging == PAGING_5);
	CHECK(cfg.checks == CHECKS_FULL);
	CHECK(cfg.checks_paging == CHECKS_PAGING_BOOTED);
	CHECK(cfg.exit == EXIT_QEMU);

	CHECK_EQ_U64(cfg.run_count, 4);
	CHECK_EQ_U64(cfg.runs[0].argc, 1);
	CHECK_EQ_U64(cfg.runs[0].line, 6);
	CHECK_STR(cfg.runs[0].argv[0], "hello");
	CHECK_STR(cfg.runs[0].argv[1], "");

	CHECK_EQ_U64(cfg.runs[1].argc, 4);
	CHECK_EQ_U64(cfg.runs[1].line, 7);
	CHECK_STR(cfg.runs[1].argv[0], "args");
	CHECK_STR(cfg.runs[1].argv[1], "one");
	CHECK_STR(cfg.runs[1].argv[2], "two");
	CHECK_STR(cfg.runs[1].argv[3], "three");

	CHECK_EQ_U64(cfg.runs[2].argc, 4);
	CHECK_STR(cfg.runs[2].argv[0], "quoted");
	CHECK_STR(cfg.runs[2].argv[1], "hello world");
	CHECK_STR(cfg.runs[2].argv[2], "");
	CHECK_STR(cfg.runs[2].argv[3], "xy zw");

	CHECK_EQ_U64(cfg.runs[3].argc, 3);
	CHECK_EQ_U64(cfg.runs[3].line, 9);
	CHECK_STR(cfg.runs[3].argv[0], "tabbed");
	CHECK_STR(cfg.runs[3].argv[1], "a");
	CHECK_STR(cfg.runs[3].argv[2], "b");

	CHECK_EQ_U64(cfg.test_count, 2);
	CHECK(config_has_test(&cfg, "ud2"));
	CHECK(config_has_test(&cfg, "null_deref"));
}

TEST(every_value_of_every_setting)
{
	parse("paging = 4");
	CHECK(cfg.paging == PAGING_4);
	parse("paging = auto");
	CHECK(cfg.paging == PAGING_AUTO);
	parse("checks = none");
	CHECK(cfg.checks == CHECKS_NONE);
	parse("checks = default");
	CHECK(cfg.checks == CHECKS_DEFAULT);
	parse("checks_paging = booted");
	CHECK(cfg.checks_paging == CHECKS_PAGING_BOOTED);
	parse("checks_paging = both");
	CHECK(cfg.checks_paging == CHECKS_PAGING_BOTH);
	parse("checks_paging = auto");
	CHECK(cfg.checks_paging == CHECKS_PAGING_AUTO);
	parse("exit = halt");
	CHECK(cfg.exit == EXIT_HALT);
	parse("exit = auto");
	CHECK(cfg.exit == EXIT_AUTO);
	CHECK_NO_WARNINGS();
}

TEST(comments_blanks_and_spacing)
{
	parse("   # indented comment\n"
	      "\t\n"
	      "paging = 4 # trailing comment\n"
	      "# paging = 5\n"
	      "exit=halt#no space\n"
	      "checks\t=\tnone\t\n"
	      "run = prog a#b c\n"
	      "#\n");
	CHECK_NO_WARNINGS();
	CHECK(cfg.paging == PAGING_4);
	CHECK(cfg.exit == EXIT_HALT);
	CHECK(cfg.checks == CHECKS_NONE);
	CHECK_EQ_U64(cfg.run_count, 1);
	CHECK_EQ_U64(cfg.runs[0].argc, 2);
	CHECK_STR(cfg.runs[0].argv[1], "a");
}

TEST(crlf_line_endings)
{
	parse("paging = 5\r\n\r\nrun = prog arg\r\nbogus = 1\r\ntest = t1\r\n");
	CHECK(cfg.paging == PAGING_5);
	CHECK_EQ_U64(cfg.run_count, 1);
	CHECK_STR(cfg.runs[0].argv[1], "arg");
	CHECK_EQ_U64(cfg.runs[0].line, 3);
	CHECK(config_has_test(&cfg, "t1"));
	CHECK_ONE_WARNING(4, "line 4: unknown key \"bogus\" (ignored)");
}

TEST(last_line_without_newline)
{
	parse("checks = none\nexit = qemu");
	CHECK(cfg.exit == EXIT_QEMU);
	CHECK_NO_WARNINGS();
}

TEST(later_settings_override_earlier_ones)
{
	parse("paging = 4\npaging = 5\nchecks = none\nchecks = full\nexit = halt\nexit = qemu\n");
	CHECK(cfg.paging == PAGING_5);
	CHECK(cfg.checks == CHECKS_FULL);
	CHECK(cfg.exit == EXIT_QEMU);
	CHECK_NO_WARNINGS();
}

TEST(a_second_parse_adds_to_the_first)
{
	parse("run = a\npaging = 4\n");
	config_parse(&cfg, "run = b\n", 8);
	CHECK_EQ_U64(cfg.run_count, 2);
	CHECK_STR(cfg.runs[1].argv[0], "b");
	CHECK_EQ_U64(cfg.runs[1].line, 1);
	CHECK(cfg.paging == PAGING_4);
}

TEST(unknown_keys)
{
	parse("paging = 4\n\npagin = 4\n");
	CHECK_ONE_WARNING(3, "line 3: unknown key \"pagin\" (ignored)");
	parse("Paging = 5\n");                       /* keys are case-sensitive */
	CHECK_ONE_WARNING(1, "line 1: unknown key \"Paging\" (ignored)");
	CHECK(cfg.paging == PAGING_AUTO);
	parse("pag ing = 5\n");
	CHECK_ONE_WARNING(1, "line 1: unknown key \"pag ing\" (ignored)");
	parse("a_very_long_key_name_that_goes_on_and_on_and_on_forever = 1\n");
	CHECK_ONE_WARNING(1, "line 1: unknown key \"a_very_long_key_name_that_goes_on_and_on\" (ignored)");
}

TEST(checks_in_both_paging_modes)
{
	/* auto: both modes only for the exhaustive run */
	parse("checks = full\n");
	CHECK(config_checks_both_modes(&cfg));
	parse("checks = default\n");
	CHECK(!config_checks_both_modes(&cfg));
	/* both: with either sampling; booted: never; none runs nothing in any mode */
	parse("checks = default\nchecks_paging = both\n");
	CHECK(config_checks_both_modes(&cfg));
	parse("checks_paging = both\nchecks = full\n");
	CHECK(config_checks_both_modes(&cfg));
	parse("checks = full\nchecks_paging = booted\n");
	CHECK(!config_checks_both_modes(&cfg));
	parse("checks = none\nchecks_paging = both\n");
	CHECK(!config_checks_both_modes(&cfg));
	parse("checks = none\nchecks_paging = auto\n");
	CHECK(!config_checks_both_modes(&cfg));
	CHECK_NO_WARNINGS();
}

TEST(matrix_parallel_key)
{
	/* auto (the default): parallel with checks = full only */
	parse("checks = full\n");
	CHECK(cfg.matrix_parallel == MATRIX_PARALLEL_AUTO && config_matrix_parallel(&cfg));
	parse("checks = default\n");
	CHECK(!config_matrix_parallel(&cfg));
	/* on: with default too; off: never; smp = off (one CPU): never; checks = none: never */
	parse("checks = default\nmatrix_parallel = on\n");
	CHECK(config_matrix_parallel(&cfg));
	parse("checks = full\nmatrix_parallel = off\n");
	CHECK(cfg.matrix_parallel == MATRIX_PARALLEL_OFF && !config_matrix_parallel(&cfg));
	parse("checks = full\nsmp = off\n");
	CHECK(!config_matrix_parallel(&cfg));
	parse("checks = full\nsmp = 4\n");
	CHECK(config_matrix_parallel(&cfg));
	parse("checks = none\nmatrix_parallel = on\n");
	CHECK(!config_matrix_parallel(&cfg));
	CHECK_NO_WARNINGS();
	parse("matrix_parallel = yes\n");
	CHECK(cfg.matrix_parallel == MATRIX_PARALLEL_AUTO);
	CHECK(cfg.warning_count == 1);
}

TEST(bad_values_keep_the_current_setting)
{
	parse("run = x\nrun = y\nz = 1\npaging = 6\n");
	CHECK_EQ_U64(cfg.warning_count, 2);
	CHECK_STR(cfg.warnings[1].text, "line 4: paging = \"6\": expected auto, 4 or 5 (keeping auto)");
	CHECK_EQ_U64(cfg.warnings[1].line, 4);

	parse("paging = 5\npaging = 4-level\n");
	CHECK(cfg.paging == PAGING_5);
	CHECK_ONE_WARNING(2, "line 2: paging = \"4-level\": expected auto, 4 or 5 (keeping 5)");

	parse("checks = full\nchecks = most\n");
	CHECK(cfg.checks == CHECKS_FULL);
	CHECK_ONE_WARNING(2, "line 2: checks = \"most\": expected none, default or full (keeping full)");

	parse("checks = most\n");
	CHECK(cfg.checks == CHECKS_DEFAULT);
	CHECK_ONE_WARNING(1, "line 1: checks = \"most\": expected none, default or full (keeping default)");

	parse("exit = now please\n");
	CHECK(cfg.exit == EXIT_AUTO);
	CHECK_ONE_WARNING(1, "line 1: exit = \"now please\": expected auto, qemu or halt (keeping auto)");

	parse("checks_paging = both\nchecks_paging = 4 and 5\n");
	CHECK(cfg.checks_paging == CHECKS_PAGING_BOTH);
	CHECK_ONE_WARNING(2, "line 2: checks_paging = \"4 and 5\": expected auto, booted or both (keeping both)");

	parse("checks_paging = Both\n");
	CHECK(cfg.checks_paging == CHECKS_PAGING_AUTO);
	CHECK_ONE_WARNING(1, "line 1: checks_paging = \"Both\": expected auto, booted or both (keeping auto)");

	parse("exit = QEMU\n");
	CHECK_ONE_WARNING(1, "line 1: exit = \"QEMU\": expected auto, qemu or halt (keeping auto)");
}

TEST(missing_parts)
{
	parse("paging 4\n");
	CHECK_ONE_WARNING(1, "line 1: \"paging 4\" is not key = value (ignored)");
	CHECK(cfg.paging == PAGING_AUTO);
	parse("= 4\n");
	CHECK_ONE_WARNING(1, "line 1: \"= 4\" has no key before '=' (ignored)");
	parse("paging =\n");
	CHECK_ONE_WARNING(1, "line 1: paging has no value (keeping auto)");
	parse("checks = # nothing\n");
	CHECK_ONE_WARNING(1, "line 1: checks has no value (keeping default)");
	parse("exit=\n");
	CHECK_ONE_WARNING(1, "line 1: exit has no value (keeping auto)");
	parse("checks_paging = both\nchecks_paging =\n");
	CHECK_ONE_WARNING(2, "line 2: checks_paging has no value (keeping both)");
	CHECK(cfg.checks_paging == CHECKS_PAGING_BOTH);
	parse("run =   \n");
	CHECK_ONE_WARNING(1, "line 1: run has no value (ignored)");
	CHECK_EQ_U64(cfg.run_count, 0);
	parse("test =\n");
	CHECK_ONE_WARNING(1, "line 1: test has no value (ignored)");
	parse("paging = = 4\n");
	CHECK_ONE_WARNING(1, "line 1: paging = \"= 4\": expected auto, 4 or 5 (keeping auto)");
}

TEST(run_quotes)
{
	parse("run = prog \"unterminated arg\n");
	CHECK_ONE_WARNING(1, "line 1: run has an unterminated quote (ignored)");
	CHECK_EQ_U64(cfg.run_count, 0);

	parse("run = \"spaced prog\" x\n");
	CHECK_ONE_WARNING(1, "line 1: run program \"spaced prog\" must be a plain file name "
			     "(letters, digits, '.', '_', '-') (ignored)");

	parse("run = \"quoted\" \"\" \"a\"\"b\"\n");
	CHECK_NO_WARNINGS();
	CHECK_EQ_U64(cfg.runs[0].argc, 3);
	CHECK_STR(cfg.runs[0].argv[0], "quoted");
	CHECK_STR(cfg.runs[0].argv[1], "");
	CHECK_STR(cfg.runs[0].argv[2], "ab");
}

TEST(run_hash_inside_quotes_is_an_argument)
{
	parse("run = prog \"a#b\" \"# x\" c # comment \"q\"\n"
	      "run = prog2 x\"#\"y#tail\n");
	CHECK_NO_WARNINGS();
	CHECK_EQ_U64(cfg.run_count, 2);
	CHECK_EQ_U64(cfg.runs[0].argc, 4);
	CHECK_STR(cfg.runs[0].argv[1], "a#b");
	CHECK_STR(cfg.runs[0].argv[2], "# x");
	CHECK_STR(cfg.runs[0].argv[3], "c");
	CHECK_EQ_U64(cfg.runs[1].argc, 2);
	CHECK_STR(cfg.runs[1].argv[1], "x#y");

	parse("run = prog \"a#b\n");
	CHECK_ONE_WARNING(1, "line 1: run has an unterminated quote (ignored)");
	CHECK_EQ_U64(cfg.run_count, 0);
}

TEST(run_program_must_be_a_plain_name)
{
	static const char *bad[] = {
		"../evil", "a/b", "a\\b", ".", "..", "x..y", "\\faultline\\bin\\x", "h\xc3\xa9llo",
		"a:b", "\"\"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[128], want[CONFIG_WARNING_LEN];
		snprintf(line, sizeof(line), "run = %s arg\n", bad[i]);
		parse(line);
		CHECK_EQ_U64(cfg.run_count, 0);
		const char *shown = strcmp(bad[i], "\"\"") == 0 ? "" : bad[i];
		snprintf(want, sizeof(want), "line 1: run program \"%s\" must be a plain file name "
			 "(letters, digits, '.', '_', '-') (ignored)", shown);
		CHECK_ONE_WARNING(1, want);
	}
	parse("run = a.b_c-D9\nrun = .hidden\nrun = x.y.z\n");
	CHECK_NO_WARNINGS();
	CHECK_EQ_U64(cfg.run_count, 3);
}

TEST(run_word_limits)
{
	/* 16 words (program included) fit; 17 do not. */
	char line[256];
	strcpy(line, "run = p");
	for (int i = 1; i < CONFIG_MAX_ARGS; i++)
		strcat(line, " w");
	parse(line);
	CHECK_NO_WARNINGS();
	CHECK_EQ_U64(cfg.runs[0].argc, CONFIG_MAX_ARGS);
	CHECK_STR(cfg.runs[0].argv[CONFIG_MAX_ARGS - 1], "w");
	strcat(line, " w");
	parse(line);
	CHECK_EQ_U64(cfg.run_count, 0);
	CHECK_ONE_WARNING(1, "line 1: run has more than 16 words, program included (ignored)");

	/* 95 characters fit in a word; 96 do not. */
	char word[CONFIG_MAX_ARG_LEN + 1];
	memset(word, 'a', sizeof(word));
	word[CONFIG_MAX_ARG_LEN - 1] = '\0';
	snprintf(line, sizeof(line), "run = p %s", word);
	parse(line);
	CHECK_NO_WARNINGS();
	CHECK_EQ_U64(strlen(cfg.runs[0].argv[1]), CONFIG_MAX_ARG_LEN - 1);
	snprintf(line, sizeof(line), "run = %s", word);
	parse(line);
	CHECK_NO_WARNINGS();
	word[CONFIG_MAX_ARG_LEN - 1] = 'a';
	word[CONFIG_MAX_ARG_LEN] = '\0';
	snprintf(line, sizeof(line), "run = p x \"%s\"", word);
	parse(line);
	CHECK_EQ_U64(cfg.run_count, 0);
	CHECK_ONE_WARNING(1, "line 1: run word 3 is longer than 95 characters (ignored)");
}

TEST(too_many_runs)
{
	static char text[CONFIG_MAX_BYTES];
	char want[4][64];
	text[0] = 0;
	for (int i = 0; i < CONFIG_MAX_RUNS + 2; i++) {
		char line[48];
		snprintf(line, sizeof(line), "run = p%d %d\n", i, i);
		strcat(text, line);
	}
	parse(text);
	CHECK_EQ_U64(cfg.run_count, CONFIG_MAX_RUNS);
	snprintf(want[0], sizeof(want[0]), "p%d", CONFIG_MAX_RUNS - 1);
	snprintf(want[1], sizeof(want[1]), "%d", CONFIG_MAX_RUNS - 1);
	CHECK_STR(cfg.runs[CONFIG_MAX_RUNS - 1].argv[0], want[0]);
	CHECK_STR(cfg.runs[CONFIG_MAX_RUNS - 1].argv[1], want[1]);
	CHECK_EQ_U64(cfg.runs[CONFIG_MAX_RUNS - 1].line, CONFIG_MAX_RUNS);
	CHECK_EQ_U64(cfg.warning_count, 2);
	CHECK_EQ_U64(cfg.warnings[0].line, CONFIG_MAX_RUNS + 1);
	snprintf(want[2], sizeof(want[2]), "line %d: more than %d run lines (ignored)", CONFIG_MAX_RUNS + 1, CONFIG_MAX_RUNS);
	snprintf(want[3], sizeof(want[3]), "line %d: more than %d run lines (ignored)", CONFIG_MAX_RUNS + 2, CONFIG_MAX_RUNS);
	CHECK_STR(cfg.warnings[0].text, want[2]);
	CHECK_STR(cfg.warnings[1].text, want[3]);
}

TEST(test_names)
{
	parse("test = ud2\ntest = ud2\n");
	CHECK_NO_WARNINGS();
	CHECK_EQ_U64(cfg.test_count, 1);                 /* a repeat is stored once */
	CHECK(config_has_test(&cfg, "ud2"));
	CHECK(!config_has_test(&cfg, "ud"));
	CHECK(!config_has_test(&cfg, "ud2x"));
	CHECK(!config_has_test(&cfg, "UD2"));
	CHECK(!config_has_test(&cfg, ""));
	CHECK(!config_has_test(&cfg, NULL));

	parse("test = two words\n");
	CHECK_EQ_U64(cfg.test_count, 0);
	CHECK_ONE_WARNING(1, "line 1: test = \"two words\": expected one word of letters, digits, "
			     "'.', '_', '-' (ignored)");

	parse("test = abcdefghijklmnopqrstuvwxyz01234\n");    /* 31 characters: fits */
	CHECK_NO_WARNINGS();
	CHECK(config_has_test(&cfg, "abcdefghijklmnopqrstuvwxyz01234"));
	parse("test = abcdefghijklmnopqrstuvwxyz012345\n");   /* 32: too long */
	CHECK_EQ_U64(cfg.test_count, 0);
	CHECK_ONE_WARNING(1, "line 1: test = \"abcdefghijklmnopqrstuvwxyz012345\": "
			     "longer than 31 characters (ignored)");

	char text[256] = "";
	for (int i = 0; i < CONFIG_MAX_TESTS + 1; i++) {
		char line[48];
		snprintf(line, sizeof(line), "test = t%d\n", i);
		strcat(text, line);
	}
	parse(text);
	CHECK_EQ_U64(cfg.test_count, CONFIG_MAX_TESTS);
	CHECK(config_has_test(&cfg, "t7"));
	CHECK(!config_has_test(&cfg, "t8"));
	CHECK_ONE_WARNING(9, "line 9: more than 8 test lines (ignored)");
}

TEST(overlong_lines)
{
	static char text[2048];
	/* A line of exactly CONFIG_MAX_LINE characters is accepted. */
	memset(text, ' ', sizeof(text));
	memcpy(text, "paging = 4", 10);
	text[CONFIG_MAX_LINE] = '\0';
	parse(text);
	CHECK_NO_WARNINGS();
	CHECK(cfg.paging == PAGING_4);

	/* One more is not, even as a comment; the next line still counts as line 2. */
	memset(text, '#', sizeof(text));
	memcpy(text, "paging = 4", 10);
	text[CONFIG_MAX_LINE + 1] = '\n';
	strcpy(text + CONFIG_MAX_LINE + 2, "exit = halt\n");
	parse(text);
	CHECK(cfg.paging == PAGING_AUTO);
	CHECK(cfg.exit == EXIT_HALT);
	CHECK_ONE_WARNING(1, "line 1: longer than 512 characters (ignored)");

	/* The "\r" of a CRLF line does not count towards the limit. */
	memset(text, ' ', sizeof(text));
	memcpy(text, "exit = qemu", 11);
	strcpy(text + CONFIG_MAX_LINE, "\r\n");
	parse(text);
	CHECK_NO_WARNINGS();
	CHECK(cfg.exit == EXIT_QEMU);
}

TEST(nul_and_control_bytes)
{
	static const char with_nul[] = "paging = 4\0\nexit = halt\n";
	parse_bytes(with_nul, sizeof(with_nul) - 1);
	CHECK(cfg.paging == PAGING_AUTO);
	CHECK(cfg.exit == EXIT_HALT);
	CHECK_ONE_WARNING(1, "line 1: contains a NUL byte (ignored)");

	static const char nul_in_comment[] = "checks = full\n# a \0 here\n";
	parse_bytes(nul_in_comment, sizeof(nul_in_comment) - 1);
	CHECK(cfg.checks == CHECKS_FULL);
	CHECK_ONE_WARNING(2, "line 2: contains a NUL byte (ignored)");

	parse("paging = \x01" "4\n");
	CHECK_ONE_WARNING(1, "line 1: contains control character 0x01 (ignored)");
	parse("run = a\x7f\n");
	CHECK_ONE_WARNING(1, "line 1: contains control character 0x7f (ignored)");
	parse("paging = 4\rexit = halt\n");        /* a lone CR is not a line end */
	CHECK_ONE_WARNING(1, "line 1: contains control character 0x0d (ignored)");
	CHECK(cfg.paging == PAGING_AUTO);
	parse("paging = 4\x1b[0m\n");
	CHECK_ONE_WARNING(1, "line 1: contains control character 0x1b (ignored)");

	/* Bytes >= 0x80 are not control characters: fine in comments and arguments. */
	parse("# caf\xc3\xa9\nrun = prog \xc3\xa9t\xc3\xa9\n");
	CHECK_NO_WARNINGS();
	CHECK_STR(cfg.runs[0].argv[1], "\xc3\xa9t\xc3\xa9");
}

TEST(utf8_byte_order_mark_is_skipped)
{
	parse("\xef\xbb\xbfpaging = 5\n");
	CHECK_NO_WARNINGS();
	CHECK(cfg.paging == PAGING_5);
	parse("\xef\xbb");                          /* a cut BOM is just bytes */
	CHECK_ONE_WARNING(1, "line 1: \"\xef\xbb\" is not key = value (ignored)");
}

TEST(warnings_past_the_limit_are_counted)
{
	char text[1024] = "";
	for (int i = 0; i < CONFIG_MAX_WARNINGS + 5; i++)
		strcat(text, "nonsense\n");
	strcat(text, "paging = 5\n");
	parse(text);
	CHECK(cfg.paging == PAGING_5);
	CHECK_EQ_U64(cfg.warning_count, CONFIG_MAX_WARNINGS);
	CHECK_EQ_U64(cfg.warnings_dropped, 5);
	CHECK_EQ_U64(cfg.warnings[CONFIG_MAX_WARNINGS - 1].line, CONFIG_MAX_WARNINGS);
	CHECK_STR(cfg.warnings[CONFIG_MAX_WARNINGS - 1].text, "line 16: \"nonsense\" is not key = value (ignored)");
}

TEST(config_warn_from_outside)
{
	config_defaults(&cfg);
	config_warn(&cfg, 0, "config file missing; using the defaults");
	config_warn(&cfg, 7, NULL);
	char longtext[400];
	memset(longtext, 'w', sizeof(longtext));
	longtext[sizeof(longtext) - 1] = '\0';
	config_warn(&cfg, 0, longtext);
	CHECK_EQ_U64(cfg.warning_count, 3);
	CHECK_STR(cfg.warnings[0].text, "config file missing; using the defaults");
	CHECK_EQ_U64(cfg.warnings[0].line, 0);
	CHECK_STR(cfg.warnings[1].text, "");
	CHECK_EQ_U64(cfg.warnings[1].line, 7);
	CHECK_EQ_U64(strlen(cfg.warnings[2].text), CONFIG_WARNING_LEN - 1);
}

/* Builds a config of total bytes: "paging = 4", comment filler, and tail ending at total. */
static char *oversize_text(size_t total, const char *tail)
{
	char *t = malloc(total);
	memset(t, '#', total);
	memcpy(t, "paging = 4\n", 11);
	for (size_t i = 80; i < total; i += 80)
		t[i] = '\n';
	size_t at = total - strlen(tail);
	memcpy(t + at, tail, strlen(tail));
	t[at - 1] = '\n';
	return t;
}

TEST(oversize_input)
{
	/* A setting straddling byte 16384 is dropped, with the reason. */
	char *t = malloc(20000);
	memset(t, '#', 20000);
	memcpy(t, "paging = 4\n", 11);
	for (size_t i = 80; i < 20000; i += 80)
		t[i] = '\n';
	size_t at = CONFIG_MAX_BYTES - 4;          /* "exit = halt" over the boundary */
	t[at - 1] = '\n';
	memcpy(t + at, "exit = halt\n", 12);
	config_defaults(&cfg);
	config_parse(&cfg, t, 20000);
	CHECK(cfg.paging == PAGING_4);
	CHECK(cfg.exit == EXIT_AUTO);
	CHECK_EQ_U64(cfg.warning_count, 2);
	CHECK_EQ_U64(cfg.warnings[0].line, 0);
	CHECK_STR(cfg.warnings[0].text, "config is 20000 bytes; only the first 16384 are read");
	uint32_t cut_line = 1;
	for (size_t i = 0; i < at; i++)
		cut_line += t[i] == '\n';
	CHECK_EQ_U64(cfg.warnings[1].line, cut_line);
	char want[CONFIG_WARNING_LEN];
	snprintf(want, sizeof(want), "line %u: cut by the 16384-byte limit (ignored)", cut_line);
	CHECK_STR(cfg.warnings[1].text, want);
	free(t);

	/* A line ending exactly at the limit (its newline is byte 16384) is whole. */
	t = oversize_text(CONFIG_MAX_BYTES + 1, "exit = halt\n");
	config_defaults(&cfg);
	config_parse(&cfg, t, CONFIG_MAX_BYTES + 1);
	CHECK(cfg.exit == EXIT_HALT);
	CHECK_EQ_U64(cfg.warning_count, 1);
	free(t);

	/* Also when the limit falls just after the newline. */
	t = oversize_text(CONFIG_MAX_BYTES, "exit = qemu\n");
	char *bigger = malloc(CONFIG_MAX_BYTES + 50);
	memcpy(bigger, t, CONFIG_MAX_BYTES);
	memcpy(bigger + CONFIG_MAX_BYTES, "checks = none\n", 14);
	memset(bigger + CONFIG_MAX_BYTES + 14, '\n', 36);
	config_defaults(&cfg);
	config_parse(&cfg, bigger, CONFIG_MAX_BYTES + 50);
	CHECK(cfg.exit == EXIT_QEMU);
	CHECK(cfg.checks == CHECKS_DEFAULT);        /* past the limit: never read */
	CHECK_EQ_U64(cfg.warning_count, 1);
	CHECK_STR(cfg.warnings[0].text, "config is 16434 bytes; only the first 16384 are read");
	free(bigger);
	free(t);

	/* Exactly at the limit: no warning at all. */
	t = oversize_text(CONFIG_MAX_BYTES, "exit = qemu");
	config_defaults(&cfg);
	config_parse(&cfg, t, CONFIG_MAX_BYTES);
	CHECK(cfg.exit == EXIT_QEMU);
	CHECK_NO_WARNINGS();
	free(t);
}

/* ---- Fuzzing ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: a fixed, reproducible stream. */
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* Same rule as the parser's, written again independently. */
static bool plain_name(const char *s)
{
	if (!*s || strcmp(s, ".") == 0 || strstr(s, ".."))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == strlen(s);
}

/* Checks every invariant a parsed config must hold, whatever the input. Returns false on a breach. */
static bool config_is_sane(const struct faultline_config *c)
{
	bool ok = c->paging == PAGING_AUTO || c->paging == PAGING_4 || c->paging == PAGING_5;
	ok &= c->checks == CHECKS_NONE || c->checks == CHECKS_DEFAULT || c->checks == CHECKS_FULL;
	ok &= c->checks_paging == CHECKS_PAGING_AUTO || c->checks_paging == CHECKS_PAGING_BOOTED ||
	       c->checks_paging == CHECKS_PAGING_BOTH;
	ok &= c->exit == EXIT_AUTO || c->exit == EXIT_QEMU || c->exit == EXIT_HALT;
	ok &= c->run_count <= CONFIG_MAX_RUNS && c->test_count <= CONFIG_MAX_TESTS;
	ok &= c->warning_count <= CONFIG_MAX_WARNINGS;
	ok &= c->warning_count == CONFIG_MAX_WARNINGS || c->warnings_dropped == 0;
	if (!ok)
		return false;
	for (uint32_t r = 0; r < c->run_count; r++) {
		const struct config_run *run = &c->runs[r];
		if (run->argc < 1 || run->argc > CONFIG_MAX_ARGS || run->line < 1)
			return false;
		for (uint32_t a = 0; a < CONFIG_MAX_ARGS; a++)
			if (!memchr(run->argv[a], '\0', CONFIG_MAX_ARG_LEN))
				return false;
		if (!plain_name(run->argv[0]))
			return false;
	}
	for (uint32_t t = 0; t < c->test_count; t++)
		if (!memchr(c->tests[t], '\0', CONFIG_TEST_LEN) || !plain_name(c->tests[t]))
			return false;
	for (uint32_t w = 0; w < c->warning_count; w++) {
		const struct config_warning *wa = &c->warnings[w];
		if (!memchr(wa->text, '\0', CONFIG_WARNING_LEN) || wa->text[0] == '\0')
			return false;
		char prefix[32];
		int n = snprintf(prefix, sizeof(prefix), "line %u: ", wa->line);
		if (wa->line != 0 && strncmp(wa->text, prefix, (size_t)n) != 0)
			return false;
	}
	return true;
}

/* Pieces that steer random input into the parser's interesting corners. */
static const char *const pieces[] = {
	"paging", "checks", "exit", "run", "test", "=", " = ", " ", "\t", "\n", "\r\n", "\r",
	"#", "\"", "4", "5", "auto", "none", "full", "qemu", "halt", "..", "/", "\\", "prog",
	"a", "ud2", "-", ".", "_", "\xef\xbb\xbf", "\xff", "\x01", "\x7f",
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
};

/* Returns a byte the parser treats specially, picked by r. */
static char pieces_char(uint64_t r)
{
	static const char special[] = " \t\n\r#\"=./\\-_a4";
	return special[r % (sizeof(special) - 1)];
}

/* A valid config that the mutating fuzzer damages a few bytes at a time. */
static const char fuzz_template[] =
	"# faultline\r\npaging = 5\nchecks = full\nexit = qemu\n"
	"run = hello \"big world\" x\"y\"z\nrun = prog a b c d e f\n"
	"run=t1\n\trun = t2 # comment\ntest = ud2\ntest = pf\n";

/* Fills buf with n bytes of fuzz; kind 0: raw bytes, 1: a soup of pieces, 2: a damaged valid config. */
static void make_fuzz(char *buf, size_t n, int kind)
{
	size_t i = 0;
	if (kind == 2) {
		for (; i < n; i++)
			buf[i] = fuzz_template[i % (sizeof(fuzz_template) - 1)];
		for (int m = (int)(rng() % 4); m >= 0 && n > 0; m--) {
			uint64_t r = rng();
			buf[r % n] = r % 3 == 0 ? (char)(r >> 32) : pieces_char(r >> 16);
		}
		return;
	}
	while (i < n) {
		if (kind == 0) {
			buf[i++] = (char)rng();
			continue;
		}
		uint64_t r = rng();
		if (r % 50 == 0) {
			buf[i++] = '\0';
			continue;
		}
		const char *p = pieces[(r >> 8) % (sizeof(pieces) / sizeof(pieces[0]))];
		for (; *p && i < n; p++)
			buf[i++] = *p;
	}
}

TEST(fuzz_hostile_input)
{
	int sane = 0, runs_seen = 0, warnings_seen = 0;
	const int rounds = 10000;

	for (int round = 0; round < rounds; round++) {
		size_t len = rng() % 600;
		if (round % 500 == 0)
			len = CONFIG_MAX_BYTES - 100 + rng() % 400;   /* around the size limit */
		char *text = malloc(len ? len : 1);           /* exactly len: ASan sees overreads */
		make_fuzz(text, len, round % 3);
		config_defaults(&cfg);
		config_parse(&cfg, text, len);
		sane += config_is_sane(&cfg);
		runs_seen += cfg.run_count > 0;
		warnings_seen += cfg.warning_count > 0;
		/* Parsing again on top must stay sane too (counts saturate, never overflow). */
		config_parse(&cfg, text, len);
		sane += config_is_sane(&cfg);
		free(text);
	}
	CHECK_EQ_U64(sane, 2 * rounds);
	CHECK(runs_seen > rounds / 4);   /* the fuzz does get through to the run parser */
	CHECK(warnings_seen > rounds / 2);
}

TEST(time_limit)
{
	parse("");
	CHECK_EQ_U64(cfg.time_limit, CONFIG_DEFAULT_TIME_LIMIT);
	parse("time_limit = 30\n");
	CHECK_EQ_U64(cfg.time_limit, 30);
	CHECK_NO_WARNINGS();
	parse("time_limit = 86400\n");
	CHECK_EQ_U64(cfg.time_limit, 86400);
	parse("time_limit = 30\ntime_limit = 0\n");
	CHECK_EQ_U64(cfg.time_limit, 30);
	CHECK_ONE_WARNING(2, "line 2: time_limit = \"0\": expected whole seconds from 1 to 86400 (keeping 30)");
	parse("time_limit = 86401\n");
	CHECK_EQ_U64(cfg.time_limit, CONFIG_DEFAULT_TIME_LIMIT);
	CHECK_EQ_U64(cfg.warning_count, 1);
	parse("time_limit = 99999999999999999999\n");
	CHECK_EQ_U64(cfg.time_limit, CONFIG_DEFAULT_TIME_LIMIT);
	CHECK_EQ_U64(cfg.warning_count, 1);
	parse("time_limit = 1m\n");
	CHECK_EQ_U64(cfg.warning_count, 1);
	parse("time_limit = -5\n");
	CHECK_EQ_U64(cfg.warning_count, 1);
}

TEST(huge_pages)
{
	parse("");
	CHECK_EQ_U64(cfg.thp, CONFIG_THP_ALWAYS);
	CHECK_EQ_U64(cfg.hugepages_2m, 0);
	CHECK_EQ_U64(cfg.hugepages_1g, 0);
	parse("thp = madvise\nhugepages_2m = 64\nhugepages_1g = 2\n");
	CHECK_EQ_U64(cfg.thp, CONFIG_THP_MADVISE);
	CHECK_EQ_U64(cfg.hugepages_2m, 64);
	CHECK_EQ_U64(cfg.hugepages_1g, 2);
	CHECK_NO_WARNINGS();
	parse("thp = never\n");
	CHECK_EQ_U64(cfg.thp, CONFIG_THP_NEVER);
	parse("thp = sometimes\n");
	CHECK_EQ_U64(cfg.thp, CONFIG_THP_ALWAYS);
	CHECK_ONE_WARNING(1, "line 1: thp = \"sometimes\": expected always, madvise or never (keeping always)");
	parse("hugepages_1g = 3\nhugepages_1g = 1025\n");
	CHECK_EQ_U64(cfg.hugepages_1g, 3);
	CHECK_ONE_WARNING(2, "line 2: hugepages_1g = \"1025\": expected a whole number of pages from 0 to 1024 (keeping 3)");
	parse("hugepages_2m = lots\n");
	CHECK_EQ_U64(cfg.hugepages_2m, 0);
	CHECK_EQ_U64(cfg.warning_count, 1);
}

TEST(smp_key)
{
	parse("");
	CHECK_EQ_U64(cfg.smp, CONFIG_SMP_AUTO);
	parse("smp = 4\n");
	CHECK_EQ_U64(cfg.smp, 4);
	CHECK_NO_WARNINGS();
	parse("smp = 4\nsmp = off\n");
	CHECK_EQ_U64(cfg.smp, 1);
	CHECK_NO_WARNINGS();
	parse("smp = off\nsmp = auto\n");
	CHECK_EQ_U64(cfg.smp, CONFIG_SMP_AUTO);
	parse("smp = 2\nsmp = 0\n");
	CHECK_EQ_U64(cfg.smp, 2);
	CHECK_ONE_WARNING(2, "line 2: smp = \"0\": expected auto, off or a number of CPUs from 1 to 4096 (keeping the number before)");
	parse("smp = lots\n");
	CHECK_EQ_U64(cfg.smp, CONFIG_SMP_AUTO);
	CHECK_ONE_WARNING(1, "line 1: smp = \"lots\": expected auto, off or a number of CPUs from 1 to 4096 (keeping auto)");
}

TEST(swap_size)
{
	parse("");
	CHECK_EQ_U64(cfg.swap_bytes, 0);
	parse("swap = 256M\n");
	CHECK_EQ_U64(cfg.swap_bytes, 256ull << 20);
	CHECK_NO_WARNINGS();
	parse("swap = 1G\nswap = 512KiB\n");
	CHECK_EQ_U64(cfg.swap_bytes, 1ull << 30);
	CHECK_ONE_WARNING(2, "line 2: swap = \"512KiB\": expected 0 or a size from 1M to 64G, e.g. 256M (keeping 1024 MiB)");
	parse("swap = 64g\n");
	CHECK_EQ_U64(cfg.swap_bytes, 64ull << 30);
	parse("swap = 2097152k\nswap = 0\n");
	CHECK_EQ_U64(cfg.swap_bytes, 0);
	CHECK_NO_WARNINGS();
	static const char *const bad[] = { "swap = 65G\n", "swap = 12X\n", "swap = M\n", "swap = 4 M\n",
					   "swap = 99999999999999999999999G\n", "swap = 1MiBs\n", "swap = -1M\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(bad[i]);
		CHECK_EQ_U64(cfg.swap_bytes, 0);
		CHECK_EQ_U64(cfg.warning_count, 1);
	}
}

TEST(matrix_sample)
{
	parse("");
	CHECK_EQ_U64(cfg.matrix_sample, 0);
	parse("matrix_sample = 20011\n");
	CHECK_EQ_U64(cfg.matrix_sample, 20011);
	CHECK_NO_WARNINGS();
	parse("matrix_sample = 1\nmatrix_sample = 0\n");
	CHECK_EQ_U64(cfg.matrix_sample, 0);
	CHECK_NO_WARNINGS();
	parse("matrix_sample = 7\nmatrix_sample = 1000000001\n");
	CHECK_EQ_U64(cfg.matrix_sample, 7);
	CHECK_ONE_WARNING(2, "line 2: matrix_sample = \"1000000001\": expected a whole number from 0 to 1000000000 (keeping 7)");
	parse("matrix_sample = 99999999999999999999\n");
	CHECK_EQ_U64(cfg.matrix_sample, 0);
	CHECK_EQ_U64(cfg.warning_count, 1);
	parse("matrix_sample = many\n");
	CHECK_EQ_U64(cfg.warning_count, 1);
	parse("matrix_sample = -1\n");
	CHECK_EQ_U64(cfg.warning_count, 1);
	parse("matrix_sample =\n");
	CHECK_EQ_U64(cfg.warning_count, 1);
}

TEST(report_nvram)
{
	parse("");
	CHECK_EQ_U64(cfg.report_nvram, REPORT_NVRAM_AUTO);
	parse("report_nvram = off\n");
	CHECK_EQ_U64(cfg.report_nvram, REPORT_NVRAM_OFF);
	CHECK_NO_WARNINGS();
	parse("report_nvram = off\nreport_nvram = auto\n");
	CHECK_EQ_U64(cfg.report_nvram, REPORT_NVRAM_AUTO);
	CHECK_NO_WARNINGS();
	parse("report_nvram = off\nreport_nvram = on\n");
	CHECK_EQ_U64(cfg.report_nvram, REPORT_NVRAM_OFF);
	CHECK_ONE_WARNING(2, "line 2: report_nvram = \"on\": expected auto or off (keeping off)");
	parse("report_nvram =\n");
	CHECK_EQ_U64(cfg.report_nvram, REPORT_NVRAM_AUTO);
	CHECK_ONE_WARNING(1, "line 1: report_nvram has no value (keeping auto)");
}

TEST(pcid_key)
{
	parse("");
	CHECK_EQ_U64(cfg.pcid, CONFIG_PCID_AUTO);
	parse("pcid = off\n");
	CHECK_EQ_U64(cfg.pcid, CONFIG_PCID_OFF);
	CHECK_NO_WARNINGS();
	parse("pcid = off\npcid = auto\n");
	CHECK_EQ_U64(cfg.pcid, CONFIG_PCID_AUTO);
	CHECK_NO_WARNINGS();
	parse("pcid = off\npcid = on\n");
	CHECK_EQ_U64(cfg.pcid, CONFIG_PCID_OFF);
	CHECK_ONE_WARNING(2, "line 2: pcid = \"on\": expected auto or off (keeping off)");
}

TEST(reboot_after)
{
	parse("");
	CHECK_EQ_U64(cfg.reboot_after, 0);
	parse("reboot_after = 30\n");
	CHECK_EQ_U64(cfg.reboot_after, 30);
	CHECK_NO_WARNINGS();
	parse("reboot_after = 30\nreboot_after = 0\n");
	CHECK_EQ_U64(cfg.reboot_after, 0);
	CHECK_NO_WARNINGS();
	parse("reboot_after = 86400\n");
	CHECK_EQ_U64(cfg.reboot_after, 86400);
	parse("reboot_after = 5\nreboot_after = 86401\n");
	CHECK_EQ_U64(cfg.reboot_after, 5);
	CHECK_ONE_WARNING(2, "line 2: reboot_after = \"86401\": expected whole seconds from 0 to 86400 (keeping 5)");
	parse("reboot_after = 99999999999999999999\n");
	CHECK_EQ_U64(cfg.reboot_after, 0);
	CHECK_EQ_U64(cfg.warning_count, 1);
	parse("reboot_after = 1s\n");
	CHECK_EQ_U64(cfg.warning_count, 1);
	parse("reboot_after = -1\n");
	CHECK_EQ_U64(cfg.reboot_after, 0);
	CHECK_EQ_U64(cfg.warning_count, 1);
}

UNIT_MAIN(
	UNIT(matrix_parallel_key),
	UNIT(swap_size),
	UNIT(report_nvram),
	UNIT(reboot_after),
	UNIT(smp_key),
	UNIT(matrix_sample),
	UNIT(pcid_key),
	UNIT(huge_pages),
	UNIT(time_limit),
	UNIT(defaults),
	UNIT(happy_path_every_key),
	UNIT(every_value_of_every_setting),
	UNIT(comments_blanks_and_spacing),
	UNIT(crlf_line_endings),
	UNIT(last_line_without_newline),
	UNIT(later_settings_override_earlier_ones),
	UNIT(a_second_parse_adds_to_the_first),
	UNIT(unknown_keys),
	UNIT(checks_in_both_paging_modes),
	UNIT(bad_values_keep_the_current_setting),
	UNIT(missing_parts),
	UNIT(run_quotes),
	UNIT(run_hash_inside_quotes_is_an_argument),
	UNIT(run_program_must_be_a_plain_name),
	UNIT(run_word_limits),
	UNIT(too_many_runs),
	UNIT(test_names),
	UNIT(overlong_lines),
	UNIT(nul_and_control_bytes),
	UNIT(utf8_byte_order_mark_is_skipped),
	UNIT(warnings_past_the_limit_are_counted),
	UNIT(config_warn_from_outside),
	UNIT(oversize_input),
	UNIT(fuzz_hostile_input),
)
