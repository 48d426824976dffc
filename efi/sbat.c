/*
 * sbat: the image's Secure Boot Advanced Targeting metadata, a PE section
 * named .sbat holding CSV lines (shim's SBAT.md): the format's own line, then
 * faultline's component name and generation. shim 15.3 and later refuse to
 * start an image without it when Secure Boot is on, so a faultline signed with
 * one's own key and enrolled as a MOK (docs/secureboot.md) needs it; the
 * firmware itself ignores the section. Raise the generation (the second
 * field of the faultline line) when a release must revoke all earlier ones.
 */

/* The section's text, NUL-terminated; kept by "used" through LTO and /opt:ref. */
__attribute__((section(".sbat"), used)) static const char sbat_csv[] =
	"sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n"
	"faultline,1,faultline,faultline,1,faultline README\n";
