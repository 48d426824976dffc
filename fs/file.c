/* struct file's life: alloc_file, get_file, fput (fs/file.h). */
#include "fs/file.h"
#include "paging/slab.h"
#include "base/string.h"
#include "base/panic.h"

static struct kmem_cache *filp_cache;
static uint64_t nr_files;

/* See fs/file.h. */
int files_init(void)
{
	if (!filp_cache)
		filp_cache = kmem_cache_create("filp", sizeof(struct file), 0);
	return filp_cache ? 0 : -1;
}

/* See fs/file.h. */
struct file *alloc_file(const struct file_operations *f_op, uint32_t flags, uint32_t mode)
{
	struct file *f = filp_cache ? kmem_cache_zalloc(filp_cache) : NULL;
	if (!f)
		return NULL;
	f->f_op = f_op;
	f->f_count = 1;
	f->f_flags = flags;
	f->f_mode = mode;
	nr_files++;
	return f;
}

/* See fs/file.h. */
void fput(struct file *f)
{
	if (!f)
		return;
	if (f->f_count <= 0)
		panic("fput: file %p with f_count %d", (void *)f, f->f_count);
	if (--f->f_count)
		return;
	if (f->f_op && f->f_op->release)
		f->f_op->release(f);
	kmem_cache_free(filp_cache, f);
	nr_files--;
}

/* See fs/file.h. */
uint64_t files_alive(void)
{
	return nr_files;
}
