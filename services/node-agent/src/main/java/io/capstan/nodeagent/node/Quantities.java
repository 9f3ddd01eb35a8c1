package io.capstan.nodeagent.node;

import io.fabric8.kubernetes.api.model.Quantity;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Resource quantities as the kubelet writes and reads them. */
public final class Quantities {
    private static final String[] BINARY_SUFFIXES = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

    private Quantities() {
    }

    /**
     * Bytes in Kubernetes' canonical binary form: the largest binary suffix that divides the
     * value exactly ({@code 16393460Ki}), a plain number when none does.
     */
    public static String binary(long bytes) {
        if (bytes == 0) {
            return "0";
        }
        int exponent = 0;
        long value = bytes;
        while (value % 1024 == 0 && exponent < BINARY_SUFFIXES.length - 1) {
            value /= 1024;
            exponent++;
        }
        return value + BINARY_SUFFIXES[exponent];
    }

    /** The quantity's value as a number (bytes, cores, count), or null for null. */
    public static BigDecimal value(Quantity quantity) {
        return quantity == null ? null : Quantity.getAmountInBytes(quantity);
    }

    /** The value in thousandths (millicores), rounded up as Kubernetes' MilliValue does; null for null. */
    public static Long millis(Quantity quantity) {
        BigDecimal value = value(quantity);
        return value == null ? null : value.movePointRight(3).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    /** The value as a whole number, rounded up as Kubernetes' Value does; null for null. */
    public static Long whole(Quantity quantity) {
        BigDecimal value = value(quantity);
        return value == null ? null : value.setScale(0, RoundingMode.CEILING).longValueExact();
    }
}
