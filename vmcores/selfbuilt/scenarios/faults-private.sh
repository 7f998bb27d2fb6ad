# faults-private: clean-private on both test_hmm devices, then three faults:
#   PGMAP_DANGLING       a held page of device 0 names a freed pgmap copy
#                        (vmcores/kmod: refcount 2, freed kmemdup)
#   PGMAP_REF_LOW        a held page of device 1 lost the pgmap reference it
#                        holds (pgmc_private drop_ref): count < 1 + allocated
#   PRIVATE_PAGE_LEAKED  an idle page of device 0 allocated behind the
#                        driver's back (pgmc_private leak): refcount 1, a pgmap
#                        reference, no mirror or page table holds it
# pgmc-mem: 1G
# pgmc-dumps: elf kdump
# pgmc-expect: faults
. /run/pgmc/job/lib.sh
. $PGMC_SELFBUILT/scenarios/lib.sh
hmm_setup
hmm_hold a /dev/hmm_dmirror0 16
hmm_hold b /dev/hmm_dmirror1 16
hmm_report
dangling=$(hold_pfns a 4 | tail -1)
dropped=$(hold_pfns b 6 | tail -1)
leaked=$(hmm_chunks | awk 'NR == 1 { print $1 }')
kmod inject PGMAP_DANGLING $dangling
run insmod $PGMC_BUILD/selfbuilt/pgmc_private.ko drop_ref=$dropped leak=$leaked
record_pages $dangling $dropped $leaked
live_checks
pgmc_ready
idle_forever
