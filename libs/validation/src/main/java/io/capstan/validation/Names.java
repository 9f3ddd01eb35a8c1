package io.capstan.validation;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The string checks of k8s.io/apimachinery/pkg/util/validation, returning the same messages so
 * that kubectl prints what it prints against a real cluster. Each method returns the list of
 * problems (empty when the value is fine); callers attach the field path.
 */
final class Names {
    private Names() {
    }

    static final String DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    static final String DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*";
    static final String DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";
    static final String QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    static final String LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?";
    static final String CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+";
    static final String PERCENT_FMT = "[0-9]+%";

    private static final Pattern PERCENT = Pattern.compile(PERCENT_FMT);

    static String maxLenError(int length) {
        return "must be no more than " + length + " characters";
    }

    /** apimachinery's RegexError, including its two spaces before each "or". */
    static String regexError(String msg, String fmt, String... examples) {
        if (examples.length == 0) {
            return msg + " (regex used for validation is '" + fmt + "')";
        }
        StringBuilder b = new StringBuilder(msg).append(" (e.g. ");
        for (int i = 0; i < examples.length; i++) {
            if (i > 0) {
                b.append(" or ");
            }
            b.append('\'').append(examples[i]).append("', ");
        }
        return b.append("regex used for validation is '").append(fmt).append("')").toString();
    }

    static List<String> dns1123Label(String value) {
        List<String> errs = new ArrayList<>();
        if (value.length() > 63) {
            errs.add(maxLenError(63));
        }
        if (!isDns1123Label(value, 0, value.length())) {
            errs.add(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                    + "and must start and end with an alphanumeric character", DNS1123_LABEL_FMT, "my-name", "123-abc"));
        }
        return errs;
    }

    static List<String> dns1123Subdomain(String value) {
        List<String> errs = new ArrayList<>();
        if (value.length() > 253) {
            errs.add(maxLenError(253));
        }
        if (!isDns1123Subdomain(value)) {
            errs.add(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                    + "and must start and end with an alphanumeric character", DNS1123_SUBDOMAIN_FMT, "example.com"));
        }
        return errs;
    }

    static List<String> dns1035Label(String value) {
        List<String> errs = new ArrayList<>();
        if (value.length() > 63) {
            errs.add(maxLenError(63));
        }
        if (value.isEmpty() || !(value.charAt(0) >= 'a' && value.charAt(0) <= 'z') || !isDns1123Label(value, 0, value.length())) {
            errs.add(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                    + "start with an alphabetic character, and end with an alphanumeric character", DNS1035_LABEL_FMT,
                    "my-name", "abc-123"));
        }
        return errs;
    }

    /** IsQualifiedName: an optional DNS subdomain prefix and '/', then a name of at most 63 characters. */
    static List<String> qualifiedName(String value) {
        List<String> errs = new ArrayList<>();
        String[] parts = value.split("/", -1);
        String name;
        String nameMsg = regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                + "alphanumeric character", QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc");
        switch (parts.length) {
            case 1 -> name = parts[0];
            case 2 -> {
                String prefix = parts[0];
                name = parts[1];
                if (prefix.isEmpty()) {
                    errs.add("prefix part must be non-empty");
                } else {
                    for (String m : dns1123Subdomain(prefix)) {
                        errs.add("prefix part " + m);
                    }
                }
            }
            default -> {
                errs.add("a qualified name " + nameMsg + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
                return errs;
            }
        }
        if (name.isEmpty()) {
            errs.add("name part must be non-empty");
        } else if (name.length() > 63) {
            errs.add("name part " + maxLenError(63));
        }
        if (!isQualifiedName(name)) {
            errs.add("name part " + nameMsg);
        }
        return errs;
    }

    static List<String> labelValue(String value) {
        List<String> errs = new ArrayList<>();
        if (value.length() > 63) {
            errs.add(maxLenError(63));
        }
        if (!(value.isEmpty() || isQualifiedName(value))) {
            errs.add(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                    + "and must start and end with an alphanumeric character", LABEL_VALUE_FMT, "MyValue", "my_value", "12345"));
        }
        return errs;
    }

    static List<String> configMapKey(String value) {
        List<String> errs = new ArrayList<>();
        if (value.length() > 253) {
            errs.add(maxLenError(253));
        }
        if (!isConfigMapKey(value)) {
            errs.add(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                    CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"));
        }
        if (value.equals(".")) {
            errs.add("must not be '.'");
        } else if (value.equals("..")) {
            errs.add("must not be '..'");
        } else if (value.startsWith("..")) {
            errs.add("must not start with '..'");
        }
        return errs;
    }

    static List<String> portNum(long port) {
        return port >= 1 && port <= 65535 ? List.of() : List.of("must be between 1 and 65535, inclusive");
    }

    static List<String> portName(String port) {
        List<String> errs = new ArrayList<>();
        if (port.length() > 15) {
            errs.add(maxLenError(15));
        }
        if (!portNameCharset(port)) {
            errs.add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        }
        if (!oneLetter(port)) {
            errs.add("must contain at least one letter (a-z)");
        }
        if (port.contains("--")) {
            errs.add("must not contain consecutive hyphens");
        }
        if (!port.isEmpty() && (port.startsWith("-") || port.endsWith("-"))) {
            errs.add("must not begin or end with a hyphen");
        }
        return errs;
    }

    /** {@code [-a-z0-9]+} without a regex. */
    private static boolean portNameCharset(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** {@code .*[a-z].*} without a regex: a lowercase letter and no line terminator ('.' matches none). */
    private static boolean oneLetter(String s) {
        boolean letter = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
                return false;
            }
            letter |= c >= 'a' && c <= 'z';
        }
        return letter;
    }

    static List<String> percent(String value) {
        return PERCENT.matcher(value).matches() ? List.of()
                : List.of(regexError("a valid percent string must be a numeric string followed by an ending '%'", PERCENT_FMT, "1%", "93%"));
    }

    /** RelaxedEnvironmentVariableValidation (GA in Kubernetes 1.34): any printable ASCII but '='. */
    static List<String> envVarName(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 32 || c > 126 || c == '=') {
                return List.of("a valid environment variable name must consist only of printable ASCII characters other than '='");
            }
        }
        return List.of();
    }

    /** IsValidIP: an IPv4 dotted quad or an IPv6 address, without zone or prefix. */
    static boolean isIp(String value) {
        return isIpv4(value) || isIpv6(value);
    }

    static boolean isIpv4(String value) {
        String[] parts = value.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    static boolean isIpv6(String value) {
        if (!value.contains(":") || value.contains("%") || value.contains("/")) {
            return false;
        }
        String v = value;
        int lastColon = v.lastIndexOf(':');
        int groupsForTail = 0;
        if (v.substring(lastColon + 1).contains(".")) {
            if (!isIpv4(v.substring(lastColon + 1))) {
                return false;
            }
            v = v.substring(0, lastColon + 1) + "0:0";
            groupsForTail = 0;
        }
        int doubleColon = v.indexOf("::");
        if (doubleColon != v.lastIndexOf("::")) {
            return false;
        }
        String[] groups = v.replace("::", ":x:").split(":", -1);
        int count = 0;
        for (String g : groups) {
            if (g.equals("x")) {
                continue;
            }
            if (g.isEmpty()) {
                if (doubleColon < 0) {
                    return false;
                }
                continue;
            }
            if (g.length() > 4 || !g.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                return false;
            }
            count++;
        }
        count += groupsForTail;
        return doubleColon >= 0 ? count < 8 : count == 8;
    }

    /** A CIDR such as 10.244.0.0/24 or fd00::/64. */
    static boolean isCidr(String value) {
        int slash = value.indexOf('/');
        if (slash < 0) {
            return false;
        }
        String ip = value.substring(0, slash);
        String bits = value.substring(slash + 1);
        if (bits.isEmpty() || !bits.chars().allMatch(Character::isDigit) || bits.length() > 3) {
            return false;
        }
        int b = Integer.parseInt(bits);
        return isIpv4(ip) ? b <= 32 : isIpv6(ip) && b <= 128;
    }

    // Hand-written scanners for the hot checks: java.util.regex allocates per group and
    // backtracks, and every object, label and annotation passes through these on each write.

    private static boolean alnumLower(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }

    private static boolean alnum(char c) {
        return alnumLower(c) || (c >= 'A' && c <= 'Z');
    }

    /** {@code [a-z0-9]([-a-z0-9]*[a-z0-9])?} over value[from, to). */
    static boolean isDns1123Label(String value, int from, int to) {
        if (to <= from || !alnumLower(value.charAt(from)) || !alnumLower(value.charAt(to - 1))) {
            return false;
        }
        for (int i = from + 1; i < to - 1; i++) {
            char c = value.charAt(i);
            if (!alnumLower(c) && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** Dot-separated DNS-1123 labels. */
    static boolean isDns1123Subdomain(String value) {
        int start = 0;
        for (int i = 0; i <= value.length(); i++) {
            if (i == value.length() || value.charAt(i) == '.') {
                if (!isDns1123Label(value, start, i)) {
                    return false;
                }
                start = i + 1;
            }
        }
        return true;
    }

    /** {@code ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]}. */
    static boolean isQualifiedName(String value) {
        int n = value.length();
        if (n == 0 || !alnum(value.charAt(0)) || !alnum(value.charAt(n - 1))) {
            return false;
        }
        for (int i = 1; i < n - 1; i++) {
            char c = value.charAt(i);
            if (!alnum(c) && c != '-' && c != '_' && c != '.') {
                return false;
            }
        }
        return true;
    }

    /** {@code [-._a-zA-Z0-9]+}. */
    static boolean isConfigMapKey(String value) {
        if (value.isEmpty()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!alnum(c) && c != '-' && c != '_' && c != '.') {
                return false;
            }
        }
        return true;
    }
}
