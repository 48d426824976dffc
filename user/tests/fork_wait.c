/*
 * fork_wait: how children end and are waited for, as Linux reports it.
 * Exit statuses (WIFEXITED, code << 8), death by SIGSEGV (the signal in the
 * low 7 bits), WNOHANG on a live child (0), waitid with WNOWAIT leaving the
 * zombie for a later wait4, getppid in a child, an orphan reparented away
 * from its dead parent, and ECHILD once every child is reaped. Children
 * that must wait for the parent sleep on a futex in a MAP_SHARED page.
 */
#include "user/rt/rt.h"

RT_PROGRAM(fork_wait);

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define WNOHANG 1
#define WEXITED 4
#define WNOWAIT 0x01000000
#define P_PID 1

struct shared {
	volatile uint32_t go;           /* the parent lets a waiting child go on */
	volatile uint32_t orphan_done;  /* the grandchild wrote its report */
	volatile uint32_t orphan_started; /* the grandchild read its first parent */
	volatile long orphan_ppid_before, orphan_ppid_after, middle_pid;
	volatile long child_ppid;
};

static struct shared *sh;

static long fork_(void) { return syscall6(SYS_fork, 0, 0, 0, 0, 0, 0); }
static long wait4_(long pid, int *st, long opt) { return syscall6(SYS_wait4, pid, (long)st, opt, 0, 0, 0); }

static void futex_wait_for(volatile uint32_t *w)
{
	while (*w == 0)
		syscall6(SYS_futex, (long)w, FUTEX_WAIT, 0, 0, 0, 0);
}

static void futex_set(volatile uint32_t *w)
{
	*w = 1;
	syscall6(SYS_futex, (long)w, FUTEX_WAKE, 1, 0, 0, 0);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long m = sys_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m < 0) {
		rt_test("setup", RT_FAIL, "mmap MAP_SHARED returned %ld", m);
		return 1;
	}
	sh = (struct shared *)m;
	sh->go = 0;
	long me = sys_getpid();

	/* 1. exit status 3, after the parent's WNOHANG found it alive; getppid. */
	long pid = fork_();
	if (pid == 0) {
		sh->child_ppid = syscall6(SYS_getppid, 0, 0, 0, 0, 0, 0);
		futex_wait_for(&sh->go);
		sys_exit_group(3);
	}
	int st = -1;
	long nohang = wait4_(pid, &st, WNOHANG);
	futex_set(&sh->go);
	long w = wait4_(pid, &st, 0);
	rt_check("wnohang_alive", nohang == 0, "wait4(WNOHANG) on a live child returned %ld (expected 0)", nohang);
	rt_check("exit_status", w == pid && st == (3 << 8), "wait4 returned %ld (child %ld), status 0x%x (expected 0x300)",
		 w, pid, st);
	rt_check("getppid", sh->child_ppid == me, "the child's getppid %ld, the parent's pid %ld", sh->child_ppid, me);

	/* 2. killed by SIGSEGV: status is the signal. */
	pid = fork_();
	if (pid == 0) {
		*(volatile int *)16 = 1;
		sys_exit_group(0);
	}
	w = wait4_(-1, &st, 0);
	rt_check("killed_status", w == pid && (st & 0x7f) == 11 && ((st >> 8) & 0xff) == 0,
		 "wait4 returned %ld (child %ld), status 0x%x (expected 0xb: SIGSEGV)", w, pid, st);

	/* 3. waitid with WNOWAIT leaves a zombie that wait4 then reaps. */
	pid = fork_();
	if (pid == 0)
		sys_exit_group(5);
	int32_t info[32];
	memset(info, 0, sizeof(info));
	long r = syscall6(SYS_waitid, P_PID, pid, (long)info, WEXITED | WNOWAIT, 0, 0);
	rt_check("waitid_nowait", r == 0 && info[0] == 17 && info[2] == 1 && info[4] == pid && info[6] == 5,
		 "waitid returned %ld: signo %d code %d pid %d status %d (expected 17 1 %ld 5)", r, info[0], info[2],
		 info[4], info[6], pid);
	w = wait4_(pid, &st, 0);
	rt_check("zombie_reaped_later", w == pid && st == (5 << 8), "wait4 after WNOWAIT returned %ld, status 0x%x", w,
		 st);

	/* 4. an orphan: its parent exits first; it is reparented away from it. */
	sh->go = 0;
	pid = fork_();
	if (pid == 0) {
		long gc = fork_();
		if (gc == 0) {
			sh->orphan_ppid_before = syscall6(SYS_getppid, 0, 0, 0, 0, 0, 0);
			futex_set(&sh->orphan_started);
			futex_wait_for(&sh->go);   /* the middle process is gone by then */
			sh->orphan_ppid_after = syscall6(SYS_getppid, 0, 0, 0, 0, 0, 0);
			futex_set(&sh->orphan_done);
			sys_exit_group(0);
		}
		sh->middle_pid = sys_getpid();
		futex_wait_for(&sh->orphan_started);   /* exits only after the grandchild saw it */
		sys_exit_group(0);
	}
	w = wait4_(pid, &st, 0);
	futex_set(&sh->go);
	futex_wait_for(&sh->orphan_done);
	rt_check("orphan_reparented", sh->orphan_ppid_before == sh->middle_pid && sh->orphan_ppid_after != sh->middle_pid &&
					      sh->orphan_ppid_after > 0,
		 "the grandchild's parent was %ld (the middle process %ld), after that one exited %ld", sh->orphan_ppid_before,
		 sh->middle_pid, sh->orphan_ppid_after);

	long again = wait4_(-1, &st, 0);
	rt_check("echild", again == -10, "wait4 with no children left returned %ld (expected -ECHILD)", again);
	long bad = wait4_(-1, &st, 0x10000000);
	rt_check("bad_options", bad == -22, "wait4 with an unknown option returned %ld (expected -EINVAL)", bad);
	return 0;
}
