/* Signal and si_code names (see base/signal.h). */
#include "base/signal.h"

/* See base/signal.h. */
const char *signal_name(int sig)
{
	switch (sig) {
	case SIGILL:  return "SIGILL";
	case SIGTRAP: return "SIGTRAP";
	case SIGBUS:  return "SIGBUS";
	case SIGFPE:  return "SIGFPE";
	case SIGKILL: return "SIGKILL";
	case SIGSEGV: return "SIGSEGV";
	case SIGTERM: return "SIGTERM";
	case SIGCHLD: return "SIGCHLD";
	default:      return "SIG?";
	}
}

/* See base/signal.h. */
const char *si_code_name(int sig, int code)
{
	if (code == SI_KERNEL)
		return "SI_KERNEL";
	switch (sig) {
	case SIGSEGV:
		return code == SEGV_MAPERR ? "SEGV_MAPERR" : code == SEGV_ACCERR ? "SEGV_ACCERR"
		     : code == SEGV_PKUERR ? "SEGV_PKUERR" : "?";
	case SIGBUS:
		return code == BUS_ADRALN ? "BUS_ADRALN" : code == BUS_ADRERR ? "BUS_ADRERR" : "?";
	case SIGILL:
		return code == ILL_ILLOPN ? "ILL_ILLOPN" : "?";
	case SIGFPE:
		return code == FPE_INTDIV ? "FPE_INTDIV" : code == FPE_FLTUNK ? "FPE_FLTUNK" : "?";
	case SIGTRAP:
		return code == TRAP_BRKPT ? "TRAP_BRKPT" : code == TRAP_TRACE ? "TRAP_TRACE" : "?";
	default:
		return "?";
	}
}
