// Network faults between real processes: the office-hub link through a
// loopback fault proxy (see tests/support/fault_proxy.h).
