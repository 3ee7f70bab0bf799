#!/usr/bin/python3
"""Python ftplib client sessions used by make-samples.sh.

Each function is one FTP control connection (a "session") with an exact,
deterministic command sequence. Server replies are printed so the script log
shows what happened; errors that a scenario provokes on purpose (530, 550,
500, 503, 421 ...) are caught and printed, never fatal.

Usage: ftp_scenarios.py SESSION HOST PORT [extra...]
"""

import ftplib
import io
import socket
import ssl
import sys
import time

USER = "ftptest"
PASSWORD = "ftptest-pw"
WRONG_PASSWORD = "not-the-password"


def log(*args):
    print(*args, flush=True)


class Ftp(ftplib.FTP):
    """ftplib.FTP that can force EPSV / EPRT on IPv4 as well."""

    force_epsv = False
    force_eprt = False

    def makepasv(self):
        if self.force_epsv and self.af == socket.AF_INET:
            host, port = ftplib.parse229(self.sendcmd("EPSV"), self.sock.getpeername())
            return host, port
        return super().makepasv()

    def makeport(self):
        if self.force_eprt and self.af == socket.AF_INET:
            sock = socket.create_server(("", 0), family=self.af, backlog=1)
            port = sock.getsockname()[1]
            host = self.sock.getsockname()[0]
            self.sendeprt(host, port)
            if self.timeout is not None:
                sock.settimeout(self.timeout)
            return sock
        return super().makeport()


class FtpTls(ftplib.FTP_TLS):
    pass


def connect(host, port, cls=Ftp, **kw):
    ftp = cls(timeout=20, **kw)
    ftp.set_debuglevel(1)
    welcome = ftp.connect(host, int(port))
    return ftp


def try_cmd(ftp, cmd):
    """Send a raw command and print the reply, whatever its code."""
    try:
        return ftp.sendcmd(cmd)
    except ftplib.all_errors as e:  # 4xx/5xx replies are expected here
        log("  expected error:", repr(e))
        return str(e)


def try_call(label, fn, *a, **kw):
    try:
        return fn(*a, **kw)
    except ftplib.all_errors as e:
        log(f"  expected error ({label}):", repr(e))
        return None


def sink():
    buf = io.BytesIO()
    return buf, buf.write


def quit(ftp):
    try:
        ftp.quit()
    except ftplib.all_errors as e:
        log("  quit:", repr(e))
        ftp.close()


# ---------------------------------------------------------------- sessions

def login_fail(host, port):
    """USER + wrong PASS -> 530, then QUIT."""
    ftp = connect(host, port)
    try_call("login", ftp.login, USER, WRONG_PASSWORD)
    quit(ftp)


def commands(host, port):
    """Errors before login, then login and the informational / directory commands."""
    ftp = connect(host, port)
    try_cmd(ftp, "PASS " + PASSWORD)          # 503: PASS without USER
    try_cmd(ftp, "XYZZY")                     # 500 (or 530: not logged in)
    ftp.login(USER, PASSWORD)
    try_cmd(ftp, "SYST")
    try_cmd(ftp, "FEAT")                      # multi-line 211
    try_cmd(ftp, "HELP")                      # multi-line 214
    try_cmd(ftp, "HELP RETR")
    try_cmd(ftp, "STAT")                      # multi-line 211
    try_cmd(ftp, "SITE HELP")                 # multi-line 214 (or error)
    try_cmd(ftp, "NOOP")
    try_cmd(ftp, "PWD")
    try_cmd(ftp, "CWD docs")
    try_cmd(ftp, "PWD")
    try_cmd(ftp, "CDUP")
    try_cmd(ftp, "MKD newdir")                # 257
    try_cmd(ftp, "CWD newdir")
    try_cmd(ftp, "CDUP")
    try_cmd(ftp, "RMD newdir")                # 250
    try_cmd(ftp, "CWD no-such-dir")           # 550
    try_cmd(ftp, "TYPE I")
    try_cmd(ftp, "SIZE hello.txt")            # 213
    try_cmd(ftp, "MDTM hello.txt")            # 213
    try_cmd(ftp, "SIZE no-such-file.txt")     # 550
    try_cmd(ftp, "DELE no-such-file.txt")     # 550
    try_cmd(ftp, "XYZZY")                     # 500 unknown command
    try_cmd(ftp, "MODE Z")                    # 504 (or 500)
    try_cmd(ftp, "STRU R")                    # 504
    try_cmd(ftp, "TYPE X")                    # 504 (or 500/501)
    try_cmd(ftp, "RNTO nothing.txt")          # 503: RNTO without RNFR
    try_call("RETR missing", ftp.retrbinary, "RETR no-such-file.bin", sink()[1])  # 550
    quit(ftp)


def anonymous(host, port):
    """Anonymous login, listing and a download from the public folder."""
    ftp = connect(host, port)
    ftp.login("anonymous", "guest@example.com")
    try_cmd(ftp, "PWD")
    try_cmd(ftp, "CWD pub")
    lines = []
    try_call("LIST", ftp.retrlines, "LIST", lines.append)
    buf, cb = sink()
    try_call("RETR", ftp.retrbinary, "RETR readme.txt", cb)
    try_call("STOR", ftp.storbinary, "STOR anon-upload.txt", io.BytesIO(b"anonymous upload\n"))
    quit(ftp)


def transfers(host, port):
    """Listings and transfers with every data-connection mode, REST, ABOR."""
    ftp = connect(host, port)
    ftp.login(USER, PASSWORD)
    try_cmd(ftp, "TYPE A")
    # PASV
    ftp.set_pasv(True)
    try_call("LIST", ftp.retrlines, "LIST", lambda l: None)
    try_call("NLST", ftp.retrlines, "NLST", lambda l: None)
    try_call("MLSD", ftp.retrlines, "MLSD", lambda l: None)   # vsftpd: 500
    try_call("RETR", ftp.retrbinary, "RETR data.bin", sink()[1])  # TYPE I, PASV
    payload = bytes((i * 7 + 3) % 256 for i in range(20000))
    try_call("STOR", ftp.storbinary, "STOR upload.bin", io.BytesIO(payload))
    try_call("APPE", ftp.storbinary, "APPE upload.bin", io.BytesIO(b"appended\n"))
    try_cmd(ftp, "SIZE upload.bin")
    # EPSV on IPv4
    ftp.force_epsv = True
    try_call("RETR", ftp.retrbinary, "RETR hello.txt", sink()[1])
    try_call("LIST", ftp.retrlines, "LIST docs", lambda l: None)
    ftp.force_epsv = False
    # PORT
    ftp.set_pasv(False)
    try_call("NLST", ftp.retrlines, "NLST", lambda l: None)
    try_call("RETR", ftp.retrbinary, "RETR hello.txt", sink()[1])
    # EPRT on IPv4
    ftp.force_eprt = True
    try_call("LIST", ftp.retrlines, "LIST", lambda l: None)
    try_call("STOR", ftp.storbinary, "STOR small.txt", io.BytesIO(b"small file sent with EPRT\n"))
    ftp.force_eprt = False
    ftp.set_pasv(True)
    # REST: resume data.bin from offset 60000
    try_call("REST", ftp.retrbinary, "RETR data.bin", sink()[1], rest=60000)
    # rename and delete
    try_cmd(ftp, "RNFR small.txt")
    try_cmd(ftp, "RNTO renamed.txt")
    try_cmd(ftp, "DELE renamed.txt")
    try_cmd(ftp, "DELE upload.bin")
    try_cmd(ftp, "PWD")
    quit(ftp)


def drain(ftp, seconds=3.0):
    """Read replies until the NOOP's 200 arrives; False if the server went quiet first."""
    ftp.sock.settimeout(seconds)
    try:
        while True:
            line = ftp.getmultiline()
            log("  reply:", line)
            if line[:3] == "200":
                return True
    except (OSError, EOFError) as e:
        log("  no more replies:", repr(e))
        return False


def start_big_download(ftp, name="big.bin"):
    ftp.voidcmd("TYPE I")
    conn = ftp.transfercmd("RETR " + name)
    got = 0
    while got < 32768:
        chunk = conn.recv(8192)
        if not chunk:
            break
        got += len(chunk)
    log(f"  read {got} bytes, aborting")
    return conn


def finish_abort(ftp, conn):
    conn.close()
    ftp.putcmd("NOOP")     # servers may send 426 then 226: read up to the NOOP's reply
    if drain(ftp):
        quit(ftp)
    else:
        ftp.close()


def abort_ftplib(host, port):
    """ABOR as Python's ftplib sends it: "ABOR\r\n" with MSG_OOB (urgent pointer on its last byte)."""
    ftp = connect(host, port)
    ftp.login(USER, PASSWORD)
    conn = start_big_download(ftp)
    try:
        log("  abort:", ftp.abort())
    except ftplib.all_errors as e:
        log("  abort error:", repr(e))
    finish_abort(ftp, conn)


def abort_telnet(host, port):
    """ABOR as RFC 959 describes it: Telnet IP, Synch (IAC sent urgent, then DM), then ABOR."""
    ftp = connect(host, port)
    ftp.login(USER, PASSWORD)
    conn = start_big_download(ftp)
    ftp.sock.sendall(b"\xff\xf4")                  # IAC IP
    ftp.sock.send(b"\xff", socket.MSG_OOB)          # IAC as urgent data
    ftp.sock.sendall(b"\xf2ABOR\r\n")               # DM, then the command
    finish_abort(ftp, conn)


def ipv6(host, port):
    """IPv6 session: EPSV (ftplib's default passive on IPv6) and EPRT."""
    ftp = connect(host, port)
    ftp.login(USER, PASSWORD)
    try_cmd(ftp, "PWD")
    try_call("LIST", ftp.retrlines, "LIST", lambda l: None)
    try_call("RETR", ftp.retrbinary, "RETR hello.txt", sink()[1])
    try_cmd(ftp, "PASV")   # PASV on IPv6: servers refuse (or answer 227)
    ftp.set_pasv(False)    # EPRT |2|::1|port|
    try_call("NLST", ftp.retrlines, "NLST", lambda l: None)
    try_call("STOR", ftp.storbinary, "STOR v6.txt", io.BytesIO(b"uploaded over IPv6 with EPRT\n"))
    try_cmd(ftp, "DELE v6.txt")
    try_cmd(ftp, "PORT 127,0,0,1,4,1")   # PORT on an IPv6 control connection
    quit(ftp)


def anonymous6(host, port):
    ftp = connect(host, port)
    ftp.login("anonymous", "guest6@example.com")
    try_cmd(ftp, "CWD pub")
    try_call("NLST", ftp.retrlines, "NLST", lambda l: None)
    quit(ftp)


def tls(host, port):
    """AUTH TLS, PBSZ, PROT P, encrypted LIST and RETR."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ftp = connect(host, port, cls=FtpTls, context=ctx)
    ftp.auth()
    ftp.login(USER, PASSWORD)
    ftp.prot_p()
    try_call("LIST", ftp.retrlines, "LIST", lambda l: None)
    try_call("RETR", ftp.retrbinary, "RETR hello.txt", sink()[1])
    quit(ftp)


def hold(host, port, seconds):
    """A logged-in session that stays connected for a while (fills max clients)."""
    ftp = connect(host, port)
    ftp.login(USER, PASSWORD)
    try_cmd(ftp, "PWD")
    end = time.time() + float(seconds)
    while time.time() < end:
        time.sleep(0.5)
    try_cmd(ftp, "NOOP")
    quit(ftp)


def refused(host, port):
    """One connection too many: the greeting (or USER/PASS) is refused."""
    try:
        ftp = connect(host, port)
    except ftplib.all_errors as e:
        log("  expected refusal at greeting:", repr(e))
        return
    try:
        ftp.login(USER, PASSWORD)
        try_cmd(ftp, "PWD")
    except ftplib.all_errors as e:
        log("  expected refusal at login:", repr(e))
    quit(ftp)


def idle(host, port, seconds):
    """Log in and stay idle until the server closes the session (421 timeout)."""
    ftp = connect(host, port)
    ftp.login(USER, PASSWORD)
    ftp.sock.settimeout(float(seconds) + 20)
    try:
        log("  unsolicited:", ftp.getmultiline())
    except (EOFError, OSError) as e:
        log("  closed:", repr(e))
    ftp.close()


def worker(host, port, tag):
    """A short session used in parallel by the concurrent scenario."""
    ftp = connect(host, port)
    ftp.login(USER, PASSWORD)
    for i in range(3):
        try_cmd(ftp, "PWD")
        try_call("LIST", ftp.retrlines, "LIST", lambda l: None)
        try_call("RETR", ftp.retrbinary, "RETR hello.txt", sink()[1])
        try_call("STOR", ftp.storbinary, f"STOR {tag}-{i}.txt", io.BytesIO(f"{tag} {i}\n".encode()))
        time.sleep(0.2)
    for i in range(3):
        try_cmd(ftp, f"DELE {tag}-{i}.txt")
    quit(ftp)


SESSIONS = {f.__name__: f for f in (login_fail, commands, anonymous, transfers, abort_ftplib, abort_telnet, ipv6,
                                   anonymous6, tls, hold, refused, idle, worker)}

if __name__ == "__main__":
    name, host, port, *extra = sys.argv[1:]
    log(f"=== ftplib {name} {host} {port} {' '.join(extra)}")
    SESSIONS[name](host, port, *extra)
