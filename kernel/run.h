/* The run loop: the config's programs one after another (kernel/run.c). */
#ifndef FAULTLINE_RUN_H
#define FAULTLINE_RUN_H

#include "base/bootinfo.h"
#include "lib/config.h"

/* Runs every `run =` program of the config, in order. */
void run_programs(const struct faultline_config *cfg, const struct boot_info *bi);

#endif
