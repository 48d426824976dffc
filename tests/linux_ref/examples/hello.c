/*
 * Example ring-3 program for the Linux reference: prints one passing test
 * record whose detail names the kernel (uname) and the transparent-huge-page
 * setting it saw, then exits 0. tests/linux_ref/selftest.py expects exactly that.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Reads the THP "enabled" knob into buf ("" if unreadable), newline dropped. */
static void read_thp(char *buf, size_t size)
{
	buf[0] = '\0';
	int fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

int main(void)
{
	struct utsname u;
	char thp[128];
	if (uname(&u) != 0)
		strcpy(u.release, "?");
	read_thp(thp, sizeof(thp));
	const char *result = strstr(thp, "[never]") ? "pass" : "fail";
	printf("{\"type\":\"test\",\"name\":\"linux_ref.hello\",\"result\":\"%s\","
	       "\"detail\":\"uname -r %s; thp enabled: %s\"}\n", result, u.release, thp);
	return 0;
}
