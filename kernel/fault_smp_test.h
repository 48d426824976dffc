/*
 * The fault path on every CPU at once (`test = fault_smp`): an
 * mm of its own, handle_mm_fault driven from every online CPU together
 * (cpu/smp.h's smp_call_function_many; the boot CPU takes part), in four
 * scenarios, one test record each:
 *
 *   fault_smp.same_addresses      every CPU reads then writes every page of
 *                                 one region: each page ends up mapped once,
 *                                 holding every CPU's mark (no CPU wrote to
 *                                 a page that lost the race)
 *   fault_smp.distinct_addresses  each CPU writes its own slice: each page
 *                                 mapped once with its writer's mark
 *   fault_smp.cow_after_dup       the mm duplicated (fork's dup_mm), then the
 *                                 CPUs write the same pages in parent and
 *                                 child at once: every page copied once per
 *                                 side, the original contents kept, the marks
 *                                 of that side's CPUs only
 *   fault_smp.against_munmap      the boot CPU mprotects, munmaps and maps
 *                                 again one region in a loop (mmap_lock for
 *                                 writing) while the others fault in it
 *   fault_smp.thp_shared_after_fork  one mm per CPU sharing THPs (dup_mm),
 *                                 each CPU at once writing some of them in
 *                                 its mm (the shared leaf split, 4 KiB
 *                                 copies), unmapping others and forking its
 *                                 whole mm (every leaf and pte taken and
 *                                 dropped again), 12 rounds: contents kept,
 *                                 its .verify over all the mms at once
 *                                 (each frame's map count against every
 *                                 entry mapping it)
 *   fault_smp.hugetlb_pool        one mm per CPU with a private hugetlb
 *                                 mapping, every CPU taking 2 MiB pages
 *                                 from the pool by faults and giving them
 *                                 back (MADV_DONTNEED), 40 rounds: each page
 *                                 its writer's alone, the pool whole after
 *                                 (skipped without hugepages_2m >= 2 per CPU)
 *
 * and after each: fault_smp.<scenario>.verify (paging/verify.c over the
 * test's mms and the kernel's tables), and at the end
 * fault_smp.no_frame_leaked (every frame back once the mms are gone; every
 * CPU's LRU batch drained first).
 *
 * It can fail: with the pte locks taken out (pte_lock and pte_unmap_unlock
 * made no-ops) a -smp 4 boot failed same_addresses ("page 390 lacks cpu 3's
 * mark"), cow_after_dup ("page 130 of the child lost its contents"; its
 * verify: a frame mapped twice, map count differs) and no_frame_leaked (82
 * frames). thp_shared_after_fork found two races, both fixed: with
 * paging/huge_memory.c's thp_share_lock taken out, 1 of 3 -smp 4 boots
 * failed its verify ("pfn ... is mapped 3 times, page_mapcount differs
 * (2)": a split copied the head's counts while another mm changed them);
 * with it but fork's copy_ptes taking each page's reference with a plain
 * increment, 4 of 5 boots leaked 1 to 8 frames (no_frame_leaked: another
 * mm's atomic put between the increment's read and write was lost); 5 of
 * 5 clean with both. hugetlb_pool, with paging/hugetlb.c's hugetlb_lock
 * taken out, failed 2 of 3 -smp 4 boots (a fault found no pool page: the
 * free list lost one). The ring-3 side of the same locks (page faults from several
 * threads of one process at once, no big kernel lock) is smp_parallel's
 * memory check in the smp_N_programs_on_every_cpu cases.
 */
#ifndef FAULTLINE_FAULT_SMP_TEST_H
#define FAULTLINE_FAULT_SMP_TEST_H

/* Runs the scenarios on the online CPUs (with one CPU they still run, on it
 * alone, and say so in their details). */
void run_fault_smp_test(void);

#endif
