package io.capstan.workloads.common;

import io.fabric8.kubernetes.api.model.IntOrString;

/** intstr.GetScaledValueFromIntOrPercent: an absolute number, or a percentage of a total. */
public final class IntOrPercent {
    private IntOrPercent() {
    }

    /**
     * Resolves {@code value} against {@code total}; a percentage is rounded up when
     * {@code roundUp}, down otherwise; null resolves to {@code defaultValue}.
     *
     * @throws IllegalArgumentException for a string that is not a percentage
     */
    public static int scaledValue(IntOrString value, int total, boolean roundUp, int defaultValue) {
        if (value == null || (value.getIntVal() == null && value.getStrVal() == null)) {
            return defaultValue;
        }
        if (value.getStrVal() == null) {
            return value.getIntVal();
        }
        String s = value.getStrVal();
        if (!s.endsWith("%")) {
            throw new IllegalArgumentException("invalid value for IntOrString: invalid type: string is not a percentage: " + s);
        }
        int percent;
        try {
            percent = Integer.parseInt(s.substring(0, s.length() - 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid value \"" + s + "\": " + e.getMessage());
        }
        double scaled = (double) percent * total / 100.0;
        return (int) (roundUp ? Math.ceil(scaled) : Math.floor(scaled));
    }
}
