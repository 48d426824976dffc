/*
 * call_on_stack (kernel/call_on_stack.S): calls fn(arg) on stack_top, rbp
 * cleared; fn must not return (if it does, the CPU halts). Used to move the
 * kernel to its final addresses.
 */
#ifndef FAULTLINE_CALL_ON_STACK_H
#define FAULTLINE_CALL_ON_STACK_H

void call_on_stack(void (*fn)(void *), void *arg, void *stack_top) __attribute__((noreturn));

#endif
