#!/bin/bash
# `make bench`: figures, not tests; nothing here passes or fails. Every
# comparison is made in this one run on this machine (A against B), never
# against a remembered number. Guest cycle counts use QEMU's -icount
# shift=0, which makes the TSC advance one tick per guest instruction, so
# they repeat exactly from run to run under TCG.
set -u
cd "$(dirname "$0")/../.."
RUNS=${BENCH_RUNS:-10}
QEMU_ARGS="-display none -no-reboot -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -m 64"

qemu_for() { [ "$1" = i386 ] && echo qemu-system-i386 || echo qemu-system-x86_64; }

loaded_size() {
    # the sum of PT_LOAD memory sizes: what the loader places in RAM
    readelf -lW "$1" | python3 -c 'import sys; print(sum(int(l.split()[5], 16) for l in sys.stdin if l.split()[:1] == ["LOAD"]))'
}

# Wall seconds of whole QEMU runs of two images on arch $1 with extra QEMU
# arguments $4 (the machine), alternating A and B so that a change in the
# machine's load hits both alike. Prints each pair's ratio A/B on stderr as
# it goes, then the two medians and the median of the pair ratios.
wall_pair() {
    local q a=() b=() r=() t0 t1 ta
    q=$(qemu_for "$1")
    for i in $(seq "$RUNS"); do
        for img in "$2" "$3"; do
            t0=$(date +%s%N)
            # shellcheck disable=SC2086  # $4 is a list of arguments
            $q $QEMU_ARGS $4 -kernel "$img" </dev/null >/dev/null 2>&1
            t1=$(date +%s%N)
            if [ "$img" = "$2" ]; then a+=($((t1 - t0))); ta=$((t1 - t0)); else b+=($((t1 - t0))); fi
        done
        r+=("$(echo "$ta $((t1 - t0))" | awk '{ printf "%.3f", $1 / $2 }')")
        printf "           pair %2d: %s / %s s = %s\n" "$i" \
            "$(echo "$ta" | awk '{ printf "%.4f", $1 / 1e9 }')" \
            "$(echo "$((t1 - t0))" | awk '{ printf "%.4f", $1 / 1e9 }')" "${r[-1]}" >&2
    done
    median() { printf "%s\n" "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
    echo "$(median "${a[@]}" | awk '{ printf "%.4f", $1 / 1e9 }') $(median "${b[@]}" | awk '{ printf "%.4f", $1 / 1e9 }') $(median "${r[@]}")"
}

# What QEMU's TCG translated in one whole run of an image (firmware
# included): "N instructions in M blocks", from -d in_asm. Translation,
# not execution, is most of what a boot adds to a run's time under TCG
# (docs/boot.md, "The whole run"), and unlike the time it repeats exactly.
translated() {
    local log; log=$(mktemp)
    # shellcheck disable=SC2086  # $3 is a list of arguments
    $(qemu_for "$1") $QEMU_ARGS $3 -kernel "$2" -d in_asm -D "$log" </dev/null >/dev/null 2>&1
    awk '/^IN:/ { b++ } /^0x[0-9a-f]+:/ { n++ } END { printf "%d instructions in %d blocks", n, b }' "$log"
    rm -f "$log"
}

echo "== image sizes"
printf "%-26s %12s %12s\n" image "file bytes" "loaded bytes"
for a in x86_64 i386; do
    for img in build/$a/hello.elf build/$a/selftest.elf build/$a/empty.elf; do
        printf "%-26s %12s %12s\n" "$img" "$(stat -c %s "$img")" "$(loaded_size "$img")"
    done
done

echo
echo "== guest cycles from the first instruction to main (TCG, -icount shift=0)"
for a in x86_64 i386; do
    q=$(qemu_for "$a")
    c=$($q $QEMU_ARGS -icount shift=0 -kernel build/$a/hello.elf -append "quiet bench" </dev/null 2>/dev/null \
        | sed -n 's/.*cycles from the first instruction to main: \([0-9]*\).*/\1/p')
    printf "%-8s %s cycles\n" "$a" "${c:-?}"
done

echo
echo "== where the boot's instructions go (TCG, -icount shift=0, hello, bench option)"
echo "   steps of kernel_main (docs/boot.md); memory at -m 64 and -m 4G"
boot_steps() {   # arch mem -> "name: cycles" lines
    $(qemu_for "$1") $QEMU_ARGS -icount shift=0 -m "$2" -kernel build/$1/hello.elf -append "quiet bench" \
        </dev/null 2>/dev/null | sed -n 's/^proteus: bench: boot step \(.*\): \([0-9]*\) cycles.*/\1: \2/p'
}
for a in x86_64 i386; do
    small=$(boot_steps "$a" 64)
    big=$(boot_steps "$a" 4G)
    echo "$small" | awk -v a="$a" -F': ' '{ printf "%-8s %-26s %10s\n", a, $1, $2 }'
    m64=$(echo "$small" | sed -n 's/^4 memory: //p')
    m4g=$(echo "$big" | sed -n 's/^4 memory: //p')
    printf "%-8s %-26s %10s  (-m 4G: %s, ratio %s; goal at most 1.5)\n" "$a" "memory set-up, -m 64" "${m64:-?}" \
        "${m4g:-?}" "$(echo "${m4g:-0} ${m64:-0}" | awk '{ if ($2 > 0) printf "%.2f", $1 / $2; else print "?" }')"
    # TCG gives no rate: the command line does, both the TSC's and the APIC
    # timer clock's, as the hypervisor leaf 0x40000010 gives both on KVM
    for given in "" "tsc_khz=1000000 apic_clock_khz=1000000"; do
        c=$($(qemu_for "$a") $QEMU_ARGS -icount shift=0 -m 64 -kernel build/$a/hello.elf -append "quiet bench $given" \
            </dev/null 2>/dev/null | sed -n 's/.*cycles from the first instruction to main: \([0-9]*\).*/\1/p')
        if [ -n "$given" ]; then how="given ($given)" goal=100,000; else how=measured goal=500,000; fi
        printf "%-8s %-26s %10s  (goal %s)\n" "$a" "to main, rate $how" "${c:-?}" "$goal"
    done
done

echo
echo "== whole QEMU run, hello against the empty kernel (TCG, $RUNS alternating runs;"
echo "   each pair's ratio, then the medians and the median of the ratios)"
for m in pc microvm; do
    for a in x86_64 i386; do
        if [ "$m" = microvm ]; then
            args="-M microvm" h_img=build/$a/hello.pvh.elf e_img=build/$a/empty.pvh.elf
        else
            args="-M pc" h_img=build/$a/hello.elf e_img=build/$a/empty.elf
        fi
        echo "$m $a:"
        read -r h e r < <(wall_pair "$a" "$h_img" "$e_img" "$args")
        printf "%-8s %-8s hello %s s, empty %s s, median ratio %s\n" "$m" "$a" "$h" "$e" "$r"
        printf "%-8s %-8s translated by TCG: hello %s, empty %s\n" "$m" "$a" \
            "$(translated "$a" "$h_img" "$args")" "$(translated "$a" "$e_img" "$args")"
    done
done
echo "(goal: hello within 10% of the empty kernel, a ratio of at most 1.10)"

echo
echo "== platform-op cost: (a) indirect calls (pvpatch=off), (b) patched, (c) no layer"
echo "   (c) is pvbench built with CONFIG_PVOPS=0: the hot operations are the native"
echo "   instructions at the call site. Two measures: guest instructions (-icount"
echo "   shift=0, exact) and TSC cycles under plain TCG (host time, best of 5 rounds)."
pvbench() {   # arch image options icount-flag -> "irq pte switch"
    local q; q=$(qemu_for "$1")
    # shellcheck disable=SC2086
    $q $QEMU_ARGS $4 -kernel "$2" -append "quiet $3" </dev/null 2>/dev/null |
        awk '/pvbench: irq_save_restore/ { i = $3 } /pvbench: pte_write/ { p = $3 }
             /pvbench: thread_switch/ { s = $3 } END { print i, p, s }'
}
for a in x86_64 i386; do
    for mode in "instructions:-icount shift=0" "TCG cycles:"; do
        label=${mode%%:*}
        flag=${mode#*:}
        read -r ia pa sa < <(pvbench "$a" build/$a/pvbench.elf pvpatch=off "$flag")
        read -r ib pb sb < <(pvbench "$a" build/$a/pvbench.elf "" "$flag")
        read -r ic pc sc < <(pvbench "$a" build/nolayer/$a/pvbench.elf "" "$flag")
        printf "%-7s %-12s %-18s %10s %10s %10s %10s\n" "$a" "$label" op "(a) indir" "(b) patch" "(c) none" "b/c"
        for row in "irq_save+restore $ia $ib $ic" "pte_write $pa $pb $pc" "thread_switch $sa $sb $sc"; do
            set -- $row
            printf "%-7s %-12s %-18s %10s %10s %10s %10s\n" "" "" "$1" "$2" "$3" "$4" \
                "$(echo "$3 $4" | awk '{ if ($2 > 0) printf "%.3f", $1 / $2; else print "-" }')"
        done
    done
done
echo "(goal: patched within 1% of no layer; padding NOPs count as instructions under"
echo " -icount, and TCG timings vary by a few percent from run to run)"

field() { awk -v k="pvbench: $1" 'index($0, k " ") == 1 { print $3 }'; }

echo
echo "== VMI: the same pvbench image native, under vmi-native, and under vmi-native with"
echo "   every inline directive turned into a call into the shim (vmi-native-calls.rom)"
vmi_run() {   # arch rom-or-empty icount-flag -> console
    local q rom=()
    q=$(qemu_for "$1")
    [ -n "$2" ] && rom=(-option-rom "build/$1/$2.rom")
    # shellcheck disable=SC2086
    $q $QEMU_ARGS $3 "${rom[@]}" -kernel "build/$1/pvbench.elf" -append quiet </dev/null 2>/dev/null
}
for a in x86_64 i386; do
    for mode in "instructions:-icount shift=0" "TCG cycles:"; do
        label=${mode%%:*}
        flag=${mode#*:}
        n=$(vmi_run "$a" "" "$flag")
        v=$(vmi_run "$a" vmi-native "$flag")
        c=$(vmi_run "$a" vmi-native-calls "$flag")
        printf "%-7s %-12s %-18s %12s %12s %12s\n" "$a" "$label" op native "vmi inline" "vmi calls"
        for op in irq_save_restore pte_write clock_read tsc_read eoi arm_oneshot ldt_load thread_switch; do
            printf "%-7s %-12s %-18s %12s %12s %12s\n" "" "" "$op" "$(echo "$n" | field $op)" \
                "$(echo "$v" | field $op)" "$(echo "$c" | field $op)"
        done
    done
done
echo "(vmi inline: the shim's directives as it gives them, the hot ops inline;"
echo " vmi calls: the same shim called for them. clock_read is a call into the"
echo " shim in both: the shim owns the clock)"

echo
echo "== Xen PV: the same pvbench image native (QEMU TCG) and as dom0 under Xen 4.17"
echo "   (TCG, -cpu qemu64, dom0_mem=64M); TSC cycles, best of 5 rounds"
xen_for() { [ "$1" = i386 ] && echo build/xen/xen-4.17-pv32.elf || echo build/xen/xen-4.17.elf; }
xen_run() {   # arch image "image args" [extra QEMU args] -> console
    qemu-system-x86_64 -cpu qemu64 -m 512 ${4:-} -display none -no-reboot -serial stdio \
        -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$(xen_for "$1")" \
        -append "console=com1 dom0_mem=64M" -initrd "$2 $3" </dev/null 2>/dev/null
}
for a in x86_64 i386; do
    if [ ! -f "$(xen_for "$a")" ]; then
        echo "$a: $(xen_for "$a") missing (make check builds it)"
        continue
    fi
    q=$(qemu_for "$a")
    native=$($q $QEMU_ARGS -kernel build/$a/pvbench.elf -append quiet </dev/null 2>/dev/null)
    xen=$(xen_run "$a" build/$a/pvbench.elf quiet)
    printf "%-7s %-22s %12s %12s\n" "$a" op native xen-pv
    for op in irq_save_restore pte_write pte_write_lazy clock_read tsc_read eoi arm_oneshot ldt_load \
            thread_switch; do
        printf "%-7s %-22s %12s %12s\n" "" "$op" "$(echo "$native" | field $op)" "$(echo "$xen" | field $op)"
    done
    echo "$xen" | sed -n 's/^pvbench: xen_map_1000 \(.*\)/        1000 page mappings: \1/p'
    echo "$xen" | sed -n 's/^pvbench: xen_map_1000_per_map \([0-9]*\).*/        the same, one lazy section per vm_map only: \1 hypercalls/p'
    xb=$(xen_run "$a" build/$a/hello.elf "quiet bench" "-icount shift=0")
    c=$(echo "$xb" | sed -n 's/.*cycles from the first instruction to main: \([0-9]*\).*/\1/p')
    us=$(echo "$xb" | sed -n 's/.*guest time from the first instruction to main: \([0-9]*\) us.*/\1/p')
    hc=$(echo "$xb" | sed -n 's/.*guest time from the first instruction to main: .*hypercalls: \([0-9]*\).*/\1/p')
    mem=$(echo "$xb" | sed -n 's/^proteus: bench: boot step 4 memory: \([0-9]*\) cycles.*/\1/p')
    n=$($q $QEMU_ARGS -icount shift=0 -kernel build/$a/hello.elf -append "quiet bench" </dev/null 2>/dev/null |
        sed -n 's/.*cycles from the first instruction to main: \([0-9]*\).*/\1/p')
    echo "        boot to main, guest instructions (-icount shift=0): xen-pv ${c:-?} from Xen's handover"
    echo "        (Xen's own work in hypercalls included), native ${n:-?} from the Multiboot entry"
    echo "        xen-pv guest time to main ${us:-?} us by its own clock (goal at most 1000 at"
    echo "        dom0_mem=64M), ${hc:-?} hypercalls before main; of it the memory step ${mem:-?}"
done
echo "(clock_read is clock_ns(): the pvclock under Xen, the TSC scaled natively;"
echo " pte_write under Xen is one mmu_update hypercall, pte_write_lazy the same"
echo " write queued in a lazy section and sent 256 at a time)"

echo
echo "== One Ethernet frame sent (pvbench with a virtio-net NIC on QEMU's user network,"
echo "   TCG; TSC cycles, best of 5 rounds of 200; netfront: the domU section below)"
for a in x86_64 i386; do
    q=$(qemu_for "$a")
    # shellcheck disable=SC2086
    n=$($q $QEMU_ARGS -nic user,model=virtio-net-pci -kernel "build/$a/pvbench.elf" -append quiet \
        </dev/null 2>/dev/null | field frame_send)
    # shellcheck disable=SC2086
    v=$($q $QEMU_ARGS -nic user,model=virtio-net-pci -option-rom "build/$a/vmi-native.rom" \
        -kernel "build/$a/pvbench.elf" -append quiet </dev/null 2>/dev/null | field frame_send)
    printf "%-7s frame_send  native %10s   vmi-native %10s\n" "$a" "${n:-?}" "${v:-?}"
done

echo
echo "== Xen PV domU under Debian's xl on a Linux dom0 (TCG; tests/bench/xl.py): xl create"
echo "   to main, a xenstore read's round trip, a grant and its end, xl save and restore"
python3 tests/bench/xl.py

echo
echo "== SMP: pvbench on 2 CPUs under multi-threaded TCG, per personality (TSC cycles,"
echo "   best of 5 rounds of 200): CPU 1 started by pvbench (booted with maxcpus=1;"
echo "   vcpu.start and the wait until it runs kernel code, once), an empty call to CPU 1"
echo "   and its answer (kernel/smp.c), a wake-up of a thread on CPU 1 (condition"
echo "   variable, reschedule IPI), a TLB shootdown of 1 and of 512 pages (the other CPU"
echo "   told and answering)"
smp_xen_run() {   # arch -> console of pvbench as dom0 with two vCPUs
    qemu-system-x86_64 -cpu qemu64 -m 512 -smp 2 -display none -no-reboot -serial stdio \
        -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$(xen_for "$1")" \
        -append "console=com1 dom0_mem=64M dom0_max_vcpus=2" \
        -initrd "build/$1/pvbench.elf quiet maxcpus=1" </dev/null 2>/dev/null
}
printf "%-7s %-18s %12s %12s %12s\n" arch op native vmi-native xen-pv
for a in x86_64 i386; do
    q=$(qemu_for "$a")
    # shellcheck disable=SC2086
    n=$($q $QEMU_ARGS -smp 2 -kernel "build/$a/pvbench.elf" -append "quiet maxcpus=1" </dev/null 2>/dev/null)
    # shellcheck disable=SC2086
    v=$($q $QEMU_ARGS -smp 2 -option-rom "build/$a/vmi-native.rom" -kernel "build/$a/pvbench.elf" \
        -append "quiet maxcpus=1" </dev/null 2>/dev/null)
    x=""
    [ -f "$(xen_for "$a")" ] && x=$(smp_xen_run "$a")
    for op in vcpu_start ipi_round_trip wakeup_cross_cpu shootdown_1 shootdown_512; do
        printf "%-7s %-18s %12s %12s %12s\n" "$a" "$op" "$(echo "$n" | field $op)" \
            "$(echo "$v" | field $op)" "$(echo "$x" | field $op)"
    done
done
echo "(under TCG a halted CPU wakes at the host's pace, and every figure here is"
echo " the emulator's as much as the kernel's; past 32 pages a shootdown flushes"
echo " the whole TLB, so 512 pages cost about what 33 do)"

echo
echo "== SMP: the one scheduler lock as CPUs are added: thread switches per CPU per ms"
echo "   while every CPU switches at once (two threads pinned to each yielding to each"
echo "   other; pvbench, native, multi-threaded TCG)"
printf "%-7s %10s %10s %10s\n" arch "1 CPU" "2 CPUs" "4 CPUs"
for a in x86_64 i386; do
    q=$(qemu_for "$a")
    r=()
    for n in 1 2 4; do
        # shellcheck disable=SC2086
        r+=("$($q $QEMU_ARGS -smp $n -kernel "build/$a/pvbench.elf" -append quiet </dev/null 2>/dev/null |
            field yield_rate)")
    done
    printf "%-7s %10s %10s %10s\n" "$a" "${r[@]}"
done
echo "(this machine has $(nproc) cores: with more vCPUs than cores the figure per CPU"
echo " falls whatever the kernel does)"

echo
echo "== SMP: speed-up of a CPU-bound app, apps/primes (four POSIX threads summing the"
echo "   primes below 10,000,000), on 2 CPUs against 1, per personality; multi-threaded TCG,"
echo "   the app's own clock, median of 3 runs (goal: at least 1.8 on a 2-core host)"
primes_secs() {   # arch cpus personality -> seconds, median of 3
    local q; q=$(qemu_for "$1")
    for _ in 1 2 3; do
        case $3 in
        native)
            # shellcheck disable=SC2086
            $q $QEMU_ARGS -smp "$2" -kernel "build/$1/primes.elf" -append "quiet -- limit=10000000" ;;
        vmi)
            # shellcheck disable=SC2086
            $q $QEMU_ARGS -smp "$2" -option-rom "build/$1/vmi-native.rom" \
                -kernel "build/$1/primes.elf" -append "quiet -- limit=10000000" ;;
        xen)
            qemu-system-x86_64 -cpu qemu64 -m 512 -smp "$2" -display none -no-reboot -serial stdio \
                -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$(xen_for "$1")" \
                -append "console=com1 dom0_mem=64M dom0_max_vcpus=$2" \
                -initrd "build/$1/primes.elf quiet -- limit=10000000" ;;
        esac </dev/null 2>/dev/null | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p'
    done | sort -n | sed -n 2p
}
printf "%-7s %-8s %10s %10s %10s\n" arch as "1 CPU s" "2 CPUs s" speed-up
for a in x86_64 i386; do
    for p in native vmi xen; do
        [ "$p" = xen ] && [ ! -f "$(xen_for "$a")" ] && continue
        one=$(primes_secs "$a" 1 "$p")
        two=$(primes_secs "$a" 2 "$p")
        printf "%-7s %-8s %10s %10s %10s\n" "$a" "$p" "${one:-?}" "${two:-?}" \
            "$(echo "${one:-0} ${two:-0}" | awk '{ if ($2 > 0) printf "%.2f", $1 / $2; else print "-" }')"
    done
done
echo "(run on an otherwise idle machine: the two vCPUs are two host threads, and"
echo " anything else running takes a core from them)"

echo
echo "== KVM: the kvmcheck image under KVM, as platform=kvm, with kvmclock mixed"
echo "   into VMI, and with KVM hidden (-cpu ...,kvm=off); here, or on the nested KVM host"
python3 tests/bench/kvm.py "$RUNS"
echo "(TSC cycles per call, median of 5 rounds of 1,000; EOIs skipped: the host set"
echo " the PV EOI bit, so the kernel wrote no EOI register for them)"

# Proteus against Linux (Debian's kernel and busybox) in the same QEMU
# machine (issue 17; tests/bench/peer.py): these two say "not measured" with
# the reason and exit 1 when a figure could not be had, and make bench then
# ends with an error after printing everything else.
failed=""
echo
echo "== HTTP: Proteus's httpd against Linux's busybox httpd, the same page, wrk on"
echo "   a forwarded host port (tests/bench/http.py)"
python3 tests/bench/http.py || failed="$failed http.py"

echo
echo "== block: 64 MiB written then read on a virtio-blk disk, Proteus's blkbench"
echo "   against Linux's dd with O_DIRECT (tests/bench/blk.py)"
python3 tests/bench/blk.py || failed="$failed blk.py"

if [ -n "$failed" ]; then
    echo
    echo "bench: not measured, see above:$failed"
    exit 1
fi
