#!/usr/bin/env bash
# Regenerates the FTP sample captures and server logs in samples/.
#
# Runs vsftpd, Pure-FTPd and ProFTPD (Debian packages, unpacked side by side with
# `apt-get download` + `dpkg -x` into samples/.work/) inside a private network
# namespace, drives them with real clients (Python ftplib, curl, lftp, tnftp `ftp`)
# and records the loopback traffic with tcpdump, one capture per server and
# scenario, plus the logs each server wrote for exactly those sessions.
#
# Needs: root, Debian 12 (bookworm) with apt, network namespaces (ip netns).
# Network traffic: only apt's package mirror, and 127.0.0.1 / ::1 inside the namespace.
#
# Usage: sudo samples/make-samples.sh [SERVER...]   (SERVER: vsftpd pureftpd proftpd; default all)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$HERE/.work
SRV=/srv/ftpsamples            # served files (home of ftptest, anonymous root)
LOGS=$HERE/logs
NS=ftpsamples
PY=/usr/bin/python3
DRIVER=$HERE/ftp_scenarios.py
FTP_USER=ftptest
FTP_PASS=ftptest-pw            # also in ftp_scenarios.py
SCENARIOS=(basic transfers ipv6 tls port2121 concurrent)
SERVERS=("$@")
[ ${#SERVERS[@]} -gt 0 ] || SERVERS=(vsftpd pureftpd proftpd)

PIDS=()          # background processes we started (servers, tcpdump, syslog sink)
PAMFILE=/etc/pam.d/ftpsamples-vsftpd

say() { printf '\n### %s\n' "$*" >&2; }
die() { printf 'make-samples: %s\n' "$*" >&2; exit 1; }
nsx() { ip netns exec "$NS" "$@"; }

cleanup() {
    local rc=$?
    set +e
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    # server session processes left behind (children of the servers) die with the namespace's sockets
    if ip netns list 2>/dev/null | grep -qw "$NS"; then
        for pid in $(ip netns pids "$NS" 2>/dev/null); do kill "$pid" 2>/dev/null; done
        sleep 0.5
        for pid in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
        ip netns del "$NS"
    fi
    rm -f "$PAMFILE"
    exit $rc
}

# ------------------------------------------------------------------ setup

install_packages() {
    say "apt: clients, tools and the servers' libraries"
    export DEBIAN_FRONTEND=noninteractive
    local apt=(apt-get -o DPkg::Lock::Timeout=900 -y -q)
    "${apt[@]}" install --no-install-recommends \
        tcpdump curl lftp ftp python3 openssl iproute2 ethtool tshark passwd procps \
        libpam-modules libpam-runtime >/dev/null
    mkdir -p "$WORK/debs"
    chmod 755 "$WORK" "$WORK/debs"
    (cd "$WORK/debs" && rm -f ./*.deb &&
        apt-get -q download vsftpd pure-ftpd proftpd-core proftpd-mod-crypto >/dev/null 2>&1 ||
        apt-get download vsftpd pure-ftpd proftpd-core proftpd-mod-crypto)
    # the library dependencies of the unpacked servers (lib* entries of their Depends)
    local deps
    deps=$(for f in "$WORK"/debs/*.deb; do dpkg-deb -f "$f" Depends; done |
        tr ',' '\n' | sed 's/([^)]*)//g; s/|.*//; s/[[:space:]]//g' | grep '^lib' | sort -u)
    # shellcheck disable=SC2086
    "${apt[@]}" install --no-install-recommends $deps >/dev/null
    rm -rf "$WORK/root"
    mkdir -p "$WORK/root"
    for f in "$WORK"/debs/*.deb; do dpkg -x "$f" "$WORK/root"; done
    VSFTPD=$WORK/root/usr/sbin/vsftpd
    PUREFTPD=$WORK/root/usr/sbin/pure-ftpd
    PROFTPD=$WORK/root/usr/sbin/proftpd
    VSFTPD_VERSION=$(dpkg-deb -f "$WORK"/debs/vsftpd_*.deb Version)
    PUREFTPD_VERSION=$(dpkg-deb -f "$WORK"/debs/pure-ftpd_*.deb Version)
    PROFTPD_VERSION=$(dpkg-deb -f "$WORK"/debs/proftpd-core_*.deb Version)
    for b in "$VSFTPD" "$PUREFTPD" "$PROFTPD"; do
        if ldd "$b" | grep -q 'not found'; then ldd "$b"; die "missing libraries for $b"; fi
    done
}

setup_accounts() {
    say "accounts: $FTP_USER (password login) and ftp (anonymous)"
    # the served trees live at a fixed path so that paths in the captures and logs do not
    # depend on where the repository is checked out
    ANON=$SRV/anon
    HOMEDIR=$SRV/home/$FTP_USER
    mkdir -p "$SRV/home"
    chmod 755 "$SRV" "$SRV/home"
    if ! getent passwd "$FTP_USER" >/dev/null; then
        useradd -M -d "$HOMEDIR" -s /bin/sh "$FTP_USER"
    else
        usermod -d "$HOMEDIR" -s /bin/sh "$FTP_USER"
    fi
    echo "$FTP_USER:$FTP_PASS" | chpasswd
    # Pure-FTPd's anonymous account is always the system user "ftp"; its home is the anonymous root.
    if ! getent passwd ftp >/dev/null; then
        useradd -r -M -d "$ANON" -s /usr/sbin/nologin ftp
    else
        usermod -d "$ANON" ftp
    fi
    cat >"$PAMFILE" <<'EOF'
# written by FtpTrace samples/make-samples.sh, removed when it exits
auth     required pam_unix.so
account  required pam_unix.so
session  required pam_permit.so
EOF
}

make_files() {
    FILES=$WORK/files
    rm -rf "$FILES" && mkdir -p "$FILES"
    "$PY" - "$FILES" <<'EOF'
import random, sys
d = sys.argv[1]
r = random.Random(20261125)          # deterministic content
open(f"{d}/data.bin", "wb").write(bytes(r.getrandbits(8) for _ in range(120000)))
open(f"{d}/big.bin", "wb").write(bytes(r.getrandbits(8) for _ in range(2000000)))
open(f"{d}/hello.txt", "w").write("Hello from the FtpTrace samples.\n" * 3)
open(f"{d}/readme.txt", "w").write("Public files for anonymous FTP.\nNothing secret here.\n")
open(f"{d}/notes.txt", "w").write("".join(f"line {i}: some notes\n" for i in range(40)))
open(f"{d}/upload.txt", "w").write("uploaded by curl\n" * 10)
EOF
}

make_cert() {
    CERT=$WORK/tls/cert.pem KEY=$WORK/tls/key.pem
    mkdir -p "$WORK/tls"
    if [ ! -s "$CERT" ]; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost/O=FtpTrace samples" \
            -keyout "$KEY" -out "$CERT" 2>/dev/null
    fi
    chmod 600 "$KEY"
    cat "$KEY" "$CERT" >"$WORK/tls/combined.pem"
    chmod 600 "$WORK/tls/combined.pem"
}

# fresh home and anonymous tree before every scenario, so uploads/MKD start from the same state
reset_trees() {
    rm -rf "$HOMEDIR" "$ANON"
    mkdir -p "$HOMEDIR/docs" "$ANON/pub"
    cp "$FILES"/{hello.txt,data.bin,big.bin,notes.txt} "$HOMEDIR/"
    cp "$FILES/notes.txt" "$HOMEDIR/docs/"
    cp "$FILES"/{readme.txt,hello.txt} "$ANON/pub/"
    chown -R "$FTP_USER:" "$HOMEDIR"
    chmod 755 "$ANON" "$ANON/pub"       # root-owned, not writable: vsftpd requires that
    DL=$WORK/downloads
    rm -rf "$DL" && mkdir -p "$DL"
}

setup_netns() {
    say "network namespace $NS"
    if ip netns list | grep -qw "$NS"; then ip netns del "$NS"; fi
    ip netns add "$NS"
    ip -n "$NS" link set lo mtu 1500     # Ethernet-sized segments, as on a real network
    ip -n "$NS" link set lo up
    # no segmentation offload on the namespace's loopback: the capture sees wire-sized frames
    nsx ethtool -K lo tso off gso off gro off >/dev/null 2>&1 || true
    # A veth pair with a global IPv6 address, so resolvers using AI_ADDRCONFIG (lftp) accept ::1.
    # All FTP traffic stays on lo, the only interface captured.
    ip -n "$NS" link add ftps0 type veth peer name ftps1
    ip -n "$NS" addr add fd00:f7::1/64 dev ftps0 nodad
    ip -n "$NS" link set ftps0 up
    ip -n "$NS" link set ftps1 up
}

# ------------------------------------------------------------------ process helpers

# wait until something listens on TCP port $1 in the namespace (no probe traffic in the capture)
wait_listen() {
    local port=$1 i
    for i in $(seq 1 100); do
        if nsx ss -Hltn "sport = :$port" | grep -q .; then return 0; fi
        sleep 0.1
    done
    die "nothing listens on port $port"
}

# wait until at least $2 established connections exist to server port $1
wait_established() {
    local port=$1 want=$2 i
    for i in $(seq 1 100); do
        if [ "$(nsx ss -Htn state established "sport = :$port" | wc -l)" -ge "$want" ]; then return 0; fi
        sleep 0.1
    done
    die "expected $want connections to port $port"
}

start_bg() {   # start_bg LOGFILE CMD...  (in the namespace; pid in BG_PID)
    local out=$1; shift
    ip netns exec "$NS" "$@" >"$out" 2>&1 &     # not via nsx: $! must be the process itself
    BG_PID=$!
    PIDS+=("$BG_PID")
}

stop_bg() {   # stop_bg PID [SIGNAL]
    local pid=$1 sig=${2:-TERM} i
    kill -s "$sig" "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
    local keep=()
    for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

start_capture() {
    CAP_FILE=$1
    rm -f "$CAP_FILE"
    start_bg "$WORK/tcpdump.err" tcpdump -i lo -s 0 -U --immediate-mode -nn -Z root -w "$CAP_FILE"
    CAP_PID=$BG_PID
    local i
    for i in $(seq 1 100); do
        grep -q 'listening on' "$WORK/tcpdump.err" && return 0
        sleep 0.1
    done
    cat "$WORK/tcpdump.err" >&2
    die "tcpdump did not start"
}

stop_capture() {
    sleep 1                          # let the last FINs/ACKs arrive
    stop_bg "$CAP_PID" INT
    cat "$WORK/tcpdump.err" >&2
}

# ------------------------------------------------------------------ clients

py() { nsx "$PY" "$DRIVER" "$@" >>"$CLIENT_LOG" 2>&1 || echo "ftplib $1 failed (see $CLIENT_LOG)" >&2; }

lftp_run() {   # lftp_run URL COMMANDS  (plain FTP unless the commands enable TLS)
    nsx timeout 60 lftp -c "set cmd:fail-exit no; set net:max-retries 1; set net:timeout 10;
        set net:reconnect-interval-base 1; set ftp:ssl-allow no; set xfer:clobber yes;
        set ssl:verify-certificate no; $2; open $1; $3" >>"$CLIENT_LOG" 2>&1 ||
        echo "lftp exited $? (see $CLIENT_LOG)" >&2
}

curl_run() {   # curl_run ARGS...   (failures such as 530 are part of the scenarios)
    nsx timeout 60 curl -sS --connect-timeout 10 "$@" >>"$CLIENT_LOG" 2>&1 ||
        echo "curl exited $? for: $*" >>"$CLIENT_LOG"
}

tnftp_run() {  # tnftp_run HOST PORT <<SCRIPT
    nsx timeout 60 ftp -n -v -p "$1" "$2" >>"$CLIENT_LOG" 2>&1 || echo "ftp exited $?" >&2
}

scenario_basic() {
    local p=$1 h=127.0.0.1
    py login_fail $h "$p"
    py commands $h "$p"
    py anonymous $h "$p"
    curl_run -u "$FTP_USER:wrong-password" "ftp://$h:$p/hello.txt" -o /dev/null
    curl_run -u "$FTP_USER:$FTP_PASS" "ftp://$h:$p/hello.txt" -o "$DL/hello-curl.txt"
    curl_run "ftp://$h:$p/pub/readme.txt" -o "$DL/readme.txt"            # anonymous
    (cd "$DL" && tnftp_run $h "$p" <<EOF
user $FTP_USER $FTP_PASS
pwd
cd docs
cdup
mkdir made-by-ftp
rmdir made-by-ftp
get hello.txt hello-ftp.txt
quote HELP
quote XYZZY
bye
EOF
    )
    lftp_run "ftp://$h:$p" "" "user $FTP_USER $FTP_PASS; pwd; cd docs; cd ..; mkdir lftp-dir; rmdir lftp-dir; quote SYST; quote STAT"
}

scenario_transfers() {
    local p=$1 h=127.0.0.1
    py transfers $h "$p"
    py abort_ftplib $h "$p"
    py abort_telnet $h "$p"
    head -c 50000 "$FILES/data.bin" >"$DL/partial.bin"
    curl_run -u "$FTP_USER:$FTP_PASS" -C - "ftp://$h:$p/data.bin" -o "$DL/partial.bin"   # REST 50000
    curl_run -u "$FTP_USER:$FTP_PASS" --disable-epsv "ftp://$h:$p/docs/"                  # PASV + LIST
    curl_run -u "$FTP_USER:$FTP_PASS" -l "ftp://$h:$p/"                                   # EPSV + NLST
    curl_run -u "$FTP_USER:$FTP_PASS" -P $h --disable-eprt "ftp://$h:$p/notes.txt" -o /dev/null  # PORT
    curl_run -u "$FTP_USER:$FTP_PASS" -P $h "ftp://$h:$p/hello.txt" -o /dev/null          # EPRT
    curl_run -u "$FTP_USER:$FTP_PASS" -T "$FILES/upload.txt" "ftp://$h:$p/" -Q "-DELE upload.txt"  # STOR, DELE
    (cd "$DL" && head -c 100000 "$FILES/data.bin" >data.bin && tnftp_run $h "$p" <<EOF
user $FTP_USER $FTP_PASS
binary
ls
reget data.bin
passive off
dir docs
put $FILES/upload.txt tnftp-upload.txt
delete tnftp-upload.txt
bye
EOF
    )
    lftp_run "ftp://$h:$p" "" "user $FTP_USER $FTP_PASS; ls; cls -l docs; get -O $DL notes.txt; put -O / $FILES/upload.txt -o lftp-upload.txt; rm lftp-upload.txt; set ftp:passive-mode off; ls docs"
}

scenario_ipv6() {
    local p=$1 h=::1
    py ipv6 $h "$p"
    py anonymous6 $h "$p"
    curl_run -g -u "$FTP_USER:$FTP_PASS" "ftp://[$h]:$p/hello.txt" -o /dev/null          # EPSV
    curl_run -g -u "$FTP_USER:$FTP_PASS" -P "$h" "ftp://[$h]:$p/docs/"                    # EPRT
    (cd "$DL" && tnftp_run $h "$p" <<EOF
user $FTP_USER $FTP_PASS
ls
get notes.txt
bye
EOF
    )
    lftp_run "ftp://[$h]:$p" "" "user $FTP_USER $FTP_PASS; ls; get -O $DL hello.txt"
}

scenario_tls() {
    local p=$1 h=127.0.0.1
    py tls $h "$p"
    curl_run --ssl-reqd -k -u "$FTP_USER:$FTP_PASS" "ftp://$h:$p/"                       # AUTH TLS, PROT P, LIST
    curl_run --ssl-reqd -k -u "$FTP_USER:$FTP_PASS" "ftp://$h:$p/hello.txt" -o /dev/null
    curl_run --ftp-ssl-control -k -u "$FTP_USER:$FTP_PASS" "ftp://$h:$p/notes.txt" -o /dev/null  # PROT C data
    lftp_run "ftp://$h:$p" "set ftp:ssl-allow yes; set ftp:ssl-force yes; set ftp:ssl-protect-data yes" \
        "user $FTP_USER $FTP_PASS; ls; get -O $DL hello.txt"
    curl_run -u "$FTP_USER:$FTP_PASS" "ftp://$h:$p/hello.txt" -o /dev/null               # plain session next to them
}

scenario_port2121() {
    local p=$1 h=127.0.0.1 idle_wait=$2
    # max clients = 2: two sessions hold their slot, the third is refused
    py hold $h "$p" 3 &
    local a=$!
    py hold $h "$p" 3 &
    local b=$!
    wait_established "$p" 2
    sleep 0.5
    py refused $h "$p"
    wait $a $b
    sleep 0.5
    curl_run -u "$FTP_USER:$FTP_PASS" "ftp://$h:$p/hello.txt" -o /dev/null
    lftp_run "ftp://$h:$p" "" "user $FTP_USER $FTP_PASS; ls"
    (cd "$DL" && tnftp_run $h "$p" <<EOF
user $FTP_USER $FTP_PASS
ls
bye
EOF
    )
    # idle timeout: the server closes the session with 421
    py idle $h "$p" "$idle_wait"
}

scenario_concurrent() {
    local p=$1 h=127.0.0.1 pids=()
    py worker $h "$p" w1 & pids+=($!)
    py worker $h "$p" w2 & pids+=($!)
    py worker ::1 "$p" w3 & pids+=($!)
    curl_run -u "$FTP_USER:$FTP_PASS" "ftp://$h:$p/notes.txt" -o /dev/null &
    pids+=($!)
    curl_run "ftp://$h:$p/pub/" &                                     # anonymous LIST
    pids+=($!)
    lftp_run "ftp://$h:$p" "" "user $FTP_USER $FTP_PASS; ls; get -O $DL notes.txt; ls docs" &
    pids+=($!)
    (cd "$DL" && tnftp_run $h "$p" <<EOF
user $FTP_USER $FTP_PASS
ls docs
get hello.txt
bye
EOF
    ) &
    pids+=($!)
    wait "${pids[@]}"
}

# ------------------------------------------------------------------ servers

# start_server SERVER SCENARIO PORT LOGDIR
start_server() {
    local server=$1 scenario=$2 port=$3 logdir=$4 conf=$WORK/conf/$1-$2.conf
    local maxc=50 idle=300 tls=NO
    [ "$scenario" = port2121 ] && maxc=2 && idle=5
    [ "$scenario" = tls ] && tls=YES
    mkdir -p "$WORK/conf" "$WORK/run"
    case $server in
    vsftpd)
        local proto=YES
        [ "$scenario" = concurrent ] && proto=NO    # one sample of the default (no transcript) log
        mkdir -p "$WORK/run/vsftpd-empty"
        chmod 755 "$WORK/run/vsftpd-empty"
        cat >"$conf" <<EOF
# vsftpd $VSFTPD_VERSION, scenario $scenario (written by make-samples.sh)
listen=NO
listen_ipv6=YES
listen_port=$port
background=NO
anonymous_enable=YES
anon_root=$ANON
ftp_username=ftp
anon_upload_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
dirmessage_enable=NO
use_localtime=NO
xferlog_enable=YES
xferlog_std_format=NO
dual_log_enable=YES
log_ftp_protocol=$proto
vsftpd_log_file=$logdir/vsftpd.log
xferlog_file=$logdir/xferlog
syslog_enable=NO
connect_from_port_20=NO
pam_service_name=$(basename "$PAMFILE")
secure_chroot_dir=$WORK/run/vsftpd-empty
nopriv_user=nobody
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
async_abor_enable=YES
local_max_rate=400000
anon_max_rate=400000
max_clients=$maxc
idle_session_timeout=$idle
ssl_enable=$tls
rsa_cert_file=$CERT
rsa_private_key_file=$KEY
ssl_ciphers=HIGH
require_ssl_reuse=NO
allow_anon_ssl=NO
force_local_logins_ssl=NO
force_local_data_ssl=NO
EOF
        start_bg "$logdir/stderr.txt" "$VSFTPD" "$conf"
        ;;
    pureftpd)
        # one -O (alternative log) per run: the formats rotate over the scenarios
        local alt
        case $scenario in
            basic|port2121) alt=w3c:$logdir/w3c.log ;;
            transfers|concurrent) alt=xferlog:$logdir/xferlog ;;
            ipv6) alt=clf:$logdir/clf.log ;;
            tls) alt=stats:$logdir/stats.log ;;
        esac
        local idlemin=15
        [ "$scenario" = port2121 ] && idlemin=1
        local args=(-S ",$port" -l unix -H -d -1 -A -u 100 -c "$maxc" -C 50 -I "$idlemin"
                    -t 400 -T 400 -g "$WORK/run/pure-ftpd.pid" -O "$alt" -f ftp)
        [ "$scenario" = tls ] && args+=(-Y 1 -2 "$CERT,$KEY")
        echo "pure-ftpd ${args[*]}" >"$conf"
        start_syslog "$logdir/syslog"
        start_bg "$logdir/stderr.txt" "$WORK/run/with-devlog" "$PUREFTPD" "${args[@]}"
        ;;
    proftpd)
        local maxcl="MaxClients $maxc"
        cat >"$conf" <<EOF
# ProFTPD $PROFTPD_VERSION, scenario $scenario (written by make-samples.sh)
ServerName "FtpTrace samples ProFTPD"
ServerType standalone
DefaultServer on
Port $port
UseIPv6 on
DefaultAddress 127.0.0.1
User nobody
Group nogroup
Umask 022
AllowOverwrite on
PidFile $WORK/run/proftpd.pid
ScoreboardFile $WORK/run/proftpd.scoreboard
DelayTable $WORK/run/proftpd.delay
ControlsEngine off
WtmpLog off
UseReverseDNS off
AuthPAM off
AuthOrder mod_auth_unix.c
RequireValidShell off
MaxInstances 30
$maxcl
TimeoutIdle $idle
TransferRate RETR 400
ModulePath $WORK/root/usr/lib/proftpd
TransferLog $logdir/xferlog
LogFormat transcript "%{iso8601} %P %{protocol} %a %{remote-port} %u \"%r\" %s \"%S\" %R"
ExtendedLog $logdir/extended.log ALL default
ExtendedLog $logdir/transcript.log ALL transcript
EOF
        if [ "$tls" = YES ]; then
            cat >>"$conf" <<EOF
LoadModule mod_tls.c
TLSEngine on
TLSLog $logdir/tls.log
TLSProtocol TLSv1.2 TLSv1.3
TLSRSACertificateFile $CERT
TLSRSACertificateKeyFile $KEY
TLSVerifyClient off
TLSRequired off
TLSOptions NoSessionReuseRequired
EOF
        fi
        cat >>"$conf" <<EOF
<Anonymous $ANON>
  User ftp
  Group nogroup
  UserAlias anonymous ftp
  RequireValidShell off
  <Limit WRITE>
    DenyAll
  </Limit>
</Anonymous>
EOF
        # -n (no daemon) sends the SystemLog lines to stderr: kept as proftpd.log.
        # A private UTS namespace gives the log lines a fixed host name.
        start_bg "$logdir/proftpd.log" unshare --uts sh -c 'hostname ftpsamples && exec "$@"' sh \
            "$PROFTPD" -n -c "$conf"
        ;;
    esac
    SERVER_PID=$BG_PID
    wait_listen "$port"
}

# Pure-FTPd only logs sessions through syslog(3). Give it a private /dev/log (in its own mount
# namespace) served by a tiny receiver that writes classic syslog file lines.
make_devlog_helpers() {
    cat >"$WORK/run/with-devlog" <<EOF
#!/bin/sh
# run "\$@" with /dev/log pointing to $WORK/run/devlog.sock, in a private mount namespace
exec unshare -m --propagation private sh -c '
  set -e
  mkdir -p "$WORK/run/hostdev"
  mount --rbind /dev "$WORK/run/hostdev"
  mount -t tmpfs -o mode=755 tmpfs /dev
  for n in null zero full random urandom tty; do touch /dev/\$n; mount --bind "$WORK/run/hostdev/\$n" /dev/\$n; done
  ln -s /proc/self/fd /dev/fd
  ln -s "$WORK/run/devlog.sock" /dev/log
  exec "\$@"' sh "\$@"
EOF
    chmod 755 "$WORK/run/with-devlog"
    cat >"$WORK/run/syslog-sink.py" <<'EOF'
import os, re, socket, sys
path, out = sys.argv[1], sys.argv[2]
try: os.unlink(path)
except FileNotFoundError: pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path); os.chmod(path, 0o666)
f = open(out, "a", buffering=1)
pri = re.compile(rb"^<(\d+)>")
while True:
    data = s.recv(65536)
    m = pri.match(data)
    msg = data[m.end():] if m else data
    # "<PRI>Mmm dd hh:mm:ss tag[pid]: text" -> "Mmm dd hh:mm:ss ftpsamples tag[pid]: text" (rsyslog file format)
    text = msg.decode("utf-8", "replace").rstrip("\n\0")
    if len(text) > 16 and text[15] == " ":
        text = text[:16] + "ftpsamples " + text[16:]
    f.write(text + "\n")
EOF
}

start_syslog() {
    rm -f "$1"
    "$PY" "$WORK/run/syslog-sink.py" "$WORK/run/devlog.sock" "$1" &
    SYSLOG_PID=$!
    PIDS+=("$SYSLOG_PID")
    local i
    for i in $(seq 1 50); do [ -S "$WORK/run/devlog.sock" ] && return 0; sleep 0.1; done
    die "syslog sink did not start"
}

stop_server() {
    local server=$1
    sleep 0.3
    stop_bg "$SERVER_PID" TERM
    # session processes that outlive the listener (vsftpd/pure-ftpd/proftpd children)
    local pid
    for pid in $(ip netns pids "$NS"); do kill "$pid" 2>/dev/null || true; done
    if [ "$server" = pureftpd ]; then sleep 0.3; stop_bg "$SYSLOG_PID" TERM; fi
}

run_scenario() {
    local server=$1 scenario=$2 port=21 idle_wait=0
    [ "$scenario" = port2121 ] && port=2121
    local name=$server-$scenario
    local logdir=$WORK/logs/$server/$scenario
    say "$name"
    rm -rf "$logdir" && mkdir -p "$logdir"
    chmod 755 "$logdir"
    reset_trees
    CLIENT_LOG=$WORK/clients-$name.txt
    : >"$CLIENT_LOG"
    start_server "$server" "$scenario" "$port" "$logdir"
    start_capture "$WORK/$name.pcap"
    case $scenario in
        port2121)
            case $server in vsftpd|proftpd) idle_wait=10 ;; pureftpd) idle_wait=70 ;; esac
            scenario_port2121 "$port" "$idle_wait" ;;
        *) "scenario_$scenario" "$port" ;;
    esac
    stop_capture
    stop_server "$server"
    # publish: capture (concurrent ones as pcapng) and the logs
    if [ "$scenario" = concurrent ]; then
        editcap -F pcapng "$WORK/$name.pcap" "$HERE/$name.pcapng"
        rm -f "$HERE/$name.pcap"
    else
        cp "$WORK/$name.pcap" "$HERE/$name.pcap"
    fi
    rm -rf "${LOGS:?}/$server/$scenario"
    mkdir -p "$LOGS/$server/$scenario"
    local f
    for f in "$logdir"/*; do
        [ -s "$f" ] || continue
        [ "$(basename "$f")" = stderr.txt ] && continue
        cp "$f" "$LOGS/$server/$scenario/"
    done
}

main() {
    [ "$(id -u)" = 0 ] || die "run as root"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    install_packages
    setup_accounts
    make_files
    make_cert
    setup_netns
    mkdir -p "$WORK/run"
    make_devlog_helpers
    local server scenario
    for server in "${SERVERS[@]}"; do
        case $server in vsftpd|pureftpd|proftpd) ;; *) die "unknown server $server" ;; esac
        for scenario in "${SCENARIOS[@]}"; do
            run_scenario "$server" "$scenario"
        done
    done
    {
        echo "vsftpd $VSFTPD_VERSION"
        echo "pure-ftpd $PUREFTPD_VERSION"
        echo "proftpd $PROFTPD_VERSION"
        echo "curl $(curl --version | head -1 | cut -d' ' -f2)"
        echo "lftp $(lftp --version | head -1 | sed 's/.*Version \([^ ]*\).*/\1/')"
        echo "tnftp $(dpkg-query -W -f='${Version}' tnftp)"
        echo "python $("$PY" -c 'import platform; print(platform.python_version())')"
        echo "tcpdump $(dpkg-query -W -f='${Version}' tcpdump)"
    } >"$WORK/versions.txt"
    say "done"
    cat "$WORK/versions.txt"
    ls -l "$HERE"/*.pcap* >&2
}

main
