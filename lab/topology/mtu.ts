// MTUs of the modelled network that topology.yaml does not set (the ZeroTier MTU it does, with
// ZeroTier's default of 2800). Every runtime builds these; lint checks the path against them.

/** The site LANs: plain Ethernet. */
export const LAN_MTU = 1500;
/** The pods' interfaces: Cilium's default on a 1500-byte LAN (native routing, no overlay). */
export const POD_MTU = 1500;
