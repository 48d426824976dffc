/*
 * The 8042 keyboard controller: its two I/O ports, the status bits the end
 * screen and the reset read, and the command that pulses the CPU reset
 * line. Linux's names where it has them (drivers/input/serio/i8042.h).
 * Many current PCs have no 8042; the ACPI FADT says whether one exists
 * (acpi_i8042_absent), and an absent one's ports read 0xff.
 */
#ifndef FAULTLINE_I8042_H
#define FAULTLINE_I8042_H

#define I8042_DATA_REG     0x60
#define I8042_STATUS_REG   0x64    /* read: status */
#define I8042_COMMAND_REG  0x64    /* write: a command */

#define I8042_STR_OBF      0x01    /* output buffer full: a byte waits at 0x60 */
#define I8042_STR_IBF      0x02    /* input buffer full: not ready for a command */
#define I8042_STR_AUXDATA  0x20    /* the waiting byte is the mouse's */
#define I8042_STATUS_FLOATING 0xff /* what an absent controller's status port reads */

#define I8042_CMD_PULSE_RESET 0xfe /* pulse output line 0: the CPU's reset */

#endif
