/*
 * musl_files: an ordinary C program (Debian's `musl-gcc -static -O2`, no
 * faultline runtime) uses files through libc, unmodified: fopen/fgets of
 * the stick's files/hello.txt, fopen "w" + fprintf + fclose of a new file
 * and reading it back with fread, fseek/ftell, stat and fstat, opendir/
 * readdir of files/, mmap of the new file (MAP_SHARED, a write seen by
 * pread), rename and unlink. Prints its own test records with printf
 * (docs/records.md), after the work.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_RECORDS 24

static struct { const char *check; int pass; char detail[200]; } results[MAX_RECORDS];
static int result_count;

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

int main(void)
{
	char line[128] = "", detail[200];
	FILE *f = fopen("files/hello.txt", "r");
	record("fopen_stick_file", f != NULL, f ? "opened" : "fopen failed");
	if (f) {
		record("fgets", fgets(line, sizeof(line), f) && !strcmp(line, "hello, faultline\n"), line);
		record("fgets_eof", fgets(line, sizeof(line), f) == NULL && feof(f), "no second line");
		fclose(f);
	}

	f = fopen("files/musl_new.txt", "w");
	int n = f ? fprintf(f, "line %d\nline %d\n", 1, 2) : -1;
	int closed = f ? fclose(f) : -1;
	snprintf(detail, sizeof(detail), "fprintf %d, fclose %d", n, closed);
	record("fopen_write_fprintf", n == 14 && closed == 0, detail);
	f = fopen("files/musl_new.txt", "r");
	char buf[64] = "";
	size_t got = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	record("fread_back", got == 14 && !memcmp(buf, "line 1\nline 2\n", 14), buf);
	if (f) {
		fseek(f, 5, SEEK_SET);
		int c = fgetc(f);
		long pos = ftell(f);
		snprintf(detail, sizeof(detail), "byte %c at 5, ftell %ld", c, pos);
		record("fseek_ftell", c == '1' && pos == 6, detail);
		struct stat st;
		record("fstat", fstat(fileno(f), &st) == 0 && st.st_size == 14 && S_ISREG(st.st_mode), "size 14");
		fclose(f);
	}
	struct stat st;
	record("stat_dir", stat("files", &st) == 0 && S_ISDIR(st.st_mode), "files/ is a directory");
	record("stat_missing", stat("files/none", &st) == -1, "no such file");

	DIR *d = opendir("files");
	int seen_hello = 0, seen_new = 0, entries = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		entries++;
		seen_hello |= !strcmp(e->d_name, "hello.txt");
		seen_new |= !strcmp(e->d_name, "musl_new.txt");
	}
	if (d)
		closedir(d);
	snprintf(detail, sizeof(detail), "%d entries, hello.txt %d, musl_new.txt %d", entries, seen_hello, seen_new);
	record("readdir", d && seen_hello && seen_new, detail);

	int fd = open("files/musl_new.txt", O_RDWR);
	char *m = fd >= 0 ? mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
	char c = 0;
	if (m != MAP_FAILED) {
		m[5] = '9';
		pread(fd, &c, 1, 5);
		munmap(m, 4096);
	}
	record("mmap_shared_write_seen", m != MAP_FAILED && c == '9', "byte 5 through pread");
	if (fd >= 0)
		close(fd);
	record("rename", rename("files/musl_new.txt", "files/musl_renamed.txt") == 0, "renamed");
	record("unlink", unlink("files/musl_renamed.txt") == 0 && access("files/musl_renamed.txt", F_OK) == -1,
	       "gone");

	for (int i = 0; i < result_count; i++) {
		printf("{\"type\":\"test\",\"name\":\"ring3.musl_files.%s\",\"result\":\"%s\",\"detail\":\"",
		       results[i].check, results[i].pass ? "pass" : "fail");
		print_json_string(results[i].detail);
		printf("\"}\n");
	}
	return 0;
}
