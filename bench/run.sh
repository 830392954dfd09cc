#!/usr/bin/env bash
# The benchmark harness (bench/src/main/java/org/aitbc/bench, README "Benchmarks").
#
#   bench/run.sh                          build, start a server of its own (port 9381 or --port N, embedded Derby in
#                                         target/bench/db), run every scenario (3 runs; the seeded ones once),
#                                         stop it, and write docs/BENCHMARKS.md
#   bench/run.sh --db postgres            the same with a PostgreSQL of its own (--pg-port N, default 55381),
#                                         one server: docs/BENCHMARKS-postgres.md
#   bench/run.sh --smoke                  the same scaled down (a few hundred jobs, 1 MiB, one run): a few
#                                         minutes after the build; writes target/bench/BENCHMARKS-smoke.md
#   bench/run.sh --url URL --admin-key K  load a server that is already running (a cluster's load balancer,
#                                         say) instead of starting one
#   bench/run.sh --compare OLD.json       also print each figure beside an earlier run's results.json
#                                         (target/bench/results.json of that run) with the change
#   bench/run.sh --help                   every option
#
# BENCH_SKIP_BUILD=true skips the Maven build (the harness and the server from the last build are used).
# BENCH_JAVA_OPTS sets the harness JVM's options (default: -Xmx1g).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
CP_FILE=bench/target/classpath.txt
mkdir -p target/bench

own_server=true
for a in "$@"; do
  [ "$a" = "--url" ] && own_server=false
  [ "$a" = "--help" ] || [ "$a" = "-h" ] && own_server=false
done

if [ "${BENCH_SKIP_BUILD:-false}" != true ]; then
  # Every module: the harness needs the server's classes, and its own server is made from the war and
  # the Open Liberty runtime that the build installs. The bench module writes its classpath at package.
  # One reactor run: a second one (liberty:create alone) could not resolve the modules' own jars,
  # which are packaged, not installed. liberty:create acts only in the server module.
  goals=(package)
  $own_server && [ ! -x target/liberty/wlp/bin/server ] && goals+=(liberty:create)
  echo "[bench] building: mvn -DskipTests ${goals[*]}" >&2
  mvn -B -ntp -q -DskipTests "${goals[@]}" >&2
fi
[ -f "$CP_FILE" ] || { echo "no $CP_FILE: run once without BENCH_SKIP_BUILD" >&2; exit 1; }

# A JVM of its own, apart from the server's: the load runs in this process over loopback.
# shellcheck disable=SC2086
exec java ${BENCH_JAVA_OPTS:--Xmx1g} -cp "bench/target/classes:$(cat "$CP_FILE")" \
  org.aitbc.bench.Bench --project "$ROOT" "$@"
