// Reading the relay bench's tools: ping's summary and iperf3's JSON.
import test from "ava";
import { parseIperf, parsePing } from "../../../lab/observe/relay-bench.ts";

test("ping: counts, the summary's four figures and the median of the replies", (t) => {
  const out = `PING 192.168.191.12 (192.168.191.12) 56(84) bytes of data.
64 bytes from 192.168.191.12: icmp_seq=1 ttl=64 time=0.090 ms
64 bytes from 192.168.191.12: icmp_seq=2 ttl=64 time=10.176 ms
64 bytes from 192.168.191.12: icmp_seq=3 ttl=64 time=0.028 ms

--- 192.168.191.12 ping statistics ---
3000 packets transmitted, 2998 received, 0.0666667% packet loss, time 3001ms
rtt min/avg/max/mdev = 0.028/0.106/10.176/0.412 ms, ipg/ewma 1.000/0.095 ms
`;
  t.deepEqual(parsePing(out), {
    sent: 3000,
    received: 2998,
    minMs: 0.028,
    avgMs: 0.106,
    maxMs: 10.176,
    mdevMs: 0.412,
    medianMs: 0.09,
  });
  t.is(parsePing("3 packets transmitted, 0 received, 100% packet loss, time 2002ms\n"), null, "no replies");
});

test("iperf3 -J: the receiver's rate and the sender's retransmits", (t) => {
  const json = JSON.stringify({
    end: { sum_sent: { bits_per_second: 3.2e8, retransmits: 4 }, sum_received: { bits_per_second: 3.16e8 } },
  });
  t.deepEqual(parseIperf(json), { mbps: 316, retransmits: 4 });
  t.is(parseIperf(JSON.stringify({ error: "unable to connect to server" })), null);
  t.is(parseIperf("iperf3: error - unable to connect"), null);
});
