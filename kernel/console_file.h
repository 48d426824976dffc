/* A task's descriptor table at start (0, 1, 2 on the console) and at exit. */
#ifndef FAULTLINE_CONSOLE_FILE_H
#define FAULTLINE_CONSOLE_FILE_H

struct task_struct;

/* Gives tsk a new table with descriptors 0 (console input, at end of file)
 * and 1, 2 (console output, one shared open file), and the root directory
 * as its working directory. Returns 0, or -ENOMEM. */
int task_files_init(struct task_struct *tsk);

/* Drops tsk's table (closing what it alone holds) and working directory. */
void exit_files(struct task_struct *tsk);

#endif
