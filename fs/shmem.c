/* shmem files (fs/shmem.h). */
#include "fs/shmem.h"
#include "fs/fcntl.h"
#include "fs/file.h"
#include "fs/inode.h"
#include "fs/namei.h"
#include "paging/page.h"
#include "base/string.h"

static uint64_t shmem_alive;

/* a_ops->readpage: paging's page cache fills AS_SHMEM pages itself (zeros);
 * kept for any caller that reads through the a_ops. */
static int shmem_readpage(struct address_space *mapping, struct page *page)
{
	(void)mapping;
	clear_page(page_address(page));
	return 0;
}

/* No writepage: an AS_SHMEM mapping is never written back. */
static const struct address_space_operations shmem_aops = {
	.readpage = shmem_readpage,
};

/* See fs/shmem.h. */
struct file *shmem_file_setup(uint64_t size, uint32_t flags)
{
	if (files_init())   /* the file cache: before the first program too (the mm self-test) */
		return NULL;
	struct inode *inode = new_inode(S_IFREG | 0777);
	if (!inode)
		return NULL;
	inode->i_data.a_ops = &shmem_aops;
	inode->i_data.flags |= AS_SHMEM;
	inode->i_data.i_size = size;
	shmem_alive++;
	struct file *f = alloc_file(&regular_fops, (flags & ~(uint32_t)O_ACCMODE) | O_RDWR | O_LARGEFILE,
				    FMODE_READ | FMODE_WRITE | FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE);
	if (!f) {
		iput(inode);
		return NULL;
	}
	f->f_inode = inode;   /* the file takes new_inode's reference */
	f->f_mapping = &inode->i_data;
	return f;
}

/* See fs/inode.h. */
void shmem_evicted(void)
{
	shmem_alive--;
}

/* See fs/shmem.h. */
uint64_t shmem_objects_alive(void)
{
	return shmem_alive;
}
