/*
 * init for the Linux reference machine: PID 1 of a Debian kernel booted under
 * QEMU with an initramfs that holds this program, the ring-3 test programs in
 * /bin/ and the list of what to run in /run.list (tools/linux_ref.py builds it).
 *
 * It mounts /proc and /sys, turns transparent huge pages off (unless the
 * command line asks for them: transparent_hugepage=always), raises
 * vm.max_map_count, sets up a zram swap device when the command line has
 * faultline.zram=SIZE (tools/linux_ref.py --zram: LZ4, vm.page-cluster 0), opens the kernel log, reports the kernel it runs on, then runs every line of /run.list in order, one at a time:
 * fork, execve("/bin/PROGRAM", {PROGRAM, ARGS...}, {}) with the serial console
 * as stdin and a pipe as stdout/stderr, carry every line the program writes
 * there to the console inside a record of ours, as faultline's kernel does
 * (kernel/user_records.c, docs/records.md "output"):
 *
 *   {"type":"output","program":"NAME","pid":N,"line":"<the line, escaped>"}
 *
 * (a line too long for one record in parts: "part" 0, 1, ... and
 * "partial":true on all but the last; a last line without '\n' with
 * "no_newline":true), so nothing a program prints can pass for a record of
 * the init; wait, and print one record saying how it ended:
 *
 *   {"type":"exit","program":"NAME","status":N}
 *   {"type":"kill","program":"NAME","signal":"SIGSEGV","signo":11,
 *    "fault":"segfault","addr":"0x0","ip":"0x...","sp":"0x...","error_code":"0x4","kmsg":"..."}
 *
 * The fields after signo come from the kernel log (/dev/kmsg), where Linux
 * reports a fatal fault it sent a signal for (show_unhandled_signals, on by
 * default; the init turns printk rate limiting off so none is dropped):
 * arch/x86/mm/fault.c show_signal_msg(), "NAME[PID]: segfault at ADDR ip IP
 * sp SP error E in ...", gives fault "segfault" and addr, ip, sp,
 * error_code (the page-fault error code); arch/x86/kernel/traps.c
 * show_signal(), "NAME[PID] DESC ip:IP sp:SP error:E in ...", gives fault
 * DESC ("general protection fault", "trap divide error"...) and ip, sp,
 * error_code but no address (the CPU reports none). kmsg is the message
 * itself. A kill the log said nothing about (SIGKILL) has none of them.
 *
 * After each program anything it left running is killed, so the next program
 * starts on an idle machine. Last comes {"type":"linux_done","programs":N} and
 * the machine powers off, which ends QEMU.
 *
 * /run.list has the syntax of faultline.cfg `run =` values (lib/config.c):
 * PROGRAM ARGS... split on spaces and tabs, double quotes group words (no
 * escapes, `""` is an empty argument); blank lines and lines starting with '#'
 * are skipped. PROGRAM is a plain file name. Problems (a bad line, a program
 * that cannot be executed, THP left on) are {"type":"warning",...} records, and
 * the run goes on, as on faultline.
 *
 * faultline.mem_limit=SIZE on the kernel command line (SIZE as memory.max
 * takes it: 8M, 64M ...) is faultline's `mem_limit` (docs/config.md): the
 * init mounts cgroup v2 at /sys/fs/cgroup, enables the memory controller,
 * makes the group /sys/fs/cgroup/faultline with memory.max = SIZE (swap
 * unlimited: memory.swap.max = max) and starts every program in it, so all
 * the programs of the run share one limit, as faultline's user group. A
 * {"type":"memcg","max":"SIZE"} record says it is in force (a warning if
 * any step failed: the programs then run without it).
 *
 * Built static: musl-gcc -static -O2 tests/linux_ref/init.c -o build/linux_ref/init
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUN_LIST "/run.list"
#define PROGRAM_DIR "/bin/"
#define THP_DIR "/sys/kernel/mm/transparent_hugepage/"
#define MAX_MAP_COUNT_PATH "/proc/sys/vm/max_map_count"
#define KMSG_PATH "/dev/kmsg"
#define PRINTK_RATELIMIT_PATH "/proc/sys/kernel/printk_ratelimit"
#define EXCEPTION_TRACE_PATH "/proc/sys/debug/exception-trace"   /* show_unhandled_signals */
#define MAX_MAP_COUNT "1048576"   /* above bench_many_vmas's --vmas limit; Linux's default is 65530 */
#define LINE_MAX_BYTES 4096
#define ARGS_MAX 64
#define LIST_MAX_BYTES (256 * 1024)
#define OUTPUT_LINE_MAX 2048       /* kernel/user_records.h USER_LINE_MAX */
#define OUTPUT_PIECE_BUDGET 3584   /* escaped bytes per output record, as the kernel's */

/* ---- output: whole records with one write each ---- */

/* Writes all n bytes of p to fd 1, retrying short writes. */
static void write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(1, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* A record being built: text plus how much is used; overflow is truncated. */
struct record {
	char text[2048];
	size_t len;
};

/* Appends formatted text to r (cut at the buffer's end). */
static void record_add(struct record *r, const char *fmt, ...)
{
	if (r->len >= sizeof(r->text))
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += (size_t)n < sizeof(r->text) - r->len ? (size_t)n : sizeof(r->text) - r->len - 1;
}

/* Appends s as a JSON string (quoted, escaped) to r. */
static void record_add_string(struct record *r, const char *s)
{
	record_add(r, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			record_add(r, "\\%c", c);
		else if (c == '\n')
			record_add(r, "\\n");
		else if (c < 0x20 || c == 0x7f)
			record_add(r, "\\u%04x", c);
		else
			record_add(r, "%c", c);
	}
	record_add(r, "\"");
}

/*
 * Writes r as a line of its own. The leading newline ends whatever a program
 * printed without one, so the record always starts a line.
 */
static void record_emit(struct record *r)
{
	char line[sizeof(r->text) + 2];
	size_t n = r->len;
	line[0] = '\n';
	memcpy(line + 1, r->text, n);
	line[n + 1] = '\n';
	write_all(line, n + 2);
}

/* Prints {"type":"warning","what":WHAT,"detail":DETAIL}. */
static void warn(const char *what, const char *fmt, ...)
{
	char detail[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	struct record r = { .len = 0 };
	record_add(&r, "{\"type\":\"warning\",\"what\":");
	record_add_string(&r, what);
	record_add(&r, ",\"detail\":");
	record_add_string(&r, detail);
	record_add(&r, "}");
	record_emit(&r);
}

/* ---- a program's output, line by line, inside output records ---- */

static void kill_leftovers(void);

/* The line being collected from the running program's pipe. */
static struct {
	const char *program;
	int pid;
	char line[OUTPUT_LINE_MAX];
	size_t len;
	unsigned part;          /* output records already written for this line */
} out;

/* Returns how many bytes c takes escaped in a JSON string, writing them to dst when not NULL. */
static size_t escape_byte(unsigned char c, char *dst)
{
	char tmp[8];
	size_t n;
	if (c == '"' || c == '\\')
		n = (size_t)snprintf(tmp, sizeof(tmp), "\\%c", c);
	else if (c == '\n')
		n = (size_t)snprintf(tmp, sizeof(tmp), "\\n");
	else if (c < 0x20 || c == 0x7f)
		n = (size_t)snprintf(tmp, sizeof(tmp), "\\u%04x", c);
	else
		n = (size_t)snprintf(tmp, sizeof(tmp), "%c", c);
	if (dst)
		memcpy(dst, tmp, n);
	return n;
}

/*
 * Writes s[0..n) as output records of the current program: one when it
 * fits, else pieces with "part" and "partial" (see the top). ends: the line
 * ends with this text; no_newline: the program ended it without '\n'.
 */
static void output_write(const char *s, size_t n, int ends, int no_newline)
{
	static char rec[OUTPUT_PIECE_BUDGET + 1024];
	do {
		size_t k = 0, esc = 0;
		while (k < n && esc + escape_byte((unsigned char)s[k], NULL) <= OUTPUT_PIECE_BUDGET)
			esc += escape_byte((unsigned char)s[k++], NULL);
		int more = k < n || !ends;
		struct record head = { .len = 0 };
		record_add(&head, "{\"type\":\"output\",\"program\":");
		record_add_string(&head, out.program);
		record_add(&head, ",\"pid\":%d", out.pid);
		if (more || out.part > 0)
			record_add(&head, ",\"part\":%u", out.part);
		record_add(&head, ",\"line\":\"");
		size_t len = 0;
		rec[len++] = '\n';            /* ends whatever else left the line open */
		memcpy(rec + len, head.text, head.len);
		len += head.len;
		for (size_t i = 0; i < k; i++)
			len += escape_byte((unsigned char)s[i], rec + len);
		len += (size_t)snprintf(rec + len, sizeof(rec) - len, "\"%s}\n",
					more ? ",\"partial\":true" : no_newline ? ",\"no_newline\":true" : "");
		write_all(rec, len);
		out.part++;
		s += k;
		n -= k;
	} while (n > 0);
	if (ends)
		out.part = 0;
}

/* Feeds n bytes the program wrote. */
static void output_scan(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			output_write(out.line, out.len, 1, 0);
			out.len = 0;
			continue;
		}
		if (out.len == OUTPUT_LINE_MAX) {
			output_write(out.line, out.len, 0, 0);
			out.len = 0;
		}
		out.line[out.len++] = buf[i];
	}
}

/* At program end: a last line without '\n' goes out too. */
static void output_end(void)
{
	if (out.len || out.part)
		output_write(out.line, out.len, 1, 1);
	out.len = 0;
	out.part = 0;
}

/*
 * Carries what the program pid writes to fd (the pipe's read end) into
 * output records until it ends; then kills whatever it left running (which
 * might hold the pipe open) and takes the rest. Returns waitpid's result
 * with the status in *status.
 */
static pid_t output_follow(int fd, pid_t pid, int *status)
{
	char buf[4096];
	pid_t w = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (w == 0) {
			w = waitpid(pid, status, WNOHANG);
			if (w < 0 && errno == EINTR)
				w = 0;
			if (w != 0)
				kill_leftovers();      /* every writer gone: the pipe reaches end of file */
		}
		int ready = poll(&p, 1, w == 0 ? 100 : -1);
		if (ready < 0 && errno != EINTR)
			break;
		if (ready <= 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (w == 0)                    /* end of file before the exit: wait for it */
				do
					w = waitpid(pid, status, 0);
				while (w < 0 && errno == EINTR);
			break;
		}
		output_scan(buf, (size_t)n);
	}
	if (w == 0)
		do
			w = waitpid(pid, status, 0);
		while (w < 0 && errno == EINTR);
	output_end();
	return w;
}

/* ---- the machine: console, file systems, THP ---- */

/*
 * Makes fds 0-2 the console when the kernel could not open /dev/console for
 * us (an initramfs without the node): mounts devtmpfs and opens it. Silent on
 * failure, since there is nowhere to say it.
 */
static void ensure_console(void)
{
	if (fcntl(1, F_GETFD) >= 0)
		return;
	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

/* Mounts a pseudo file system at dir (created if missing); warns on failure. */
static void mount_pseudo(const char *type, const char *dir)
{
	mkdir(dir, 0555);
	if (mount(type, dir, type, MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0 && errno != EBUSY)
		warn("mount", "mount %s on %s: %s", type, dir, strerror(errno));
}

static int read_text(const char *path, char *buf, size_t size);
static int write_text(const char *path, const char *text);

#define MEMCG_ROOT "/sys/fs/cgroup"
#define MEMCG_GROUP MEMCG_ROOT "/faultline"
static bool memcg_on;   /* programs start in MEMCG_GROUP */

/* faultline's mem_limit: the group every program runs in (see the top). */
static void memcg_setup(void)
{
	char cmdline[1024], limit[64];
	const char *key = "faultline.mem_limit=";
	if (read_text("/proc/cmdline", cmdline, sizeof(cmdline)) != 0)
		return;
	const char *p = strstr(cmdline, key);
	if (!p)
		return;
	p += strlen(key);
	size_t n = strcspn(p, " \t\n");
	if (n == 0 || n >= sizeof(limit)) {
		warn("memcg", "faultline.mem_limit has no usable value");
		return;
	}
	memcpy(limit, p, n);
	limit[n] = '\0';
	mkdir(MEMCG_ROOT, 0755);
	if (mount("cgroup2", MEMCG_ROOT, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0 && errno != EBUSY) {
		warn("memcg", "mount cgroup2 on %s: %s", MEMCG_ROOT, strerror(errno));
		return;
	}
	if (write_text(MEMCG_ROOT "/cgroup.subtree_control", "+memory") != 0) {
		warn("memcg", "enabling the memory controller: %s", strerror(errno));
		return;
	}
	if (mkdir(MEMCG_GROUP, 0755) != 0 && errno != EEXIST) {
		warn("memcg", "mkdir %s: %s", MEMCG_GROUP, strerror(errno));
		return;
	}
	if (write_text(MEMCG_GROUP "/memory.max", limit) != 0) {
		warn("memcg", "memory.max = %s: %s", limit, strerror(errno));
		return;
	}
	(void)write_text(MEMCG_GROUP "/memory.swap.max", "max");
	memcg_on = true;
	struct record r = { .len = 0 };
	record_add(&r, "{\"type\":\"memcg\",\"max\":");
	record_add_string(&r, limit);
	record_add(&r, "}");
	record_emit(&r);
}

/*
 * Reads a small text file into buf (NUL-terminated, trailing newline dropped).
 * Returns 0, or -1 with errno set (buf then holds "").
 */
static int read_text(const char *path, char *buf, size_t size)
{
	buf[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	int saved = errno;
	close(fd);
	if (n < 0) {
		errno = saved;
		return -1;
	}
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* Writes text to an existing file. Returns 0, or -1 with errno set. */
static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	int saved = errno;
	close(fd);
	if (n < 0) {
		errno = saved;
		return -1;
	}
	return 0;
}

/*
 * Sets one THP knob to "never" and reads it back into now. Warns if the write
 * fails or the kernel does not show "[never]" afterwards.
 */
static void thp_set_never(const char *knob, char *now, size_t size)
{
	char path[128];
	snprintf(path, sizeof(path), THP_DIR "%s", knob);
	if (write_text(path, "never") != 0)
		warn("thp", "writing never to %s: %s", path, strerror(errno));
	if (read_text(path, now, size) != 0)
		warn("thp", "reading %s: %s", path, strerror(errno));
	else if (!strstr(now, "[never]"))
		warn("thp", "%s is \"%s\" after writing never", path, now);
}

/*
 * Raises vm.max_map_count to MAX_MAP_COUNT (faultline has no VMA limit, and
 * bench_many_vmas makes 100 000 VMAs) and reads it back into now. Warns if
 * the write fails or the value did not take.
 */
static void max_map_count_raise(char *now, size_t size)
{
	if (write_text(MAX_MAP_COUNT_PATH, MAX_MAP_COUNT) != 0)
		warn("max_map_count", "writing " MAX_MAP_COUNT " to %s: %s", MAX_MAP_COUNT_PATH, strerror(errno));
	if (read_text(MAX_MAP_COUNT_PATH, now, size) != 0)
		warn("max_map_count", "reading %s: %s", MAX_MAP_COUNT_PATH, strerror(errno));
	else if (strcmp(now, MAX_MAP_COUNT) != 0)
		warn("max_map_count", "%s is %s after writing " MAX_MAP_COUNT, MAX_MAP_COUNT_PATH, now);
}

/*
 * Returns 5 if this process can map memory above the 47-bit (4-level) user
 * limit, i.e. the kernel runs with 5-level paging, else 4. Linux only maps
 * there when asked with a hint address above 2^47.
 */
static int paging_levels(void)
{
	void *hint = (void *)(UINT64_C(1) << 52);
	void *p = mmap(hint, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 4;
	int levels = (uintptr_t)p >= (UINT64_C(1) << 47) ? 5 : 4;
	munmap(p, 4096);
	return levels;
}

/* True if the kernel command line asks for THP (transparent_hugepage=always
 * or =madvise: the huge-page tests' runs): then it is left as asked. */
static bool thp_asked_for(void)
{
	char cmdline[1024];
	if (read_text("/proc/cmdline", cmdline, sizeof(cmdline)) != 0)
		return false;
	const char *last = NULL;
	for (const char *p = cmdline; (p = strstr(p, "transparent_hugepage=")) != NULL; p++)
		last = p;
	return last && strncmp(last + strlen("transparent_hugepage="), "never", 5) != 0;
}

/* Turns THP off (unless the command line asks for it), raises
 * vm.max_map_count and prints {"type":"linux_boot",...}: kernel, paging, THP
 * state and the VMA limit. */
static void zram_setup(char *out, size_t size);

static void report_machine(void)
{
	char enabled[128] = "", defrag[128] = "", max_map_count[32], zram[160];
	if (thp_asked_for()) {
		read_text(THP_DIR "enabled", enabled, sizeof(enabled));
		read_text(THP_DIR "defrag", defrag, sizeof(defrag));
	} else {
		thp_set_never("enabled", enabled, sizeof(enabled));
		thp_set_never("defrag", defrag, sizeof(defrag));
	}
	max_map_count_raise(max_map_count, sizeof(max_map_count));
	zram_setup(zram, sizeof(zram));

	struct utsname u;
	if (uname(&u) != 0)
		memset(&u, 0, sizeof(u));
	struct record r = { .len = 0 };
	record_add(&r, "{\"type\":\"linux_boot\",\"release\":");
	record_add_string(&r, u.release);
	record_add(&r, ",\"version\":");
	record_add_string(&r, u.version);
	record_add(&r, ",\"machine\":");
	record_add_string(&r, u.machine);
	record_add(&r, ",\"paging_levels\":%d,\"thp_enabled\":", paging_levels());
	record_add_string(&r, enabled);
	record_add(&r, ",\"thp_defrag\":");
	record_add_string(&r, defrag);
	record_add(&r, ",\"max_map_count\":");
	record_add_string(&r, max_map_count);
	record_add(&r, ",\"zram\":");
	record_add_string(&r, zram);
	record_add(&r, "}");
	record_emit(&r);
}


/* ---- the swap reference: zram ---- */

/* The value of faultline.zram= on the kernel command line (e.g. "256M"), or "". */
static void zram_size_asked(char *out, size_t size)
{
	char cmdline[1024];
	out[0] = '\0';
	if (read_text("/proc/cmdline", cmdline, sizeof(cmdline)) != 0)
		return;
	const char *p = strstr(cmdline, "faultline.zram=");
	if (!p)
		return;
	p += strlen("faultline.zram=");
	size_t n = strcspn(p, " ");
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* Loads /zram/NAME (finit_module; already loaded is fine). Returns 0 or -1 (warned). */
static int zram_load_module(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), "/zram/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		warn("zram", "open %s: %s", path, strerror(errno));
		return -1;
	}
	long r = syscall(SYS_finit_module, fd, "", 0);
	int saved = errno;
	close(fd);
	if (r != 0 && saved != EEXIST) {
		warn("zram", "finit_module %s: %s", path, strerror(saved));
		return -1;
	}
	return 0;
}

/*
 * Writes a swap signature ("SWAPSPACE2", version 1, last page) over the
 * first page of the block device fd of pages pages: what mkswap does.
 */
static int zram_mkswap(int fd, uint64_t pages)
{
	static uint8_t page[4096];
	memset(page, 0, sizeof(page));
	uint32_t version = 1, last_page = (uint32_t)(pages - 1);
	memcpy(page + 1024, &version, 4);
	memcpy(page + 1028, &last_page, 4);
	memcpy(page + 4096 - 10, "SWAPSPACE2", 10);
	return pwrite(fd, page, sizeof(page), 0) == (ssize_t)sizeof(page) ? 0 : -1;
}

/*
 * With faultline.zram=SIZE on the command line: loads the zram modules
 * (/zram/order), makes /dev/zram0 of SIZE compressing with LZ4 (faultline's
 * compressor), writes a swap signature, swaps on it, and sets
 * vm.page-cluster to 0 (no swap readahead: every swapped-out page touched
 * is its own fault, as on faultline). Writes "SIZE lz4" or "" to out;
 * problems are warnings.
 */
static void zram_setup(char *out, size_t size)
{
	char want[32];
	out[0] = '\0';
	zram_size_asked(want, sizeof(want));
	if (!want[0])
		return;
	FILE *order = fopen("/zram/order", "re");
	if (!order) {
		warn("zram", "faultline.zram=%s but no /zram/order: %s", want, strerror(errno));
		return;
	}
	char name[96];
	while (fgets(name, sizeof(name), order)) {
		name[strcspn(name, "\n")] = '\0';
		if (name[0] && zram_load_module(name) != 0) {
			fclose(order);
			return;
		}
	}
	fclose(order);
	if (write_text("/sys/block/zram0/comp_algorithm", "lz4") != 0)
		warn("zram", "comp_algorithm lz4: %s (keeping the default)", strerror(errno));
	if (write_text("/sys/block/zram0/disksize", want) != 0) {
		warn("zram", "disksize %s: %s", want, strerror(errno));
		return;
	}
	char dev[32], bytes[32];
	unsigned ma = 0, mi = 0;
	if (read_text("/sys/block/zram0/dev", dev, sizeof(dev)) != 0 || sscanf(dev, "%u:%u", &ma, &mi) != 2 ||
	    read_text("/sys/block/zram0/disksize", bytes, sizeof(bytes)) != 0) {
		warn("zram", "no /sys/block/zram0/dev or disksize: %s", strerror(errno));
		return;
	}
	mkdir("/dev", 0755);
	if (mknod("/dev/zram0", S_IFBLK | 0600, makedev(ma, mi)) != 0 && errno != EEXIST) {
		warn("zram", "mknod /dev/zram0: %s", strerror(errno));
		return;
	}
	int fd = open("/dev/zram0", O_RDWR | O_CLOEXEC);
	uint64_t pages = strtoull(bytes, NULL, 10) / 4096;
	if (fd < 0 || zram_mkswap(fd, pages) != 0) {
		warn("zram", "writing the swap signature to /dev/zram0: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	fsync(fd);
	close(fd);
	if (syscall(SYS_swapon, "/dev/zram0", 0) != 0) {
		warn("zram", "swapon /dev/zram0: %s", strerror(errno));
		return;
	}
	if (write_text("/proc/sys/vm/page-cluster", "0") != 0)
		warn("zram", "vm.page-cluster 0: %s", strerror(errno));
	char alg[128] = "";
	read_text("/sys/block/zram0/comp_algorithm", alg, sizeof(alg));
	snprintf(out, size, "%s %s", want, alg);
}

/* ---- the kernel log: how Linux saw a program's fatal fault ---- */

static int kmsg_fd = -1;

/*
 * Opens the kernel log (/dev/kmsg, making the node when the initramfs has
 * none) positioned at its end, makes sure Linux logs unhandled fatal signals
 * (debug.exception-trace = 1) and turns printk rate limiting off
 * (kernel.printk_ratelimit = 0: an interval of 0 never limits), so a run of
 * many killer programs loses no report. Warns ("kmsg") on failure; the kill
 * records then carry no fault fields.
 */
static void kmsg_open(void)
{
	if (mknod(KMSG_PATH, S_IFCHR | 0600, makedev(1, 11)) != 0 && errno != EEXIST)
		warn("kmsg", "mknod %s: %s", KMSG_PATH, strerror(errno));
	kmsg_fd = open(KMSG_PATH, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd < 0) {
		warn("kmsg", "open %s: %s", KMSG_PATH, strerror(errno));
		return;
	}
	if (lseek(kmsg_fd, 0, SEEK_END) < 0)
		warn("kmsg", "seek to the end of %s: %s", KMSG_PATH, strerror(errno));
	if (write_text(EXCEPTION_TRACE_PATH, "1") != 0)
		warn("kmsg", "writing 1 to %s: %s", EXCEPTION_TRACE_PATH, strerror(errno));
	if (write_text(PRINTK_RATELIMIT_PATH, "0") != 0)
		warn("kmsg", "writing 0 to %s: %s", PRINTK_RATELIMIT_PATH, strerror(errno));
}

/* What the kernel log said about a program's fatal fault. */
struct fault_report {
	int found;              /* a message about the pid was seen */
	int has_addr;           /* a segfault message: addr is the fault address */
	char fault[64];         /* "segfault", "general protection fault", ... */
	unsigned long addr, ip, sp, error;
	char text[512];         /* the message */
};

/*
 * Reads one kernel log message ("PRI,SEQ,TS,FLAGS;TEXT\n") and fills r if
 * it is about pid: "COMM[PID]: segfault at ADDR ip IP sp SP error E ..." or
 * "COMM[PID] DESC ip:IP sp:SP error:E ...". Other messages leave r alone.
 */
static void kmsg_parse(const char *msg, pid_t pid, struct fault_report *r)
{
	const char *text = strchr(msg, ';');
	char tag[32];
	if (!text)
		return;
	text++;
	snprintf(tag, sizeof(tag), "[%d]", (int)pid);
	const char *at = strstr(text, tag);
	if (!at)
		return;
	at += strlen(tag);
	struct fault_report f = { .found = 1 };
	if (sscanf(at, ": segfault at %lx ip %lx sp %lx error %lx", &f.addr, &f.ip, &f.sp, &f.error) == 4) {
		f.has_addr = 1;
		snprintf(f.fault, sizeof(f.fault), "segfault");
	} else {
		const char *ip = strstr(at, " ip:");
		if (*at != ' ' || !ip || sscanf(ip, " ip:%lx sp:%lx error:%lx", &f.ip, &f.sp, &f.error) != 3)
			return;
		snprintf(f.fault, sizeof(f.fault), "%.*s", (int)(ip - at - 1), at + 1);
	}
	size_t n = strcspn(text, "\n");
	snprintf(f.text, sizeof(f.text), "%.*s", (int)n, text);
	*r = f;
}

/*
 * Reads every kernel log message written since the last call and returns in
 * r the last one about pid (r->found 0 if none).
 */
static void kmsg_fault_of(pid_t pid, struct fault_report *r)
{
	char msg[2048];
	memset(r, 0, sizeof(*r));
	if (kmsg_fd < 0)
		return;
	for (;;) {
		ssize_t n = read(kmsg_fd, msg, sizeof(msg) - 1);
		if (n < 0 && (errno == EINTR || errno == EPIPE))   /* EPIPE: overwritten messages skipped */
			continue;
		if (n <= 0)
			return;                                    /* EAGAIN: nothing more */
		msg[n] = '\0';
		kmsg_parse(msg, pid, r);
	}
}

/* ---- the run list ---- */

/*
 * Splits line in place into words (the faultline.cfg `run =` rules). Fills
 * argv (NULL-terminated) and returns the word count, or -1 with a reason in
 * *why for an unterminated quote or too many words.
 */
static int split_words(char *line, char **argv, int max, const char **why)
{
	int argc = 0;
	char *in = line;
	for (;;) {
		while (*in == ' ' || *in == '\t')
			in++;
		if (*in == '\0')
			break;
		if (argc == max) {
			*why = "too many arguments";
			return -1;
		}
		char *word = in, *out = in;
		while (*in != '\0' && *in != ' ' && *in != '\t') {
			if (*in == '"') {
				in++;
				while (*in != '\0' && *in != '"')
					*out++ = *in++;
				if (*in != '"') {
					*why = "unterminated quote";
					return -1;
				}
				in++;
			} else {
				*out++ = *in++;
			}
		}
		char *next = *in ? in + 1 : in;
		*out = '\0';
		argv[argc++] = word;
		in = next;
	}
	argv[argc] = NULL;
	return argc;
}

/* Returns 1 if name is a plain file name: [A-Za-z0-9._-]+, not "." and no "..". */
static int plain_name(const char *name)
{
	if (name[0] == '\0' || strcmp(name, ".") == 0 || strstr(name, ".."))
		return 0;
	for (const char *p = name; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* ---- running one program ---- */

/* Returns "SIGSEGV" etc. for signo (a static string; "SIGRTMIN+n", "SIG?n" otherwise). */
static const char *signal_name(int signo)
{
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP",	 [SIGINT] = "SIGINT",	  [SIGQUIT] = "SIGQUIT",
		[SIGILL] = "SIGILL",	 [SIGTRAP] = "SIGTRAP",	  [SIGABRT] = "SIGABRT",
		[SIGBUS] = "SIGBUS",	 [SIGFPE] = "SIGFPE",	  [SIGKILL] = "SIGKILL",
		[SIGUSR1] = "SIGUSR1",	 [SIGSEGV] = "SIGSEGV",	  [SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE",	 [SIGALRM] = "SIGALRM",	  [SIGTERM] = "SIGTERM",
		[SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
		[SIGSTOP] = "SIGSTOP",	 [SIGTSTP] = "SIGTSTP",	  [SIGTTIN] = "SIGTTIN",
		[SIGTTOU] = "SIGTTOU",	 [SIGURG] = "SIGURG",	  [SIGXCPU] = "SIGXCPU",
		[SIGXFSZ] = "SIGXFSZ",	 [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
		[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO",	  [SIGPWR] = "SIGPWR",
		[SIGSYS] = "SIGSYS",
	};
	static char other[24];
	if (signo > 0 && signo < (int)(sizeof(names) / sizeof(names[0])) && names[signo])
		return names[signo];
	if (signo >= SIGRTMIN && signo <= SIGRTMAX)
		snprintf(other, sizeof(other), "SIGRTMIN+%d", signo - SIGRTMIN);
	else
		snprintf(other, sizeof(other), "SIG?%d", signo);
	return other;
}

/* Kills every process but us and reaps them all, so nothing outlives its program. */
static void kill_leftovers(void)
{
	kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

/*
 * Runs /bin/argv[0] with argv and an empty environment and waits for it.
 * Returns 1 with an exit or kill record printed, or 0 with a warning if it
 * could not be started (the exec error comes back through a close-on-exec pipe).
 */
static int run_program(int line_no, char **argv)
{
	char path[256];
	snprintf(path, sizeof(path), PROGRAM_DIR "%s", argv[0]);

	int pipefd[2], outfd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		warn("program", "line %d: pipe: %s", line_no, strerror(errno));
		return 0;
	}
	if (pipe2(outfd, O_CLOEXEC) != 0) {
		warn("program", "line %d: pipe: %s", line_no, strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return 0;
	}
	pid_t pid = fork();
	if (pid < 0) {
		warn("program", "line %d: fork: %s", line_no, strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		close(outfd[0]);
		close(outfd[1]);
		return 0;
	}
	if (pid == 0) {
		char *envp[] = { NULL };
		close(pipefd[0]);
		if (chdir("/") != 0 || dup2(outfd[1], 1) < 0 || dup2(outfd[1], 2) < 0)
			_exit(127);
		if (memcg_on && write_text(MEMCG_GROUP "/cgroup.procs", "0") != 0)
			_exit(127);   /* it must not run outside the limit it is compared under */
		execve(path, argv, envp);
		int err = errno;
		ssize_t ignored = write(pipefd[1], &err, sizeof(err));
		(void)ignored;
		_exit(127);
	}
	close(pipefd[1]);
	close(outfd[1]);
	int exec_errno = 0;
	ssize_t got;
	do
		got = read(pipefd[0], &exec_errno, sizeof(exec_errno));
	while (got < 0 && errno == EINTR);
	close(pipefd[0]);

	int status = 0;
	out.program = argv[0];
	out.pid = pid;
	pid_t w = output_follow(outfd[0], pid, &status);
	close(outfd[0]);
	kill_leftovers();

	if (got == (ssize_t)sizeof(exec_errno)) {
		warn("program", "line %d: cannot execute %s: %s", line_no, path, strerror(exec_errno));
		return 0;
	}
	struct record r = { .len = 0 };
	if (w != pid) {
		warn("program", "line %d: waitpid %s: %s", line_no, argv[0], strerror(errno));
		return 0;
	}
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		record_add(&r, "{\"type\":\"kill\",\"program\":");
		record_add_string(&r, argv[0]);
		record_add(&r, ",\"signal\":\"%s\",\"signo\":%d", signal_name(sig), sig);
		struct fault_report f;
		kmsg_fault_of(pid, &f);
		if (f.found) {
			record_add(&r, ",\"fault\":");
			record_add_string(&r, f.fault);
			if (f.has_addr)
				record_add(&r, ",\"addr\":\"0x%lx\"", f.addr);
			record_add(&r, ",\"ip\":\"0x%lx\",\"sp\":\"0x%lx\",\"error_code\":\"0x%lx\",\"kmsg\":",
				   f.ip, f.sp, f.error);
			record_add_string(&r, f.text);
		}
		record_add(&r, "}");
	} else {
		record_add(&r, "{\"type\":\"exit\",\"program\":");
		record_add_string(&r, argv[0]);
		record_add(&r, ",\"status\":%d}", WEXITSTATUS(status));
	}
	record_emit(&r);
	return 1;
}

/*
 * Runs every line of /run.list in order. Returns how many programs ran to an
 * exit or kill record.
 */
static int run_list(void)
{
	static char list[LIST_MAX_BYTES + 1];
	int fd = open(RUN_LIST, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		warn("config", "%s: %s", RUN_LIST, strerror(errno));
		return 0;
	}
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, list + len, LIST_MAX_BYTES - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == LIST_MAX_BYTES) {
			warn("config", "%s is longer than %d bytes (the rest is ignored)", RUN_LIST,
			     LIST_MAX_BYTES);
			break;
		}
	}
	close(fd);
	list[len] = '\0';

	int programs = 0, line_no = 0;
	char *next = list;
	while (*next) {
		char *line = next;
		char *nl = strchr(line, '\n');
		next = nl ? nl + 1 : line + strlen(line);
		if (nl)
			*nl = '\0';
		line_no++;
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n >= LINE_MAX_BYTES) {
			warn("config", "line %d: longer than %d bytes", line_no, LINE_MAX_BYTES - 1);
			continue;
		}
		char *argv[ARGS_MAX + 1];
		const char *why = NULL;
		int argc = split_words(line, argv, ARGS_MAX, &why);
		if (argc < 0) {
			warn("config", "line %d: %s", line_no, why);
			continue;
		}
		if (argc == 0 || argv[0][0] == '#')
			continue;
		if (!plain_name(argv[0])) {
			warn("config", "line %d: \"%s\" is not a plain program name", line_no, argv[0]);
			continue;
		}
		programs += run_program(line_no, argv);
	}
	return programs;
}

int main(void)
{
	ensure_console();
	mount_pseudo("proc", "/proc");
	mount_pseudo("sysfs", "/sys");
	kmsg_open();
	report_machine();
	memcg_setup();

	int programs = run_list();

	struct record r = { .len = 0 };
	record_add(&r, "{\"type\":\"linux_done\",\"programs\":%d}", programs);
	record_emit(&r);
	sync();
	reboot(RB_POWER_OFF);
	/* Power-off failed: PID 1 must not return, and QEMU's timeout ends the run. */
	warn("poweroff", "reboot(RB_POWER_OFF): %s", strerror(errno));
	for (;;)
		pause();
}
