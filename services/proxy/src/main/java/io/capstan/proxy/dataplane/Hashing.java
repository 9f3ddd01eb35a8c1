package io.capstan.proxy.dataplane;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ThreadLocalRandom;

/** The hashes of consistent-hash load balancing: 64-bit, well mixed (MurmurHash3's fmix64). */
final class Hashing {
    private Hashing() {
    }

    static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    static long string(String s) {
        long h = 1125899906842597L;
        for (int i = 0; i < s.length(); i++) {
            h = 31 * h + s.charAt(i);
        }
        return mix(h);
    }

    /** The source_ip hash of a connection (its port is not part of it). */
    static long sourceIp(SocketAddress remote) {
        if (remote instanceof InetSocketAddress isa && isa.getAddress() != null) {
            InetAddress a = isa.getAddress();
            byte[] b = a.getAddress();
            long h = 0;
            for (byte x : b) {
                h = h * 257 + (x & 0xff);
            }
            return mix(h ^ b.length);
        }
        return ThreadLocalRandom.current().nextLong();
    }
}
