/*
 * Text on the firmware console before ExitBootServices (ConOut is UTF-16).
 * OVMF mirrors ConOut to the serial port itself; on a PC it is the screen.
 */
#include <stdarg.h>
#include "efi/efi.h"
#include "base/format.h"

/* Prints s and a newline on ConOut and COM1. */
void efi_puts(const char *s)
{
	CHAR16 wide[256];
	size_t n = 0;
	for (; s[n] && n < 253; n++)
		wide[n] = (CHAR16)(uint8_t)s[n];
	wide[n++] = L'\r';
	wide[n++] = L'\n';
	wide[n] = 0;
	if (efi_st && efi_st->ConOut)
		efi_st->ConOut->OutputString(efi_st->ConOut, wide);
}

/* printf to the firmware console (lines up to 255 characters). */
void efi_printf(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	efi_puts(line);
}
