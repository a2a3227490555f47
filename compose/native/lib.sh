# shellcheck shell=bash
# Shared functions of compose/native/{up,down,status}. Sourced, not executed.
#
# Layout (all under the repository root, both ignored by git):
#   .venvs/<backend>/          one virtualenv per backend, rebuilt only when its pinned
#                              requirements file (or the interpreter) changes (.modelgate-stamp)
#   .venvs/.tools/             pip-installed `uv` (requirements/tools.txt)
#   .run/models/               models generated offline at setup (stamped, regenerated on change)
#   .run/pids/<backend>.pid    process-group leader of each started backend
#   .run/logs/<backend>.log    stdout+stderr of each backend
#   .run/<backend>/            per-backend runtime dir (BentoML home, TorchServe tmp/config/logs)

NATIVE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$NATIVE_DIR/../.." && pwd)"
COMPOSE_DIR="$REPO_ROOT/compose"
MODELS_SRC="$COMPOSE_DIR/models"
REQ_DIR="$NATIVE_DIR/requirements"
VENVS="${MODELGATE_VENVS:-$REPO_ROOT/.venvs}"
RUN_DIR="${MODELGATE_RUN_DIR:-$REPO_ROOT/.run}"
MODELS_DIR="$RUN_DIR/models"
PID_DIR="$RUN_DIR/pids"
LOG_DIR="$RUN_DIR/logs"
export READY_TIMEOUT="${MODELGATE_NATIVE_TIMEOUT:-120}"
INSTALLER="${MODELGATE_NATIVE_INSTALLER:-uv}"   # uv | pip
PY311="${MODELGATE_PYTHON:-python3.11}"          # interpreter for mlflow/kserve/bentoml venvs
DEBIAN_PY="${MODELGATE_DEBIAN_PYTHON:-/usr/bin/python3}"  # sees Debian's python3-torch

ALL_BACKENDS=(mlflow kserve bentoml torchserve tfserving)

# shellcheck source=ports.env
source "$NATIVE_DIR/ports.env"

# Keep every tool offline-friendly and quiet.
export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true BENTOML_DO_NOT_TRACK=true
export PIP_DISABLE_PIP_VERSION_CHECK=1 UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1

log() { printf '[native] %s\n' "$*" >&2; }
die() { printf '[native] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

is_backend() {
  local b
  for b in "${ALL_BACKENDS[@]}"; do [[ "$1" == "$b" ]] && return 0; done
  return 1
}

# Resolve CLI arguments to a list of backends (all when none given).
select_backends() {
  SELECTED=()
  if (($# == 0)); then
    SELECTED=("${ALL_BACKENDS[@]}")
    return
  fi
  local b
  for b in "$@"; do
    is_backend "$b" || die "unknown backend '$b' (known: ${ALL_BACKENDS[*]})"
    SELECTED+=("$b")
  done
}

# ------------------------------------------------------------------------------------------
# Virtualenvs

sha_of() { cat "$@" | sha256sum | cut -c1-16; }

real_python() { "$1" -c 'import sys; print(sys.executable)' 2>/dev/null; }

# The interpreter for the mlflow/kserve/bentoml venvs: $MODELGATE_PYTHON, else python3.11 on
# PATH (pyenv), else Debian's /usr/bin/python3.11.
py311() {
  local c
  for c in "$PY311" python3.11 /usr/bin/python3.11; do
    real_python "$c" && return 0
  done
  die "no Python 3.11 found (set MODELGATE_PYTHON)"
}

ensure_uv() {
  [[ "$INSTALLER" == "uv" ]] || return 0
  local tools="$VENVS/.tools" stamp want
  want="$(sha_of "$REQ_DIR/tools.txt")"
  stamp="$tools/.modelgate-stamp"
  if [[ -x "$tools/bin/uv" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    UV="$tools/bin/uv"
    return 0
  fi
  log "bootstrapping uv into $tools"
  rm -rf "$tools"
  local py
  py="$(py311)"
  "$py" -m venv "$tools" >/dev/null || die "cannot create $tools (python venv module missing?)"
  "$tools/bin/pip" install -q -r "$REQ_DIR/tools.txt" || die "pip install uv failed"
  echo "$want" >"$stamp"
  UV="$tools/bin/uv"
}

# ensure_venv NAME PYTHON [--system-site-packages]
# Creates .venvs/NAME from requirements/NAME.txt unless its stamp (hash of the requirements,
# the interpreter and the installer) matches.
ensure_venv() {
  local name="$1" python="$2" site="${3:-}"
  local venv="$VENVS/$name" req="$REQ_DIR/$name.txt" stamp want py t0
  [[ -f "$req" ]] || die "missing $req"
  py="$(real_python "$python")" || die "python '$python' not found (needed for the $name venv)"
  want="$(sha_of "$req")-$(echo "$py $site $INSTALLER" | sha256sum | cut -c1-8)"
  stamp="$venv/.modelgate-stamp"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/python" ]]; then
    return 0
  fi
  t0="$(now)"
  log "creating venv $name ($py${site:+, $site}) from ${req#"$REPO_ROOT"/}"
  rm -rf "$venv"
  mkdir -p "$VENVS"
  if [[ "$INSTALLER" == "uv" ]]; then
    ensure_uv
    "$UV" venv -q ${site:+"$site"} --python "$py" "$venv" || die "uv venv $name failed"
    VIRTUAL_ENV="$venv" "$UV" pip install -q --compile-bytecode -r "$req" \
      || die "installing $name requirements failed (see above)"
  else
    "$py" -m venv ${site:+"$site"} "$venv" || die "python -m venv $name failed"
    "$venv/bin/pip" install -q -r "$req" || die "installing $name requirements failed"
  fi
  echo "$want" >"$stamp"
  log "venv $name ready in $(elapsed "$t0")s"
}

check_java() {
  command -v java >/dev/null || die "TorchServe needs Java 17: apt-get install -y openjdk-17-jre-headless"
  local v
  v="$(java -version 2>&1 | awk -F'"' '/version/ { split($2, a, "."); print a[1]; exit }')"
  [[ "${v:-0}" -ge 17 ]] || die "TorchServe needs Java >= 17, found '$v'"
}

# Debian's python3-torch (CPU build of PyTorch 1.13) for /usr/bin/python3.
check_debian_torch() {
  if "$DEBIAN_PY" -c 'import torch' 2>/dev/null; then
    return 0
  fi
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    log "installing Debian's python3-torch (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends python3-torch >/dev/null \
      || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends python3-torch >/dev/null; } \
      || die "apt-get install python3-torch failed"
    "$DEBIAN_PY" -c 'import torch' || die "python3-torch installed but '$DEBIAN_PY -c \"import torch\"' fails"
    return 0
  fi
  die "TorchServe needs Debian's python3-torch: apt-get install -y --no-install-recommends python3-torch"
}

venv_for() {
  case "$1" in
    mlflow) ensure_venv mlflow "$(py311)" ;;
    kserve) ensure_venv kserve "$(py311)" ;;
    bentoml) ensure_venv bentoml "$(py311)" ;;
    torchserve) check_java; check_debian_torch; ensure_venv torchserve "$DEBIAN_PY" --system-site-packages ;;
    tfserving) : ;;  # standard library only
  esac
}

# ------------------------------------------------------------------------------------------
# Models (generated offline; stamped by the hash of the scripts and pinned requirements)

ensure_iris_models() {
  local want stamp="$MODELS_DIR/.stamp-iris" t0
  want="$(sha_of "$MODELS_SRC/make_models.py" "$REQ_DIR/mlflow.txt")"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$MODELS_DIR/iris/weights.json" \
        && -f "$MODELS_DIR/mlflow-iris/MLmodel" ]]; then
    return 0
  fi
  ensure_venv mlflow "$(py311)"
  t0="$(now)"
  log "training iris (sklearn) and exporting weights + MLflow model into ${MODELS_DIR#"$REPO_ROOT"/}"
  mkdir -p "$MODELS_DIR"
  (cd "$MODELS_DIR" && "$VENVS/mlflow/bin/python" "$MODELS_SRC/make_models.py" --out "$MODELS_DIR") \
    >"$LOG_DIR/make-models.log" 2>&1 || { tail -n 30 "$LOG_DIR/make-models.log" >&2; die "make_models.py failed"; }
  echo "$want" >"$stamp"
  log "iris models ready in $(elapsed "$t0")s"
}

ensure_torchserve_model() {
  local want out="$MODELS_DIR/torchserve" stamp t0
  stamp="$out/.stamp"
  want="$(sha_of "$MODELS_SRC/make_torchscript.py" "$REQ_DIR/torchserve.txt" "$MODELS_DIR/iris/weights.json")"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$out/iris.mar" ]]; then
    return 0
  fi
  t0="$(now)"
  log "building TorchScript iris model and iris.mar"
  mkdir -p "$out"
  {
    "$VENVS/torchserve/bin/python" "$MODELS_SRC/make_torchscript.py" \
      --weights "$MODELS_DIR/iris/weights.json" --out "$out/iris.pt" &&
    "$VENVS/torchserve/bin/torch-model-archiver" --model-name iris --version 1.0 \
      --serialized-file "$out/iris.pt" --handler base_handler --export-path "$out" --force
  } >"$LOG_DIR/make-torchserve-model.log" 2>&1 \
    || { tail -n 30 "$LOG_DIR/make-torchserve-model.log" >&2; die "building the TorchServe model failed"; }
  echo "$want" >"$stamp"
  log "TorchServe model ready in $(elapsed "$t0")s"
}

models_for() {
  case "$1" in
    torchserve) ensure_iris_models; ensure_torchserve_model ;;
    *) ensure_iris_models ;;
  esac
}

# ------------------------------------------------------------------------------------------
# Processes. Every backend runs in its own session (setsid), so its pid is also its process
# group id. Its environment carries MODELGATE_NATIVE_ID=<run dir>:<backend>, inherited by all
# children (TorchServe's Java and Python workers, BentoML's circus workers, which run in their
# own sessions), so `down` can find every process it started even if a pid file is lost.

pid_file() { echo "$PID_DIR/$1.pid"; }
marker() { echo "$RUN_DIR:$1"; }

alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

# The recorded leader pid of backend $1, only if that process still carries our marker (a
# recycled pid that now belongs to something else is never signalled).
backend_pid() {
  local f pid
  f="$(pid_file "$1")"
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f")"
  grep -qzxF -- "MODELGATE_NATIVE_ID=$(marker "$1")" "/proc/$pid/environ" 2>/dev/null || return 1
  echo "$pid"
}

# PIDs of the processes carrying our marker for backend $1.
marked_pids() {
  local want f
  want="MODELGATE_NATIVE_ID=$(marker "$1")"
  # environ is NUL-separated: -z makes each variable a "line", -x matches it exactly
  grep -lzxF -- "$want" /proc/[0-9]*/environ 2>/dev/null | while read -r f; do
    f="${f#/proc/}"
    echo "${f%/environ}"
  done || true
}

# All descendants of the given pids (recursive, by parent pid).
descendants() {
  local frontier=("$@") next p
  while ((${#frontier[@]})); do
    next=()
    for p in "${frontier[@]}"; do
      while read -r c; do
        [[ -n "$c" ]] && { echo "$c"; next+=("$c"); }
      done < <(ps -o pid= --ppid "$p" 2>/dev/null | tr -d ' ')
    done
    frontier=("${next[@]}")
  done
}

# Every process belonging to backend $1: the process group of its leader, the leader's
# descendants and everything carrying its marker.
backend_tree() {
  local pid
  pid="$(backend_pid "$1" || true)"
  {
    if alive "$pid"; then
      echo "$pid"
      ps -o pid= -g "$pid" 2>/dev/null | tr -d ' '
      descendants "$pid"
    fi
    marked_pids "$1"
  } | grep -E '^[0-9]+$' | sort -un | grep -vx "$$" | drop_zombies || true
}

# Filter out zombies (exited, waiting to be reaped by init): they hold no resources.
drop_zombies() {
  local pids
  pids="$(paste -sd, -)"
  [[ -n "$pids" ]] || return 0
  ps -o pid=,stat= -p "$pids" 2>/dev/null | awk '$2 !~ /^Z/ { print $1 }'
}

stop_backend() {
  local name="$1" pid pids t=0
  pid="$(backend_pid "$name" || true)"
  mapfile -t pids < <(backend_tree "$name")
  if ((${#pids[@]} == 0)); then
    rm -f "$(pid_file "$name")"
    cleanup_backend "$name"
    return 0
  fi
  log "stopping $name (pids ${pids[*]})"
  if alive "$pid"; then kill -TERM -- "-$pid" 2>/dev/null || true; fi
  kill -TERM "${pids[@]}" 2>/dev/null || true
  while ((t < 100)); do   # up to 10 s for a graceful shutdown
    local left=()
    mapfile -t left < <(printf '%s\n' "${pids[@]}" | drop_zombies)
    ((${#left[@]} == 0)) && break
    sleep 0.1
    t=$((t + 1))
  done
  mapfile -t pids < <(backend_tree "$name")
  if ((${#pids[@]})); then
    log "killing leftover $name processes ${pids[*]}"
    kill -KILL "${pids[@]}" 2>/dev/null || true
    sleep 0.2
  fi
  rm -f "$(pid_file "$name")"
  cleanup_backend "$name"
}

cleanup_backend() {
  case "$1" in
    # TorchServe refuses to start while $TMPDIR/.model_server.pid names a live process; a stale
    # one from a killed run is removed here.
    torchserve) rm -f "$RUN_DIR/torchserve/tmp/.model_server.pid" ;;
  esac
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_process NAME CWD CMD... : setsid, logs, pid file, marker.
start_process() {
  local name="$1" cwd="$2"
  shift 2
  mkdir -p "$PID_DIR" "$LOG_DIR" "$cwd"
  : >"$LOG_DIR/$name.log"
  (
    cd "$cwd" || exit 1
    export MODELGATE_NATIVE_ID
    MODELGATE_NATIVE_ID="$(marker "$name")"
    exec setsid "$@" </dev/null >>"$LOG_DIR/$name.log" 2>&1
  ) &
  local pid=$! i
  echo "$pid" >"$(pid_file "$name")"
  # /proc/PID/environ shows the marker only once the subshell has exec'd; wait for it so that
  # backend_pid (which requires the marker) never misses a process that is starting.
  for ((i = 0; i < 100; i++)); do
    backend_pid "$name" >/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.02
  done
}

http_code() { curl -s -o /dev/null -m 2 -w '%{http_code}' "$@" 2>/dev/null || true; }

# rss_mb NAME: resident memory of the whole process tree in MiB.
rss_mb() {
  local pids
  pids="$(backend_tree "$1" | paste -sd, -)"
  [[ -n "$pids" ]] || { echo 0; return; }
  ps -o rss= -p "$pids" 2>/dev/null | awk '{ s += $1 } END { printf "%d", s / 1024 }'
}
