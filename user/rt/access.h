/*
 * Single memory accesses the compiler cannot reason about: each is one
 * instruction on an address held in a register, never merged, moved or
 * dropped, and never turned into a trap because the compiler decided the
 * address was invalid (a C dereference of NULL is undefined behaviour that
 * clang may compile to ud2, which would kill with SIGILL, not SIGSEGV).
 * Tests use them to touch pages in measured loops and to make the bad
 * accesses that killer programs are built around.
 */
#ifndef FAULTLINE_USER_ACCESS_H
#define FAULTLINE_USER_ACCESS_H

#include <stdint.h>

/* Loads the byte at addr. */
static inline uint8_t peek8(uintptr_t addr)
{
	uint8_t v;
	__asm__ volatile("movb (%1), %0" : "=q"(v) : "r"(addr) : "memory");
	return v;
}

/* Loads the 64-bit word at addr. */
static inline uint64_t peek64(uintptr_t addr)
{
	uint64_t v;
	__asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

/* Stores v at addr. */
static inline void poke8(uintptr_t addr, uint8_t v)
{
	__asm__ volatile("movb %0, (%1)" : : "q"(v), "r"(addr) : "memory");
}

/* Stores the 64-bit v at addr. */
static inline void poke64(uintptr_t addr, uint64_t v)
{
	__asm__ volatile("movq %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

#endif
