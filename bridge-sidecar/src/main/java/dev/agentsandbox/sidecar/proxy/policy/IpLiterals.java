package dev.agentsandbox.sidecar.proxy.policy;

import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Recognises a host that is an IP address in any spelling a client library accepts: IPv6 (with or without
 * brackets) and the IPv4 forms of {@code inet_aton} that curl and browsers also accept: {@code 127.0.0.1},
 * {@code 2130706433} (one 32-bit number), {@code 0x7f.1} (hex parts), {@code 0177.0.0.1} (octal parts),
 * {@code 127.1} (short form: the last part fills the remaining bytes).
 *
 * <p>Every spelling must be caught here: a form missed would reach the resolver, which would turn it into an
 * address without the policy having seen it as a literal.
 */
public final class IpLiterals {

    private IpLiterals() {
    }

    /** The address the host denotes, or null when it is not an IP literal. Never does a DNS lookup. */
    public static InetAddress parse(String host) {
        String h = host;
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.indexOf(':') >= 0) {
            if (h.indexOf('%') >= 0 || !NetUtil.isValidIpV6Address(h)) {
                return null;
            }
            return NetUtil.createInetAddressFromIpAddressString(h);
        }
        byte[] v4 = parseLooseIpv4(h);
        if (v4 == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(v4);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The address bytes as written: 16 for any IPv6 text (even an IPv4-mapped one, which {@link InetAddress}
     * would turn into 4), 4 for an IPv4 form; null when not an IP literal.
     */
    static byte[] parseBytes(String host) {
        if (host.indexOf(':') >= 0) {
            return host.indexOf('%') >= 0 || !NetUtil.isValidIpV6Address(host) ? null
                    : NetUtil.createByteArrayFromIpAddressString(host);
        }
        return parseLooseIpv4(host);
    }

    private static byte[] parseLooseIpv4(String host) {
        if (host.isEmpty() || host.endsWith(".") && host.length() == 1) {
            return null;
        }
        String[] parts = host.split("\\.", -1);
        if (parts.length > 4) {
            return null;
        }
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            long value = parsePart(parts[i]);
            if (value < 0) {
                return null;
            }
            values[i] = value;
        }
        long address = 0;
        for (int i = 0; i < values.length - 1; i++) {
            if (values[i] > 0xff) {
                return null;
            }
            address |= values[i] << (24 - 8 * i);
        }
        long last = values[values.length - 1];
        int lastBits = 32 - 8 * (values.length - 1);
        if (last >= (1L << lastBits)) {
            return null;
        }
        address |= last;
        return new byte[] {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
    }

    /** One part in decimal, {@code 0x} hex or leading-zero octal; -1 when it is not a number. */
    private static long parsePart(String part) {
        if (part.isEmpty() || part.length() > 12) {
            return -1;
        }
        int radix = 10;
        String digits = part;
        if (part.startsWith("0x") || part.startsWith("0X")) {
            radix = 16;
            digits = part.substring(2);
            if (digits.isEmpty()) {
                return 0;
            }
        } else if (part.length() > 1 && part.charAt(0) == '0') {
            radix = 8;
            digits = part.substring(1);
        }
        long value = 0;
        for (int i = 0; i < digits.length(); i++) {
            int digit = Character.digit(digits.charAt(i), radix);
            if (digit < 0) {
                return -1;
            }
            value = value * radix + digit;
        }
        return value;
    }
}
