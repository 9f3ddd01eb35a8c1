package io.capstan.proxy.config;

import java.util.List;

/** A discovery response the proxy cannot apply; the message lists every problem, one per resource path. */
public final class InvalidConfigException extends Exception {
    private final List<String> problems;

    public InvalidConfigException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
