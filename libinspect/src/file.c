// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Opening input files that may be hostile.  A dump, vmlinux or BTF path may
 * name a FIFO, a device or a directory: open(2) of a FIFO blocks until a
 * writer comes, read(2) of a tty blocks, mmap of a device may do anything.
 * Open without blocking, then insist on a regular file.  /proc/kcore and
 * /sys/kernel/btf/vmlinux are regular files, so the live target passes.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "errbuf.h"
#include "file.h"

int li_open_regular(const char *path, const char *what, char *errbuf,
		    size_t errlen)
{
	struct stat st;
	int fd, err, fl;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		err = -errno;
		return li_errbuf(errbuf, errlen, err, "cannot open %s %s: %s",
				 what, path, strerror(-err));
	}
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return li_errbuf(errbuf, errlen, err, "cannot stat %s %s: %s",
				 what, path, strerror(-err));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return li_errbuf(errbuf, errlen, -EINVAL,
				 "%s %s is not a regular file", what, path);
	}
	/* regular files ignore O_NONBLOCK; drop it all the same */
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}
