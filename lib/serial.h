/* COM1, a 16550 UART at I/O port 0x3f8, 115200 8N1, polled. */
#ifndef FAULTLINE_SERIAL_H
#define FAULTLINE_SERIAL_H

#include <stddef.h>
#include <stdbool.h>

/* Programs the UART. Returns false if no UART answers (loopback test fails);
 * serial_write() is then a no-op. */
bool serial_init(void);
void serial_write(const char *s, size_t n);    /* "\n" becomes "\r\n" */
bool serial_present(void);

#endif
