/*
 * The console: human text to serial and the framebuffer console, mirrored.
 * Records bypass the framebuffer (serial only), see lib/record.c.
 */
#include "lib/console.h"
#include "lib/fbcon.h"
#include "lib/serial.h"

static bool serial_line_open; /* the last byte sent to serial was not '\n' */

/* See lib/console.h. */
void console_write(const char *s, size_t n)
{
	console_serial_write(s, n);
	console_screen_write(s, n);
}

/* See lib/console.h. */
void console_screen_write(const char *s, size_t n)
{
	if (fbcon_active())
		fbcon_write(s, n);
}

/* See lib/console.h. */
void console_serial_write(const char *s, size_t n)
{
	if (n == 0)
		return;
	serial_write(s, n);
	serial_line_open = s[n - 1] != '\n';
}

/* See lib/console.h. */
void console_serial_begin_line(void)
{
	if (serial_line_open)
		console_serial_write("\n", 1);
}
