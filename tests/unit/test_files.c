/*
 * Host tests of fs/ and the page cache over simulated memory
 * (tests/unit/mm_sim.h): the descriptor table (fs/fdtable.c: numbers,
 * dup/dup2/dup3/fcntl and their errno, growth, RLIMIT_NOFILE, dup_fd and
 * close-on-exec, every file freed after put_files_struct), the xarray, the
 * file system on a RAM disk in host memory (create, write, read, holes,
 * truncate freeing blocks and cached pages, ENOSPC on a full disk, an
 * unlinked open file, names and directories), and file faults on an mm
 * (do_read_fault with fault-around, do_cow_fault, do_shared_fault and the
 * write-protect after writeback, SIGBUS past the end, truncation unmapping),
 * and shmem objects (fs/shmem.c: a miss is a new dirty zeroed page mapped
 * writable, shared with a forked mm, kept by MADV_DONTNEED, moved by mremap
 * with its page offsets, freed with the last VMA).
 * User addresses are host pointers here: the user copies are memcpy.
 */
#include "tests/unit/mm_sim.h"

uint8_t uaccess_smap;
bool access_ok(uint64_t addr, uint64_t n) { (void)addr; (void)n; return true; }
uint64_t copy_from_user(void *dst, uint64_t usrc, uint64_t n)
{
	memcpy(dst, (const void *)(uintptr_t)usrc, n);
	return 0;
}
uint64_t copy_to_user(uint64_t udst, const void *src, uint64_t n)
{
	memcpy((void *)(uintptr_t)udst, src, n);
	return 0;
}

#include "../../fs/file.c"
#include "../../fs/fdtable.c"
#include "../../fs/brd.c"
#include "../../fs/inode.c"
#include "../../fs/namei.c"
#include "../../fs/file_ops.c"
#include "../../fs/super.c"
#include "../../fs/shmem.c"

#define U(p) ((uint64_t)(uintptr_t)(p))
#define BASE 0x40000000ull

static const struct file_operations dummy_fops = { 0 };

/* A table with 0, 1, 2 open on one dummy file each. */
static struct files_struct *three_fds(void)
{
	CHECK(fdtable_init() == 0);
	struct files_struct *files = files_alloc();
	for (int i = 0; i < 3; i++) {
		int fd = alloc_fd(files, 0, 0);
		CHECK_EQ_U64(fd, (uint64_t)i);
		fd_install(files, (uint32_t)fd, alloc_file(&dummy_fops, 0, FMODE_READ));
	}
	return files;
}

TEST(fdtable_numbers_dup_and_errno)
{
	sim_ready(4);
	uint64_t alive = files_alive();
	struct files_struct *files = three_fds();
	CHECK_EQ_U64(ksys_dup(files, 1), 3);
	CHECK_EQ_U64(files_lookup(files, 3)->f_count, 2);
	CHECK_EQ_U64(close_fd(files, 3), 0);
	CHECK_EQ_U64(close_fd(files, 3), (uint64_t)-EBADF);
	CHECK_EQ_U64(ksys_dup(files, 9), (uint64_t)-EBADF);
	CHECK_EQ_U64(ksys_dup2(files, 0, 100), 100);           /* grows past NR_OPEN_DEFAULT */
	CHECK(files->max_fds >= 128 && files->fd != files->fd_array);
	CHECK_EQ_U64(ksys_dup2(files, 0, 0), 0);
	CHECK_EQ_U64(ksys_dup2(files, 50, 50), (uint64_t)-EBADF);
	CHECK_EQ_U64(ksys_dup2(files, 0, 1024), (uint64_t)-EBADF);
	CHECK_EQ_U64(ksys_dup3(files, 0, 0, 0), (uint64_t)-EINVAL);
	CHECK_EQ_U64(ksys_dup3(files, 0, 5, 1), (uint64_t)-EINVAL);
	CHECK_EQ_U64(ksys_dup3(files, 0, 5, O_CLOEXEC), 5);
	CHECK_EQ_U64(do_fcntl(files, 5, F_GETFD, 0), FD_CLOEXEC);
	CHECK_EQ_U64(do_fcntl(files, 5, F_SETFD, 0), 0);
	CHECK_EQ_U64(do_fcntl(files, 5, F_GETFD, 0), 0);
	CHECK_EQ_U64(do_fcntl(files, 0, F_DUPFD, 1024), (uint64_t)-EINVAL);
	CHECK_EQ_U64(do_fcntl(files, 0, F_DUPFD, 4), 4);
	CHECK_EQ_U64(do_fcntl(files, 0, F_DUPFD_CLOEXEC, 4), 6);
	CHECK_EQ_U64(do_fcntl(files, 6, F_GETFD, 0), FD_CLOEXEC);
	CHECK_EQ_U64(do_fcntl(files, 77, F_GETFD, 0), (uint64_t)-EBADF);
	CHECK_EQ_U64(do_fcntl(files, 0, 12345, 0), (uint64_t)-EINVAL);
	/* The file's flags: F_SETFL changes only SETFL_MASK. */
	CHECK_EQ_U64(do_fcntl(files, 0, F_SETFL, O_APPEND | O_RDWR), 0);
	CHECK_EQ_U64(do_fcntl(files, 100, F_GETFL, 0), O_APPEND);
	/* Fill the table: -EMFILE at the bound. */
	int64_t r, last = -1;
	while ((r = ksys_dup(files, 0)) >= 0)
		last = r;
	CHECK_EQ_U64((uint64_t)r, (uint64_t)-EMFILE);
	CHECK_EQ_U64((uint64_t)last, 1023);
	CHECK_EQ_U64(files_count_open(files), 1024);
	/* fork's copy shares every file; exec closes the close-on-exec ones. */
	int err = 1;
	struct files_struct *child = dup_fd(files, &err);
	CHECK(child && err == 0);
	CHECK_EQ_U64(files_count_open(child), 1024);
	CHECK_EQ_U64(files_lookup(files, 0)->f_count, files_lookup(child, 0)->f_count);
	do_close_on_exec(child);
	CHECK_EQ_U64(files_count_open(child), 1023);
	CHECK(!files_lookup(child, 6) && files_lookup(files, 6));
	put_files_struct(child);
	put_files_struct(files);
	CHECK_EQ_U64(files_alive(), alive);
	kmem_cache_shrink_all();
}

TEST(xarray_sparse_store_find_erase)
{
	sim_ready(4);
	struct xarray xa = { 0 };
	static const uint64_t idx[] = { 0, 63, 64, 4095, 1u << 30, 5 };
	for (unsigned i = 0; i < 6; i++)
		CHECK(xa_store(&xa, idx[i], (void *)(uintptr_t)(i + 1)) == 0);
	CHECK_EQ_U64(xa.nr, 6);
	for (unsigned i = 0; i < 6; i++)
		CHECK_EQ_U64((uintptr_t)xa_load(&xa, idx[i]), i + 1);
	CHECK(!xa_load(&xa, 1) && !xa_load(&xa, 65) && !xa_load(&xa, UINT64_C(1) << 40));
	uint64_t at = 6;
	CHECK_EQ_U64((uintptr_t)xa_find(&xa, &at, UINT64_MAX), 2);
	CHECK_EQ_U64(at, 63);
	at = 4096;
	CHECK_EQ_U64((uintptr_t)xa_find(&xa, &at, UINT64_MAX), 5);
	CHECK_EQ_U64(at, 1u << 30);
	at = 4096;
	CHECK(!xa_find(&xa, &at, 1000000));
	for (unsigned i = 0; i < 6; i++)
		CHECK_EQ_U64((uintptr_t)xa_erase(&xa, idx[i]), i + 1);
	CHECK(!xa.root && xa_nodes_alive() == 0);
	CHECK(!xa_erase(&xa, 3));
}

static uint8_t sim_disk[128 * 4096] __attribute__((aligned(4096)));
static bool fs_ready;

/* A file system on a 128-block RAM disk in host memory, once. */
static void files_ready(void)
{
	sim_ready(4);
	if (fs_ready)
		return;
	fs_ready = true;
	CHECK(fdtable_init() == 0);
	CHECK(fs_init() == 0);
	CHECK(brd_init(sim_disk, 128, 1) == 0);
}

static uint8_t pattern[5 * 4096], back[5 * 4096];

TEST(fs_write_read_holes_truncate_enospc)
{
	files_ready();
	struct inode *root = fs_root_inode();
	uint64_t objects = fs_objects_alive(), cached = filemap_stats.pages;
	struct brd_stats b0, b1;
	brd_get_stats(&b0);
	struct file *f = NULL;
	CHECK(vfs_open(root, "a.bin", O_RDWR | O_CREAT, 0644, &f) == 0);
	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 13 + 5);
	int64_t pos = 0;
	CHECK_EQ_U64(f->f_op->write(f, U(pattern), 2 * 4096 + 10, &pos), 2 * 4096 + 10);
	CHECK_EQ_U64(i_size_read(f->f_inode), 2 * 4096 + 10);
	brd_get_stats(&b1);
	CHECK_EQ_U64(b1.used - b0.used, 3);              /* blocks reserved by the write */
	CHECK_EQ_U64(f->f_inode->i_data.nrdirty, 3);
	CHECK_EQ_U64(inode_sync(f->f_inode), 0);
	CHECK_EQ_U64(f->f_inode->i_data.nrdirty, 0);
	CHECK(!memcmp(disk + (uintptr_t)xa_load(&f->f_inode->i_blockmap, 1) * 4096, pattern + 4096, 4096));
	/* A hole, then a read across it. */
	pos = 4 * 4096;
	CHECK_EQ_U64(f->f_op->write(f, U("Z"), 1, &pos), 1);
	pos = 0;
	memset(back, 0xee, sizeof(back));
	CHECK_EQ_U64(f->f_op->read(f, U(back), sizeof(back), &pos), 4 * 4096 + 1);
	CHECK(!memcmp(back, pattern, 2 * 4096 + 10) && back[2 * 4096 + 10] == 0 && back[3 * 4096] == 0 &&
	      back[4 * 4096] == 'Z');
	CHECK(!xa_load(&f->f_inode->i_blockmap, 3));      /* the hole has no block */
	/* Truncate: pages and blocks past the end go, the partial page is zeroed above it. */
	CHECK_EQ_U64(inode_truncate(f->f_inode, 4096 + 100), 0);
	CHECK_EQ_U64(f->f_inode->i_data.nrpages, 2);
	CHECK_EQ_U64(f->f_inode->i_blocks, 2);
	pos = 4096;
	CHECK_EQ_U64(f->f_op->read(f, U(back), 4096, &pos), 100);
	CHECK_EQ_U64(inode_truncate(f->f_inode, 2 * 4096), 0);
	pos = 4096 + 100;
	CHECK_EQ_U64(f->f_op->read(f, U(back), 10, &pos), 10);
	CHECK(back[0] == 0 && back[9] == 0);
	/* A full disk: the write stops at the last free block, then -ENOSPC. */
	struct file *g = NULL;
	CHECK(vfs_open(root, "big.bin", O_RDWR | O_CREAT | O_EXCL, 0644, &g) == 0);
	brd_get_stats(&b1);
	uint64_t free_blocks = b1.blocks - b1.used;
	pos = 0;
	int64_t wrote = 0, r;
	while ((r = g->f_op->write(g, U(pattern), 4096, &pos)) > 0)
		wrote += r;
	CHECK_EQ_U64((uint64_t)r, (uint64_t)-ENOSPC);
	CHECK_EQ_U64((uint64_t)wrote, free_blocks * 4096);
	/* Unlinked while open: readable; freed with the last reference. */
	CHECK_EQ_U64(vfs_unlink(root, "big.bin"), 0);
	CHECK(g->f_inode->i_nlink == 0);
	pos = 0;
	CHECK_EQ_U64(g->f_op->read(g, U(back), 4096, &pos), 4096);
	fput(g);
	brd_get_stats(&b1);
	CHECK_EQ_U64(b1.used - b0.used, 2);
	/* A block freed by a deleted file reads zeros in the next file (no stale bytes). */
	struct file *h = NULL;
	CHECK(vfs_open(root, "c.bin", O_RDWR | O_CREAT, 0644, &h) == 0);
	pos = 0;
	CHECK_EQ_U64(h->f_op->write(h, U("c"), 1, &pos), 1);
	CHECK_EQ_U64(h->f_op->write(h, U("d"), 1, &(int64_t){ 4095 }), 1);
	pos = 0;
	CHECK_EQ_U64(h->f_op->read(h, U(back), 4096, &pos), 4096);
	CHECK(back[0] == 'c' && back[1] == 0 && back[4094] == 0 && back[4095] == 'd');
	CHECK_EQ_U64(vfs_unlink(root, "c.bin"), 0);
	fput(h);
	CHECK_EQ_U64(vfs_unlink(root, "a.bin"), 0);
	fput(f);
	brd_get_stats(&b1);
	CHECK_EQ_U64(b1.used, b0.used);
	CHECK_EQ_U64(fs_objects_alive(), objects);
	CHECK_EQ_U64(filemap_stats.pages, cached);
}

TEST(fs_names_and_directories)
{
	files_ready();
	struct inode *root = fs_root_inode(), *in;
	struct file *f = NULL;
	uint64_t objects = fs_objects_alive();
	CHECK_EQ_U64(vfs_mkdir(root, "d", 0755), 0);
	CHECK_EQ_U64(vfs_mkdir(root, "d", 0755), (uint64_t)-EEXIST);
	CHECK_EQ_U64(vfs_mkdir(root, "x/y", 0755), (uint64_t)-ENOENT);
	CHECK(vfs_open(root, "d/f", O_WRONLY | O_CREAT, 0644, &f) == 0);
	fput(f);
	CHECK_EQ_U64(vfs_open(root, "d/f", O_RDONLY | O_CREAT | O_EXCL, 0, &f), (uint64_t)-EEXIST);
	CHECK_EQ_U64(vfs_open(root, "d", O_RDWR, 0, &f), (uint64_t)-EISDIR);
	CHECK_EQ_U64(vfs_open(root, "d/f/g", O_RDONLY, 0, &f), (uint64_t)-ENOTDIR);
	CHECK_EQ_U64(vfs_open(root, "d/f", O_RDONLY | O_DIRECTORY, 0, &f), (uint64_t)-ENOTDIR);
	CHECK_EQ_U64(path_lookup(root, "/d/../d/./f", &in), 0);
	CHECK(S_ISREG(in->i_mode));
	CHECK_EQ_U64(path_lookup(root, "d/f/", &in), (uint64_t)-ENOTDIR);
	CHECK_EQ_U64(path_lookup(root, "", &in), (uint64_t)-ENOENT);
	CHECK_EQ_U64(vfs_rmdir(root, "d"), (uint64_t)-ENOTEMPTY);
	CHECK_EQ_U64(vfs_unlink(root, "d"), (uint64_t)-EISDIR);
	CHECK_EQ_U64(vfs_rename(root, "d/f", "g"), 0);
	CHECK_EQ_U64(path_lookup(root, "d/f", &in), (uint64_t)-ENOENT);
	CHECK_EQ_U64(vfs_rename(root, "d", "d/sub"), (uint64_t)-EINVAL);
	CHECK_EQ_U64(vfs_rename(root, "g", "d"), (uint64_t)-EISDIR);
	CHECK_EQ_U64(path_lookup(root, "d", &in), 0);
	char path[64];
	CHECK_EQ_U64(inode_path(in, path, sizeof(path)), 3);
	CHECK_STR(path, "/d");
	CHECK_EQ_U64(root->i_nlink, 3);
	CHECK_EQ_U64(vfs_rmdir(root, "d"), 0);
	CHECK_EQ_U64(root->i_nlink, 2);
	CHECK_EQ_U64(vfs_unlink(root, "g"), 0);
	CHECK_EQ_U64(fs_objects_alive(), objects);
}

/* The file vmf faults on, in mm at va: a vm_fault result. */
static vm_fault_t fault(struct mm_struct *mm, uint64_t va, bool write, struct vm_fault *vmf)
{
	struct vm_area_struct *vma = find_vma(mm, va);
	return handle_mm_fault(vma, va, write ? FAULT_FLAG_WRITE | FAULT_FLAG_USER : FAULT_FLAG_USER, vmf);
}

TEST(file_faults_read_around_cow_shared_truncate)
{
	files_ready();
	kmem_cache_shrink_all();   /* slabs earlier tests left empty are not this test's */
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	struct inode *root = fs_root_inode();
	uint64_t objects = fs_objects_alive();
	struct file *f = NULL;
	CHECK(vfs_open(root, "m.bin", O_RDWR | O_CREAT, 0644, &f) == 0);
	int64_t pos = 0;
	for (int p = 0; p < 20; p++) {
		memset(pattern, 'a' + p, 4096);
		CHECK_EQ_U64(f->f_op->write(f, U(pattern), 4096, &pos), 4096);
	}
	CHECK_EQ_U64(inode_sync(f->f_inode), 0);
	truncate_inode_pages(&f->f_inode->i_data, 0);    /* drop the cache: the next faults read */
	struct mmap_file mf;
	CHECK(f->f_op->mmap(f, &mf) == 0);
	uint64_t va = BASE;
	CHECK_EQ_U64(do_mmap_file(mm, va, 24 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, &mf, 0), va);
	CHECK_EQ_U64(f->f_count, 2);                       /* the VMA's reference */
	struct vm_fault vmf;
	/* Major: not cached. */
	CHECK_EQ_U64(fault(mm, va + 3 * PG, false, &vmf), VM_FAULT_MAJOR);
	CHECK_EQ_U64(vmf.done, VMF_DONE_FILE_READ_MAJOR);
	CHECK_EQ_U64(*user_byte(mm, va + 3 * PG), 'd');
	/* Cache the first 16 pages, then one fault maps all of them (fault-around). */
	pos = 0;
	CHECK_EQ_U64(f->f_op->read(f, U(back), 4096, &pos), 4096);
	for (int p = 1; p < 16; p++) {
		pos = p * 4096;
		f->f_op->read(f, U(back), 1, &pos);
	}
	CHECK_EQ_U64(fault(mm, va, false, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_FILE_READ);
	CHECK_EQ_U64(vmf.around, 14);                      /* 16 cached, the faulting one and page 3 aside */
	CHECK(pte_of(mm, va + 15 * PG) && !pte_of(mm, va + 16 * PG));
	CHECK(!(pte_of(mm, va + 5 * PG) & _PAGE_RW));
	CHECK_EQ_U64(mm->rss_stat[MM_FILEPAGES], 16);
	/* Past the end of the file: SIGBUS. */
	CHECK_EQ_U64(fault(mm, va + 20 * PG, false, &vmf), VM_FAULT_SIGBUS);
	CHECK(vmf.why != NULL);
	CHECK(tables_ok(mm));

	/* Private write: a copy, the file unchanged. */
	CHECK_EQ_U64(do_mmap_file(mm, va + 64 * PG, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, &mf, 0),
		     va + 64 * PG);
	CHECK_EQ_U64(fault(mm, va + 65 * PG, true, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_FILE_COW);
	*user_byte(mm, va + 65 * PG) = 'X';
	pos = 4096;
	f->f_op->read(f, U(back), 1, &pos);
	CHECK_EQ_U64(back[0], 'b');
	CHECK(tables_ok(mm));

	/* Shared: read maps read-only, the first write dirties and makes it writable. */
	CHECK_EQ_U64(do_mmap_file(mm, va + 128 * PG, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, &mf, 0),
		     va + 128 * PG);
	CHECK_EQ_U64(fault(mm, va + 129 * PG, false, &vmf), 0);
	CHECK(!(pte_of(mm, va + 129 * PG) & _PAGE_RW));
	CHECK_EQ_U64(fault(mm, va + 129 * PG, true, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_FILE_SHARED_WRITE);
	CHECK(pte_of(mm, va + 129 * PG) & _PAGE_RW);
	*user_byte(mm, va + 129 * PG) = 'S';
	CHECK_EQ_U64(f->f_inode->i_data.nrdirty, 1);
	CHECK_EQ_U64(fault(mm, va + 130 * PG, true, &vmf), 0);   /* a none entry: do_shared_fault */
	CHECK_EQ_U64(vmf.done, VMF_DONE_FILE_SHARED_WRITE);
	CHECK_EQ_U64(do_msync(mm, va + 128 * PG, 4 * PG, MS_SYNC), 0);
	CHECK_EQ_U64(f->f_inode->i_data.nrdirty, 0);
	CHECK(!(pte_of(mm, va + 129 * PG) & _PAGE_RW));    /* written back: the next write is seen */
	CHECK(sim_disk[(uintptr_t)xa_load(&f->f_inode->i_blockmap, 1) * 4096] == 'S');
	pos = 4096;
	f->f_op->read(f, U(back), 1, &pos);
	CHECK_EQ_U64(back[0], 'S');
	CHECK(tables_ok(mm));

	/* Truncation unmaps past the new end in every mapping, private copies too. */
	CHECK_EQ_U64(inode_truncate(f->f_inode, PG), 0);
	CHECK(!pte_of(mm, va + 3 * PG) && !pte_of(mm, va + 65 * PG) && !pte_of(mm, va + 129 * PG));
	CHECK(pte_of(mm, va) != 0);
	CHECK_EQ_U64(fault(mm, va + 2 * PG, false, &vmf), VM_FAULT_SIGBUS);
	CHECK(tables_ok(mm));
	CHECK_EQ_U64(vfs_unlink(root, "m.bin"), 0);
	fput(f);
	CHECK(sim_done(mm, before));                         /* the VMAs' references go with them */
	CHECK_EQ_U64(fs_objects_alive(), objects);
}

TEST(fs_symlinks_and_write_access)
{
	files_ready();
	struct inode *root = fs_root_inode(), *in = NULL, *dir = NULL;
	uint64_t objects = fs_objects_alive(), cached = filemap_stats.pages;
	struct file *f = NULL;
	char buf[64];
	CHECK(vfs_open(root, "t.txt", O_RDWR | O_CREAT, 0644, &f) == 0);
	CHECK_EQ_U64(vfs_mkdir(root, "d", 0755), 0);
	CHECK_EQ_U64(vfs_symlink("t.txt", root, "l"), 0);
	CHECK_EQ_U64(vfs_symlink("..", root, "d/up"), 0);
	CHECK_EQ_U64(vfs_symlink("d", root, "dl"), 0);
	CHECK_EQ_U64(vfs_symlink("x", root, "l"), (uint64_t)-EEXIST);
	CHECK_EQ_U64(vfs_symlink("", root, "e"), (uint64_t)-ENOENT);
	/* Followed in the last component unless told not to, and in the middle of a path. */
	CHECK(path_lookup(root, "l", &in) == 0 && in == f->f_inode);
	CHECK(path_lookup_flags(root, "l", false, &in) == 0 && S_ISLNK(in->i_mode) && i_size_read(in) == 5);
	CHECK(path_lookup(root, "dl/up/dl/up/l", &in) == 0 && in == f->f_inode);
	CHECK(path_lookup(root, "dl", &dir) == 0 && S_ISDIR(dir->i_mode));
	CHECK_EQ_U64(vfs_readlink(root, "l", buf, sizeof(buf)), 5);
	CHECK(!memcmp(buf, "t.txt", 5));
	CHECK_EQ_U64(vfs_readlink(root, "l", buf, 2), 2);
	CHECK_EQ_U64(vfs_readlink(root, "t.txt", buf, sizeof(buf)), (uint64_t)-EINVAL);
	struct file *g = NULL;
	CHECK_EQ_U64(vfs_open(root, "l", O_RDONLY | O_NOFOLLOW, 0, &g), (uint64_t)-ELOOP);
	/* A loop, and MAXSYMLINKS: 40 links followed, the 41st -ELOOP. */
	CHECK_EQ_U64(vfs_symlink("b", root, "a"), 0);
	CHECK_EQ_U64(vfs_symlink("a", root, "b"), 0);
	CHECK_EQ_U64(path_lookup(root, "a", &in), (uint64_t)-ELOOP);
	char name[16], target[16];
	for (int i = 0; i <= 40; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		snprintf(target, sizeof(target), i ? "c%d" : "t.txt", i - 1);
		CHECK_EQ_U64(vfs_symlink(target, root, name), 0);
	}
	CHECK(path_lookup(root, "c39", &in) == 0 && in == f->f_inode);
	CHECK_EQ_U64(path_lookup(root, "c40", &in), (uint64_t)-ELOOP);
	/* A dangling link: O_CREAT makes its target. */
	CHECK_EQ_U64(vfs_symlink("new.txt", root, "dang"), 0);
	CHECK_EQ_U64(path_lookup(root, "dang", &in), (uint64_t)-ENOENT);
	CHECK_EQ_U64(vfs_open(root, "dang", O_WRONLY | O_CREAT | O_EXCL, 0644, &g), (uint64_t)-EEXIST);
	CHECK(vfs_open(root, "dang", O_WRONLY | O_CREAT, 0644, &g) == 0);
	CHECK(path_lookup(root, "new.txt", &in) == 0 && in == g->f_inode);
	/* Write access: a writer counts; a denial (a running program) refuses writers. */
	CHECK_EQ_U64(g->f_inode->i_writecount, 1);
	CHECK_EQ_U64(deny_write_access(g->f_inode), (uint64_t)-ETXTBSY);
	fput(g);
	CHECK(path_lookup(root, "new.txt", &in) == 0 && in->i_writecount == 0);
	CHECK_EQ_U64(deny_write_access(in), 0);
	CHECK_EQ_U64(vfs_open(root, "new.txt", O_RDWR, 0, &g), (uint64_t)-ETXTBSY);
	CHECK(vfs_open(root, "new.txt", O_RDONLY, 0, &g) == 0);
	fput(g);
	allow_write_access(in);
	/* unlink takes the link, not its target. */
	static const char *const names[] = { "l", "d/up", "dl", "a", "b", "dang", "new.txt" };
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK_EQ_U64(vfs_unlink(root, names[i]), 0);
	for (int i = 0; i <= 40; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		CHECK_EQ_U64(vfs_unlink(root, name), 0);
	}
	CHECK(path_lookup(root, "t.txt", &in) == 0);
	CHECK_EQ_U64(vfs_unlink(root, "t.txt"), 0);
	CHECK_EQ_U64(vfs_rmdir(root, "d"), 0);
	fput(f);
	CHECK_EQ_U64(fs_objects_alive(), objects);
	CHECK_EQ_U64(filemap_stats.pages, cached);
}

/* The pfn an entry of mm maps at va (0: none). */
static uint64_t pfn_at(struct mm_struct *mm, uint64_t va)
{
	uint64_t pte = pte_of(mm, va);
	return pte ? pte_pfn(__pte(pte)) : 0;
}

TEST(shmem_faults_fork_dontneed_mremap)
{
	files_ready();
	kmem_cache_shrink_all();
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	uint64_t objects = fs_objects_alive();
	struct file *f = shmem_file_setup(8 * PG, 0);
	CHECK(f != NULL);
	CHECK_EQ_U64(shmem_objects_alive(), 1);
	struct mmap_file mf;
	CHECK(f->f_op->mmap(f, &mf) == 0);
	uint64_t va = BASE;
	CHECK_EQ_U64(do_mmap_file(mm, va, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, &mf, 0), va);
	fput(f);                                         /* the VMA holds the object now */
	struct vm_fault vmf;
	/* A miss is a new zeroed page: minor, dirty at once, mapped writable even by a read. */
	CHECK_EQ_U64(fault(mm, va, false, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_NEW_SHARED);
	CHECK(pte_of(mm, va) & _PAGE_RW);
	CHECK_EQ_U64(*user_byte(mm, va), 0);
	CHECK_EQ_U64(fault(mm, va + PG, true, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_NEW_SHARED);
	struct address_space *as = find_vma(mm, va)->vm_mapping;
	CHECK_EQ_U64(as->nrpages, 2);
	CHECK_EQ_U64(as->nrdirty, 2);
	CHECK_EQ_U64(do_msync(mm, va, 8 * PG, MS_SYNC), 0);   /* nothing to write back: stays writable */
	CHECK(pte_of(mm, va) & _PAGE_RW);
	/* fork: a page first touched by the child is the parent's too. */
	struct mm_struct *child = dup_mm(mm);
	CHECK(child != NULL);
	CHECK_EQ_U64(fault(child, va + 2 * PG, true, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_NEW_SHARED);
	*user_byte(child, va + 2 * PG) = 'c';
	CHECK_EQ_U64(fault(mm, va + 2 * PG, false, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_FILE_READ);
	CHECK_EQ_U64(*user_byte(mm, va + 2 * PG), 'c');
	CHECK_EQ_U64(pfn_at(mm, va + 2 * PG), pfn_at(child, va + 2 * PG));
	/* MADV_DONTNEED drops the entries, not the pages. */
	uint64_t pfn = pfn_at(mm, va + 2 * PG);
	CHECK_EQ_U64(do_madvise(mm, va, 8 * PG, MADV_DONTNEED), 0);
	CHECK(!pte_of(mm, va + 2 * PG));
	CHECK_EQ_U64(fault(mm, va + 2 * PG, false, &vmf), 0);
	CHECK_EQ_U64(pfn_at(mm, va + 2 * PG), pfn);
	/* mremap moves the entries and keeps the page offsets. */
	CHECK_EQ_U64(do_mremap(mm, va + 2 * PG, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, va + 64 * PG),
		     va + 64 * PG);
	CHECK_EQ_U64(pfn_at(mm, va + 64 * PG), pfn);
	CHECK_EQ_U64(find_vma(mm, va + 64 * PG)->vm_pgoff, 2);
	CHECK_EQ_U64(fault(mm, va + 65 * PG, true, &vmf), 0);   /* page 3 of the object: new */
	CHECK_EQ_U64(vmf.done, VMF_DONE_NEW_SHARED);
	/* Moved back next to its neighbours, the VMAs are one again. */
	CHECK_EQ_U64(do_mremap(mm, va + 64 * PG, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, va + 2 * PG),
		     va + 2 * PG);
	CHECK(find_vma(mm, va)->vm_end == va + 8 * PG);
	CHECK_EQ_U64(vma_check(mm, NULL), 0);
	mmput(child);
	CHECK(tables_ok(mm));                            /* map counts: the child's are gone */
	CHECK_EQ_U64(shmem_objects_alive(), 1);
	CHECK(sim_done(mm, before));                     /* the last VMA frees the object and its pages */
	CHECK_EQ_U64(shmem_objects_alive(), 0);
	CHECK_EQ_U64(filemap_stats.shmem_pages, 0);
	CHECK_EQ_U64(fs_objects_alive(), objects);
}

UNIT_MAIN(
	UNIT(fdtable_numbers_dup_and_errno),
	UNIT(xarray_sparse_store_find_erase),
	UNIT(fs_write_read_holes_truncate_enospc),
	UNIT(fs_names_and_directories),
	UNIT(file_faults_read_around_cow_shared_truncate),
	UNIT(fs_symlinks_and_write_access),
	UNIT(shmem_faults_fork_dontneed_mremap)
)
