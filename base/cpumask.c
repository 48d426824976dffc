/* The words of a cpumask in use (base/cpumask.h). */
#include "base/cpumask.h"

uint32_t nr_cpumask_words = 1;
