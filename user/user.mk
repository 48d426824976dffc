# Ring-3 programs: static x86-64 Linux ELF executables (see user/README in docs/).
USER_BINS :=
