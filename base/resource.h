/*
 * Resource limits, Linux's uapi/asm-generic/resource.h: the RLIMIT_*
 * numbers, RLIM_INFINITY and struct rlimit as getrlimit/setrlimit/prlimit64
 * pass it on x86-64 (two 64-bit words: soft, then hard).
 */
#ifndef FAULTLINE_RESOURCE_H
#define FAULTLINE_RESOURCE_H

#include <stdint.h>

#define RLIMIT_CPU         0   /* CPU time in seconds */
#define RLIMIT_FSIZE       1   /* largest file */
#define RLIMIT_DATA        2   /* private writable memory (may_expand_vm) */
#define RLIMIT_STACK       3   /* stack size (stack growth) */
#define RLIMIT_CORE        4   /* core file size */
#define RLIMIT_RSS         5
#define RLIMIT_NPROC       6
#define RLIMIT_NOFILE      7   /* one more than the highest fd number */
#define RLIMIT_MEMLOCK     8
#define RLIMIT_AS          9   /* address space (may_expand_vm) */
#define RLIMIT_LOCKS      10
#define RLIMIT_SIGPENDING 11
#define RLIMIT_MSGQUEUE   12
#define RLIMIT_NICE       13
#define RLIMIT_RTPRIO     14
#define RLIMIT_RTTIME     15
#define RLIM_NLIMITS      16

#define RLIM_INFINITY (~UINT64_C(0))

/* Linux's sysctl fs.nr_open default: the highest hard RLIMIT_NOFILE. */
#define NR_OPEN_MAX (UINT64_C(1) << 20)

struct rlimit {
	uint64_t rlim_cur;   /* the soft limit, what the kernel enforces */
	uint64_t rlim_max;   /* the hard limit, the ceiling for rlim_cur */
};

#endif
