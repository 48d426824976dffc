/*
 * sched_affinity: sched_getaffinity returns the bytes of the kernel's CPU
 * mask (8 on a machine of up to 64 CPUs, 16 up to 128, ...) with the CPU
 * getcpu reports in it (on faultline the online CPUs, numbered from 0
 * without gaps); a length that is not whole longs is -EINVAL, an unknown pid
 * -ESRCH, a bad pointer -EFAULT. sched_setaffinity to one allowed CPU (in
 * whichever word holds it, CPUs above 63 included) is read back exactly; a
 * mask shorter than the kernel's counts its missing CPUs as absent (a 4-byte
 * mask of the first allowed CPU is that CPU alone); a mask with no CPU that
 * exists is -EINVAL and changes nothing. Then it pins itself to every
 * allowed CPU in turn and getcpu must name each (every_cpu: "ran on N of the
 * N allowed CPUs, the highest H", which tests/qemu/smp.py reads on a machine
 * of more than 64 CPUs).
 */
#include "user/rt/rt.h"

RT_PROGRAM(sched_affinity);

#define NR_sched_setaffinity 203
#define NR_sched_getaffinity 204
#define NR_getcpu            309
#define UNUSED_PID           0x3ffffff0

static long getaff(long pid, long len, void *mask)
{
	return syscall6(NR_sched_getaffinity, pid, len, (long)mask, 0, 0, 0);
}

static long setaff(long pid, long len, const void *mask)
{
	return syscall6(NR_sched_setaffinity, pid, len, (long)mask, 0, 0, 0);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	uint64_t orig[16];
	memset(orig, 0, sizeof(orig));
	long n = getaff(0, sizeof(orig), orig);
	unsigned cpu = 999, node = 999;
	long gc = syscall6(NR_getcpu, (long)&cpu, (long)&node, 0, 0, 0, 0);
	rt_check("get", n >= 8 && (n % 8) == 0 && gc == 0 && cpu < 1024 && (orig[cpu / 64] >> (cpu % 64) & 1),
		 "sched_getaffinity %ld bytes, mask word 0x%lx; getcpu %ld: cpu %u node %u", n, orig[0], gc, cpu, node);
	if (fl_on_faultline()) {
		/* CPUs 0 .. ncpus - 1 and no other, in the fewest whole longs. */
		long ncpus = 0;
		int gaps = 0;
		for (long i = 0; i < 1024; i++) {
			int in = (int)(orig[i / 64] >> (i % 64) & 1);
			if (in && i != ncpus)
				gaps = 1;
			ncpus += in;
		}
		rt_check("online_cpus", ncpus > 0 && !gaps && n == (ncpus + 63) / 64 * 8 && node == 0,
			 "faultline's online CPUs are 0..n-1: %ld bytes, %ld CPUs (gaps %d), mask word 0 0x%lx, cpu %u, "
			 "node %u", n, ncpus, gaps, orig[0], cpu, node);
	} else
		rt_test("online_cpus", RT_SKIP, "the host's CPUs are its own");
	uint64_t m[16];
	long e1 = getaff(0, 4, m), e2 = getaff(0, 12, m), e3 = getaff(UNUSED_PID, sizeof(m), m);
	long e4 = getaff(0, sizeof(m), (void *)8), e5 = setaff(UNUSED_PID, sizeof(orig), orig);
	rt_check("errors", e1 == -EINVAL && e2 == -EINVAL && e3 == -ESRCH && e4 == -EFAULT && e5 == -ESRCH,
		 "get len 4 %ld, len 12 %ld (want -EINVAL); unknown pid %ld (want -ESRCH); bad mask %ld (want "
		 "-EFAULT); set unknown pid %ld (want -ESRCH)", e1, e2, e3, e4, e5);

	if (gc != 0 || cpu >= 1024)
		return 0;
	/* The last CPU of the first mask (above 63 on a big machine). */
	unsigned last = 0;
	for (unsigned i = 0; i < (unsigned)n * 8; i++)
		if (orig[i / 64] >> (i % 64) & 1)
			last = i;
	uint64_t want[16];
	memset(want, 0, sizeof(want));
	want[last / 64] = 1ul << (last % 64);
	long s = setaff(0, n, want);
	memset(m, 0, sizeof(m));
	long g = getaff(0, sizeof(m), m);
	rt_check("set_one", s == 0 && g == n && memcmp(m, want, sizeof(m)) == 0,
		 "set CPU %u alone (%ld bytes): %ld; get %ld: word %u 0x%lx", last, n, s, g, last / 64, m[last / 64]);
	unsigned first = 0;
	while (first < last && !(orig[first / 64] >> (first % 64) & 1))
		first++;
	uint64_t one = 1ul << first;
	if (first < 32) {
		uint32_t four = 1u << first;   /* a 4-byte mask: shorter than the kernel's */
		long s4 = setaff(0, 4, &four);
		memset(m, 0, sizeof(m));
		long g4 = getaff(0, sizeof(m), m);
		rt_check("set_short", s4 == 0 && g4 == n && m[0] == one && (n < 16 || m[1] == 0),
			 "set CPU %u by a 4-byte mask: %ld; get %ld: 0x%lx", first, s4, g4, m[0]);
	} else {
		rt_test("set_short", RT_SKIP, "the first allowed CPU, %u, is past a 4-byte mask", first);
		setaff(0, 8, &one);
	}
	uint64_t none[16];
	memset(none, 0, sizeof(none));
	none[15] = 1ul << 63;          /* CPU 1023 */
	long s2 = setaff(0, sizeof(none), none);
	long g2 = getaff(0, sizeof(m), m);
	rt_check("set_none", s2 == -EINVAL && g2 >= 8 && m[0] == one,
		 "a mask of CPU 1023 only: %ld (want -EINVAL); mask then 0x%lx (want 0x%lx)", s2, m[0], one);
	/* Every allowed CPU in turn: pinned there alone, getcpu names it. */
	unsigned allowed = 0, ran = 0, highest = 0, wrong = 0, wrong_cpu = 0, wrong_got = 0;
	for (unsigned c = 0; c <= last; c++) {
		if (!(orig[c / 64] >> (c % 64) & 1))
			continue;
		allowed++;
		memset(want, 0, sizeof(want));
		want[c / 64] = 1ul << (c % 64);
		unsigned now = 9999;
		if (setaff(0, n, want) == 0 && syscall6(NR_getcpu, (long)&now, 0, 0, 0, 0, 0) == 0 && now == c) {
			ran++;
			highest = c;
		} else if (!wrong++) {
			wrong_cpu = c;
			wrong_got = now;
		}
	}
	rt_check("every_cpu", ran == allowed && allowed > 0,
		 "ran on %u of the %u allowed CPUs, the highest %u (first miss: pinned to %u, getcpu %u)", ran, allowed,
		 highest, wrong ? wrong_cpu : 0, wrong ? wrong_got : 0);
	long r = setaff(0, n, orig);
	rt_check("restore", r == 0, "setting the first mask back returned %ld", r);
	return 0;
}
