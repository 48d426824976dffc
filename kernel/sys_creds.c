/*
 * User and group ids (Linux's kernel/sys.c and kernel/groups.c): getuid,
 * getgid, geteuid, getegid, getresuid, getresgid, setuid, setgid, setreuid,
 * setregid, setresuid, setresgid, setfsuid, setfsgid, getgroups, setgroups.
 * Programs start as root (task_misc_init). With euid 0 a task has
 * CAP_SETUID and CAP_SETGID (capable()) and may set any id; without, only
 * to one of its own real, effective or saved ids, as Linux. An id of
 * (uint32_t)-1 is invalid (-EINVAL) where Linux's make_kuid says so, and
 * means "unchanged" in the setres and setre calls.
 */
#include "fault/syscall.h"
#include "fault/uaccess.h"
#include "base/process.h"
#include "cpu/percpu.h"

#define ID_UNCHANGED UINT32_C(0xffffffff)

/* CAP_SETUID / CAP_SETGID: root's effective id. */
static bool capable(void)
{
	return current->cred.euid == 0;
}

/* See fault/syscall.h. */
int64_t sys_getuid(void)  { return current->cred.uid; }
int64_t sys_geteuid(void) { return current->cred.euid; }
int64_t sys_getgid(void)  { return current->cred.gid; }
int64_t sys_getegid(void) { return current->cred.egid; }

/* Writes three ids to three user words (getresuid/getresgid); -EFAULT on a
 * bad pointer, as Linux's put_user, after writing the ones before it. */
static int64_t put_three(uint64_t a, uint32_t va, uint64_t b, uint32_t vb, uint64_t c, uint32_t vc)
{
	if (copy_to_user(a, &va, 4) || copy_to_user(b, &vb, 4) || copy_to_user(c, &vc, 4))
		return -EFAULT;
	return 0;
}

/* See fault/syscall.h. */
int64_t sys_getresuid(uint64_t ruid, uint64_t euid, uint64_t suid)
{
	const struct task_cred *c = &current->cred;
	return put_three(ruid, c->uid, euid, c->euid, suid, c->suid);
}

/* See fault/syscall.h. */
int64_t sys_getresgid(uint64_t rgid, uint64_t egid, uint64_t sgid)
{
	const struct task_cred *c = &current->cred;
	return put_three(rgid, c->gid, egid, c->egid, sgid, c->sgid);
}

/*
 * The logic of setuid and setgid, on one id family (real, effective, saved,
 * fs): Linux's __sys_setuid. Returns 0 or -EINVAL / -EPERM.
 */
static int64_t set_one_id(uint32_t id, uint32_t *real, uint32_t *eff, uint32_t *saved, uint32_t *fs)
{
	if (id == ID_UNCHANGED)
		return -EINVAL;
	if (capable()) {
		*real = *saved = id;
	} else if (id != *real && id != *saved) {
		return -EPERM;
	}
	*eff = *fs = id;
	return 0;
}

/* See fault/syscall.h. */
int64_t sys_setuid(uint64_t uid)
{
	struct task_cred *c = &current->cred;
	return set_one_id((uint32_t)uid, &c->uid, &c->euid, &c->suid, &c->fsuid);
}

/* See fault/syscall.h. */
int64_t sys_setgid(uint64_t gid)
{
	struct task_cred *c = &current->cred;
	/* capable() reads euid, which setgid does not change. */
	return set_one_id((uint32_t)gid, &c->gid, &c->egid, &c->sgid, &c->fsgid);
}

/* The logic of setresuid/setresgid: Linux's __sys_setresuid. Without the
 * capability, each new id must be one of the old real, effective or saved. */
static int64_t set_res(uint32_t r, uint32_t e, uint32_t s, uint32_t *real, uint32_t *eff, uint32_t *saved,
		       uint32_t *fs)
{
	uint32_t ids[3] = { r, e, s };
	if (!capable()) {
		for (int i = 0; i < 3; i++)
			if (ids[i] != ID_UNCHANGED && ids[i] != *real && ids[i] != *eff && ids[i] != *saved)
				return -EPERM;
	}
	if (r != ID_UNCHANGED)
		*real = r;
	if (e != ID_UNCHANGED)
		*eff = e;
	if (s != ID_UNCHANGED)
		*saved = s;
	*fs = *eff;
	return 0;
}

/* See fault/syscall.h. */
int64_t sys_setresuid(uint64_t r, uint64_t e, uint64_t s)
{
	struct task_cred *c = &current->cred;
	return set_res((uint32_t)r, (uint32_t)e, (uint32_t)s, &c->uid, &c->euid, &c->suid, &c->fsuid);
}

/* See fault/syscall.h. */
int64_t sys_setresgid(uint64_t r, uint64_t e, uint64_t s)
{
	struct task_cred *c = &current->cred;
	return set_res((uint32_t)r, (uint32_t)e, (uint32_t)s, &c->gid, &c->egid, &c->sgid, &c->fsgid);
}

/* The logic of setreuid/setregid: Linux's __sys_setreuid. The saved id
 * follows the effective one when the real one is set or the effective one
 * changes away from the old real one. */
static int64_t set_re(uint32_t r, uint32_t e, uint32_t *real, uint32_t *eff, uint32_t *saved, uint32_t *fs)
{
	bool cap = capable();
	uint32_t nr = *real, ne = *eff;
	if (r != ID_UNCHANGED) {
		if (r != *real && r != *eff && !cap)
			return -EPERM;
		nr = r;
	}
	if (e != ID_UNCHANGED) {
		if (e != *real && e != *eff && e != *saved && !cap)
			return -EPERM;
		ne = e;
	}
	if (r != ID_UNCHANGED || (e != ID_UNCHANGED && e != *real))
		*saved = ne;
	*real = nr;
	*eff = *fs = ne;
	return 0;
}

/* See fault/syscall.h. */
int64_t sys_setreuid(uint64_t r, uint64_t e)
{
	struct task_cred *c = &current->cred;
	return set_re((uint32_t)r, (uint32_t)e, &c->uid, &c->euid, &c->suid, &c->fsuid);
}

/* See fault/syscall.h. */
int64_t sys_setregid(uint64_t r, uint64_t e)
{
	struct task_cred *c = &current->cred;
	return set_re((uint32_t)r, (uint32_t)e, &c->gid, &c->egid, &c->sgid, &c->fsgid);
}

/* setfsuid/setfsgid: always the old fs id; the new one is taken when it is
 * one of the four ids or the task is capable (Linux's __sys_setfsuid). */
static int64_t set_fs(uint32_t id, const uint32_t *real, const uint32_t *eff, const uint32_t *saved, uint32_t *fs)
{
	uint32_t old = *fs;
	if (id != ID_UNCHANGED && (id == *real || id == *eff || id == *saved || id == *fs || capable()))
		*fs = id;
	return old;
}

/* See fault/syscall.h. */
int64_t sys_setfsuid(uint64_t id)
{
	struct task_cred *c = &current->cred;
	return set_fs((uint32_t)id, &c->uid, &c->euid, &c->suid, &c->fsuid);
}

/* See fault/syscall.h. */
int64_t sys_setfsgid(uint64_t id)
{
	struct task_cred *c = &current->cred;
	return set_fs((uint32_t)id, &c->gid, &c->egid, &c->sgid, &c->fsgid);
}

#define NGROUPS_MAX 65536

/* See fault/syscall.h. Linux: a negative size is -EINVAL; size 0 asks for
 * the count; a smaller size than the count is -EINVAL. */
int64_t sys_getgroups(uint64_t size, uint64_t list)
{
	int32_t n = (int32_t)size;
	const struct task_cred *c = &current->cred;
	if (n < 0)
		return -EINVAL;
	if (n == 0)
		return c->ngroups;
	if ((uint32_t)n < c->ngroups)
		return -EINVAL;
	if (copy_to_user(list, c->groups, c->ngroups * 4ull))
		return -EFAULT;
	return c->ngroups;
}

/* See fault/syscall.h. Linux's order: the capability (-EPERM), the size
 * (-EINVAL above NGROUPS_MAX), the copy (-EFAULT). faultline keeps at most
 * NGROUPS_STORED groups: a longer list is -ENOMEM (Linux's groups_alloc
 * failing). The list is kept sorted, as Linux's groups_sort. */
int64_t sys_setgroups(uint64_t size, uint64_t list)
{
	uint32_t n = (uint32_t)size;
	if (current->cred.euid != 0)
		return -EPERM;
	if (n > NGROUPS_MAX)
		return -EINVAL;
	if (n > NGROUPS_STORED)
		return -ENOMEM;
	uint32_t g[NGROUPS_STORED];
	if (n && copy_from_user(g, list, n * 4ull))
		return -EFAULT;
	for (uint32_t i = 1; i < n; i++)       /* insertion sort */
		for (uint32_t j = i; j > 0 && g[j - 1] > g[j]; j--) {
			uint32_t t = g[j];
			g[j] = g[j - 1];
			g[j - 1] = t;
		}
	struct task_cred *c = &current->cred;
	for (uint32_t i = 0; i < n; i++)
		c->groups[i] = g[i];
	c->ngroups = n;
	return 0;
}
