package io.capstan.controllers.servicelb;

import java.util.Optional;
import java.util.function.Predicate;

/**
 * An IPv4 CIDR that LoadBalancer addresses come from. The network and broadcast addresses of a
 * prefix shorter than /31 are never handed out (MetalLB's avoid-buggy-ips, always on here): some
 * clients refuse them.
 */
public record AddressPool(String cidr, long first, long last) {

    /** @throws IllegalArgumentException when {@code cidr} is not an IPv4 CIDR such as {@code 127.98.0.0/16} */
    public static AddressPool parse(String cidr) {
        String[] parts = cidr.trim().split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("not an IPv4 CIDR: " + cidr);
        }
        int bits;
        try {
            bits = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an IPv4 CIDR: " + cidr);
        }
        if (bits < 0 || bits > 32) {
            throw new IllegalArgumentException("not an IPv4 CIDR: " + cidr);
        }
        long base = toLong(parts[0]).orElseThrow(() -> new IllegalArgumentException("not an IPv4 CIDR: " + cidr))
                & (bits == 0 ? 0 : (0xffffffffL << (32 - bits)) & 0xffffffffL);
        long size = 1L << (32 - bits);
        boolean edges = bits < 31;
        return new AddressPool(toIp(base) + "/" + bits, edges ? base + 1 : base, edges ? base + size - 2 : base + size - 1);
    }

    public boolean contains(String ip) {
        Optional<Long> v = toLong(ip);
        return v.isPresent() && v.get() >= first && v.get() <= last;
    }

    public long size() {
        return last - first + 1;
    }

    /** The lowest address of the pool that {@code taken} does not reject, if any. */
    public Optional<String> lowestFree(Predicate<String> taken) {
        for (long v = first; v <= last; v++) {
            String ip = toIp(v);
            if (!taken.test(ip)) {
                return Optional.of(ip);
            }
        }
        return Optional.empty();
    }

    /** Parses a dotted IPv4 address strictly (four decimal octets), or nothing. */
    static Optional<Long> toLong(String ip) {
        if (ip == null) {
            return Optional.empty();
        }
        String[] octets = ip.split("\\.", -1);
        if (octets.length != 4) {
            return Optional.empty();
        }
        long v = 0;
        for (String o : octets) {
            if (o.isEmpty() || o.length() > 3 || !o.chars().allMatch(Character::isDigit)) {
                return Optional.empty();
            }
            int n = Integer.parseInt(o);
            if (n > 255) {
                return Optional.empty();
            }
            v = (v << 8) | n;
        }
        return Optional.of(v);
    }

    static String toIp(long v) {
        return ((v >> 24) & 0xff) + "." + ((v >> 16) & 0xff) + "." + ((v >> 8) & 0xff) + "." + (v & 0xff);
    }
}
