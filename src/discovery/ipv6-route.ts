import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

/** Any non-zero port: connect() on a UDP socket only picks a route and a source address. */
const PROBE_PORT = 9;
const PROBE_TIMEOUT_MS = 2000;

/**
 * Does this host have a route to the IPv6 address? Asks the kernel by connect()ing a UDP socket:
 * that does the route lookup (ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL, … when there is none)
 * but sends no packet. Never rejects: anything unexpected counts as "no route".
 */
export function hasIpv6Route(address: string): Promise<boolean> {
  // connect() would resolve a name through DNS: only literals are checked.
  if (!isIPv6(address)) return Promise.resolve(false);
  return new Promise((resolve) => {
    let socket: ReturnType<typeof createSocket>;
    try {
      socket = createSocket('udp6');
    } catch {
      resolve(false);
      return;
    }
    let settled = false;
    const finish = (routable: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        // already closed by a failed implicit bind
      }
      resolve(routable);
    };
    const timer = setTimeout(() => finish(false), PROBE_TIMEOUT_MS);
    socket.on('error', () => finish(false));
    try {
      socket.connect(PROBE_PORT, address, (err?: Error) => finish(err === undefined || err === null));
    } catch {
      finish(false);
    }
  });
}
