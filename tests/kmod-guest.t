#!/bin/bash
# The test module and holder program in a real guest (see vmcores/kmod/README).
exec "$(dirname "$0")/../vmcores/kmod/guest-test"
