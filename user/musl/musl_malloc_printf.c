/*
 * musl_malloc_printf: an ordinary C program, built with Debian's
 * `musl-gcc -static -O2` (no faultline runtime), runs unmodified. It mallocs
 * and frees a few MiB in sizes from 1 byte to 3 MiB (musl's allocator takes
 * small ones from brk/mmap'd groups and maps large ones on their own), grows
 * a buffer with realloc (mremap for large sizes), checks calloc zeroes
 * recycled memory, checks printf formatting, and prints its own test records
 * with printf, in docs/records.md's format. Results are collected first and
 * printed at the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RECORDS 16

struct result {
	const char *check;
	int pass;
	char detail[256];
};

static struct result results[MAX_RECORDS];
static int result_count;

/* Queues a record; printed by print_results(). */
static void record(const char *check, int pass, const char *detail)
{
	if (result_count == MAX_RECORDS)
		return;
	results[result_count].check = check;
	results[result_count].pass = pass;
	snprintf(results[result_count].detail, sizeof(results[result_count].detail), "%s", detail);
	result_count++;
}

/* Prints s as the inside of a JSON string. */
static void print_json_string(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
}

static void print_results(void)
{
	for (int i = 0; i < result_count; i++) {
		printf("{\"type\":\"test\",\"name\":\"ring3.musl_malloc_printf.%s\",\"result\":\"%s\",\"detail\":\"",
		       results[i].check, results[i].pass ? "pass" : "fail");
		print_json_string(results[i].detail);
		printf("\"}\n");
	}
}

/* The byte at offset i of block number block. */
static unsigned char pattern_byte(size_t block, size_t i)
{
	return (unsigned char)(block * 31 + i * 7 + (i >> 12));
}

static void fill(unsigned char *p, size_t n, size_t block)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pattern_byte(block, i);
}

/* Returns 1 if p[0..n) holds block's pattern. */
static int holds(const unsigned char *p, size_t n, size_t block)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != pattern_byte(block, i))
			return 0;
	return 1;
}

/* Blocks of many sizes, all live at once, freed in a scrambled order; three rounds. */
static void sizes_round_trip(void)
{
	static const size_t sizes[] = { 1, 7, 16, 100, 1000, 4096, 10000, 65536, 131072,
					200000, 1 << 20, 3 << 20 };
	enum { N = sizeof(sizes) / sizeof(sizes[0]) };
	unsigned char *blocks[N];
	size_t total = 0, bad = 0, failed = 0;
	char detail[256];

	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < N; i++) {
			blocks[i] = malloc(sizes[i]);
			if (!blocks[i]) {
				failed++;
				continue;
			}
			fill(blocks[i], sizes[i], i + round);
			total += sizes[i];
		}
		for (size_t k = 0; k < N; k++) {
			size_t i = (k * 5 + round) % N;  /* 5 is coprime with N: every block once */
			if (blocks[i] && !holds(blocks[i], sizes[i], i + round))
				bad++;
			free(blocks[i]);
		}
	}
	snprintf(detail, sizeof(detail),
		 "3 rounds of %d blocks (1 B to 3 MiB, %zu bytes in all): %zu mallocs failed, %zu blocks corrupted",
		 N, total, failed, bad);
	record("malloc_sizes", failed == 0 && bad == 0, detail);
}

/* 5000 small blocks on a linked list, checked and freed. */
static void many_small(void)
{
	struct node {
		struct node *next;
		size_t index;
		unsigned char payload[40];
	};
	struct node *head = NULL;
	size_t made = 0, bad = 0, seen = 0;
	char detail[256];

	for (size_t i = 0; i < 5000; i++) {
		struct node *n = malloc(sizeof(*n));
		if (!n)
			break;
		n->index = i;
		fill(n->payload, sizeof(n->payload), i);
		n->next = head;
		head = n;
		made++;
	}
	while (head) {
		struct node *next = head->next;
		if (head->index != made - 1 - seen || !holds(head->payload, sizeof(head->payload), head->index))
			bad++;
		seen++;
		free(head);
		head = next;
	}
	snprintf(detail, sizeof(detail), "%zu of 5000 small blocks allocated, %zu corrupted", made, bad);
	record("many_small", made == 5000 && bad == 0, detail);
}

/* realloc from 16 B to 4 MiB by doubling; the prefix must survive every move. */
static void realloc_growth(void)
{
	size_t size = 16, steps = 0, bad = 0;
	unsigned char *p = malloc(size);
	char detail[256];

	if (p)
		fill(p, size, 99);
	while (p && size < (4u << 20)) {
		unsigned char *q = realloc(p, size * 2);
		if (!q)
			break;
		p = q;
		if (!holds(p, size, 99))
			bad++;
		fill(p, size * 2, 99);
		size *= 2;
		steps++;
	}
	free(p);
	snprintf(detail, sizeof(detail), "grew to %zu bytes in %zu reallocs, %zu lost their contents",
		 size, steps, bad);
	record("realloc_growth", size == (4u << 20) && bad == 0, detail);
}

/* calloc after frees of dirty memory still returns zeroes. */
static void calloc_zeroes(void)
{
	size_t nonzero = 0;
	char detail[256];

	for (int i = 0; i < 4; i++) {
		unsigned char *dirty = malloc(256 << 10);
		if (dirty)
			memset(dirty, 0xa5, 256 << 10);
		free(dirty);
		unsigned char *z = calloc(1024, 256);
		if (!z) {
			nonzero++;
			continue;
		}
		for (size_t k = 0; k < 256u << 10; k++)
			if (z[k])
				nonzero++;
		free(z);
	}
	snprintf(detail, sizeof(detail), "4 callocs of 256 KiB after dirty frees: %zu non-zero bytes", nonzero);
	record("calloc_zeroes", nonzero == 0, detail);
}

/* printf's conversions give what the C standard says. */
static void printf_formats(void)
{
	static const char expected[] = "42 -17 ff 0x1f 3.14 2.500000e+00 x % |ab   | 00042 12345678901 7";
	char got[128], detail[256];

	snprintf(got, sizeof(got), "%d %i %x %#x %.2f %e %c %% |%-5s| %05d %lld %zu",
		 42, -17, 255u, 31u, 3.14159, 2.5, 'x', "ab", 42, 12345678901ll, (size_t)7);
	snprintf(detail, sizeof(detail), "snprintf gave \"%s\"", got);
	record("printf_formats", strcmp(got, expected) == 0, detail);
}

int main(void)
{
	sizes_round_trip();
	many_small();
	realloc_growth();
	calloc_zeroes();
	printf_formats();
	print_results();
	return 0;
}
