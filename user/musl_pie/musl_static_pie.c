/*
 * musl_static_pie: an ordinary C program linked as a static PIE (ET_DYN, no
 * interpreter) against musl: the loader places it at a load bias and musl's
 * rcrt1.o applies its own relative relocations before main. A table of
 * function and string pointers (relocated data) and malloc/printf must work.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

static int twice(int x) { return 2 * x; }
static int square(int x) { return x * x; }

/* Pointers in initialised data: each needs a relocation at load time. */
static struct { const char *name; int (*fn)(int); int want; } table[] = {
	{ "twice", twice, 14 },
	{ "square", square, 49 },
};

static void record(const char *check, int ok, const char *detail)
{
	printf("{\"type\":\"test\",\"name\":\"ring3.musl_static_pie.%s\",\"result\":\"%s\",\"detail\":\"%s\"}\n",
	       check, ok ? "pass" : "fail", detail);
}

int main(void)
{
	char detail[160];
	int bad = 0;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		bad += table[i].fn(7) != table[i].want || strlen(table[i].name) < 5;
	snprintf(detail, sizeof(detail), "%d of 2 relocated table entries wrong", bad);
	record("relocated_data", bad == 0, detail);

	uintptr_t entry = getauxval(AT_ENTRY), here = (uintptr_t)&main;
	snprintf(detail, sizeof(detail), "main at 0x%lx, AT_ENTRY 0x%lx (expected a load bias above 256 MiB)",
		 (unsigned long)here, (unsigned long)entry);
	record("loaded_at_bias", here > 0x10000000 && entry > 0x10000000, detail);

	char *p = malloc(3 << 20);
	int ok = p != NULL;
	if (p) {
		memset(p, 0x5a, 3 << 20);
		ok = p[0] == 0x5a && p[(3 << 20) - 1] == 0x5a;
		free(p);
	}
	record("malloc_3mib", ok, ok ? "3 MiB allocated, written, freed" : "malloc failed or lost data");
	return 0;
}
