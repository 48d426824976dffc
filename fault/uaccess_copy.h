/*
 * The user-copy loops of fault/uaccess_copy.S and the labels of their one
 * faulting instruction and its fixup, for fault/uaccess.c (the range checks
 * and the exception table). Nothing else calls them: fault/uaccess.h is the
 * interface.
 */
#ifndef FAULTLINE_UACCESS_COPY_H
#define FAULTLINE_UACCESS_COPY_H

#include <stdint.h>

/* Copies n bytes (STAC/CLAC around it); returns the bytes NOT copied. */
uint64_t __copy_user(void *dst, const void *src, uint64_t n);

/* Zeroes n bytes at dst; returns the bytes NOT cleared. */
uint64_t __clear_user(void *dst, uint64_t n);

/* The faulting instruction of each loop and where fixup_exception resumes. */
extern char copy_user_fault_ip[], copy_user_fixup[];
extern char clear_user_fault_ip[], clear_user_fixup[];

#endif
