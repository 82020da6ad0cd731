#!/usr/bin/env bash
# Compile time and peak memory of typegrad programs beside their Eigen peers.
#
#   bench/compile_time/run.sh [--repeat N] [--compilers "g++-12 clang++-14"] [--include DIR] [--sweep "1 2 4 8 16 32"]
#                             [--new-only]
#
# Each program is compiled (-c, to an object file) with `-std=c++20 -O2 -march=native` under
# /usr/bin/time -v, N times (default 3); the table gives the fastest wall time, the CPU time
# (user + sys) of that run and the largest peak RSS. --include points at another typegrad include
# tree (e.g. a patched copy) instead of the project's. --sweep also times the typegrad MLP for each
# depth listed (seconds against size). --new-only times the floors and the new-user programs only.
# Prints a Markdown table.
#
# The three new-user programs (wine_classifier, custom_model, accumulation) are timed four times:
# as they are; with <typegrad/typegrad.hpp> precompiled (the PCH is built once per compiler with
# the same flags, as CMake's target_precompile_headers does; its own build time is a row of its
# own); with the data layer compiled once elsewhere (-DTYPEGRAD_DATA_COMPILED, what linking
# typegrad::data_compiled does); and with both, the recipe of docs/compile_time.md. The floor rows (xsimd and Hana alone, the umbrella header alone) say what this machine
# charges for including, so that runs on machines of different speed compare.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
repeat=3
compilers="g++-12 clang++-14"
include="$root/include"
sweep=""
new_only=0
while [ $# -gt 0 ]; do
    case "$1" in
        --repeat) repeat=$2; shift 2 ;;
        --compilers) compilers=$2; shift 2 ;;
        --include) include=$(cd "$2" && pwd); shift 2 ;;
        --sweep) sweep=$2; shift 2 ;;
        --new-only) new_only=1; shift ;;
        *) echo "usage: $0 [--repeat N] [--compilers \"g++-12 clang++-14\"] [--include DIR] [--sweep \"1 2 4 8\"]" >&2; exit 2 ;;
    esac
done

eigen_include=/usr/include/eigen3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure <label> <compiler> <source> [flags...]: prints one table row
measure() {
    local label=$1 cxx=$2 src=$3
    shift 3
    if [ ! -f "$src" ]; then
        printf '| %s | %s | - | - | - | missing: %s |\n' "$label" "$cxx" "${src#"$root"/}"
        return
    fi
    local best_wall="" best_cpu="" peak=0 status=ok
    for _ in $(seq "$repeat"); do
        if ! /usr/bin/time -v -o "$work/time" "$cxx" -std=c++20 -O2 -march=native "$@" -c "$src" -o "${measure_out:-$work/out.o}" \
            >"$work/log" 2>&1; then
            status="FAILS: $(grep -m1 -E '(fatal )?error:' "$work/log" | sed -E 's/.*error: //' | cut -c1-90)"
        fi
        local wall cpu rss
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; ++i) s = s * 60 + t[i]; print s}' "$work/time")
        cpu=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.2f", u + s}' "$work/time")
        rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
        if [ -z "$best_wall" ] || awk "BEGIN {exit !($wall < $best_wall)}"; then best_wall=$wall; best_cpu=$cpu; fi
        [ "$rss" -gt "$peak" ] && peak=$rss
        [ "$status" = ok ] || break
    done
    printf '| %s | %s | %.2f | %s | %d | %s |\n' "$label" "$cxx" "$best_wall" "$best_cpu" $((peak / 1024)) "$status"
}

echo "Compile time, \`-std=c++20 -O2 -march=native -c\`, fastest of $repeat; $(nproc) cores, $(uname -m);"
echo "typegrad headers: ${include#"$root"/}"
echo
echo "| program | compiler | wall s | cpu s | peak RSS MiB | status |"
echo "| --- | --- | ---: | ---: | ---: | --- |"
pch=$work/pch
for cxx in $compilers; do
    measure "floor: xsimd + Hana included" "$cxx" "$here/floor.cpp"
    measure "floor: <typegrad/typegrad.hpp> included" "$cxx" "$here/headers.cpp" -I"$include"
    # The precompiled umbrella header, built with the programs' flags (once as it is, once with the
    # data layer declared, not compiled: TYPEGRAD_DATA_COMPILED): GCC finds name.gch beside the
    # header named by -include; Clang takes the file by -include-pch.
    for kind in plain data; do
        mkdir -p "$pch/$kind"
        printf '#include <typegrad/typegrad.hpp>\n' >"$pch/$kind/typegrad_pch.hpp"
        defs=()
        [ "$kind" = data ] && defs=(-DTYPEGRAD_DATA_COMPILED)
        case "$cxx" in
            clang*) out="$pch/$kind/typegrad_pch.hpp.pch" ;;
            *) out="$pch/$kind/typegrad_pch.hpp.gch" ;;
        esac
        label="PCH of <typegrad/typegrad.hpp> (built once)"
        [ "$kind" = data ] && label="PCH of <typegrad/typegrad.hpp>, TYPEGRAD_DATA_COMPILED (built once)"
        measure_out=$out measure "$label" "$cxx" "$pch/$kind/typegrad_pch.hpp" -I"$include" "${defs[@]}" -x c++-header
    done
    use_pch() {  # use_pch <kind>: the flags that use that PCH
        case "$cxx" in
            clang*) pch_use=(-include-pch "$pch/$1/typegrad_pch.hpp.pch") ;;
            *) pch_use=(-include "$pch/$1/typegrad_pch.hpp" -Winvalid-pch) ;;
        esac
    }
    for program in wine_classifier custom_model accumulation; do
        measure "$program: typegrad" "$cxx" "$here/$program.cpp" -I"$include"
        use_pch plain
        measure "$program: header precompiled" "$cxx" "$here/$program.cpp" -I"$include" "${pch_use[@]}"
        measure "$program: data layer compiled once" "$cxx" "$here/$program.cpp" -I"$include" -DTYPEGRAD_DATA_COMPILED
        use_pch data
        measure "$program: both (the fast-edit recipe)" "$cxx" "$here/$program.cpp" -I"$include" \
            -DTYPEGRAD_DATA_COMPILED "${pch_use[@]}"
    done
    [ "$new_only" = 1 ] && continue
    measure "diabetes: typegrad (examples/diabetes)" "$cxx" "$root/examples/diabetes/main.cpp" \
        -I"$include" -DTYPEGRAD_EXAMPLE_DATA="\"$root/examples/data\""
    measure "diabetes: Eigen" "$cxx" "$here/eigen_diabetes.cpp" -I"$eigen_include"
    # The convolutional example, as it is and as examples/CMakeLists.txt builds it (the umbrella
    # header precompiled, the data layer compiled once).
    measure "digits_cnn: typegrad (examples/digits_cnn)" "$cxx" "$root/examples/digits_cnn/main.cpp" \
        -I"$include" -DTYPEGRAD_EXAMPLE_DATA="\"$root/examples/data\""
    use_pch data
    measure "digits_cnn: both (as the examples build)" "$cxx" "$root/examples/digits_cnn/main.cpp" \
        -I"$include" -DTYPEGRAD_EXAMPLE_DATA="\"$root/examples/data\"" -DTYPEGRAD_DATA_COMPILED "${pch_use[@]}"
    for depth in 6 32; do
        measure "MLP $depth layers: typegrad" "$cxx" "$here/mlp.cpp" -I"$include" -DDEPTH="$depth"
        measure "MLP $depth layers: Eigen" "$cxx" "$here/eigen_mlp.cpp" -I"$eigen_include" -DDEPTH="$depth"
    done
done

if [ -n "$sweep" ]; then
    echo
    echo "| typegrad MLP depth | compiler | wall s | cpu s | peak RSS MiB | status |"
    echo "| ---: | --- | ---: | ---: | ---: | --- |"
    for cxx in $compilers; do
        for depth in $sweep; do
            measure "$depth" "$cxx" "$here/mlp.cpp" -I"$include" -DDEPTH="$depth"
        done
    done
fi
