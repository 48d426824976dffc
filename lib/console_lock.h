/*
 * The console's lock: the serial line and the screen are written
 * whole lines at a time by one CPU at a time, so that records from several
 * CPUs (a check on an AP, a kill record while another CPU prints) never
 * interleave. It nests on one CPU (a kprintf inside a record being built)
 * and keeps interrupts off while held, so the tick or an IPI handler may
 * print too. It is the innermost lock: nothing is taken while it is held.
 */
#ifndef FAULTLINE_CONSOLE_LOCK_H
#define FAULTLINE_CONSOLE_LOCK_H

#include <stdint.h>

/* Takes the lock (nested on this CPU: counted); returns the RFLAGS to give
 * back to console_unlock. */
uint64_t console_lock(void);

/* Releases one level of it; the last restores the interrupt flag. */
void console_unlock(uint64_t flags);

#endif
