#!/usr/bin/env bash
# Prints what each sample capture contains, as tshark decodes it: packets, TCP connections,
# FTP control sessions (IPv4/IPv6), the FTP commands and reply codes with their counts.
# Usage: samples/inventory.sh [CAPTURE...]   (default: every capture in samples/)
# Needs tshark (apt-get install tshark).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$HERE"/*.pcap "$HERE"/*.pcapng)

ts() { tshark -n -r "$1" -d tcp.port==2121,ftp "${@:2}" 2>/dev/null; }
counts() { sort | uniq -c | sort -k2 | awk '{printf "%s%s x%d", (NR>1?", ":""), $2, $1} END {print ""}'; }

for f in "${files[@]}"; do
    name=$(basename "$f")
    packets=$(ts "$f" | wc -l)
    conns=$(ts "$f" -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' | wc -l)
    ctl4=$(ts "$f" -Y '(tcp.dstport==21 || tcp.dstport==2121) && tcp.flags.syn==1 && tcp.flags.ack==0 && ip' | wc -l)
    ctl6=$(ts "$f" -Y '(tcp.dstport==21 || tcp.dstport==2121) && tcp.flags.syn==1 && tcp.flags.ack==0 && ipv6' | wc -l)
    maxlen=$(ts "$f" -T fields -e frame.len | sort -n | tail -1)
    echo "### $name"
    echo "- $(stat -c %s "$f") bytes, $(capinfos -t "$f" 2>/dev/null | awk -F': *' '/File type/ {print $2}'), $packets packets (largest frame $maxlen bytes)"
    echo "- $conns TCP connections: $ctl4 FTP control over IPv4, $ctl6 over IPv6, the rest data connections"
    cmds=$(ts "$f" -Y ftp.request -T fields -e ftp.request.command)
    other=$(printf '%s\n' "$cmds" | grep . | LC_ALL=C grep -Evc '^[A-Za-z]{3,4}$' || true)
    echo "- commands: $(printf '%s\n' "$cmds" | LC_ALL=C grep -E '^[A-Za-z]{3,4}$' | counts)"
    [ "$other" = 0 ] || echo "- lines tshark takes for commands that are not (TLS records, Telnet IAC bytes): $other"
    echo "- reply codes: $(ts "$f" -Y ftp.response -T fields -e ftp.response.code | grep . | counts)"
    tls=$(ts "$f" -Y 'tls.handshake.type==1' | wc -l)
    [ "$tls" = 0 ] || echo "- TLS handshakes (ClientHello): $tls"
    echo
done
