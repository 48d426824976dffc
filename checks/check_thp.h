/*
 * The bring-up check of transparent huge pages made by the fault path
 * (checks/check_thp.c): one write fault in a 2 MiB-aligned private anonymous
 * mapping of an mm of its own maps one 2 MiB leaf - every 4 KiB of the 2 MiB
 * is translated by that one pmd entry, one TLB entry's worth - and the CPU
 * itself sets Accessed and Dirty on that leaf when the page is written
 * through it.
 */
#ifndef FAULTLINE_CHECK_THP_H
#define FAULTLINE_CHECK_THP_H

/* Runs the check (after the THP mode and the huge zero page are set up) and
 * records it as the test record paging.thp_fault_path_2m_leaf: a skip when
 * the mode is never or no 2 MiB block was free. */
void check_thp_fault_path(void);

#endif
