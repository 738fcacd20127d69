package dev.agentsandbox.sidecar.proxy.policy;

import java.net.InetAddress;

/**
 * An address range such as {@code 10.0.0.0/8} or {@code fc00::/7}.
 *
 * @param text    the range as written
 * @param network the network address bytes (4 or 16)
 * @param prefix  the number of leading bits that must match
 */
public record CidrRange(String text, byte[] network, int prefix) {

    /** Parses {@code address/prefix}; the message names the text and the expected form. */
    public static CidrRange parse(String text) {
        int slash = text.indexOf('/');
        String addressPart = slash < 0 ? text : text.substring(0, slash);
        byte[] address = IpLiterals.parseBytes(addressPart);
        if (address == null || slash >= 0 && slash == text.length() - 1) {
            throw new IllegalArgumentException("CIDR '" + text + "': expected an IP address range like 10.0.0.0/8");
        }
        int bits = address.length * 8;
        int prefix;
        try {
            prefix = slash < 0 ? bits : Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("CIDR '" + text + "': the prefix after '/' is not a number");
        }
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("CIDR '" + text + "': prefix must be 0.." + bits);
        }
        return new CidrRange(text, address, prefix);
    }

    public boolean contains(InetAddress address) {
        return contains(address.getAddress());
    }

    /** Whether {@code bytes} (an address of the same family) lies in the range. */
    public boolean contains(byte[] bytes) {
        if (bytes.length != network.length) {
            return false;
        }
        int fullBytes = prefix / 8;
        for (int i = 0; i < fullBytes; i++) {
            if (bytes[i] != network[i]) {
                return false;
            }
        }
        int remainingBits = prefix % 8;
        if (remainingBits == 0) {
            return true;
        }
        int mask = (0xff << (8 - remainingBits)) & 0xff;
        return (bytes[fullBytes] & mask) == (network[fullBytes] & mask);
    }

    @Override
    public String toString() {
        return text;
    }
}
