"""Helpers of tests/badinput.t: the two dump formats of the corpus (ELF from
QEMU dump-guest-memory -p, kdump-compressed), a private working copy of a
dump that a case damages and then restores, a runner that measures every
run (wall time, peak RSS of that one child, signal, sanitizer report), and a
small drgn probe that tells where kernel structures live physically.

Nothing here knows what pgmapcheck should answer: that is in badinput.t.
"""
import json
import os
import re
import signal
import struct
import subprocess
import tempfile
import time
import zlib

PAGE = 4096
PT_LOAD, PT_NOTE = 1, 4
PN_XNUM = 0xffff
PHDR = struct.Struct("<IIQQQQQQ")       # type flags offset vaddr paddr filesz memsz align
DESC = struct.Struct("<qIIQ")           # kdump page_desc: offset size flags page_flags


def align(n, a):
    return (n + a - 1) // a * a


# ---- ELF vmcores -----------------------------------------------------------

class Phdr:
    __slots__ = ("type", "flags", "offset", "vaddr", "paddr", "filesz", "memsz", "align")

    def __init__(self, *v):
        (self.type, self.flags, self.offset, self.vaddr, self.paddr,
         self.filesz, self.memsz, self.align) = v

    def copy(self, **kw):
        p = Phdr(self.type, self.flags, self.offset, self.vaddr, self.paddr,
                 self.filesz, self.memsz, self.align)
        for k, v in kw.items():
            setattr(p, k, v)
        return p

    def pack(self):
        return PHDR.pack(self.type, self.flags, self.offset & (2**64 - 1),
                         self.vaddr & (2**64 - 1), self.paddr, self.filesz,
                         self.memsz, self.align)


class Elf:
    """An ELF64 little-endian core file: program headers (PN_XNUM aware) and notes."""

    def __init__(self, path):
        self.path = path
        self.size = os.path.getsize(path)
        with open(path, "rb") as f:
            eh = f.read(64)
            if eh[:4] != b"\x7fELF" or eh[4] != 2 or eh[5] != 1:
                raise ValueError("%s: not an ELF64 LE file" % path)
            self.phoff, self.shoff = struct.unpack_from("<QQ", eh, 32)
            self.phentsize, self.e_phnum = struct.unpack_from("<HH", eh, 54)
            self.xnum = self.e_phnum == PN_XNUM
            if self.xnum:
                f.seek(self.shoff + 44)
                self.phnum = struct.unpack("<I", f.read(4))[0]
            else:
                self.phnum = self.e_phnum
            f.seek(self.phoff)
            raw = f.read(self.phnum * PHDR.size)
            self.phdrs = [Phdr(*v) for v in PHDR.iter_unpack(raw)]
            notes = [p for p in self.phdrs if p.type == PT_NOTE]
            self.note_index = self.phdrs.index(notes[0]) if notes else None
            if notes:
                f.seek(notes[0].offset)
                self.note_blob = f.read(notes[0].filesz)
            else:
                self.note_blob = b""
        self.loads = [p for p in self.phdrs if p.type == PT_LOAD]
        # QEMU -p writes one PT_LOAD per mapped virtual page: index the small
        # segments by page, scan the few big ones
        self.big, self.small = [], {}
        for p in self.loads:
            if p.filesz > 16 * PAGE or p.paddr % PAGE or p.filesz % PAGE:
                self.big.append(p)
                continue
            for i in range(0, p.filesz, PAGE):
                self.small.setdefault((p.paddr + i) // PAGE, set()).add(p.offset + i)

    def phys_offsets(self, paddr):
        """Distinct file offsets holding physical byte paddr."""
        offs = {p.offset + (paddr - p.paddr) for p in self.big
                if p.paddr <= paddr < p.paddr + p.filesz}
        offs |= {o + paddr % PAGE for o in self.small.get(paddr // PAGE, ())}
        return sorted(offs)

    def data_start(self):
        return min(p.offset for p in self.loads if p.filesz)

    def page_lost_at(self, paddr, cut):
        """True if every copy of the page at paddr lies (partly) past offset cut."""
        offs = self.phys_offsets(paddr & ~(PAGE - 1))
        return bool(offs) and all(o + PAGE > cut for o in offs)

    def write_phdrs(self, work, phdrs):
        """A new program header table at the end of the working copy."""
        off = work.append(b"".join(p.pack() for p in phdrs), 8)
        work.write(32, struct.pack("<Q", off))
        if self.xnum:
            work.write(self.shoff + 44, struct.pack("<I", len(phdrs)))
        elif len(phdrs) < PN_XNUM:
            work.write(56, struct.pack("<H", len(phdrs)))
        else:
            raise ValueError("cannot grow a non-PN_XNUM table past 0xfffe")

    def without_phys(self, lo, hi, tail_memsz=False):
        """The program headers with physical [lo, hi) removed from every
        PT_LOAD (split around it).  tail_memsz: keep the hole as the
        p_memsz-only tail of the piece before it (p_filesz < p_memsz)."""
        out = []
        for p in self.phdrs:
            end = p.paddr + max(p.filesz, p.memsz)
            if p.type != PT_LOAD or end <= lo or p.paddr >= hi:
                out.append(p)
                continue
            if tail_memsz:
                out.append(p.copy(filesz=max(0, min(p.filesz, lo - p.paddr)),
                                  memsz=min(end, hi) - p.paddr))
            elif p.paddr < lo:
                out.append(p.copy(filesz=min(p.filesz, lo - p.paddr), memsz=lo - p.paddr))
            if end > hi:
                cut = hi - p.paddr
                out.append(p.copy(offset=p.offset + cut, vaddr=p.vaddr + cut, paddr=hi,
                                  filesz=max(0, p.filesz - cut), memsz=end - hi))
        return out

    def write_phys(self, work, paddr, data):
        """Overwrite physical memory in every copy the file holds."""
        offs = self.phys_offsets(paddr)
        if not offs or len(self.phys_offsets(paddr + len(data) - 1)) != len(offs):
            raise ValueError("phys %#x+%d not in %s" % (paddr, len(data), self.path))
        for o in offs:
            work.write(o, data)

    def read_phys(self, paddr, n):
        offs = self.phys_offsets(paddr)
        if not offs:
            raise ValueError("phys %#x not in %s" % (paddr, self.path))
        with open(self.path, "rb") as f:
            f.seek(offs[0])
            return f.read(n)

    def set_notes(self, work, blob):
        """Replace the PT_NOTE contents: the new notes go to the end of the file."""
        off = work.append(blob, 8)
        base = self.phoff + self.note_index * PHDR.size
        work.write(base + 8, struct.pack("<Q", off))
        work.write(base + 32, struct.pack("<QQ", len(blob), len(blob)))


# crash 8.0.2 reads an ELF vmcore only when its program headers follow the ELF
# header (e_phoff within the first SAFE_NETDUMP_ELF_HEADER_SIZE bytes), the
# PT_NOTE comes first and the notes lie before the first PT_LOAD's data
# (netdump.c: is_netdump, resize_elf_header): a damaged copy whose program
# header table was rewritten at its end ("PHdr to far into file!") needs its
# headers in front.

def elf_headers_in_front(src, dst):
    """dst: the ELF file src with its current headers (program headers with
    the PT_NOTE first, its notes) in a new block at offset 0 and the whole
    of src after it, every offset moved by the block's size (returned): the
    memory, and what every program header says of it, are the same bytes."""
    with open(src, "rb") as f:
        fd = f.fileno()
        size0 = os.fstat(fd).st_size
        eh = bytearray(os.pread(fd, 64, 0))
        phoff, shoff = struct.unpack_from("<QQ", eh, 32)
        e_phnum, shentsize = struct.unpack_from("<HH", eh, 56)
        xnum = e_phnum == PN_XNUM
        sh = os.pread(fd, shentsize, shoff) if xnum else b""
        n = struct.unpack_from("<I", sh, 44)[0] if xnum else e_phnum
        phdrs = [Phdr(*v) for v in PHDR.iter_unpack(os.pread(fd, n * PHDR.size, phoff))]
        if len(phdrs) != n:
            raise ValueError("%s: %d program headers, read %d" % (src, n, len(phdrs)))
        note = next((p for p in phdrs if p.type == PT_NOTE), None)
        blob = os.pread(fd, note.filesz, note.offset) if note else b""
        new_phoff = 64 + len(sh)
        note_off = new_phoff + n * PHDR.size
        size = align(note_off + len(blob), PAGE)
        table = [] if note is None else [note.copy(offset=note_off, filesz=len(blob))]
        table += [p.copy(offset=p.offset + size) for p in phdrs if p is not note]
        struct.pack_into("<QQ", eh, 32, new_phoff, 64 if xnum else (shoff + size if shoff else 0))
        with open(dst, "wb") as g:
            g.write(bytes(eh) + sh + b"".join(p.pack() for p in table) + blob)
            g.truncate(size)
            copy_range(fd, g.fileno(), 0, size0, dst_off=size)
    return size


def copy_file(src, dst):
    with open(src, "rb") as f, open(dst, "wb") as g:
        copy_range(f.fileno(), g.fileno(), 0, os.fstat(f.fileno()).st_size)


# ---- ELF notes, VMCOREINFO -------------------------------------------------

def parse_notes(blob):
    out, i = [], 0
    while i + 12 <= len(blob):
        nsz, dsz, typ = struct.unpack_from("<III", blob, i)
        i += 12
        name = blob[i:i + nsz]
        i += align(nsz, 4)
        desc = blob[i:i + dsz]
        i += align(dsz, 4)
        out.append((name, typ, desc))
    return out


def build_notes(notes):
    b = b""
    for name, typ, desc in notes:
        b += struct.pack("<III", len(name), len(desc), typ)
        b += name + b"\0" * (align(len(name), 4) - len(name))
        b += desc + b"\0" * (align(len(desc), 4) - len(desc))
    return b


def vmcoreinfo_of(notes):
    for name, typ, desc in notes:
        if name.rstrip(b"\0") == b"VMCOREINFO":
            return desc.rstrip(b"\0").decode()
    return None


def vmcoreinfo_edit(text, key, value):
    """VMCOREINFO text with KEY=... set to value (must exist)."""
    pat = re.compile(r"^%s=.*$" % re.escape(key), re.M)
    if not pat.search(text):
        raise KeyError(key)
    return pat.sub("%s=%s" % (key, value), text, count=1)


def notes_with_vmcoreinfo(notes, text):
    """The notes with VMCOREINFO's text replaced, or removed when text is None."""
    out = []
    for name, typ, desc in notes:
        if name.rstrip(b"\0") == b"VMCOREINFO":
            if text is None:
                continue
            desc = text.encode()
        out.append((name, typ, desc))
    return out


# ---- kdump-compressed vmcores ------------------------------------------------

class Kdump:
    """diskdump/kdump-compressed header, bitmaps and page descriptors."""

    def __init__(self, path):
        self.path = path
        self.size = os.path.getsize(path)
        with open(path, "rb") as f:
            h = f.read(PAGE)
            if h[:8] != b"KDUMP   ":
                raise ValueError("%s: not a kdump-compressed file" % path)
            self.version = struct.unpack_from("<i", h, 8)[0]
            (self.status, self.bs, self.sub_hdr_size, self.bitmap_blocks,
             self.max_mapnr) = struct.unpack_from("<IiiII", h, 424)
            f.seek(self.bs)
            s = f.read(104)
            (self.phys_base, self.dump_level, self.split, _, _, self.off_vmcoreinfo,
             self.size_vmcoreinfo, self.off_note, self.size_note) = \
                struct.unpack_from("<QiiQQqQqQ", s, 0)
            if self.version >= 6:
                self.max_mapnr = struct.unpack_from("<Q", s, 96)[0]
            self.bitmap_off = (1 + self.sub_hdr_size) * self.bs
            half = self.bitmap_blocks * self.bs // 2
            self.bitmap2_off = self.bitmap_off + half
            f.seek(self.bitmap2_off)
            self.bitmap2 = f.read(half)
            self.desc_off = (1 + self.sub_hdr_size + self.bitmap_blocks) * self.bs
            self.ndesc = int.from_bytes(self.bitmap2, "little").bit_count()
            f.seek(self.off_note)
            self.note_blob = f.read(self.size_note)
        self._data_start = None

    def index(self, pfn):
        """Descriptor index of pfn, None if the dump does not hold it."""
        byte, bit = divmod(pfn, 8)
        if byte >= len(self.bitmap2) or not self.bitmap2[byte] >> bit & 1:
            return None
        before = int.from_bytes(self.bitmap2[:byte], "little").bit_count()
        return before + bin(self.bitmap2[byte] & ((1 << bit) - 1)).count("1")

    def desc(self, pfn):
        """(file position of the descriptor, offset, size, flags, page_flags)"""
        i = self.index(pfn)
        if i is None:
            return None
        pos = self.desc_off + i * DESC.size
        with open(self.path, "rb") as f:
            f.seek(pos)
            return (pos,) + DESC.unpack(f.read(DESC.size))

    def data_start(self):
        if self._data_start is None:
            with open(self.path, "rb") as f:
                f.seek(self.desc_off)
                raw = f.read(self.ndesc * DESC.size)
            self._data_start = min(d[0] for d in DESC.iter_unpack(raw))
        return self._data_start

    def page_lost_at(self, paddr, cut):
        d = self.desc(paddr // PAGE)
        return d is not None and (d[0] + DESC.size > cut or d[1] + d[2] > cut)

    def read_page(self, pfn):
        d = self.desc(pfn)
        if d is None:
            raise ValueError("pfn %#x not in %s" % (pfn, self.path))
        _, off, size, flags, _ = d
        with open(self.path, "rb") as f:
            f.seek(off)
            data = f.read(size)
        if flags & 1:
            return zlib.decompress(data)
        if flags:
            raise ValueError("pfn %#x: compression flags %#x not supported here" % (pfn, flags))
        return data

    def set_page(self, work, pfn, data):
        """Store data as the (uncompressed) contents of pfn."""
        assert len(data) == PAGE
        pos, _, _, _, pflags = self.desc(pfn)
        off = work.append(data, PAGE)
        work.write(pos, DESC.pack(off, PAGE, 0, pflags))

    def remove_pfns(self, work, pfns):
        """Take pages out of the dump: dumpable bit cleared, descriptor dropped."""
        for pfn in sorted(set(pfns), reverse=True):
            i = self.index(pfn)
            if i is None:
                continue
            byte, bit = divmod(pfn, 8)
            cur = work.read(self.bitmap2_off + byte, 1)[0]
            work.write(self.bitmap2_off + byte, bytes([cur & ~(1 << bit) & 0xff]))
            pos = self.desc_off + i * DESC.size
            end = self.desc_off + self.ndesc * DESC.size
            rest = work.read(pos + DESC.size, end - pos - DESC.size)
            work.write(pos, rest + b"\0" * DESC.size)

    def set_notes(self, work, blob, vmcoreinfo=True):
        """New notes at the end of the file; VMCOREINFO fields follow them."""
        off = work.append(blob, 8)
        vi_off = vi_size = 0
        if vmcoreinfo:
            i = 0
            for name, typ, desc in parse_notes(blob):
                nsz = len(name)
                start = i + 12 + align(nsz, 4)
                if name.rstrip(b"\0") == b"VMCOREINFO":
                    vi_off, vi_size = off + start, len(desc.rstrip(b"\0"))
                i = start + align(len(desc), 4)
        work.write(self.bs + 32, struct.pack("<qQqQ", vi_off, vi_size, off, len(blob)))


class PhysEditor:
    """Accumulated edits of physical memory, for either format."""

    def __init__(self, dump, work):
        self.dump, self.work = dump, work
        self.pages = {}

    def write(self, paddr, data):
        if isinstance(self.dump, Elf):
            self.dump.write_phys(self.work, paddr, data)
            return
        while data:
            pfn, o = divmod(paddr, PAGE)
            n = min(len(data), PAGE - o)
            if pfn not in self.pages:
                self.pages[pfn] = bytearray(self.dump.read_page(pfn))
            self.pages[pfn][o:o + n] = data[:n]
            paddr, data = paddr + n, data[n:]

    def read_u64(self, paddr):
        if isinstance(self.dump, Elf):
            return struct.unpack("<Q", self.dump.read_phys(paddr, 8))[0]
        pfn, o = divmod(paddr, PAGE)
        page = self.pages.get(pfn) or self.dump.read_page(pfn)
        return struct.unpack_from("<Q", page, o)[0]

    def write_u64(self, paddr, v):
        self.write(paddr, struct.pack("<Q", v & (2**64 - 1)))

    def commit(self):
        for pfn, data in sorted(self.pages.items()):
            self.dump.set_page(self.work, pfn, bytes(data))
        self.pages = {}


# ---- a working copy that cases damage and restore ------------------------------

def copy_range(src_fd, dst_fd, off, n, dst_off=None):
    dst = off if dst_off is None else dst_off
    while n > 0:
        k = os.copy_file_range(src_fd, dst_fd, n, off, dst)
        if k <= 0:
            raise OSError("copy_file_range returned %d" % k)
        off, dst, n = off + k, dst + k, n - k


class WorkCopy:
    """A private copy of a dump.  Every change is logged; restore() undoes
    them (newest first) and checks the touched bytes against the original,
    so one 1 GiB copy serves all the cases of a dump."""

    def __init__(self, src, path):
        self.src, self.path = src, path
        self.size0 = os.path.getsize(src)
        self.sfd = os.open(src, os.O_RDONLY)
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        copy_range(self.sfd, self.fd, 0, self.size0)
        self.size = self.size0
        self.log = []
        self.touched = []

    def read(self, off, n):
        return os.pread(self.fd, n, off)

    def write(self, off, data):
        old = os.pread(self.fd, len(data), off)
        self.log.append(("w", off, old, self.size))
        os.pwrite(self.fd, data, off)
        self.size = max(self.size, off + len(data))
        self.touched.append((off, len(data)))

    def append(self, data, alignment=1):
        off = align(self.size, alignment)
        self.write(off, data)
        return off

    def truncate(self, n):
        self.log.append(("t", n, None, self.size))
        os.ftruncate(self.fd, n)
        self.size = n

    def restore(self):
        for kind, off, old, size in reversed(self.log):
            if kind == "w":
                os.pwrite(self.fd, old, off)
                os.ftruncate(self.fd, size)
            else:
                os.ftruncate(self.fd, size)
                copy_range(self.sfd, self.fd, off, min(size, self.size0) - off)
            self.size = size
        self.log = []
        bad = os.fstat(self.fd).st_size != self.size0
        for off, n in self.touched:
            if off < self.size0 and os.pread(self.fd, n, off)[:self.size0 - off] != \
                    os.pread(self.sfd, n, off)[:self.size0 - off]:
                bad = True
        self.touched = []
        if bad:
            raise RuntimeError("%s: restore left it different from %s" % (self.path, self.src))

    def close(self, unlink=True):
        os.close(self.fd)
        os.close(self.sfd)
        if unlink:
            os.unlink(self.path)


# ---- running pgmapcheck ----------------------------------------------------------

SAN_RE = re.compile(r"Sanitizer|runtime error:|LeakSanitizer|AddressSanitizer")


class Run:
    pass


def vm_rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# The peak RSS of a child as wait4() reports it includes the memory of the
# process it was forked from (exec keeps the old mm's high-water mark): a
# child forked by this Python would carry its RSS.  A tiny C spawner forks
# the command instead and reports its exit status and peak RSS.
SPAWN_C = r"""
#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	struct rusage ru;
	FILE *f;
	pid_t pid;
	int st;

	if (argc < 3 || !(f = fopen(argv[1], "w")))
		return 120;
	pid = fork();
	if (pid < 0)
		return 121;
	if (!pid) {
		fclose(f);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	fprintf(f, "pid %d\n", (int)pid);
	fflush(f);
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return 122;
	if (WIFSIGNALED(st))
		fprintf(f, "signal %d %ld\n", WTERMSIG(st), ru.ru_maxrss);
	else
		fprintf(f, "exit %d %ld\n", WEXITSTATUS(st), ru.ru_maxrss);
	fclose(f);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}
"""
SPAWN = None


def build_spawner(tmpdir):
    """Compile the spawner; None (then wait4 of our own child) if cc fails."""
    global SPAWN
    src = os.path.join(tmpdir, "spawn.c")
    exe = os.path.join(tmpdir, "spawn")
    with open(src, "w") as f:
        f.write(SPAWN_C)
    p = subprocess.run(["cc", "-O2", "-o", exe, src], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    SPAWN = exe if p.returncode == 0 else None
    return SPAWN, p.stdout.decode(errors="replace")


LSAN_SUPP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lsan-libkdumpfile.supp")


def run(cmd, timeout, rss_guard_kb=3 << 20, env=None):
    """Run cmd with stdout/stderr to files; its own peak RSS, wall time, exit
    status or signal.  Killed (its process group) after timeout seconds or
    beyond rss_guard_kb of RSS, so a hang or a runaway allocation cannot take
    the machine with it."""
    r = Run()
    r.cmd = cmd
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    e = dict(os.environ)
    e.setdefault("ASAN_OPTIONS", "exitcode=86")
    # libkdumpfile 0.5.1 leaks ~104 B inside itself on a page read it
    # fails (before libinspect can answer for the page, e.g. while it sets
    # up its own translation on a truncated file): its leaks are its own,
    # as in tests/cli.t; every other leak still fails the run
    e.setdefault("LSAN_OPTIONS", "print_suppressions=0:suppressions=" + LSAN_SUPP)
    e.setdefault("UBSAN_OPTIONS", "exitcode=87:print_stacktrace=1")
    if env:
        e.update(env)
    rep = None
    argv = list(cmd)
    if SPAWN:
        fd, rep = tempfile.mkstemp(prefix="spawn.")
        os.close(fd)
        argv = [SPAWN, rep] + argv
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                         env=e, start_new_session=True)
    ACTIVE.add(p.pid)
    try:
        _wait(r, p, t0, timeout, rep, rss_guard_kb)
    finally:
        ACTIVE.discard(p.pid)
    out.seek(0)
    err.seek(0)
    r.stdout = out.read().decode(errors="replace")
    r.stderr = err.read().decode(errors="replace")
    out.close()
    err.close()
    r.sanitizer = bool(SAN_RE.search(r.stderr)) or r.rc in (86, 87, 23)
    try:
        r.doc = json.loads(r.stdout) if r.stdout.strip() else None
    except ValueError:
        r.doc = None
    return r


# process groups of the commands running now (several threads may run some),
# for kill_active() when the test is stopped
ACTIVE = set()


def kill_active():
    for pid in list(ACTIVE):
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _wait(r, p, t0, timeout, rep, rss_guard_kb):
    r.killed = None
    nap = 0.001
    child = None
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        el = time.monotonic() - t0
        if rep and child is None:
            try:
                with open(rep) as f:
                    m = re.match(r"pid (\d+)", f.read())
                child = int(m.group(1)) if m else None
            except OSError:
                pass
        why = None
        if el > timeout:
            why = "timeout after %.0fs" % timeout
        elif vm_rss_kb(child or p.pid) > rss_guard_kb:
            why = "RSS above %d MB" % (rss_guard_kb >> 10)
        if why:
            r.killed = why
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            pid, status, ru = os.wait4(p.pid, 0)
            break
        time.sleep(nap)
        nap = min(nap * 2, 0.02)
    p.returncode = os.waitstatus_to_exitcode(status)
    r.time = time.monotonic() - t0
    r.rc = p.returncode
    r.maxrss_kb = ru.ru_maxrss
    if rep:
        with open(rep) as f:
            last = f.read().splitlines()[-1:]
        os.unlink(rep)
        m = re.match(r"(exit|signal) (\d+) (\d+)", last[0]) if last else None
        if m:
            r.rc = int(m.group(2)) if m.group(1) == "exit" else -int(m.group(2))
            r.maxrss_kb = int(m.group(3))
    r.signal = -r.rc if r.rc < 0 else None
    r.cpu = ru.ru_utime + ru.ru_stime       # with its waited-for children


# ---- drgn: where things are ------------------------------------------------------

PROBE = r'''
import json, os, sys
import drgn
dump, vmlinux, mm_want, uva = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
pgmaps = [int(x, 0) for x in sys.argv[5:]]
prog = drgn.Program()
prog.set_core_dump(dump)
prog.load_debug_info([vmlinux])
MASK = ((1 << 52) - 1) & ~0xfff
def u64(a, phys=False):
    return int.from_bytes(prog.read(a, 8, phys), "little")
def off(t, m):
    return drgn.offsetof(prog.type(t), m)
def sym(n):
    return prog.symbol(n).address
phys_base = u64(sym("phys_base"))
try:
    l5 = bool(prog["__pgtable_l5_enabled"].value_())
except (KeyError, LookupError):
    l5 = False
top = sym("init_top_pgt") - 0xffffffff80000000 + phys_base
def walk(va, table, free=False):
    path = []
    for s in ([48, 39, 30, 21, 12] if l5 else [39, 30, 21, 12]):
        idx = (va >> s) & 511
        e = u64(table + idx * 8, True)
        path.append({"shift": s, "table": hex(table), "index": idx, "entry": hex(e),
                     "free": [i for i in range(512) if free and not u64(table + i * 8, True)]})
        if not e & 1:
            return path, None
        if s in (30, 21) and e & 0x80:
            return path, (e & MASK & ~((1 << s) - 1)) + (va & ((1 << s) - 1))
        table = e & MASK
    return path, table + (va & 0xfff)
def a(va):
    pa = walk(va, top)[1]
    return {"va": hex(va), "pa": hex(pa) if pa is not None else None}
def lst(head, limit=1 << 16):
    r, pos = [], u64(head)
    while pos != head and len(r) < limit:
        r.append(a(pos))
        pos = u64(pos)
    return r
out = {"l5": l5, "phys_base": phys_base, "off_page_lru": off("struct page", "lru"),
       "sizeof_page": drgn.sizeof(prog.type("struct page"))}
out["pgmaps"] = []
for p in pgmaps:
    o = drgn.Object(prog, "struct dev_pagemap *", value=p)
    out["pgmaps"].append({"pgmap": a(p), "off_range": off("struct dev_pagemap", "range"),
                          "ref_data": a(o.ref.data.value_())})
nodes = []
def xa(e, depth=0):
    if (e & 3) == 2 and e > 4096 and depth < 8:
        n = e - 2
        slots = n + off("struct xa_node", "slots")
        vals = [u64(slots + 8 * i) for i in range(64)]
        nodes.append(dict(a(n), off_slots=off("struct xa_node", "slots"),
                          free=[i for i, v in enumerate(vals) if not v]))
        for v in vals:
            xa(v, depth + 1)
xa(prog["pgmap_array"].xa_head.value_())
out["xa_nodes"] = nodes
hs = prog["hstates"][0].address_
out["hstate"] = dict(a(hs), off_nr_huge=off("struct hstate", "nr_huge_pages"),
                     active=lst(hs + off("struct hstate", "hugepage_activelist")))
it = sym("init_task")
ot = off("struct task_struct", "tasks")
out["tasks"] = lst(it + ot)
out["holder"] = None
for t in out["tasks"]:
    ta = int(t["va"], 16) - ot
    mm = u64(ta + off("struct task_struct", "mm"))
    if mm and hex(mm) == mm_want:
        pgd = u64(mm + off("struct mm_struct", "pgd"))
        pgd_pa = walk(pgd, top)[1]
        path, pa = walk(int(uva, 16), pgd_pa, True)
        out["holder"] = {"task": hex(ta), "mm": hex(mm), "pgd": a(pgd), "path": path}
        break
print(json.dumps(out))
sys.stdout.flush()
os._exit(0)
'''


def drgn_probe(dump, vmlinux, mm, uva, pgmaps, timeout=120):
    """Addresses (virtual and physical) of the structures the cases damage."""
    p = subprocess.run(["/usr/bin/python3", "-c", PROBE, dump, vmlinux, mm or "-", uva or "0"]
                       + list(pgmaps), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    if p.returncode:
        raise RuntimeError("drgn probe: rc %d: %s" % (p.returncode, p.stderr.decode()[-600:]))
    return json.loads(p.stdout)


def drgn_available():
    return subprocess.run(["/usr/bin/python3", "-c", "import drgn"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


# ---- the drgn and crash frontends on a damaged dump ------------------------------

def _first_line(text, prefix=None):
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if prefix is not None:
        lines = [ln for ln in lines if ln.startswith(prefix)]
    return lines[0] if lines else None


def drgn_frontend(top, lib, dump, vmlinux, timeout):
    """drgn-scripts/pgmapcheck.py without the drgn CLI (/usr/bin/python3,
    drgn 0.0.22: what Debian 12 users run), libinspect from lib: a Run whose
    doc is its JSON report.  r.open_error is drgn's own error when drgn
    cannot open the file (the script's "pgmapcheck.py: DUMP: why" line: the
    Program could not be made from the core and the vmlinux), else None."""
    r = run(["/usr/bin/python3", os.path.join(top, "drgn-scripts", "pgmapcheck.py"),
             "--json", "--no-progress", "-k", vmlinux, dump], timeout,
            env={"LIBINSPECT": lib, "PYTHONDONTWRITEBYTECODE": "1"})
    r.report_text = r.stdout
    r.noise = []
    r.open_error = None
    if r.rc == 2 and r.doc is None:
        r.open_error = _first_line(r.stderr, "pgmapcheck.py: %s: " % dump)
    r.fe_error = None if r.doc is not None else \
        (_first_line(r.stderr) or "exit status %s, no output" % r.rc)
    return r


def crash_frontend(crash, ext, dump, vmlinux, workdir, timeout, args=()):
    """One batch crash session on dump: "extend EXT", "pgmapcheck -j > FILE",
    a Run whose doc is that JSON report.  crash has no exit status per
    command: r.fe_error is the command's own error line ("pgmapcheck: ..."
    from error(FATAL)) when it wrote no report; r.open_error crash's own
    error when the session never got to the command (crash refused the dump
    or died in its start-up), else None."""
    os.makedirs(workdir, exist_ok=True)
    out = os.path.join(workdir, "crash.json")
    cmds = os.path.join(workdir, "crash.cmds")
    if os.path.exists(out):
        os.unlink(out)
    with open(cmds, "w") as f:
        f.write("extend %s\npgmapcheck -j > %s\nq\n" % (ext, out))
    r = run([crash, "-s", *args, vmlinux, dump, "-i", cmds], timeout)
    text = r.stdout + "\n" + r.stderr
    try:
        with open(out, errors="replace") as f:
            r.report_text = f.read()
    except OSError:
        r.report_text = ""
    # crash prints its own messages (its readers' error(INFO) lines) into a
    # redirected command's output too: the report, then, is what follows them
    r.noise = []
    lines = r.report_text.splitlines(True)
    while lines and not lines[0].startswith("{"):
        r.noise.append(lines.pop(0).strip())
    try:
        r.doc = json.loads("".join(lines))
    except ValueError:
        r.doc = None
    r.noise = [ln for ln in r.noise if ln]
    r.open_error = r.fe_error = None
    if "shared object loaded" not in text:
        r.open_error = (_first_line(text, "crash:") or _first_line(text) or
                        "crash exited with status %s" % r.rc)
        if r.signal is not None or r.killed:
            r.open_error = "crash %s in its start-up: %s" % (
                r.killed or "killed by signal %d" % r.signal, r.open_error)
    elif r.doc is None:
        segv = [ln for ln in text.splitlines() if "segmentation violation" in ln]
        r.fe_error = (_first_line(text, "pgmapcheck:") or (segv[0].strip() if segv else None) or
                      "no report (crash %s): %s" % (
                          r.killed or "exit %s" % r.rc, " | ".join(text.split("\n")[-4:])))
    return r
