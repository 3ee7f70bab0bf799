#!/usr/bin/env bash
# The FtpTrace benchmark: one command (see bench/README.md).
#
#   bench/run.sh [--runs N] [--size SIZE] [--sessions N] [--tshark-size SIZE|full]
#                [--no-tshark] [--no-scaling] [--no-batch] [--batch-files K]
#
# Builds Release, installs what it needs (tshark, libpcap, GNU time), generates the captures into
# bench/data/ when missing, then measures on the warm files: a warm-up run, then the median of
# --runs runs of each command. ftptrace's CSV row counts are checked against the generator's counts
# before any time is reported (the script fails otherwise). The table is printed and written to
# bench/results/latest.md.
set -euo pipefail

RUNS=3
SIZE=1G
SESSIONS=20000
TSHARK_SIZE=256M
DO_TSHARK=1
DO_SCALING=1
DO_BATCH=1
BATCH_FILES=4

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --sessions) SESSIONS=$2; shift 2 ;;
    --tshark-size) TSHARK_SIZE=$2; shift 2 ;;
    --no-tshark) DO_TSHARK=0; shift ;;
    --no-scaling) DO_SCALING=0; shift ;;
    --no-batch) DO_BATCH=0; shift ;;
    --batch-files) BATCH_FILES=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown option $1" >&2; usage ;;
  esac
done

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
DATA=$BENCH/data
OUT=$BENCH/out
RESULTS=$BENCH/results
WORK=$DATA/work
mkdir -p "$DATA" "$OUT" "$RESULTS" "$WORK"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { echo "[bench] $*" >&2; }
die() { echo "[bench] FAILED: $*" >&2; exit 1; }

# ---- Tools ------------------------------------------------------------------------------------
need_apt=()
[[ -x /usr/bin/time ]] || need_apt+=(time)
command -v tshark >/dev/null || need_apt+=(tshark)
ldconfig -p | grep -q 'libpcap\.so' || need_apt+=(libpcap0.8)
if [[ ${#need_apt[@]} -gt 0 ]]; then
  log "installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# ---- Build ------------------------------------------------------------------------------------
log "building (Release)"
dotnet publish "$ROOT/src/FtpTrace/FtpTrace.csproj" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$OUT/ftptrace" -v quiet -nologo >/dev/null
dotnet publish "$BENCH/FtpTrace.Bench.Generator/FtpTrace.Bench.Generator.csproj" -c Release -o "$OUT/generator" -v quiet -nologo >/dev/null
dotnet publish "$BENCH/FtpTrace.Bench.Floor/FtpTrace.Bench.Floor.csproj" -c Release -o "$OUT/floor" -v quiet -nologo >/dev/null
FTPTRACE=$OUT/ftptrace/ftptrace
GEN=$OUT/generator/ftptrace-bench-gen
FLOOR=$OUT/floor/ftptrace-bench-floor

# ---- Captures ---------------------------------------------------------------------------------
to_bytes() { # 1G, 256M, 512K, 123 -> bytes
  local v=${1^^}; v=${v%IB}; v=${v%B}
  case "$v" in
    *G) echo $(( ${v%G} * 1024 * 1024 * 1024 )) ;;
    *M) echo $(( ${v%M} * 1024 * 1024 )) ;;
    *K) echo $(( ${v%K} * 1024 )) ;;
    *) echo "$v" ;;
  esac
}
SIZE_BYTES=$(to_bytes "$SIZE")

# generate NAME SIZE_BYTES SESSIONS SCALE SEED: bench/data/NAME.pcap (+ .json) unless present.
generate() {
  local file=$DATA/$1.pcap
  if [[ ! -s $file || ! -s $file.json || $(json "$file.json" generatorVersion) != "$GEN_VERSION" ]]; then
    log "generating $1"
    "$GEN" generate --out "$file" --size "$2" --sessions "$3" --scale "$4" --seed "$5" >&2
  fi
  echo "$file"
}
json() { grep -o "\"$2\": [0-9.]*" "$1" | head -1 | awk '{print $2}'; }
GEN_VERSION=$("$GEN" version)

MAIN=$(generate "ftp-${SIZE}-${SESSIONS}s" "$SIZE_BYTES" "$SESSIONS" 1 1)

# ---- Measurement ------------------------------------------------------------------------------
# measure NAME CMD...: a warm-up, then RUNS runs; sets SECONDS_MEDIAN (wall), CPU_MEDIAN (user + system
# seconds: on a shared machine, wall time well above it means the process waited for a core) and RSS_MB.
# Standard output goes to $MEASURE_OUT (/dev/null unless set); a failing command fails the benchmark.
MEASURE_OUT=/dev/null
measure() {
  local name=$1; shift
  local times=() rss=() cpu=() i start end
  for (( i = 0; i <= RUNS; i++ )); do
    start=$(date +%s%N)
    if ! /usr/bin/time -f '%M %U %S' -o "$WORK/$name.rss" "$@" >"$MEASURE_OUT" 2>"$WORK/$name.err"; then
      cat "$WORK/$name.err" >&2
      die "$name: command failed: $*"
    fi
    end=$(date +%s%N)
    [[ $i -eq 0 ]] && continue # warm-up
    times+=("$(( end - start ))")
    rss+=("$(tail -1 "$WORK/$name.rss" | awk '{print $1}')")
    cpu+=("$(tail -1 "$WORK/$name.rss" | awk '{print $2 + $3}')")
  done
  SECONDS_MEDIAN=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.3f", m / 1e9}')
  RSS_MB=$(printf '%s\n' "${rss[@]}" | sort -n | awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.0f", m / 1024}')
  CPU_MEDIAN=$(printf '%s\n' "${cpu[@]}" | sort -g | awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.2f", m}')
  log "$name: ${SECONDS_MEDIAN} s, ${CPU_MEDIAN} s CPU, ${RSS_MB} MB peak RSS (median of $RUNS)"
}

warm() { cat "$@" >/dev/null; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN {printf "%.0f", b / s / 1e6}'; }
pps() { awk -v p="$1" -v s="$2" 'BEGIN {printf "%.2f", p / s / 1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

ROWS=()
# row LABEL FILE_BYTES PACKETS SECONDS CPU RSS_MB NOTE
row() {
  ROWS+=("| $1 | $(awk -v b="$2" 'BEGIN {printf "%.0f", b / 1e6}') | $4 | $5 | $(mbps "$2" "$4") | $(pps "$3" "$4") | $6 | $7 |")
}

# analyze NAME CSVDIR SIDECAR... -- INPUT...: measures ftptrace and checks its counts.
analyze() {
  local name=$1 csv=$2; shift 2
  local sidecars=()
  while [[ $1 != -- ]]; do sidecars+=("$1"); shift; done
  shift
  rm -rf "$csv"
  measure "$name" "$FTPTRACE" analyze "$@" --csv "$csv" --no-progress
  "$GEN" verify "$csv" "${sidecars[@]}" >&2 || die "$name: ftptrace's CSV row counts differ from the generator's (see above)"
}

MAIN_BYTES=$(stat -c %s "$MAIN")
MAIN_PACKETS=$(json "$MAIN.json" packets)
warm "$MAIN"

analyze ftptrace "$WORK/csv-main" "$MAIN.json" -- "$MAIN"
FT_S=$SECONDS_MEDIAN; FT_RSS=$RSS_MB; FT_CPU=$CPU_MEDIAN
measure floor-sharppcap "$FLOOR" "$MAIN" --reader sharppcap
SP_S=$SECONDS_MEDIAN; SP_RSS=$RSS_MB; SP_CPU=$CPU_MEDIAN
measure floor-managed "$FLOOR" "$MAIN" --reader managed
MR_S=$SECONDS_MEDIAN; MR_RSS=$RSS_MB; MR_CPU=$CPU_MEDIAN
measure floor-raw "$FLOOR" "$MAIN" --reader raw
RAW_S=$SECONDS_MEDIAN; RAW_RSS=$RSS_MB; RAW_CPU=$CPU_MEDIAN
measure cat cat "$MAIN"
CAT_S=$SECONDS_MEDIAN; CAT_RSS=$RSS_MB; CAT_CPU=$CPU_MEDIAN
measure ftptrace-libpcap "$FTPTRACE" analyze "$MAIN" --reader libpcap --csv "$WORK/csv-libpcap" --no-progress
FTL_S=$SECONDS_MEDIAN; FTL_RSS=$RSS_MB; FTL_CPU=$CPU_MEDIAN
"$GEN" verify "$WORK/csv-libpcap" "$MAIN.json" >&2 || die "ftptrace --reader libpcap: counts differ"

row "ftptrace analyze --csv (managed reader, default)" "$MAIN_BYTES" "$MAIN_PACKETS" "$FT_S" "$FT_CPU" "$FT_RSS" "counts verified"
row "ftptrace analyze --csv --reader libpcap" "$MAIN_BYTES" "$MAIN_PACKETS" "$FTL_S" "$FTL_CPU" "$FTL_RSS" "counts verified"
row "floor: SharpPcap GetNextPacket loop" "$MAIN_BYTES" "$MAIN_PACKETS" "$SP_S" "$SP_CPU" "$SP_RSS" ""
row "floor: managed reader loop" "$MAIN_BYTES" "$MAIN_PACKETS" "$MR_S" "$MR_CPU" "$MR_RSS" ""
row "floor: raw 1 MiB reads" "$MAIN_BYTES" "$MAIN_PACKETS" "$RAW_S" "$RAW_CPU" "$RAW_RSS" "packets/s: of the file's packets"
row "cat FILE > /dev/null" "$MAIN_BYTES" "$MAIN_PACKETS" "$CAT_S" "$CAT_CPU" "$CAT_RSS" "page-cache limit"

# Stopwatch breakdown of the pipeline (managed reader; no CSV): each stage adds to the previous.
BREAKDOWN=()
for stage in decode flows ftp; do
  measure "stage-$stage" "$FLOOR" "$MAIN" --stage "$stage"
  BREAKDOWN+=("| + $stage | $SECONDS_MEDIAN | $CPU_MEDIAN | $(mbps "$MAIN_BYTES" "$SECONDS_MEDIAN") | $RSS_MB |")
done
measure ftptrace-nocsv "$FTPTRACE" analyze "$MAIN" --no-progress
BREAKDOWN+=("| ftptrace analyze (summary only, no --csv) | $SECONDS_MEDIAN | $CPU_MEDIAN | $(mbps "$MAIN_BYTES" "$SECONDS_MEDIAN") | $RSS_MB |")

TSHARK_NOTE=""
if [[ $DO_TSHARK -eq 1 ]]; then
  if [[ $TSHARK_SIZE == full ]]; then
    TS_FILE=$MAIN
  else
    TS_BYTES=$(to_bytes "$TSHARK_SIZE")
    # The same traffic mix, shorter: sessions scaled with the size keep the mean transfer size.
    TS_SESSIONS=$(( SESSIONS * TS_BYTES / SIZE_BYTES ))
    (( TS_SESSIONS < 1 )) && TS_SESSIONS=1
    TS_FILE=$(generate "ftp-${TSHARK_SIZE}-${TS_SESSIONS}s" "$TS_BYTES" "$TS_SESSIONS" 1 2)
  fi
  TS_FILE_BYTES=$(stat -c %s "$TS_FILE")
  TS_PACKETS=$(json "$TS_FILE.json" packets)
  warm "$TS_FILE"
  MEASURE_OUT=$WORK/tshark-out.csv
  measure tshark tshark -r "$TS_FILE" -Y ftp -T fields -e frame.number -e ftp.request.command -e ftp.request.arg \
    -e ftp.response.code -e ftp.response.arg -E separator=,
  MEASURE_OUT=/dev/null
  TS_S=$SECONDS_MEDIAN; TS_RSS=$RSS_MB; TS_CPU=$CPU_MEDIAN
  TS_MBPS=$(awk -v b="$TS_FILE_BYTES" -v s="$TS_S" 'BEGIN {print b / s}')
  if [[ $TS_FILE != "$MAIN" ]]; then
    TSHARK_NOTE="tshark ran on a ${TS_FILE_BYTES}-byte capture of the same traffic mix ($(basename "$TS_FILE")); its time on the main file is scaled from its MB/s"
    analyze ftptrace-tsfile "$WORK/csv-ts" "$TS_FILE.json" -- "$TS_FILE"
    FTS_S=$SECONDS_MEDIAN; FTS_CPU=$CPU_MEDIAN
    row "tshark -Y ftp -T fields (on the smaller capture)" "$TS_FILE_BYTES" "$TS_PACKETS" "$TS_S" "$TS_CPU" "$TS_RSS" "measured"
    row "ftptrace analyze --csv (on the smaller capture)" "$TS_FILE_BYTES" "$TS_PACKETS" "$FTS_S" "$FTS_CPU" "$RSS_MB" "counts verified"
    TS_MAIN_S=$(awk -v b="$MAIN_BYTES" -v r="$TS_MBPS" 'BEGIN {printf "%.3f", b / r}')
    row "tshark, scaled to the main capture" "$MAIN_BYTES" "$MAIN_PACKETS" "$TS_MAIN_S" "-" "-" "estimated from its MB/s"
  else
    TS_MAIN_S=$TS_S
    row "tshark -Y ftp -T fields" "$MAIN_BYTES" "$MAIN_PACKETS" "$TS_S" "$TS_CPU" "$TS_RSS" "measured"
  fi
fi

# ---- Scaling ----------------------------------------------------------------------------------
SCALING=()
if [[ $DO_SCALING -eq 1 ]]; then
  X4=$(generate "ftp-${SIZE}x4-${SESSIONS}s" "$SIZE_BYTES" "$SESSIONS" 4 1)
  warm "$X4"
  analyze ftptrace-4x "$WORK/csv-4x" "$X4.json" -- "$X4"
  X4_S=$SECONDS_MEDIAN; X4_RSS=$RSS_MB
  X4_BYTES=$(stat -c %s "$X4")
  SCALING+=("| 1x vs 4x length ($SESSIONS sessions at once) | $(awk -v b="$MAIN_BYTES" 'BEGIN {printf "%.0f", b/1e6}') MB: $FT_S s, $FT_RSS MB | $(awk -v b="$X4_BYTES" 'BEGIN {printf "%.0f", b/1e6}') MB: $X4_S s, $X4_RSS MB | time x$(ratio "$X4_S" "$FT_S") for bytes x$(ratio "$X4_BYTES" "$MAIN_BYTES"); peak RSS x$(ratio "$X4_RSS" "$FT_RSS") |")

  S10=$(generate "ftp-${SIZE}-10000s" "$SIZE_BYTES" 10000 1 3)
  S100=$(generate "ftp-${SIZE}-100000s" "$SIZE_BYTES" 100000 1 4)
  warm "$S10"
  analyze ftptrace-10k "$WORK/csv-10k" "$S10.json" -- "$S10"
  S10_S=$SECONDS_MEDIAN; S10_RSS=$RSS_MB
  warm "$S100"
  analyze ftptrace-100k "$WORK/csv-100k" "$S100.json" -- "$S100"
  S100_S=$SECONDS_MEDIAN; S100_RSS=$RSS_MB
  PER_SESSION=$(awk -v a="$S100_RSS" -v b="$S10_RSS" 'BEGIN {printf "%.1f", (a - b) * 1024 / 90000}')
  SCALING+=("| 10k vs 100k sessions at once ($SIZE each) | 10k: $S10_S s, $S10_RSS MB | 100k: $S100_S s, $S100_RSS MB | $PER_SESSION KB of peak RSS per open session ((RSS100k - RSS10k) / 90,000) |")
fi

# ---- Batch ------------------------------------------------------------------------------------
BATCH=()
if [[ $DO_BATCH -eq 1 ]]; then
  BATCH_DIR=$DATA/batch-${SIZE}-${BATCH_FILES}x
  mkdir -p "$BATCH_DIR"
  PART_BYTES=$(( SIZE_BYTES / BATCH_FILES ))
  PART_SESSIONS=$(( SESSIONS / BATCH_FILES ))
  parts=() sidecars=()
  for (( k = 1; k <= BATCH_FILES; k++ )); do
    f=$BATCH_DIR/part$k.pcap
    if [[ ! -s $f || ! -s $f.json || $(json "$f.json" generatorVersion) != "$GEN_VERSION" ]]; then
      log "generating batch part $k"
      "$GEN" generate --out "$f" --size "$PART_BYTES" --sessions "$PART_SESSIONS" --seed $(( 100 + k )) >&2
    fi
    parts+=("$f"); sidecars+=("$f.json")
  done
  warm "${parts[@]}"
  analyze ftptrace-batch "$WORK/csv-batch" "${sidecars[@]}" -- "$BATCH_DIR"
  B_S=$SECONDS_MEDIAN; B_RSS=$RSS_MB; B_CPU=$CPU_MEDIAN
  SEQ_S=0 SEQ_CPU=0
  for (( k = 1; k <= BATCH_FILES; k++ )); do
    analyze "ftptrace-part$k" "$WORK/csv-part$k" "${sidecars[$((k-1))]}" -- "${parts[$((k-1))]}"
    SEQ_S=$(awk -v a="$SEQ_S" -v b="$SECONDS_MEDIAN" 'BEGIN {printf "%.3f", a + b}')
    SEQ_CPU=$(awk -v a="$SEQ_CPU" -v b="$CPU_MEDIAN" 'BEGIN {printf "%.2f", a + b}')
  done
  BATCH+=("| $BATCH_FILES files of $(awk -v b="$PART_BYTES" 'BEGIN {printf "%.0f", b/1e6}') MB | one run on the directory: $B_S s ($B_CPU s CPU), $B_RSS MB | one run per file, one after another: $SEQ_S s ($SEQ_CPU s CPU) | x$(ratio "$SEQ_S" "$B_S") (target 1.7 from using both cores; CPU s over wall s shows how many cores were busy) |")
fi

# ---- Report -----------------------------------------------------------------------------------
REPORT=$RESULTS/latest.md
{
  echo "# FtpTrace benchmark results"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM, $(lscpu | sed -n 's/^Model name: *//p'), .NET $(dotnet --version), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')."
  echo "Main capture: $(basename "$MAIN") ($MAIN_BYTES bytes, $MAIN_PACKETS packets, $(json "$MAIN.json" ftpSessions) FTP sessions, $SESSIONS at once, $(json "$MAIN.json" commands) commands, $(json "$MAIN.json" replies) replies, $(json "$MAIN.json" transfers) transfers)."
  echo "Warm page cache; each figure is the median of $RUNS runs after a warm-up; peak RSS from GNU time."
  echo
  echo "| Run | MB | Seconds | CPU s | MB/s | Mpackets/s | Peak RSS MB | Note |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "| Ratio | Value | Target |"
  echo "| --- | ---: | --- |"
  echo "| ftptrace / floor (SharpPcap loop) | $(ratio "$FT_S" "$SP_S") | at most 1.5 |"
  echo "| ftptrace / floor (managed reader loop) | $(ratio "$FT_S" "$MR_S") | |"
  echo "| ftptrace / cat | $(ratio "$FT_S" "$CAT_S") | stretch: at most 2 |"
  echo "| floor SharpPcap / floor managed | $(ratio "$SP_S" "$MR_S") | (why the managed reader is the default) |"
  if [[ $DO_TSHARK -eq 1 ]]; then
    echo "| tshark / ftptrace | $(ratio "$TS_MAIN_S" "$FT_S") | at least 30 |"
  fi
  echo "| peak RSS, main capture | $FT_RSS MB | at most 200 MB |"
  echo
  if [[ -n $TSHARK_NOTE ]]; then echo "Note: $TSHARK_NOTE."; echo; fi
  echo "Pipeline breakdown (managed reader, no reports; each line adds a stage to the one above):"
  echo
  echo "| Stage | Seconds | CPU s | MB/s | Peak RSS MB |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  echo "| read (managed reader loop) | $MR_S | $MR_CPU | $(mbps "$MAIN_BYTES" "$MR_S") | $MR_RSS |"
  printf '%s\n' "${BREAKDOWN[@]}"
  echo "| ftptrace analyze --csv | $FT_S | $FT_CPU | $(mbps "$MAIN_BYTES" "$FT_S") | $FT_RSS |"
  if [[ ${#SCALING[@]} -gt 0 ]]; then
    echo
    echo "| Scaling | Smaller | Larger | Result |"
    echo "| --- | --- | --- | --- |"
    printf '%s\n' "${SCALING[@]}"
  fi
  if [[ ${#BATCH[@]} -gt 0 ]]; then
    echo
    echo "| Batch | Together | Sequential | Result |"
    echo "| --- | --- | --- | --- |"
    printf '%s\n' "${BATCH[@]}"
  fi
} >"$REPORT"
cat "$REPORT"
log "written to $REPORT"
