/*
 * Error numbers, Linux's values (include/uapi/asm-generic/errno-base.h and
 * errno.h): kernel functions fail with -EXXX, and the syscalls hand the same
 * number to ring 3, where a program compares it with its libc's.
 */
#ifndef FAULTLINE_ERRNO_H
#define FAULTLINE_ERRNO_H

#define EPERM         1   /* operation not permitted */
#define ENOENT        2   /* no such file or directory (or entry) */
#define ESRCH         3
#define EINTR         4
#define EIO           5   /* I/O error (a table that does not read back right) */
#define ENXIO         6
#define E2BIG         7   /* argument list too long */
#define ENOEXEC       8   /* exec format error */
#define EBADF         9   /* bad file descriptor */
#define ECHILD       10
#define EAGAIN       11   /* try again */
#define ENOMEM       12   /* out of memory */
#define EACCES       13   /* permission denied */
#define EFAULT       14   /* bad address */
#define ENOTBLK      15
#define EBUSY        16   /* device or resource busy */
#define EEXIST       17   /* already exists */
#define EXDEV        18
#define ENODEV       19   /* no such device */
#define ENOTDIR      20
#define EISDIR       21
#define EINVAL       22   /* invalid argument */
#define ENFILE       23
#define EMFILE       24
#define ENOTTY       25   /* not a terminal */
#define ETXTBSY      26
#define EFBIG        27
#define ENOSPC       28
#define ESPIPE       29
#define EROFS        30
#define EMLINK       31
#define EPIPE        32
#define EDOM         33
#define ERANGE       34   /* result out of range */
#define ENAMETOOLONG 36   /* file name too long */
#define ENOSYS       38   /* function (syscall) not implemented */
#define ENOTEMPTY    39   /* directory not empty */
#define ELOOP        40   /* too many symbolic links */
#define EOVERFLOW    75   /* value too large for the type */
#define EOPNOTSUPP   95   /* operation not supported */
#define ETIMEDOUT   110   /* connection timed out (futex timeouts) */

/* Kernel-internal (include/linux/errno.h): a syscall interrupted by a signal
 * returns one of these and never reaches ring 3 with it; exit_to_user_mode
 * (kernel/signal.c) restarts the call or turns it into -EINTR, as Linux. */
#define ERESTARTSYS           512   /* restart if the handler has SA_RESTART, else -EINTR */
#define ERESTARTNOINTR        513   /* always restart */
#define ERESTARTNOHAND        514   /* restart if no handler runs, else -EINTR */
#define ERESTART_RESTARTBLOCK 516   /* restart through restart_syscall if no handler runs */

#endif
