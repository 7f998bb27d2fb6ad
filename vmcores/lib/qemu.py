"""Boot the test guest under QEMU (TCG) and drive it over QMP.

The guest is the cached kernel plus our initramfs; it mounts the host root
read-only over virtio-9p and runs a script from the job directory, which is
shared read-write (see initramfs/init).  Python stdlib only.
"""
import json
import os
import socket
import subprocess
import time


class GuestError(Exception):
    pass


class Qmp:
    def __init__(self, path, timeout=60):
        deadline = time.time() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise GuestError("QMP socket %s never appeared" % path)
                time.sleep(0.1)
        self.rfile = self.sock.makefile("r")
        self._read()  # greeting
        self.execute("qmp_capabilities")

    def _read(self):
        line = self.rfile.readline()
        if not line:
            raise GuestError("QMP connection closed")
        return json.loads(line)

    def execute(self, cmd, **args):
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._read()
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise GuestError("QMP %s: %s" % (cmd, r["error"].get("desc")))
            # asynchronous events (STOP, RESUME, DUMP_COMPLETED...) are ignored

    def hmp(self, line):
        return self.execute("human-monitor-command", **{"command-line": line})

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Guest:
    """One QEMU process.  job: host directory shared as the guest's /run/pgmc/job."""

    def __init__(self, kdir, initrd, job, append, mem="1G", smp=2,
                 script="run.sh", mem_path=None):
        self.job = job
        self.qmp_path = os.path.join(job, "qmp.sock")
        if os.path.exists(self.qmp_path):
            os.unlink(self.qmp_path)
        self.console = os.path.join(job, "console.log")
        virtfs = "local,path=%s,mount_tag=%s,security_model=none,multidevs=remap%s"
        argv = [
            "qemu-system-x86_64", "-accel", "tcg", "-machine", "pc",
            # qemu64 is an AMD model: no PTI, so gva2gpa sees the kernel half
            # whatever task CPU 0 was running when stopped
            "-cpu", "qemu64",
            "-m", mem, "-smp", str(smp),
        ]
        if mem_path:
            # guest RAM over the host's: plain -m is refused.  A sparse file,
            # not memory-backend-ram,reserve=off: dump-guest-memory reads every
            # page, which fills anonymous memory (QEMU 7.2) but only clean,
            # reclaimable page cache here
            argv += ["-object", "memory-backend-file,id=m0,size=%s,mem-path=%s,share=on"
                     % (mem, mem_path), "-machine", "memory-backend=m0"]
        argv += [
            "-kernel", os.path.join(kdir, "vmlinuz"), "-initrd", initrd,
            "-append", "console=ttyS0 panic=-1 pgmc.script=%s %s" % (script, append),
            "-device", "vmcoreinfo",
            "-virtfs", virtfs % ("/", "hostroot", ",readonly=on"),
            "-virtfs", virtfs % (os.path.join(kdir, "modules/lib/modules"),
                                 "modules", ",readonly=on"),
            "-virtfs", virtfs % (job, "job", ""),
            "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
            "-display", "none", "-serial", "file:" + self.console,
            "-monitor", "none", "-no-reboot", "-nodefaults",
        ]
        with open(os.path.join(job, "qemu.cmdline"), "w") as f:
            f.write(" ".join(argv) + "\n")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=open(os.path.join(job, "qemu.log"), "w"),
                                     stderr=subprocess.STDOUT)
        try:
            self.qmp = Qmp(self.qmp_path)
        except Exception:
            self.kill()
            raise

    def console_tail(self, n=40):
        try:
            with open(self.console, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def wait_file(self, name, timeout):
        """Wait until the guest creates job/name; fail early on job/failed or exit."""
        path = os.path.join(self.job, name)
        failed = os.path.join(self.job, "failed")
        deadline = time.time() + timeout
        while not os.path.exists(path):
            if os.path.exists(failed):
                with open(failed) as f:
                    why = f.read().strip()
                raise GuestError("guest script failed: %s\n%s" % (why, self.console_tail()))
            if self.proc.poll() is not None:
                raise GuestError("QEMU exited (%d) before %s\n%s" %
                                 (self.proc.returncode, name, self.console_tail()))
            if time.time() > deadline:
                raise GuestError("timeout waiting for %s\n%s" % (name, self.console_tail()))
            time.sleep(0.5)

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise GuestError("guest did not power off\n%s" % self.console_tail())

    def gva2gpa(self, va):
        """Guest physical address of a guest virtual one, None if unmapped."""
        out = self.qmp.hmp("gva2gpa 0x%x" % va).strip()
        if out.startswith("gpa:"):
            return int(out.split()[1], 16)
        return None

    def dump(self, path, fmt, uts=None):
        """fmt: 'elf' (dump-guest-memory -p) or 'kdump' (-z, then makedumpfile -R).
        uts: the guest's utsname fields, for fix_kdump_utsname."""
        tmp = path + ".tmp"
        if fmt == "elf":
            self.qmp.execute("dump-guest-memory", paging=True,
                             protocol="file:" + tmp, format="elf")
            os.rename(tmp, path)
            return
        self.qmp.execute("dump-guest-memory", paging=False,
                         protocol="file:" + tmp, format="kdump-zlib")
        # QEMU writes the flattened format; makedumpfile -R rearranges it
        with open(tmp, "rb") as f:
            subprocess.run(["makedumpfile", "-R", path + ".r"], stdin=f,
                           stdout=subprocess.DEVNULL, check=True)
        os.unlink(tmp)
        if uts:
            fix_kdump_utsname(path + ".r", uts)
        os.rename(path + ".r", path)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if hasattr(self, "qmp"):
            self.qmp.close()


# struct new_utsname in the kdump header: six 65-byte fields after the
# 8-byte signature and the 4-byte header_version.
UTS_FIELDS = ("sysname", "nodename", "release", "version", "machine", "domainname")


def fix_kdump_utsname(path, uts):
    """QEMU 7.2 fills only utsname.machine of the kdump header; libkdumpfile
    (so drgn 0.0.22) then cannot tell the architecture.  Fill the empty
    fields with the guest's own uname, as makedumpfile would have."""
    with open(path, "r+b") as f:
        for i, name in enumerate(UTS_FIELDS):
            off = 12 + 65 * i
            f.seek(off)
            if f.read(1) != b"\0" or name not in uts:
                continue
            f.seek(off)
            f.write(uts[name].encode()[:64].ljust(65, b"\0"))
