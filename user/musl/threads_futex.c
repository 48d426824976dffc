/*
 * threads_futex: POSIX threads on musl (clone with CLONE_VM|CLONE_THREAD|
 * CLONE_SETTLS|CLONE_CHILD_CLEARTID..., futex for mutexes, condition
 * variables and pthread_join) share one address space: four threads add to
 * one counter under a mutex, a ping-pong over a condition variable hands a
 * token back and forth, each thread sees its own thread-local variable and
 * its own tid, and memory one thread maps another can read. getrusage:
 * the faults of threads that have exited stay the process's (RUSAGE_SELF)
 * and never become the main thread's own (RUSAGE_THREAD). Prints its test
 * records with printf (docs/records.md).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define THREADS 4
#define ROUNDS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn;              /* whose turn in the ping-pong: 0 or 1 */
static int handoffs;
static __thread int tls_value;
static long tids[THREADS];
static int tls_ok[THREADS];
static char *shared_map;

static void *adder(void *arg)
{
	int id = (int)(long)arg;
	tls_value = id * 100;
	tids[id] = syscall(SYS_gettid);
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	tls_ok[id] = tls_value == id * 100;
	if (id == 0) {
		shared_map = mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (shared_map != MAP_FAILED)
			memset(shared_map, 0x5a, 1 << 20);
	}
	return arg;
}

/* ru_minflt of who (RUSAGE_SELF or RUSAGE_THREAD), -1 if getrusage fails. */
static long minflt(int who)
{
	struct rusage ru;
	return getrusage(who, &ru) == 0 ? ru.ru_minflt : -1;
}

static void *pong(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++) {
		pthread_mutex_lock(&lock);
		while (turn != 1)
			pthread_cond_wait(&turn_changed, &lock);
		turn = 0;
		handoffs++;
		pthread_cond_signal(&turn_changed);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	int created = 0, joined = 0;
	long self0 = minflt(RUSAGE_SELF), own0 = minflt(RUSAGE_THREAD);
	for (int i = 0; i < THREADS; i++)
		created += pthread_create(&t[i], NULL, adder, (void *)(long)i) == 0;
	for (int i = 0; i < created; i++) {
		void *ret = NULL;
		joined += pthread_join(t[i], &ret) == 0 && ret == (void *)(long)i;
	}
	long self1 = minflt(RUSAGE_SELF), own1 = minflt(RUSAGE_THREAD);
	int distinct = 1, tls = 1;
	long pid = getpid();
	for (int i = 0; i < THREADS; i++) {
		tls &= tls_ok[i];
		if (tids[i] == pid || tids[i] <= 0)
			distinct = 0;
		for (int j = 0; j < i; j++)
			if (tids[i] == tids[j])
				distinct = 0;
	}
	int map_ok = shared_map && shared_map != MAP_FAILED && shared_map[12345] == 0x5a;

	pthread_t p;
	int pong_ok = pthread_create(&p, NULL, pong, NULL) == 0;
	for (int i = 0; pong_ok && i < 100; i++) {
		pthread_mutex_lock(&lock);
		turn = 1;
		pthread_cond_signal(&turn_changed);
		while (turn != 0)
			pthread_cond_wait(&turn_changed, &lock);
		pthread_mutex_unlock(&lock);
	}
	if (pong_ok)
		pthread_join(p, NULL);

	printf("{\"type\":\"test\",\"name\":\"ring3.threads_futex.join\",\"result\":\"%s\",\"detail\":\"%d threads created, %d joined with their return value\"}\n",
	       created == THREADS && joined == THREADS ? "pass" : "fail", created, joined);
	printf("{\"type\":\"test\",\"name\":\"ring3.threads_futex.mutex_counter\",\"result\":\"%s\",\"detail\":\"counter %ld (expected %d)\"}\n",
	       counter == (long)THREADS * ROUNDS ? "pass" : "fail", counter, THREADS * ROUNDS);
	printf("{\"type\":\"test\",\"name\":\"ring3.threads_futex.tids_tls\",\"result\":\"%s\",\"detail\":\"distinct tids other than the pid: %d; thread-local values kept: %d\"}\n",
	       distinct && tls ? "pass" : "fail", distinct, tls);
	printf("{\"type\":\"test\",\"name\":\"ring3.threads_futex.shared_memory\",\"result\":\"%s\",\"detail\":\"a mapping made and filled by another thread reads back: %d\"}\n",
	       map_ok ? "pass" : "fail", map_ok);
	printf("{\"type\":\"test\",\"name\":\"ring3.threads_futex.condvar_pingpong\",\"result\":\"%s\",\"detail\":\"%d handoffs (expected 100)\"}\n",
	       pong_ok && handoffs == 100 ? "pass" : "fail", handoffs);
	/* Thread 0 wrote 256 new pages and exited: the process's faults grew by
	 * at least that; the main thread's own only by what it touched itself
	 * (the new threads' descriptors), far fewer. */
	printf("{\"type\":\"test\",\"name\":\"ring3.threads_futex.rusage_thread_own\",\"result\":\"%s\",\"detail\":\"across the threads' lives: RUSAGE_SELF minflt +%ld (want >= 256), the main thread's RUSAGE_THREAD +%ld (want < 128)\"}\n",
	       self0 >= 0 && own0 >= 0 && self1 - self0 >= 256 && own1 - own0 < 128 ? "pass" : "fail", self1 - self0,
	       own1 - own0);
	return 0;
}
